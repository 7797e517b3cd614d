//! The platform's service processes: one list of services for the native launcher and the
//! end-to-end tests, a handle that starts, stops and restarts one service binary, and a
//! [`Platform`] of several of them on test infrastructure of their own.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::TestkitError;
use crate::ports::free_port;

/// One service of the platform.
#[derive(Debug)]
pub struct ServiceSpec {
    pub name: &'static str,
    /// Cargo package, which is also the binary's name.
    pub package: &'static str,
    /// Default port (DESIGN.md §6), used by the launcher; tests bind free ones.
    pub port: u16,
    /// The database it owns, if it owns one.
    pub database: Option<&'static str>,
}

/// Every service, in start order.
pub const SERVICES: &[ServiceSpec] = &[
    ServiceSpec {
        name: "customer",
        package: "customer-service",
        port: 8081,
        database: Some("customer"),
    },
    ServiceSpec {
        name: "order",
        package: "order-service",
        port: 8082,
        database: Some("order"),
    },
    ServiceSpec {
        name: "payment",
        package: "payment-service",
        port: 8083,
        database: Some("payment"),
    },
    ServiceSpec {
        name: "inventory",
        package: "inventory-service",
        port: 8084,
        database: Some("inventory"),
    },
];

/// The service called `name`.
pub fn spec(name: &str) -> Result<&'static ServiceSpec, TestkitError> {
    SERVICES
        .iter()
        .find(|spec| spec.name == name)
        .ok_or_else(|| TestkitError::Service {
            service: name.to_owned(),
            detail: "no such service".to_owned(),
        })
}

/// Where the workspace's binaries are: `ORDERFLOW_BIN_DIR`, else the profile directory this
/// test binary was built into (`target/<profile>/deps/<test>` → `target/<profile>`).
pub fn binary_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ORDERFLOW_BIN_DIR") {
        return PathBuf::from(dir);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target/debug"))
}

/// Bound of a graceful stop before the process is killed.
const STOP_GRACE: Duration = Duration::from_secs(20);

/// One running (or stopped) service process, killed when dropped.
pub struct ServiceProcess {
    spec: &'static ServiceSpec,
    binary: PathBuf,
    env: Vec<(String, String)>,
    addr: SocketAddr,
    log: PathBuf,
    child: Option<Child>,
}

