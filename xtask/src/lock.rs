//! One `up` per workspace: a pid file under `.orderflow/`, taken at start and removed at
//! exit. The pid of a process that has died (or now belongs to another program) does not
//! count, so a crashed `up` never blocks the next one.

use std::ffi::OsStr;
use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The lock file of `up`, held for as long as this value lives.
#[derive(Debug)]
pub struct PidLock {
    path: PathBuf,
    pid: u32,
}

impl PidLock {
    /// Takes the lock at `path`, replacing a stale one; fails naming the holder when a live
    /// `up` has it.
    pub fn acquire(path: &Path) -> anyhow::Result<Self> {
        let pid = std::process::id();
        // Two rounds: the second follows the removal of a stale file.
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(mut file) => {
                    write!(file, "{pid}").with_context(|| format!("writing {}", path.display()))?;
                    return Ok(Self {
                        path: path.to_owned(),
                        pid,
                    });
                }
                Err(err) if err.kind() == ErrorKind::AlreadyExists => {
                    if let Some(holder) = holder(path) {
                        bail!(
                            "OrderFlow is already running (pid {holder}); `cargo xtask status` \
                             shows it, Ctrl-C in its terminal (or `cargo xtask down`) stops it"
                        );
                    }
                    match std::fs::remove_file(path) {
                        Ok(()) => {}
                        Err(err) if err.kind() == ErrorKind::NotFound => {}
                        Err(err) => {
                            return Err(err)
                                .with_context(|| format!("removing {}", path.display()));
                        }
                    }
                }
                Err(err) => {
                    return Err(err).with_context(|| format!("creating {}", path.display()));
                }
            }
        }
        bail!("cannot take {}: another `up` is starting", path.display())
    }
}

impl Drop for PidLock {
    fn drop(&mut self) {
        // Only our own: never the file of an `up` that replaced a lock it found stale.
        if std::fs::read_to_string(&self.path)
            .is_ok_and(|text| live_pid(&text, |pid| pid == self.pid).is_some())
        {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The live `up` holding the lock at `path`, if any.
pub fn holder(path: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(path).ok()?;
    live_pid(&text, is_running_xtask)
}

/// The pid written in a lock file, when `alive` says that process still runs.
pub fn live_pid(contents: &str, alive: impl Fn(u32) -> bool) -> Option<u32> {
    let pid = contents.trim().parse().ok()?;
    alive(pid).then_some(pid)
}

/// Whether `pid` runs this very program; a pid the kernel has since given to another
/// program, or a zombie (empty command line), does not count.
fn is_running_xtask(pid: u32) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let own = std::env::current_exe().ok();
    own.as_deref()
        .and_then(Path::file_name)
        .is_some_and(|name| runs_program(&cmdline, name))
}

/// Whether a `/proc/<pid>/cmdline` (NUL-separated arguments) starts with a program called
/// `name`, whatever directory it was run from.
pub fn runs_program(cmdline: &[u8], name: &OsStr) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let program = cmdline.split(|byte| *byte == 0).next().unwrap_or_default();
    !program.is_empty() && Path::new(OsStr::from_bytes(program)).file_name() == Some(name)
}

/// Whether a process with `pid` exists (in any state but reaped).
pub fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_pid_holds_the_lock_and_a_dead_one_does_not() {
        assert_eq!(live_pid("4242\n", |pid| pid == 4242), Some(4242));
        assert_eq!(live_pid("4242", |_| false), None);
        assert_eq!(live_pid("", |_| true), None);
        assert_eq!(live_pid("not a pid", |_| true), None);
    }

    #[test]
    fn only_the_same_program_counts_as_the_holder() {
        let name = OsStr::new("xtask");
        assert!(runs_program(b"/work/target/debug/xtask\0up\0", name));
        assert!(runs_program(b"xtask\0status\0", name));
        assert!(!runs_program(b"/usr/bin/vim\0notes\0", name));
        assert!(!runs_program(b"", name));
    }

    #[test]
    fn a_live_holder_refuses_the_lock_and_a_dead_or_foreign_pid_is_replaced() {
        let dir = std::env::temp_dir().join(format!("xtask-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("up.pid");

        // This very test process runs the program the check looks for: a live holder.
        std::fs::write(&path, std::process::id().to_string()).unwrap();
        let refused = PidLock::acquire(&path).unwrap_err().to_string();
        assert!(
            refused.contains(&format!("already running (pid {})", std::process::id())),
            "{refused}"
        );

        // A pid no process has, and pid 1 (another program), are stale.
        for stale in ["4294967295", "1"] {
            std::fs::write(&path, stale).unwrap();
            let lock = PidLock::acquire(&path).unwrap();
            assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                std::process::id().to_string()
            );
            drop(lock);
            assert!(!path.exists(), "the lock file goes with the lock");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
