use anyhow::Context;
use clap::Parser;
use order_service::{MIGRATOR, SERVICE, app, config::Config, consumer, relay, sweeper};
use orderflow_runtime::{db, service, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let telemetry = telemetry::init(SERVICE)?;
    let pool = db::connect(&config.database, &MIGRATOR)
        .await
        .context("database")?;
    let router = app(pool.clone(), &config)?;
    let sweeper = sweeper(pool.clone(), &config);
    let workers = service::Workers::new()
        .relay(relay(pool.clone(), &config)?)
        .consumer({
            let (pool, config) = (pool.clone(), config.clone());
            move || consumer(pool.clone(), &config)
        })
        .task("saga sweeper", |stop| sweeper.run(stop));
    service::serve(SERVICE, &config.http, router, workers).await?;
    pool.close().await;
    telemetry.shutdown().await;
    Ok(())
}
