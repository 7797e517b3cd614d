use anyhow::Context;
use clap::Parser;
use inventory_service::{MIGRATOR, SERVICE, app, config::Config, consumer, relay, seed};
use orderflow_runtime::{db, service, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let telemetry = telemetry::init(SERVICE)?;
    let pool = db::connect(&config.database, &MIGRATOR)
        .await
        .context("database")?;
    if config.seed {
        let report = seed(pool.clone()).await.context("seeding the catalogue")?;
        tracing::info!(created = ?report.created, skipped = report.skipped.len(), "demo catalogue seeded");
    }
    let router = app(pool.clone(), &config)?;
    let workers = service::Workers::new()
        .relay(relay(pool.clone(), &config)?)
        .consumer({
            let (pool, config) = (pool.clone(), config.clone());
            move || consumer(pool.clone(), &config)
        });
    service::serve(SERVICE, &config.http, router, workers).await?;
    pool.close().await;
    telemetry.shutdown().await;
    Ok(())
}
