//! The route table: which service answers a gateway path, and under which path.
//!
//! Pure, so the whole table is tested without a socket, and the OpenAPI merge can check that a
//! service's operation really is reachable through the gateway before it documents it.

use std::fmt;

/// Prefix of every proxied path; the services never see it.
pub const API_PREFIX: &str = "/api";

/// The services behind the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Upstream {
    Customer,
    Order,
    Payment,
    Inventory,
    Notification,
}

impl Upstream {
    pub const ALL: [Self; 5] = [
        Self::Customer,
        Self::Order,
        Self::Payment,
        Self::Inventory,
        Self::Notification,
    ];

    /// The service's name, as used in `/api/admin/{service}/...`, metrics and the docs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Order => "order",
            Self::Payment => "payment",
            Self::Inventory => "inventory",
            Self::Notification => "notification",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|upstream| upstream.name() == name)
    }
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a gateway path goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub upstream: Upstream,
    /// The path the service serves, e.g. `/orders/42` for `/api/orders/42`.
    pub path: String,
    /// An `/api/admin/{service}/...` route: it needs the admin token at the gateway.
    pub admin: bool,
}

/// Resolves a gateway path (without query) to its service and the service's own path, or
/// `None` when no service answers it.
///
/// `/api/customers/{id}/notifications` belongs to the notification service although the
/// customer service owns `/customers`; `/api/admin/{service}/rest` becomes `/admin/rest` on that
/// service. Paths with `.`/`..` segments are refused, so no path can climb out of its service's
/// prefix at an upstream that normalises it.
pub fn resolve(path: &str) -> Option<Route> {
    let rest = path.strip_prefix(API_PREFIX)?;
    let segments: Vec<&str> = rest.strip_prefix('/')?.split('/').collect();
    if segments.iter().any(|segment| is_dot_segment(segment)) {
        return None;
    }
    let proxied = |upstream| {
        Some(Route {
            upstream,
            path: rest.to_owned(),
            admin: false,
        })
    };
    match segments.as_slice() {
        ["customers", id, "notifications", ..] if !id.is_empty() => proxied(Upstream::Notification),
        ["customers", ..] => proxied(Upstream::Customer),
        ["orders", ..] => proxied(Upstream::Order),
        ["products" | "reservations", ..] => proxied(Upstream::Inventory),
        ["payments", ..] => proxied(Upstream::Payment),
        ["notifications", ..] => proxied(Upstream::Notification),
        ["admin", service, tail @ ..] => Some(Route {
            upstream: Upstream::from_name(service)?,
            path: if tail.is_empty() {
                "/admin".to_owned()
            } else {
                format!("/admin/{}", tail.join("/"))
            },
            admin: true,
        }),
        _ => None,
    }
}

/// The gateway path that [`resolve`]s to `path` on `upstream`, if the gateway exposes it: the
/// inverse of the table, used to document the services' operations under gateway paths.
pub fn public_path(upstream: Upstream, path: &str) -> Option<String> {
    let candidate = match path.strip_prefix("/admin") {
        Some(tail) if tail.is_empty() || tail.starts_with('/') => {
            format!("{API_PREFIX}/admin/{}{tail}", upstream.name())
        }
        _ => format!("{API_PREFIX}{path}"),
    };
    let route = resolve(&candidate)?;
    (route.upstream == upstream && route.path == path).then_some(candidate)
}

/// `.` or `..`, also percent-encoded (`%2e`), which some servers decode before normalising.
fn is_dot_segment(segment: &str) -> bool {
    let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
    decoded == "." || decoded == ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(path: &str) -> Option<(Upstream, String, bool)> {
        resolve(path).map(|route| (route.upstream, route.path, route.admin))
    }

    #[test]
    fn every_prefix_goes_to_its_service_without_the_api_prefix() {
        let cases = [
            ("/api/customers", Upstream::Customer, "/customers"),
            ("/api/customers/7", Upstream::Customer, "/customers/7"),
            ("/api/orders/7/events", Upstream::Order, "/orders/7/events"),
            ("/api/products/p1", Upstream::Inventory, "/products/p1"),
            (
                "/api/reservations/r1",
                Upstream::Inventory,
                "/reservations/r1",
            ),
            ("/api/payments", Upstream::Payment, "/payments"),
            (
                "/api/notifications/n1",
                Upstream::Notification,
                "/notifications/n1",
            ),
        ];
        for (path, upstream, upstream_path) in cases {
            assert_eq!(
                target(path),
                Some((upstream, upstream_path.to_owned(), false)),
                "{path}"
            );
        }
    }

    #[test]
    fn a_customers_notifications_belong_to_the_notification_service() {
        assert_eq!(
            target("/api/customers/7/notifications"),
            Some((
                Upstream::Notification,
                "/customers/7/notifications".to_owned(),
                false
            ))
        );
        assert_eq!(
            target("/api/customers/7/addresses").map(|t| t.0),
            Some(Upstream::Customer)
        );
        assert_eq!(
            target("/api/customers//notifications").map(|t| t.0),
            Some(Upstream::Customer)
        );
    }

    #[test]
    fn admin_routes_name_their_service() {
        assert_eq!(
            target("/api/admin/payment/dead-letters/replay"),
            Some((
                Upstream::Payment,
                "/admin/dead-letters/replay".to_owned(),
                true
            ))
        );
        assert_eq!(
            target("/api/admin/order"),
            Some((Upstream::Order, "/admin".to_owned(), true))
        );
        assert_eq!(target("/api/admin/billing/faults"), None);
        assert_eq!(target("/api/admin"), None);
    }

    #[test]
    fn unknown_and_look_alike_paths_resolve_to_nothing() {
        for path in [
            "/api",
            "/api/",
            "/api/customersx",
            "/api/unknown/1",
            "/customers",
            "/apix/customers",
            "/api/orders/../admin/faults",
            "/api/orders/%2E%2e/admin",
            "/api/orders/./1",
        ] {
            assert_eq!(target(path), None, "{path}");
        }
    }

    #[test]
    fn public_paths_invert_the_table() {
        assert_eq!(
            public_path(Upstream::Customer, "/customers/{id}").as_deref(),
            Some("/api/customers/{id}")
        );
        assert_eq!(
            public_path(Upstream::Notification, "/customers/{id}/notifications").as_deref(),
            Some("/api/customers/{id}/notifications")
        );
        assert_eq!(
            public_path(Upstream::Inventory, "/admin/dead-letters").as_deref(),
            Some("/api/admin/inventory/dead-letters")
        );
        assert_eq!(public_path(Upstream::Order, "/health/ready"), None);
        assert_eq!(
            public_path(Upstream::Customer, "/customers/{id}/notifications"),
            None,
            "the notification service answers that path, not the customer service"
        );
        assert_eq!(public_path(Upstream::Order, "/customers"), None);
    }
}
