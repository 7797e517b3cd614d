//! `cargo xtask`: the project's automation.
//!
//! - `up`: the whole platform on this machine, with self-provisioned infrastructure;
//! - `down [--purge]`: stops leftovers of `up`, and with `--purge` deletes its data;
//! - `bench [messaging|saga]`: the messaging benchmark (relay vs raw producer), or the saga's
//!   end-to-end latency and the services' memory;
//! - `schemas`: regenerates the contracts' JSON Schemas;
//! - `test`: formatting, lints and the whole test suite, as CI runs it.

mod infra;
mod test;
mod up;

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
    /// Start the platform: PostgreSQL on 55432 and every service on its default port.
    Up {
        /// Build and run optimised binaries.
        #[arg(long)]
        release: bool,
    },
    /// Stop what `up` left running.
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
    /// Run the fmt check, clippy and the whole suite with cargo-nextest.
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
        Command::Up { release } => up::run(&root, release),
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
        Command::Test { nextest_args } => test::run(&root, &nextest_args),
    }
}
