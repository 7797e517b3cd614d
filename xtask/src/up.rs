//! `cargo xtask up`: the platform on this machine, without Docker.
//!
//! Infrastructure listens on fixed high ports of 127.0.0.1 (PostgreSQL 55432, the Kafka-protocol
//! broker 59092) so it never
//! collides with servers the machine already runs, and keeps its data under `.orderflow/`
//! until `cargo xtask down --purge`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use orderflow_testkit::platform::{READY_TIMEOUT, SERVICES, ServiceProcess};
use orderflow_testkit::{PgCluster, PgClusterOptions, TansuBroker};

use crate::infra::{self, cargo};

const POSTGRES_PORT: u16 = 55432;
const BROKER_PORT: u16 = 59092;

/// The admin token of a local platform, unless `ADMIN_TOKEN` says otherwise.
const DEFAULT_ADMIN_TOKEN: &str = "orderflow-dev";

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
    for spec in SERVICES {
        build.args(["-p", spec.package]);
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
    let topics: Vec<(String, i32)> = orderflow_contracts::TOPICS
        .iter()
        .map(|topic| (topic.name.to_owned(), topic.partitions))
        .collect();
    Ok(orderflow_testkit::records::create_topics(bootstrap, &topics).await?)
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
    let logs = state_dir(root).join("logs");
    std::fs::create_dir_all(&logs)?;
    let admin_token =
        std::env::var("ADMIN_TOKEN").unwrap_or_else(|_| DEFAULT_ADMIN_TOKEN.to_owned());
    let mut processes = Vec::new();
    for spec in SERVICES {
        let mut env = vec![
            ("KAFKA_BOOTSTRAP_SERVERS".to_owned(), bootstrap.to_owned()),
            ("ADMIN_TOKEN".to_owned(), admin_token.clone()),
        ];
        if let Some(database) = spec.database {
            postgres.ensure_database(database).await?;
            env.push(("DATABASE_URL".to_owned(), postgres.url(database)));
        }
        if spec.name == "inventory" {
            // A newcomer gets a small demo catalogue (idempotent across restarts).
            env.push(("SEED_CATALOGUE".to_owned(), "true".to_owned()));
        }
        let addr = SocketAddr::from(([127, 0, 0, 1], spec.port));
        let log = logs.join(format!("{}.log", spec.name));
        processes.push(ServiceProcess::start(
            spec,
            binaries.join(spec.package),
            addr,
            env,
            log,
        )?);
    }
    let result = async {
        for process in &mut processes {
            process.wait_ready(READY_TIMEOUT).await?;
            println!(
                "{:<12} {}/docs   (log {})",
                process.name(),
                process.base_url(),
                process.log().display()
            );
        }
        println!("Admin token  {admin_token}");
        println!("OrderFlow is up. Ctrl-C stops everything.");
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("waiting for Ctrl-C")?,
            exited = first_exit(&mut processes) => bail!("{exited}"),
        }
        anyhow::Ok(())
    }
    .await;
    for process in &mut processes {
        match process.stop() {
            Ok(Some(status)) => eprintln!("{} stopped ({status})", process.name()),
            Ok(None) => {}
            Err(err) => eprintln!("warning: stopping {}: {err}", process.name()),
        }
    }
    result
}

/// Resolves with a message when any service process exits on its own.
async fn first_exit(processes: &mut [ServiceProcess]) -> String {
    loop {
        for process in processes.iter_mut() {
            if let Some(status) = process.exit_status() {
                return format!(
                    "the {} service exited ({status}); see {}",
                    process.name(),
                    process.log().display()
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
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
