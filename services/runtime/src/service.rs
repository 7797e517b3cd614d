//! Running a service process: the HTTP server beside its background workers (the outbox
//! relay, consumers, sweepers), all stopped cleanly by SIGTERM/SIGINT.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::BoxFuture;
use crate::config::HttpConfig;
use crate::messaging::{ConsumerRunner, Inbox, OutboxRelay};

/// Longest pause between attempts to restart a consumer that stopped with an error.
const MAX_RESTART_BACKOFF: Duration = Duration::from_secs(30);

/// The background work of one service process, started when the server starts and stopped,
/// between units of work, when it stops.
pub struct Workers {
    stop: CancellationToken,
    tasks: Vec<(&'static str, BoxFuture<'static, ()>)>,
}

impl Default for Workers {
    fn default() -> Self {
        Self::new()
    }
}

impl Workers {
    pub fn new() -> Self {
        Self {
            stop: CancellationToken::new(),
            tasks: Vec::new(),
        }
    }

    /// Publishes the service's outbox.
    pub fn relay(self, relay: OutboxRelay) -> Self {
        self.task("outbox relay", |stop| relay.run(stop))
    }

    /// Consumes a group's topics. A consumer that fails (the broker is unreachable at start,
    /// say) is started again with a growing back-off instead of leaving the service deaf.
    pub fn consumer<I: Inbox>(
        self,
        make: impl Fn() -> Result<ConsumerRunner<I>, rdkafka::error::KafkaError> + Send + 'static,
    ) -> Self {
        self.task("consumer", move |stop| async move {
            let mut backoff = Duration::from_millis(500);
            while !stop.is_cancelled() {
                let failure = match make() {
                    Ok(runner) => match runner.run(stop.clone()).await {
                        Ok(()) => return,
                        Err(err) => err.to_string(),
                    },
                    Err(err) => err.to_string(),
                };
                tracing::error!(error = %failure, ?backoff, "consumer stopped; restarting");
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_RESTART_BACKOFF);
            }
        })
    }

    /// Any other loop that runs until `stop` is cancelled.
    pub fn task<F, Fut>(mut self, name: &'static str, run: F) -> Self
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let future = run(self.stop.clone());
        self.tasks.push((name, Box::pin(future)));
        self
    }

    /// Starts every worker; the returned handle stops them.
    pub fn start(self) -> RunningWorkers {
        let mut set = JoinSet::new();
        for (name, task) in self.tasks {
            set.spawn(async move {
                task.await;
                name
            });
        }
        RunningWorkers {
            stop: self.stop,
            set,
        }
    }
}

/// Workers that run in the background until [`RunningWorkers::stop`].
pub struct RunningWorkers {
    stop: CancellationToken,
    set: JoinSet<&'static str>,
}

impl RunningWorkers {
    /// Asks every worker to stop and waits until they have.
    pub async fn stop(mut self) {
        self.stop.cancel();
        while let Some(joined) = self.set.join_next().await {
            match joined {
                Ok(name) => tracing::debug!(worker = name, "stopped"),
                Err(err) => tracing::error!(%err, "a worker ended abnormally"),
            }
        }
    }
}

/// Binds `HTTP_ADDR`, serves `router` and runs `workers` until a shutdown signal; then drains
/// in-flight requests, stops the workers between units of work and returns.
pub async fn serve(
    service: &'static str,
    http: &HttpConfig,
    router: axum::Router,
    workers: Workers,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(http.http_addr)
        .await
        .map_err(|err| {
            std::io::Error::new(
                err.kind(),
                format!("cannot bind HTTP_ADDR {}: {err}", http.http_addr),
            )
        })?;
    let workers = workers.start();
    tracing::info!(service, addr = %listener.local_addr()?, "listening");
    let served = crate::http::serve(listener, router, http.shutdown_grace()).await;
    workers.stop().await;
    tracing::info!(service, "stopped");
    served
}
