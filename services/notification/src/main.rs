use anyhow::Context;
use clap::Parser;
use notification_service::{SERVICE, app, channel, config::Config, consumer};
use orderflow_runtime::{redis, service, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let telemetry = telemetry::init(SERVICE)?;
    let channel = channel(&config)?;
    let conn = redis::connect(&config.redis).await.context("redis")?;
    let router = app(conn.clone(), &config)?;
    let workers = service::Workers::new().consumer({
        let config = config.clone();
        move || consumer(conn.clone(), &config, std::sync::Arc::clone(&channel))
    });
    service::serve(SERVICE, &config.http, router, workers).await?;
    telemetry.shutdown().await;
    Ok(())
}
