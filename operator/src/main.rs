//! `orderflow-operator`: runs the OrderFlow operator, or prints its CRD.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use orderflow_operator::config::OperatorConfig;
use orderflow_operator::crd;

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
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Crd { out_dir: None }) => {
            std::io::stdout().write_all(crd::crd_yaml()?.as_bytes())?;
        }
        Some(Command::Crd { out_dir: Some(dir) }) => {
            println!("wrote {}", crd::write_crd(&dir)?.display());
        }
        // The reconciler arrives with a later change; until then the binary states its plan.
        None => println!("orderflow-operator {}", cli.config.describe()),
    }
    Ok(())
}
