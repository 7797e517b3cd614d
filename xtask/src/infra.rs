//! Running cargo and other tools from xtask.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

/// A `cargo` command run from the workspace root, with the cargo that runs xtask.
pub fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root);
    command
}

/// Runs `command`, failing with its rendering when it fails.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let rendered = format!("{command:?}");
    eprintln!("$ {rendered}");
    let status = command
        .status()
        .with_context(|| format!("cannot start {rendered}"))?;
    if !status.success() {
        bail!("{rendered} failed with {status}");
    }
    Ok(())
}

/// Installs tansu, the Kafka-protocol broker of tests and `up`, into the tool cache unless it
/// is found (about 13 minutes on two cores, once).
pub fn ensure_tansu(root: &Path) -> anyhow::Result<()> {
    if orderflow_testkit::kafka::find_tansu().is_some() {
        return Ok(());
    }
    let tools = orderflow_testkit::kafka::cache_dir().join("tools/tansu");
    eprintln!(
        "tansu is missing; installing it into {} (once; about 13 minutes)",
        tools.display()
    );
    run(cargo(root)
        .args([
            "install",
            "tansu",
            "--locked",
            "--features",
            "libsql",
            "--root",
        ])
        .arg(&tools)
        .env_remove("CARGO_TARGET_DIR"))
}
