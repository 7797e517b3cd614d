//! Redis for tests and for `cargo xtask up`: `redis-server` from the machine's packages
//! (`apt-get install redis-server`), run on a port of our own with its files in a directory
//! of our own.

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::provision::{docker_available, unique_name};
use crate::{TestkitError, ports};

/// The `redis-server` binary: `ORDERFLOW_REDIS_SERVER`, else PATH, else Debian's location.
pub fn find_redis_server() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ORDERFLOW_REDIS_SERVER") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("redis-server"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/bin/redis-server")])
        .find(|path| path.is_file())
}

/// A `redis-server` process on 127.0.0.1, killed when dropped.
#[derive(Debug)]
pub struct RedisServer {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on `port` with its files under `dir` (created when missing). With
    /// `persistent`, writes are kept in an append-only file and survive a restart.
    pub fn start(dir: &Path, port: u16, persistent: bool) -> Result<Self, TestkitError> {
        let binary = find_redis_server().ok_or(TestkitError::NoRedis)?;
        std::fs::create_dir_all(dir)?;
        let log = dir.join("redis.log");
        let mut command = Command::new(binary);
        command
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .arg("--dir")
            .arg(dir)
            .arg("--logfile")
            .arg(&log)
            .args(["--save", ""])
            .args(["--appendonly", if persistent { "yes" } else { "no" }])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: a Ctrl-C at the terminal reaches only its owner, which
            // stops it after the services that use it.
            .process_group(0);
        let child = command.spawn()?;
        std::fs::write(dir.join("redis.pid"), child.id().to_string())?;
        let mut server = Self {
            dir: dir.to_owned(),
            port,
            child: Some(child),
        };
        server.wait_listening(&log)?;
        Ok(server)
    }

    /// A throwaway server on a free port in a temp dir, deleted when this process exits.
    pub fn start_ephemeral() -> Result<Self, TestkitError> {
        let dir = std::env::temp_dir().join(unique_name("orderflow-redis"));
        let server = Self::start(&dir, ports::free_port()?, false).inspect_err(|_| {
            let _ = std::fs::remove_dir_all(&dir);
        })?;
        crate::process::watchdog(
            r#"kill "$(cat "$1/redis.pid")" 2>/dev/null; rm -rf "$1""#,
            &[server.dir.as_os_str()],
        )?;
        Ok(server)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the process; with a persistent server the data stays.
    pub fn stop(&mut self) -> Result<(), TestkitError> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// Stops the process gracefully (SIGTERM: Redis flushes its append-only file first),
    /// killing it if it takes longer than a few seconds; with a persistent server the data
    /// stays.
    pub fn shutdown(&mut self) -> Result<(), TestkitError> {
        if let Some(mut child) = self.child.take() {
            crate::process::terminate(&mut child, Duration::from_secs(10))?;
        }
        Ok(())
    }

    fn wait_listening(&mut self, log: &Path) -> Result<(), TestkitError> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            let exited = self.child.as_mut().map(Child::try_wait);
            if let Some(Ok(Some(status))) = exited {
                return Err(TestkitError::RedisStart(format!(
                    "redis-server exited with {status}; see {}",
                    log.display()
                )));
            }
            if Instant::now() > deadline {
                return Err(TestkitError::RedisStart(format!(
                    "redis-server is not listening on port {}; see {}",
                    self.port,
                    log.display()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// The Redis this test process uses.
enum Server {
    External(String),
    Local(RedisServer),
    Container {
        _container: Box<
            testcontainers_modules::testcontainers::ContainerAsync<
                testcontainers_modules::redis::Redis,
            >,
        >,
        url: String,
    },
}

impl Server {
    fn url(&self) -> String {
        match self {
            Self::External(url) | Self::Container { url, .. } => url.clone(),
            Self::Local(server) => server.url(),
        }
    }
}

static SERVER: OnceCell<Server> = OnceCell::const_new();

async fn provision() -> Result<Server, TestkitError> {
    if let Ok(url) = std::env::var("ORDERFLOW_TEST_REDIS_URL") {
        return Ok(Server::External(url));
    }
    if find_redis_server().is_some() {
        let server = tokio::task::spawn_blocking(RedisServer::start_ephemeral)
            .await
            .map_err(|err| TestkitError::RedisStart(err.to_string()))??;
        return Ok(Server::Local(server));
    }
    if docker_available() {
        use testcontainers_modules::testcontainers::ImageExt;
        use testcontainers_modules::testcontainers::runners::AsyncRunner;
        let container = testcontainers_modules::redis::Redis::default()
            .with_tag("7.4")
            .start()
            .await
            .map_err(|err| TestkitError::Container(err.to_string()))?;
        crate::process::watchdog(
            r#"docker rm -f "$1" >/dev/null 2>&1"#,
            &[std::ffi::OsStr::new(container.id())],
        )?;
        let port = container
            .get_host_port_ipv4(testcontainers_modules::redis::REDIS_PORT)
            .await
            .map_err(|err| TestkitError::Container(err.to_string()))?;
        return Ok(Server::Container {
            _container: Box::new(container),
            url: format!("redis://127.0.0.1:{port}"),
        });
    }
    Err(TestkitError::NoRedis)
}

/// A Redis address for one test, with a key prefix of its own so tests never see each
/// other's keys.
#[derive(Debug, Clone)]
pub struct TestRedis {
    pub url: String,
    pub prefix: String,
}

pub(crate) async fn redis() -> Result<TestRedis, TestkitError> {
    let server = SERVER.get_or_try_init(provision).await?;
    Ok(TestRedis {
        url: server.url(),
        prefix: format!("{}:", unique_name("t")),
    })
}
