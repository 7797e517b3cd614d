use anyhow::Context;
use clap::Parser;
use inventory_service::{MIGRATOR, SERVICE, app, config::Config, relay};
use orderflow_runtime::{db, http, telemetry};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    telemetry::init(SERVICE);
    let pool = db::connect(&config.database, &MIGRATOR)
        .await
        .context("database")?;
    let listener = tokio::net::TcpListener::bind(config.http.http_addr)
        .await
        .with_context(|| format!("cannot bind HTTP_ADDR {}", config.http.http_addr))?;
    let stop = CancellationToken::new();
    let relay = tokio::spawn(relay(pool.clone(), &config)?.run(stop.clone()));
    tracing::info!(addr = %listener.local_addr()?, "inventory service listening");
    http::serve(
        listener,
        app(pool.clone(), &config)?,
        config.http.shutdown_grace(),
    )
    .await?;
    stop.cancel();
    relay.await.context("outbox relay")?;
    pool.close().await;
    tracing::info!("inventory service stopped");
    Ok(())
}
