//! Forwarding one `/api/...` request to its service and its answer back, unbuffered.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Version, header};
use axum::response::{IntoResponse, Response};
use orderflow_runtime::{AppError, telemetry};
use tracing::Instrument;

use crate::admin;
use crate::routes::{self, Route};
use crate::upstream::Upstreams;

/// Headers that describe one connection, not the message: never passed on (RFC 9110 §7.6.1).
const HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
];

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// What the proxy handler needs.
#[derive(Clone)]
pub struct ProxyState {
    pub upstreams: Upstreams,
    /// The admin token; `None` turns `/api/admin/...` off.
    pub admin_token: Option<Arc<str>>,
}

/// Forwards `request` to the service its path resolves to and answers with the service's
/// status, headers and (streamed) body.
pub async fn forward(State(state): State<ProxyState>, request: Request) -> Response {
    let Some(route) = routes::resolve(request.uri().path()) else {
        return AppError::NotFound(format!("no service answers {}", request.uri().path()))
            .into_response();
    };
    if route.admin
        && let Err(refusal) = admin::authorize(state.admin_token.as_deref(), request.headers())
    {
        return refusal.into_response();
    }
    let span = tracing::info_span!(
        "upstream",
        otel.name = %format_args!("{} {}", request.method(), route.upstream),
        otel.kind = "client",
        upstream = %route.upstream,
    );
    match outgoing(&state.upstreams, &route, request) {
        Ok(mut outgoing) => {
            // The service continues the trace under this client span; with traces off, the
            // client's own `traceparent` passes through untouched.
            if let Some(traceparent) = telemetry::traceparent_of(&span)
                .and_then(|value| HeaderValue::from_str(&value).ok())
            {
                outgoing.headers_mut().insert(TRACEPARENT, traceparent);
            }
            exchange(&state.upstreams, &route, outgoing)
                .instrument(span)
                .await
        }
        Err(err) => err.into_response(),
    }
}

/// The request as the service receives it: its own path, the query, the body, and the headers
/// minus hop-by-hop ones plus the forwarding headers.
fn outgoing(upstreams: &Upstreams, route: &Route, request: Request) -> Result<Request, AppError> {
    let (mut parts, body) = request.into_parts();
    let path_and_query = match parts.uri.query() {
        Some(query) => format!("{}?{query}", route.path),
        None => route.path.clone(),
    };
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let mut headers = std::mem::take(&mut parts.headers);
    strip_hop_by_hop(&mut headers);
    let host = headers.remove(header::HOST);
    add_forwarding(&mut headers, peer, host);

    let mut outgoing = Request::new(body);
    *outgoing.method_mut() = parts.method;
    *outgoing.uri_mut() = upstreams.url(route.upstream, &path_and_query)?;
    *outgoing.version_mut() = Version::HTTP_11;
    *outgoing.headers_mut() = headers;
    Ok(outgoing)
}

async fn exchange(upstreams: &Upstreams, route: &Route, outgoing: Request) -> Response {
    let started = Instant::now();
    let result = upstreams.send(route.upstream, outgoing).await;
    let outcome = match &result {
        Ok(response) => response.status().as_str().to_owned(),
        Err(err) => err.kind().to_owned(),
    };
    let labels = [
        ("upstream", route.upstream.name().to_owned()),
        ("outcome", outcome),
    ];
    metrics::counter!("gateway_upstream_requests_total", &labels).increment(1);
    metrics::histogram!("gateway_upstream_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    match result {
        Ok(mut response) => {
            strip_hop_by_hop(response.headers_mut());
            response
        }
        Err(err) => err.into_response(),
    }
}

/// Removes the hop-by-hop headers, including those the `Connection` header names.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named.iter().chain(&HOP_BY_HOP) {
        headers.remove(name);
    }
    // `Upgrade` is hop-by-hop too; the gateway does not tunnel upgraded connections.
    headers.remove(header::UPGRADE);
}

/// Appends the client to `X-Forwarded-For` and `Forwarded` (RFC 7239), and records the host
/// and scheme the client used unless a proxy in front already did.
fn add_forwarding(headers: &mut HeaderMap, peer: Option<IpAddr>, host: Option<HeaderValue>) {
    if let Some(ip) = peer {
        append(headers, X_FORWARDED_FOR, &ip.to_string());
        let node = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("\"[{v6}]\""),
        };
        let mut element = format!("for={node};proto=http");
        if let Some(host) = host.as_ref().and_then(|h| h.to_str().ok()) {
            element.push_str(&format!(";host=\"{host}\""));
        }
        append(headers, header::FORWARDED, &element);
    }
    if let Some(host) = host {
        headers.entry(X_FORWARDED_HOST).or_insert(host);
    }
    headers
        .entry(X_FORWARDED_PROTO)
        .or_insert(HeaderValue::from_static("http"));
}

/// `name: <existing values>, <value>`, as one header line.
fn append(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    let mut values: Vec<&str> = headers
        .get_all(&name)
        .iter()
        .filter_map(|existing| existing.to_str().ok())
        .collect();
    values.push(value);
    if let Ok(joined) = HeaderValue::from_str(&values.join(", ")) {
        headers.insert(name, joined);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_dropped() {
        let mut map = headers(&[
            ("connection", "keep-alive, x-session-hint"),
            ("keep-alive", "timeout=5"),
            ("x-session-hint", "abc"),
            ("transfer-encoding", "chunked"),
            ("te", "trailers"),
            ("authorization", "Bearer t"),
            ("x-request-id", "r1"),
        ]);
        strip_hop_by_hop(&mut map);
        let mut left: Vec<_> = map.keys().map(HeaderName::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["authorization", "x-request-id"]);
    }

    #[test]
    fn the_client_is_appended_to_the_forwarding_headers() {
        let mut map = headers(&[("x-forwarded-for", "203.0.113.7")]);
        let peer = Some("10.0.0.9".parse().unwrap());
        add_forwarding(
            &mut map,
            peer,
            Some(HeaderValue::from_static("shop.example:8080")),
        );
        assert_eq!(map["x-forwarded-for"], "203.0.113.7, 10.0.0.9");
        assert_eq!(
            map["forwarded"],
            "for=10.0.0.9;proto=http;host=\"shop.example:8080\""
        );
        assert_eq!(map["x-forwarded-host"], "shop.example:8080");
        assert_eq!(map["x-forwarded-proto"], "http");
    }

    #[test]
    fn ipv6_clients_are_quoted_and_earlier_proxies_kept() {
        let mut map = headers(&[
            ("x-forwarded-proto", "https"),
            ("forwarded", "for=192.0.2.1"),
        ]);
        add_forwarding(&mut map, Some("::1".parse().unwrap()), None);
        assert_eq!(map["forwarded"], "for=192.0.2.1, for=\"[::1]\";proto=http");
        assert_eq!(map["x-forwarded-proto"], "https");
    }
}
