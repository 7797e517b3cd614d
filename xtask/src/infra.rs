//! Running cargo and other tools from xtask.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// A `cargo` command run from the workspace root, with the cargo that runs xtask.
pub fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root);
    command
}

/// `cargo run` of the operator binary with `args`: tasks that need the operator's types (its
/// CRD, its autoscaler) run through it, so that xtask does not compile kube itself.
pub fn operator(root: &Path, args: &[&str]) -> Command {
    let mut command = cargo(root);
    command
        .args(["run", "--quiet", "--package", "orderflow-operator", "--"])
        .args(args);
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

/// A Python venv named `name` under the cache directory holding the pinned packages of
/// `requirements` (from PyPI), created or rebuilt when that file's text differs from what was
/// installed last. Returns the venv's directory. `purpose` says what needs it, for the errors.
pub fn python_venv(name: &str, requirements: &Path, purpose: &str) -> anyhow::Result<PathBuf> {
    let wanted = std::fs::read_to_string(requirements)
        .with_context(|| format!("reading {}", requirements.display()))?;
    let venv = orderflow_testkit::kafka::cache_dir().join(name);
    let installed = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&installed).ok().as_deref() != Some(wanted.as_str()) {
        create_venv(&venv, purpose)?;
        run(Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(requirements))
        .with_context(|| format!("installing the Python packages of {purpose} (PyPI)"))?;
        std::fs::write(&installed, &wanted)
            .with_context(|| format!("writing {}", installed.display()))?;
    }
    Ok(venv)
}

fn create_venv(venv: &Path, purpose: &str) -> anyhow::Result<()> {
    let status = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(venv)
        .status();
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => bail!(
            "`python3 -m venv {}` failed with {status}: {purpose} needs Python's venv module (on \
             Debian and Ubuntu: apt-get install python3-venv)",
            venv.display()
        ),
        Err(err) => bail!(
            "cannot run python3 ({err}): {purpose} needs Python 3.10 or later with its venv \
             module (on Debian and Ubuntu: apt-get install python3 python3-venv)"
        ),
    }
}