impl ServiceProcess {
    /// Starts `binary` listening on `addr` with `env`, appending its output to `log`.
    pub fn start(
        spec: &'static ServiceSpec,
        binary: PathBuf,
        addr: SocketAddr,
        env: Vec<(String, String)>,
        log: PathBuf,
    ) -> Result<Self, TestkitError> {
        let mut process = Self {
            spec,
            binary,
            env,
            addr,
            log,
            child: None,
        };
        process.start_again()?;
        Ok(process)
    }

    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn log(&self) -> &Path {
        &self.log
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Starts the binary again, with the same address and environment, if it is not running.
    pub fn start_again(&mut self) -> Result<(), TestkitError> {
        if self.is_running() {
            return Ok(());
        }
        let output = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let child = Command::new(&self.binary)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("HTTP_ADDR", self.addr.to_string())
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            .spawn()
            .map_err(|err| self.error(format!("cannot start {}: {err}", self.binary.display())))?;
        // Should this process die without dropping us, the service must not outlive it.
        crate::process::watchdog(
            r#"kill -9 "$1" 2>/dev/null"#,
            &[std::ffi::OsStr::new(&child.id().to_string())],
        )?;
        self.child = Some(child);
        Ok(())
    }

    /// Polls `/health/ready` until it answers 200, the process exits, or `timeout` passes.
    pub async fn wait_ready(&mut self, timeout: Duration) -> Result<(), TestkitError> {
        let client = reqwest::Client::new();
        let url = self.url("/health/ready");
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exit_status() {
                return Err(self.error(format!("exited during start-up ({status})")));
            }
            if let Ok(response) = client.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(self.error(format!("not ready within {timeout:?}")));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The exit status, once the process has ended (on its own or stopped).
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        self.child
            .as_mut()
            .and_then(|child| child.try_wait().ok().flatten())
    }

    pub fn is_running(&mut self) -> bool {
        self.child.is_some() && self.exit_status().is_none()
    }

    /// Waits until the process has ended on its own (e.g. an injected crash), up to `timeout`.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus, TestkitError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exit_status() {
                return Ok(status);
            }
            if Instant::now() > deadline {
                return Err(self.error(format!("still running after {timeout:?}")));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Graceful stop: SIGTERM, then SIGKILL if it has not ended within the grace period.
    /// Returns how it ended, or `None` when it was not running.
    pub fn stop(&mut self) -> Result<Option<ExitStatus>, TestkitError> {
        let Some(mut child) = self.child.take() else {
            return Ok(None);
        };
        if child.try_wait()?.is_none() {
            crate::process::run(Command::new("kill").args(["-TERM", &child.id().to_string()]))?;
            let deadline = Instant::now() + STOP_GRACE;
            while child.try_wait()?.is_none() {
                if Instant::now() > deadline {
                    child.kill()?;
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(Some(child.wait()?))
    }

    /// Abrupt stop: SIGKILL, as a crash would end it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Resident set size in KiB, read from `/proc`.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
    }

    fn error(&self, detail: String) -> TestkitError {
        TestkitError::Service {
            service: self.spec.name.to_owned(),
            detail: format!("{detail} (log {})", self.log.display()),
        }
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// How long a service may take to become ready, debug builds on a busy machine included.
pub const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// Several services as separate processes, each with a database of its own, sharing a broker
/// under a topic prefix of their own; stopped when dropped.
pub struct Platform {
    pub kafka: crate::TestKafka,
    pub admin_token: String,
    services: Vec<ServiceProcess>,
}

impl Platform {
    /// Starts the services called `names` from [`binary_dir`], with `env` added to every one,
    /// and waits until all are ready.
    pub async fn start(names: &[&str], env: &[(&str, &str)]) -> Result<Self, TestkitError> {
        Self::start_from(&binary_dir(), names, env).await
    }

    /// [`Platform::start`] with binaries from `binaries` (e.g. a release build).
    pub async fn start_from(
        binaries: &Path,
        names: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Self, TestkitError> {
        let kafka = crate::kafka().await?;
        let topics: Vec<(String, i32)> = orderflow_contracts::TOPICS
            .iter()
            .map(|topic| (format!("{}{}", kafka.prefix, topic.name), 3))
            .collect();
        crate::records::create_topics(&kafka.bootstrap, &topics).await?;
        let logs = binaries
            .join("platform-logs")
            .join(kafka.prefix.trim_end_matches('.'));
        std::fs::create_dir_all(&logs)?;
        let admin_token = format!("admin-{}", uuid::Uuid::new_v4().simple());
        let mut services = Vec::new();
        for name in names {
            let spec = spec(name)?;
            let binary = binaries.join(spec.package);
            if !binary.is_file() {
                return Err(TestkitError::Service {
                    service: spec.name.to_owned(),
                    detail: format!(
                        "{} is not built: run `cargo build -p {}` (or `cargo xtask test`)",
                        binary.display(),
                        spec.package
                    ),
                });
            }
            let mut vars = vec![
                (
                    "KAFKA_BOOTSTRAP_SERVERS".to_owned(),
                    kafka.bootstrap.clone(),
                ),
                ("KAFKA_TOPIC_PREFIX".to_owned(), kafka.prefix.clone()),
                ("KAFKA_TOPIC_PARTITIONS".to_owned(), "3".to_owned()),
                ("ADMIN_TOKEN".to_owned(), admin_token.clone()),
                ("RUST_LOG".to_owned(), "info".to_owned()),
            ];
            if spec.database.is_some() {
                vars.push(("DATABASE_URL".to_owned(), crate::database().await?.url));
            }
            vars.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
            let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
            let log = logs.join(format!("{}.log", spec.name));
            services.push(ServiceProcess::start(spec, binary, addr, vars, log)?);
        }
        for service in &mut services {
            service.wait_ready(READY_TIMEOUT).await?;
        }
        Ok(Self {
            kafka,
            admin_token,
            services,
        })
    }

    /// The service called `name`.
    ///
    /// # Panics
    /// When the platform was not started with it: a mistake in the test itself.
    pub fn service(&self, name: &str) -> &ServiceProcess {
        &self.services[self.index(name)]
    }

    /// [`Platform::service`], to stop or restart it.
    pub fn service_mut(&mut self, name: &str) -> &mut ServiceProcess {
        let index = self.index(name);
        &mut self.services[index]
    }

    /// `http://addr/path` of service `name`.
    pub fn url(&self, name: &str, path: &str) -> String {
        self.service(name).url(path)
    }

    fn index(&self, name: &str) -> usize {
        match self.services.iter().position(|s| s.name() == name) {
            Some(index) => index,
            None => panic!("the platform runs no {name} service"),
        }
    }

    pub fn services(&self) -> &[ServiceProcess] {
        &self.services
    }
}
