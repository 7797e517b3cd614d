//! `cargo xtask up`: the platform on this machine, without Docker.
//!
//! Infrastructure listens on fixed high ports of 127.0.0.1 (PostgreSQL 55432, the Kafka-protocol
//! broker 59092) so it never
//! collides with servers the machine already runs, and keeps its data under `.orderflow/`
//! until `cargo xtask down --purge`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use orderflow_testkit::{PgCluster, PgClusterOptions, TansuBroker};

use crate::infra::{self, cargo};

const POSTGRES_PORT: u16 = 55432;
const BROKER_PORT: u16 = 59092;
const READY_TIMEOUT: Duration = Duration::from_secs(90);

/// One service binary of the platform.
struct Service {
    name: &'static str,
    package: &'static str,
    port: u16,
    /// Its own database, when it owns one.
    database: Option<&'static str>,
}

const SERVICES: &[Service] = &[
    Service {
        name: "customer",
        package: "customer-service",
        port: 8081,
        database: Some("customer"),
    },
    Service {
        name: "inventory",
        package: "inventory-service",
        port: 8084,
        database: Some("inventory"),
    },
];

fn state_dir(root: &Path) -> PathBuf {
    root.join(".orderflow")
}

fn postgres_options(root: &Path) -> PgClusterOptions {
    PgClusterOptions {
        root: state_dir(root).join("postgres"),
        port: POSTGRES_PORT,
        ephemeral: false,
    }
}

pub fn run(root: &Path, release: bool) -> anyhow::Result<()> {
    let mut build = cargo(root);
    build.arg("build");
    if release {
        build.arg("--release");
    }
    for service in SERVICES {
        build.args(["-p", service.package]);
    }
    infra::run(&mut build)?;
    infra::ensure_tansu(root)?;

    let runtime = tokio::runtime::Runtime::new()?;
    let postgres = PgCluster::start(&postgres_options(root)).with_context(|| {
        format!("starting PostgreSQL on 127.0.0.1:{POSTGRES_PORT} (is `cargo xtask up` already running?)")
    })?;
    println!("PostgreSQL   postgres://postgres@127.0.0.1:{POSTGRES_PORT}/postgres");
    let outcome = TansuBroker::start(&state_dir(root).join("tansu"), BROKER_PORT)
        .with_context(|| format!("starting the tansu broker on 127.0.0.1:{BROKER_PORT}"))
        .and_then(|broker| {
            println!("Kafka        {} (tansu)", broker.bootstrap());
            runtime.block_on(async {
                create_topics(&broker.bootstrap()).await?;
                run_services(root, release, &postgres, &broker.bootstrap()).await
            })
        });
    if let Err(err) = postgres.stop() {
        eprintln!("warning: stopping PostgreSQL: {err}");
    }
    outcome
}

/// Creates every topic of the contracts' registry, before any service starts.
async fn create_topics(bootstrap: &str) -> anyhow::Result<()> {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use rdkafka::client::DefaultClientContext;
    use rdkafka::types::RDKafkaErrorCode;
    let admin: AdminClient<DefaultClientContext> = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()?;
    let topics: Vec<NewTopic<'_>> = orderflow_contracts::TOPICS
        .iter()
        .map(|topic| NewTopic::new(topic.name, topic.partitions, TopicReplication::Fixed(1)))
        .collect();
    for result in admin.create_topics(&topics, &AdminOptions::new()).await? {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => bail!("cannot create topic {topic}: {code}"),
        }
    }
    Ok(())
}

async fn run_services(
    root: &Path,
    release: bool,
    postgres: &PgCluster,
    bootstrap: &str,
) -> anyhow::Result<()> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let binaries = target.join(if release { "release" } else { "debug" });
    let mut children = Vec::new();
    let result = async {
        for service in SERVICES {
            let mut command = Command::new(binaries.join(service.package));
            command
                .env("HTTP_ADDR", format!("127.0.0.1:{}", service.port))
                .env("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            if let Some(database) = service.database {
                postgres.ensure_database(database).await?;
                command.env("DATABASE_URL", postgres.url(database));
            }
            let child = command
                .spawn()
                .with_context(|| format!("starting the {} service", service.name))?;
            children.push((service, child));
        }
        let client = reqwest::Client::new();
        for service in SERVICES {
            wait_ready(&client, service).await?;
            println!(
                "{:<12} http://127.0.0.1:{}/docs",
                service.name, service.port
            );
        }
        println!("OrderFlow is up. Ctrl-C stops everything.");
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("waiting for Ctrl-C")?,
            exited = first_exit(&mut children) => bail!("{exited}"),
        }
        anyhow::Ok(())
    }
    .await;
    stop(&mut children);
    result
}

async fn wait_ready(client: &reqwest::Client, service: &Service) -> anyhow::Result<()> {
    let url = format!("http://127.0.0.1:{}/health/ready", service.port);
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        match client.get(&url).send().await {
            Ok(response) if response.status().is_success() => return Ok(()),
            _ if Instant::now() > deadline => bail!(
                "the {} service was not ready within {READY_TIMEOUT:?}",
                service.name
            ),
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Resolves with a message when any service process exits on its own.
async fn first_exit(children: &mut [(&Service, Child)]) -> String {
    loop {
        for (service, child) in children.iter_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                return format!("the {} service exited ({status})", service.name);
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Asks every service to shut down gracefully (SIGTERM) and waits for it.
fn stop(children: &mut [(&Service, Child)]) {
    for (_, child) in children.iter() {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
    }
    for (service, child) in children.iter_mut() {
        match child.wait() {
            Ok(status) => eprintln!("{} stopped ({status})", service.name),
            Err(err) => eprintln!("warning: waiting for {}: {err}", service.name),
        }
    }
}

pub fn down(root: &Path, purge: bool) -> anyhow::Result<()> {
    let options = postgres_options(root);
    if options.root.join("data").join("postmaster.pid").exists() {
        PgCluster::attach(&options)?.stop()?;
        println!("PostgreSQL stopped");
    }
    if purge {
        let dir = state_dir(root);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("deleting {}", dir.display()))?;
            println!("deleted {}", dir.display());
        }
    }
    Ok(())
}
