//! `cargo xtask test`: what CI runs: fmt, clippy, `cargo xtask lint`, the web app's checks,
//! the suite (the web app's browser tests included), the chart test.

use std::path::Path;
use std::process::Command;

use anyhow::Context;
use orderflow_testkit::{PgCluster, RedisServer, TansuBroker};

use crate::infra::{self, cargo};

pub fn run(root: &Path, nextest_args: &[String]) -> anyhow::Result<()> {
    infra::run(cargo(root).args(["fmt", "--all", "--", "--check"]))?;
    infra::run(cargo(root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The workflows, Dockerfiles and shell scripts, which nothing here runs.
    crate::lint::run(root)?;
    // The web app's type and component checks, and the build its browser tests in the suite use.
    crate::web::check(root)?;
    // The end-to-end tests start the service binaries as processes: build them first.
    infra::run(cargo(root).args(["build", "--workspace", "--bins"]))?;
    ensure_nextest(root)?;
    infra::ensure_tansu(root)?;

    // One PostgreSQL for the whole run: every test process creates its own databases on it,
    // instead of each starting a cluster. It is removed however this process ends.
    let postgres = PgCluster::start_ephemeral().context("provisioning PostgreSQL for the tests")?;
    postgres.remove_when_process_exits()?;
    // Likewise one broker; tests isolate themselves with topic prefixes of their own.
    let broker =
        TansuBroker::start_ephemeral().context("starting the tansu broker for the tests")?;
    // And one Redis; tests isolate themselves with key prefixes of their own.
    let redis = RedisServer::start_ephemeral().context("starting Redis for the tests")?;
    let outcome = infra::run(
        cargo(root)
            .args(["nextest", "run", "--workspace", "--no-fail-fast"])
            .args(nextest_args)
            .env("ORDERFLOW_TEST_DATABASE_URL", postgres.url("postgres"))
            .env("ORDERFLOW_TEST_KAFKA_BOOTSTRAP", broker.bootstrap())
            .env("ORDERFLOW_TEST_REDIS_URL", redis.url()),
    )
    .and_then(|()| infra::run(cargo(root).args(["test", "--workspace", "--doc"])));
    if let Err(err) = postgres.stop() {
        eprintln!("warning: stopping the test PostgreSQL: {err}");
    }
    outcome.and_then(|()| chart_test(root))
}

/// Renders the operator's Helm chart and checks it (`charts/tests`). Helm's own Go SDK does the
/// rendering, through the pinned `helm-python-sdk` in a venv under the cache directory, so no
/// helm binary is needed; the venv is rebuilt when `requirements.txt` changes.
fn chart_test(root: &Path) -> anyhow::Result<()> {
    let tests = root.join("charts/tests");
    let venv = infra::python_venv(
        "helm-venv",
        &tests.join("requirements.txt"),
        "the Helm chart test",
    )?;
    infra::run(
        Command::new(venv.join("bin/python"))
            .current_dir(root)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .args(["-m", "unittest", "discover", "--verbose", "-s"])
            .arg(&tests),
    )
    .context("the Helm chart test failed")
}

fn ensure_nextest(root: &Path) -> anyhow::Result<()> {
    let installed = cargo(root)
        .args(["nextest", "--version"])
        .output()
        .map(|output| output.status.success())
        .unwrap_or(false);
    if !installed {
        eprintln!("cargo-nextest is missing; installing it");
        infra::run(cargo(root).args(["install", "cargo-nextest", "--locked"]))?;
    }
    Ok(())
}
