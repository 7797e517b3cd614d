//! Running server binaries the way they accept to run.
//!
//! PostgreSQL refuses to run as root, and CI here runs as root: then every command runs as
//! the unprivileged `postgres` account (created by the Debian package) through `runuser`.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use crate::TestkitError;

/// The account servers run as when the current user is root.
pub(crate) const SERVICE_ACCOUNT: &str = "postgres";

pub(crate) fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|meta| meta.uid() == 0)
        .unwrap_or(false)
}

/// A command for `program`, run as [`SERVICE_ACCOUNT`] when we are root.
pub(crate) fn unprivileged(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", SERVICE_ACCOUNT, "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// Runs `command` to completion and turns a failure into an error carrying its output.
pub(crate) fn run(command: &mut Command) -> Result<Output, TestkitError> {
    let rendered = format!("{command:?}");
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|err| TestkitError::Command {
            command: rendered.clone(),
            detail: err.to_string(),
        })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(TestkitError::Command {
            command: rendered,
            detail: format!(
                "{}: {}{}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim(),
                String::from_utf8_lossy(&output.stdout).trim()
            ),
        })
    }
}

/// Graceful stop of a child: SIGTERM, then SIGKILL if it has not ended within `grace`.
pub(crate) fn terminate(child: &mut Child, grace: Duration) -> Result<ExitStatus, TestkitError> {
    if child.try_wait()?.is_none() {
        run(Command::new("kill").args(["-TERM", &child.id().to_string()]))?;
        let deadline = Instant::now() + grace;
        while child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                child.kill()?;
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    Ok(child.wait()?)
}

/// Makes `dir` owned by the service account when we are root, so the server may write it.
pub(crate) fn hand_over(dir: &Path) -> Result<(), TestkitError> {
    if is_root() {
        run(Command::new("chown").args(["-R", SERVICE_ACCOUNT]).arg(dir))?;
    }
    Ok(())
}

/// Runs `script` (with `args` as `$1…`) once this process has exited, however it exits.
///
/// The watchdog shell blocks reading a pipe whose only writer is this process; the kernel
/// closes the pipe when the process ends, and the script then cleans up.
pub(crate) fn watchdog(script: &str, args: &[&std::ffi::OsStr]) -> Result<(), TestkitError> {
    use std::os::unix::process::CommandExt;
    // Its own process group, and deaf to the signals a Ctrl-C or a test runner's timeout
    // sends to ours: the watchdog must outlive us to clean up.
    let mut child = Command::new("sh")
        .process_group(0)
        .arg("-c")
        .arg(format!("trap '' INT TERM HUP; cat >/dev/null; {script}"))
        .arg("orderflow-watchdog")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let stdin = child.stdin.take();
    WATCHDOGS
        .lock()
        .map_err(|_| TestkitError::Command {
            command: "watchdog".into(),
            detail: "poisoned".into(),
        })?
        .push((stdin, child));
    Ok(())
}

static WATCHDOGS: std::sync::Mutex<Vec<(Option<std::process::ChildStdin>, std::process::Child)>> =
    std::sync::Mutex::new(Vec::new());
