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
