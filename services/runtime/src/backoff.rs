//! Waiting for a dependency at start-up: compose and Kubernetes start things in any order, so
//! a service keeps trying to connect, with a doubling back-off, for a bounded time.

use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, Instant};

/// The last error when the budget ran out, and how long was spent trying.
#[derive(Debug)]
pub(crate) struct GaveUp<E> {
    pub source: E,
    pub waited: Duration,
}

/// Calls `connect` until it succeeds or `budget` is spent, sleeping 100 ms, 200 ms, … up to
/// 2 s between attempts and logging each failure as `what` not being reachable yet.
pub(crate) async fn retry_connect<T, E, F, Fut>(
    what: &'static str,
    budget: Duration,
    mut connect: F,
) -> Result<T, GaveUp<E>>
where
    E: Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let started = Instant::now();
    let mut backoff = Duration::from_millis(100);
    loop {
        match connect().await {
            Ok(connected) => return Ok(connected),
            Err(err) if started.elapsed() + backoff < budget => {
                tracing::warn!(%err, retry_in_ms = backoff.as_millis(), "{what} not reachable yet");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
            Err(source) => {
                return Err(GaveUp {
                    source,
                    waited: started.elapsed(),
                });
            }
        }
    }
}
