//! Per-client rate limits on `/api`: one token bucket (GCRA) per client address, answered with
//! 429 and `Retry-After` once a client has used its burst.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use orderflow_runtime::Problem;
use tokio_util::sync::CancellationToken;

/// How often buckets of clients that have gone quiet are dropped, so memory tracks the active
/// clients rather than every address ever seen.
const PRUNE_INTERVAL: Duration = Duration::from_secs(60);

/// The limiter shared by every request; cheap to clone.
#[derive(Clone)]
pub struct RateLimit {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl RateLimit {
    pub fn new(per_second: NonZeroU32, burst: NonZeroU32) -> Self {
        let quota = Quota::per_second(per_second).allow_burst(burst);
        Self {
            limiter: Arc::new(DefaultKeyedRateLimiter::keyed(quota)),
        }
    }

    /// Takes one request from `client`'s bucket, or says how long until one is available.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.limiter
            .check_key(&client_key(client))
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }

    /// Drops idle clients' buckets every minute until `stop` (a background worker).
    pub async fn prune(self, stop: CancellationToken) {
        let mut ticks = tokio::time::interval(PRUNE_INTERVAL);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = ticks.tick() => {
                    self.limiter.retain_recent();
                    self.limiter.shrink_to_fit();
                }
            }
        }
    }
}

/// Middleware: limits each client by its peer address. A server started without connect info
/// leaves every client in one shared bucket rather than unlimited.
pub async fn limit(State(limit): State<RateLimit>, request: Request, next: Next) -> Response {
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |ConnectInfo(addr)| {
            addr.ip()
        });
    match limit.check(client) {
        Ok(()) => next.run(request).await,
        Err(wait) => too_many_requests(wait),
    }
}

fn too_many_requests(wait: Duration) -> Response {
    // Whole seconds, rounded up: a client that waits as told always finds a token.
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let mut response = Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "Too many requests",
    )
    .with_detail(format!(
        "this client sent too many requests; retry in {seconds} s"
    ))
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// The bucket an address counts against: IPv4 as is, IPv6 by its /64 network, since one host
/// commonly owns a whole /64 and could otherwise rotate past the limit.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !((1_u128 << 64) - 1))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_client_gets_its_burst_then_waits_and_others_are_unaffected() {
        let limit = RateLimit::new(NonZeroU32::MIN, NonZeroU32::new(3).unwrap());
        for _ in 0..3 {
            assert!(limit.check(ip("10.0.0.1")).is_ok());
        }
        let wait = limit.check(ip("10.0.0.1")).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(limit.check(ip("10.0.0.2")).is_ok());
    }

    #[test]
    fn ipv6_clients_share_their_64_network() {
        assert_eq!(client_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(client_key(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
        assert_eq!(client_key(ip("10.0.0.1")), ip("10.0.0.1"));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let response = too_many_requests(Duration::from_millis(1200));
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        assert_eq!(
            too_many_requests(Duration::from_millis(1)).headers()[header::RETRY_AFTER],
            "1"
        );
    }
}
