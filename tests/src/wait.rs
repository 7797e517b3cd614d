//! Waiting in tests for what happens asynchronously: poll with a deadline, never a blind sleep.

use std::fmt::Debug;
use std::future::Future;
use std::time::{Duration, Instant};

/// Pause between two polls: short enough not to slow a test, long enough not to busy-loop.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Calls `check` until it answers `Ok`, and returns that value. `Err` means "not yet" and
/// carries the state seen, which the failure message shows when `timeout` passes first.
///
/// # Panics
/// When `timeout` passes: the test fails, naming `what` it waited for and the last state.
pub async fn eventually<T, S, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    S: Debug,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, S>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match check().await {
            Ok(value) => return value,
            Err(state) if Instant::now() >= deadline => {
                panic!("waited {timeout:?} in vain for {what}; last seen: {state:?}")
            }
            Err(_) => tokio::time::sleep(POLL_INTERVAL).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn returns_the_first_ready_value() {
        let calls = AtomicU32::new(0);
        let value = eventually("the third call", Duration::from_secs(5), || async {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if n >= 3 { Ok(n) } else { Err(n) }
        })
        .await;
        assert_eq!(value, 3);
    }

    #[tokio::test]
    #[should_panic(expected = "in vain for something that never happens; last seen: \"no\"")]
    async fn fails_with_the_last_state_at_the_deadline() {
        eventually::<(), _, _, _>(
            "something that never happens",
            Duration::from_millis(120),
            || async { Err("no") },
        )
        .await;
    }
}
