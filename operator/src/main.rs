//! `orderflow-operator`: runs the OrderFlow operator, or prints its CRD.

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use clap::{Parser, Subcommand};
use orderflow_operator::autoscale::sim;
use orderflow_operator::config::OperatorConfig;
use orderflow_operator::crd;
use orderflow_operator::leader::{self, Election, Term};
use orderflow_operator::reconcile::{Context, Requeue};
use orderflow_operator::topics::KafkaAdmin;
use tokio::sync::watch;

#[derive(Parser)]
#[command(
    name = "orderflow-operator",
    version,
    about = "The OrderFlow Kubernetes operator"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: OperatorConfig,
}

#[derive(Subcommand)]
enum Command {
    /// Print the OrderFlowPlatform CustomResourceDefinition as YAML.
    Crd {
        /// Write it into this directory instead (as `cargo xtask crdgen` does).
        #[arg(long)]
        out_dir: Option<PathBuf>,
    },
    /// Simulate the lag autoscaler over a burst, plateau and drain; write an SVG plot.
    AutoscaleSim {
        /// Where the SVG goes.
        #[arg(long)]
        out: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Crd { out_dir: None }) => {
            std::io::stdout().write_all(crd::crd_yaml()?.as_bytes())?;
        }
        Some(Command::Crd { out_dir: Some(dir) }) => {
            println!("wrote {}", crd::write_crd(&dir)?.display());
        }
        Some(Command::AutoscaleSim { out }) => autoscale_sim(&out)?,
        None => run(cli.config).await?,
    }
    Ok(())
}

/// Writes the simulator's plot to `out` and prints its figures.
fn autoscale_sim(out: &std::path::Path) -> anyhow::Result<()> {
    let scenario = sim::Scenario::default();
    let samples = sim::simulate(&scenario);
    let summary = sim::summarize(&scenario, &samples);
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(out, sim::svg(&scenario, &samples, &summary))
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("wrote {}\n{}", out.display(), summary.describe());
    Ok(())
}

/// Serves health and metrics, and runs the controller until SIGINT or SIGTERM.
async fn run(config: OperatorConfig) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,kube=warn".into()),
        )
        .init();
    tracing::info!("orderflow-operator {}", config.describe());
    let client = kube::Client::try_default()
        .await
        .context("cannot configure the Kubernetes client")?;
    let kafka = KafkaAdmin {
        bootstrap_override: config.kafka_bootstrap_override.clone(),
        ..KafkaAdmin::default()
    };
    let context = Arc::new(
        Context::new(client, config.lease_namespace.clone(), Requeue::default()).with_kafka(kafka),
    );
    let (stop, stopped) = watch::channel(false);
    let on_signal = stop.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = on_signal.send(true);
    });
    let until_stopped = |mut stopped: watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let listener = tokio::net::TcpListener::bind(config.http_addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.http_addr))?;
    // A standby is ready too: readiness gates only the metrics Service, and a standby reported
    // unready would deadlock a rolling update (the new pod waits for the Lease the old one holds
    // until it is replaced). The leader shows in the `orderflow_operator_leader` gauge.
    let router = Router::new()
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .with_state(Arc::clone(&context));
    let server = axum::serve(listener, router)
        .with_graceful_shutdown(until_stopped(stopped.clone()))
        .into_future();
    let controller = async {
        let result = control(&config, context, until_stopped(stopped)).await;
        // Whatever ended the controller ends the process, the health server included.
        let _ = stop.send(true);
        result
    };
    let (served, controlled) = tokio::join!(server, controller);
    served.context("the health and metrics server failed")?;
    controlled
}

/// Runs the controller until `shutdown`: at once, or after winning the Lease when leader
/// election is on. Losing the Lease is an error, so that the process exits non-zero and its
/// restart rejoins the election afresh (see [`leader`]).
async fn control(
    config: &OperatorConfig,
    context: Arc<Context>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) -> anyhow::Result<()> {
    let namespace = config.watch_namespace.as_deref();
    if !config.leader_election {
        context.metrics.set_leader(true);
        orderflow_operator::controller::run(context, namespace, shutdown).await;
        return Ok(());
    }
    let election = Election::new(
        &config.lease_name,
        &config.lease_namespace,
        leader::identity_from_env(),
    );
    let client = context.client.clone();
    let metrics_context = Arc::clone(&context);
    let term = leader::lead(
        &election,
        client,
        &metrics_context.metrics,
        shutdown,
        |stop| orderflow_operator::controller::run(context, namespace, stop),
    )
    .await
    .context("leader election failed")?;
    match term {
        Term::Shutdown => Ok(()),
        Term::LeadershipLost => anyhow::bail!(
            "lost Lease {}/{}: exiting to rejoin the election",
            config.lease_namespace,
            config.lease_name
        ),
        Term::ControllerEnded => anyhow::bail!("the controller stopped while leading"),
    }
}

async fn metrics(State(context): State<Arc<Context>>) -> String {
    context.metrics.render()
}

/// Completes on SIGINT, or SIGTERM where there is one (Kubernetes stops pods with it).
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => drop(signal.recv().await),
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
