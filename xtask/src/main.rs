//! `cargo xtask`: the project's automation.
//!
//! - `up [--debug]`: the whole platform on this machine, with self-provisioned infrastructure;
//! - `status`: what `up` runs and whether each part is ready;
//! - `down [--purge]`: stops `up` and its leftovers, and with `--purge` deletes its data;
//! - `bench [messaging|saga]`: the messaging benchmark (relay vs raw producer), or the saga's
//!   end-to-end latency and the services' memory;
//! - `schemas`: regenerates the contracts' JSON Schemas;
//! - `crdgen`: regenerates the operator's CRD in `crds/`;
//! - `autoscale-sim`: plots the lag autoscaler over a synthetic load to `target/autoscale-sim.svg`;
//! - `lint`: actionlint on the GitHub workflows, hadolint on the Dockerfiles, shellcheck on the
//!   shell scripts (part of `test`);
//! - `test`: formatting, lints and the whole test suite, as CI runs it.

mod autoscale_sim;
mod console;
mod crdgen;
mod guide;
mod infra;
mod lint;
mod lock;
mod provision;
mod state;
mod status;
mod test;
mod up;
mod web;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "OrderFlow project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Bench {
    Messaging,
    Saga,
}

#[derive(Subcommand)]
enum Command {
    /// Build and start the whole platform: PostgreSQL (55432), Redis (56379) and the broker
    /// (59092) unless ORDERFLOW_DATABASE_URL, ORDERFLOW_REDIS_URL or ORDERFLOW_KAFKA_BOOTSTRAP
    /// name servers to use, then every service on its default port, the gateway on 8080.
    Up {
        /// Build and run unoptimised binaries: a faster build, slower services.
        #[arg(long)]
        debug: bool,
        /// Optimised binaries: the default; accepted for old scripts.
        #[arg(long, hide = true, conflicts_with = "debug")]
        release: bool,
    },
    /// Show what `up` runs and whether each part is ready; fails when one is not.
    Status,
    /// Stop a running `up` and whatever a killed one left running.
    Down {
        /// Also delete `.orderflow/` (all local data).
        #[arg(long)]
        purge: bool,
    },
    /// Measure and print figures (release builds): `messaging` (the outbox relay against the
    /// raw producer) or `saga` (place → Confirmed latency and each service's memory).
    Bench {
        #[arg(value_enum, default_value_t = Bench::Messaging)]
        which: Bench,
    },
    /// Regenerate the integration events' JSON Schemas in `contracts/schemas/`.
    Schemas,
    /// Regenerate the OrderFlowPlatform CRD in `crds/` from the operator's Rust types.
    Crdgen,
    /// Simulate the lag autoscaler over a burst, plateau and drain; plot lag and replicas to
    /// `target/autoscale-sim.svg`.
    AutoscaleSim,
    /// Lint what nothing here runs: the GitHub workflows (actionlint), the Dockerfiles
    /// (hadolint) and the shell scripts (shellcheck). `test` runs it too.
    Lint,
    /// Run the fmt check, clippy, `lint` and the whole suite with cargo-nextest.
    Test {
        /// Extra arguments passed to `cargo nextest run`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        nextest_args: Vec<String>,
    },
}

/// The workspace root, whatever directory cargo was run from.
fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

fn main() -> anyhow::Result<()> {
    let root = workspace_root();
    match Cli::parse().command {
        Command::Up { debug, release: _ } => up::run(
            &root,
            if debug {
                up::Profile::Debug
            } else {
                up::Profile::Release
            },
        ),
        Command::Status => status::run(&root),
        Command::Down { purge } => up::down(&root, purge),
        Command::Bench {
            which: Bench::Messaging,
        } => infra::run(infra::cargo(&root).args([
            "bench",
            "-p",
            "orderflow-runtime",
            "--bench",
            "messaging",
        ])),
        Command::Bench { which: Bench::Saga } => {
            let mut build = infra::cargo(&root);
            build.args(["build", "--release"]);
            for spec in orderflow_testkit::SERVICES {
                build.args(["-p", spec.package]);
            }
            infra::run(&mut build)?;
            infra::ensure_tansu(&root)?;
            infra::run(infra::cargo(&root).args([
                "bench",
                "-p",
                "orderflow-testkit",
                "--bench",
                "saga",
            ]))
        }
        Command::Schemas => {
            let dir = root.join("contracts/schemas");
            orderflow_contracts::write_schemas(&dir)?;
            println!("wrote {}", dir.display());
            Ok(())
        }
        Command::Crdgen => crdgen::run(&root),
        Command::AutoscaleSim => autoscale_sim::run(&root),
        Command::Lint => lint::run(&root),
        Command::Test { nextest_args } => test::run(&root, &nextest_args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("cargo xtask").chain(args.iter().copied()))
            .map(|cli| cli.command)
    }

    #[test]
    fn up_builds_release_binaries_unless_asked_for_debug_ones() {
        assert!(matches!(
            parse(&["up"]),
            Ok(Command::Up {
                debug: false,
                release: false
            })
        ));
        assert!(matches!(
            parse(&["up", "--debug"]),
            Ok(Command::Up { debug: true, .. })
        ));
        assert!(matches!(
            parse(&["up", "--release"]),
            Ok(Command::Up { debug: false, .. })
        ));
        assert!(parse(&["up", "--debug", "--release"]).is_err());
    }

    #[test]
    fn status_and_down_parse() {
        assert!(matches!(parse(&["status"]), Ok(Command::Status)));
        assert!(matches!(
            parse(&["down", "--purge"]),
            Ok(Command::Down { purge: true })
        ));
    }

    #[test]
    fn crdgen_parses() {
        assert!(matches!(parse(&["crdgen"]), Ok(Command::Crdgen)));
    }

    #[test]
    fn autoscale_sim_parses() {
        assert!(matches!(
            parse(&["autoscale-sim"]),
            Ok(Command::AutoscaleSim)
        ));
    }

    #[test]
    fn lint_parses() {
        assert!(matches!(parse(&["lint"]), Ok(Command::Lint)));
    }
}
