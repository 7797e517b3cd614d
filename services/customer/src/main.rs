use anyhow::Context;
use clap::Parser;
use customer_service::{MIGRATOR, SERVICE, app, config::Config, relay};
use orderflow_runtime::{db, service, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let telemetry = telemetry::init(SERVICE)?;
    let pool = db::connect(&config.database, &MIGRATOR)
        .await
        .context("database")?;
    let router = app(pool.clone(), &config)?;
    let workers = service::Workers::new().relay(relay(pool.clone(), &config)?);
    service::serve(SERVICE, &config.http, router, workers).await?;
    pool.close().await;
    telemetry.shutdown().await;
    Ok(())
}
