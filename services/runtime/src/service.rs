//! Running a service process: the HTTP server and the outbox relay side by side, both
//! stopped cleanly by SIGTERM/SIGINT.

use tokio_util::sync::CancellationToken;

use crate::config::HttpConfig;
use crate::messaging::OutboxRelay;

/// Binds `HTTP_ADDR`, serves `router` and runs `relay` until a shutdown signal; then drains
/// in-flight requests, stops the relay between batches and returns.
pub async fn serve_with_relay(
    service: &'static str,
    http: &HttpConfig,
    router: axum::Router,
    relay: OutboxRelay,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(http.http_addr)
        .await
        .map_err(|err| {
            std::io::Error::new(
                err.kind(),
                format!("cannot bind HTTP_ADDR {}: {err}", http.http_addr),
            )
        })?;
    let stop = CancellationToken::new();
    let relay = tokio::spawn(relay.run(stop.clone()));
    tracing::info!(service, addr = %listener.local_addr()?, "listening");
    let served = crate::http::serve(listener, router, http.shutdown_grace()).await;
    stop.cancel();
    if let Err(err) = relay.await {
        tracing::error!(service, %err, "the outbox relay ended abnormally");
    }
    tracing::info!(service, "stopped");
    served
}
