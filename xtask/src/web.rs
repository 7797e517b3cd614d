//! The web app (`web/`): its npm packages, its checks and its build, for `up` and `test`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::Context;

use crate::infra;

/// Whether `npm` runs here; without it `up` serves the API alone.
pub fn npm_available() -> bool {
    Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

fn npm(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    infra::run(Command::new("npm").args(args).current_dir(root.join("web")))
        .with_context(|| format!("`npm {}` in web/ failed", args.join(" ")))
}

/// Installs the locked packages unless `node_modules` already matches the lockfile (npm
/// writes its own copy of the lockfile there; a newer `package-lock.json` means a change).
fn install(root: &Path) -> anyhow::Result<()> {
    let web = root.join("web");
    let modified = |path: PathBuf| path.metadata().and_then(|meta| meta.modified()).ok();
    let installed = modified(web.join("node_modules/.package-lock.json"));
    let locked = modified(web.join("package-lock.json")).unwrap_or(SystemTime::UNIX_EPOCH);
    if installed.is_some_and(|installed| installed >= locked) {
        return Ok(());
    }
    eprintln!("installing the web app's npm packages");
    npm(root, &["ci", "--no-audit", "--no-fund"])
}

/// Builds the app into `web/dist`, which the gateway serves.
pub fn build(root: &Path) -> anyhow::Result<()> {
    install(root)?;
    eprintln!("building the web app");
    npm(root, &["run", "--silent", "build"])
}

/// The app's own checks, then its build (which type-checks) for the browser tests in the
/// suite: the API types match `web/openapi.json` and the component tests pass.
pub fn check(root: &Path) -> anyhow::Result<()> {
    install(root)?;
    npm(root, &["run", "--silent", "api:check"])?;
    npm(root, &["test"])?;
    npm(root, &["run", "--silent", "build"])
}
