use clap::Parser;
use gateway_service::{SERVICE, app, config::Config};
use orderflow_runtime::{service, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let telemetry = telemetry::init(SERVICE)?;
    let gateway = app(&config);
    service::serve(SERVICE, &config.http, gateway.router, gateway.workers).await?;
    telemetry.shutdown().await;
    Ok(())
}
