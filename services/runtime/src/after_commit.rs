//! Effects that may only happen once a transaction has committed.
//!
//! A business metric counted inside a transaction would count a change that rolled back,
//! and count it again when the consumer retries the message. Code deep inside a use case
//! [`defer`]s such effects; whoever owns the transaction wraps it, commit included, in
//! [`scope`], which runs them only when that work succeeded.

use std::cell::RefCell;
use std::future::Future;

type Effect = Box<dyn FnOnce() + Send>;

tokio::task_local! {
    static PENDING: RefCell<Vec<Effect>>;
}

/// Runs `work` (which ends by committing its transaction); when it returns `Ok`, runs every
/// effect deferred inside it, in order. On `Err` they are dropped: nothing was committed.
pub async fn scope<T, E>(work: impl Future<Output = Result<T, E>>) -> Result<T, E> {
    let (result, effects) = PENDING
        .scope(RefCell::new(Vec::new()), async {
            let result = work.await;
            (result, PENDING.with(RefCell::take))
        })
        .await;
    if result.is_ok() {
        for effect in effects {
            effect();
        }
    }
    result
}

/// Defers `effect` until the enclosing [`scope`] commits. Outside any scope nothing will
/// commit on its behalf, so it is dropped.
pub fn defer(effect: impl FnOnce() + Send + 'static) {
    let deferred = PENDING.try_with(|pending| pending.borrow_mut().push(Box::new(effect)));
    if deferred.is_err() {
        tracing::debug!("an after-commit effect outside any transaction scope was dropped");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn counting(count: &Arc<AtomicUsize>) -> impl FnOnce() + Send + 'static {
        let count = Arc::clone(count);
        move || {
            count.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn effects_run_after_successful_work_only() {
        let count = Arc::new(AtomicUsize::new(0));
        let ok: Result<(), ()> = scope(async {
            defer(counting(&count));
            defer(counting(&count));
            assert_eq!(count.load(Ordering::SeqCst), 0, "ran before the work ended");
            Ok(())
        })
        .await;
        assert!(ok.is_ok());
        assert_eq!(count.load(Ordering::SeqCst), 2);

        let failed: Result<(), ()> = scope(async {
            defer(counting(&count));
            Err(())
        })
        .await;
        assert!(failed.is_err());
        assert_eq!(count.load(Ordering::SeqCst), 2, "a rolled-back effect ran");

        defer(counting(&count));
        assert_eq!(count.load(Ordering::SeqCst), 2, "an unscoped effect ran");
    }
}
