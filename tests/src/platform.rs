//! The platform's service processes: one list of services for the native launcher and the
//! end-to-end tests, the environment each one needs, a handle that starts, stops and restarts
//! one service binary, and a [`Platform`] of several of them on test infrastructure of their
//! own.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::TestkitError;
use crate::ports::free_port;

/// What a service is in the platform, which decides how it is wired and when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A bounded context: talks to the others through the broker only.
    Context,
    /// The single HTTP entry point: needs every context's address, so it starts last.
    Gateway,
}

/// One service of the platform: everything a launcher needs to know to run it.
#[derive(Debug)]
pub struct ServiceSpec {
    pub name: &'static str,
    /// Cargo package, which is also the binary's name.
    pub package: &'static str,
    /// Default port (DESIGN.md §6), used by the launcher; tests bind free ones.
    pub port: u16,
    pub role: Role,
    /// The database it owns, if it owns one.
    pub database: Option<&'static str>,
    /// Keeps state in Redis (`REDIS_URL`, `REDIS_KEY_PREFIX`).
    pub needs_redis: bool,
    /// Delivers notifications: by mail when an SMTP server is wired in, else to its log.
    pub sends_mail: bool,
    /// Variables only the local launcher sets, e.g. to load demo data.
    pub launcher_env: &'static [(&'static str, &'static str)],
}

impl ServiceSpec {
    /// The variable holding this service's base URL in the gateway's environment.
    pub fn upstream_var(&self) -> String {
        format!("{}_URL", self.name.to_ascii_uppercase())
    }

    /// The environment this service needs on `wiring` (`HTTP_ADDR` aside, which
    /// [`ServiceProcess`] sets), with `database_url` the database it owns.
    pub fn env(
        &self,
        wiring: &Wiring,
        database_url: Option<&str>,
    ) -> Result<Vec<(String, String)>, TestkitError> {
        let mut env = vec![("ADMIN_TOKEN".to_owned(), wiring.admin_token.clone())];
        match self.role {
            Role::Context => {
                env.push((
                    "KAFKA_BOOTSTRAP_SERVERS".to_owned(),
                    wiring.kafka_bootstrap.clone(),
                ));
                if !wiring.kafka_topic_prefix.is_empty() {
                    env.push((
                        "KAFKA_TOPIC_PREFIX".to_owned(),
                        wiring.kafka_topic_prefix.clone(),
                    ));
                }
                if let Some(partitions) = wiring.kafka_topic_partitions {
                    env.push(("KAFKA_TOPIC_PARTITIONS".to_owned(), partitions.to_string()));
                }
            }
            Role::Gateway => {
                env.extend(
                    wiring
                        .upstreams
                        .iter()
                        .map(|(spec, url)| (spec.upstream_var(), url.clone())),
                );
                if let Some(dir) = &wiring.web_dir {
                    env.push(("WEB_DIR".to_owned(), dir.display().to_string()));
                }
            }
        }
        if self.database.is_some() {
            let url = database_url.ok_or_else(|| self.missing("a database"))?;
            env.push(("DATABASE_URL".to_owned(), url.to_owned()));
        }
        if self.needs_redis {
            let redis = wiring.redis.as_ref().ok_or_else(|| self.missing("Redis"))?;
            env.push(("REDIS_URL".to_owned(), redis.url.clone()));
            env.push(("REDIS_KEY_PREFIX".to_owned(), redis.prefix.clone()));
        }
        if self.sends_mail {
            let channel = match &wiring.smtp_url {
                Some(url) => {
                    env.push(("SMTP_URL".to_owned(), url.clone()));
                    "smtp"
                }
                None => "log",
            };
            env.push(("NOTIFICATION_CHANNEL".to_owned(), channel.to_owned()));
        }
        Ok(env)
    }

    fn missing(&self, what: &str) -> TestkitError {
        TestkitError::Service {
            service: self.name.to_owned(),
            detail: format!("needs {what}, and none was provisioned"),
        }
    }
}

/// The infrastructure and neighbours services are wired to, filled in by whoever
/// provisioned them: the launcher, or a test's [`Platform`].
#[derive(Debug, Clone, Default)]
pub struct Wiring {
    pub kafka_bootstrap: String,
    /// Prefix of topic names and consumer groups; empty for none.
    pub kafka_topic_prefix: String,
    /// Partitions of the topics services create; `None` leaves their default.
    pub kafka_topic_partitions: Option<u32>,
    pub admin_token: String,
    /// Redis and a key prefix, for the services that need it.
    pub redis: Option<crate::TestRedis>,
    /// The SMTP server of mail-sending services; without one they log notifications.
    pub smtp_url: Option<String>,
    /// Base URLs of the contexts the gateway routes to.
    pub upstreams: Vec<(&'static ServiceSpec, String)>,
    /// The built web app the gateway serves, when there is one.
    pub web_dir: Option<PathBuf>,
}

/// Every service, in start order: the contexts, then the gateway in front of them.
pub const SERVICES: &[ServiceSpec] = &[
    ServiceSpec {
        name: "customer",
        package: "customer-service",
        port: 8081,
        role: Role::Context,
        database: Some("customer"),
        needs_redis: false,
        sends_mail: false,
        launcher_env: &[],
    },
    ServiceSpec {
        name: "order",
        package: "order-service",
        port: 8082,
        role: Role::Context,
        database: Some("order"),
        needs_redis: false,
        sends_mail: false,
        launcher_env: &[],
    },
    ServiceSpec {
        name: "payment",
        package: "payment-service",
        port: 8083,
        role: Role::Context,
        database: Some("payment"),
        needs_redis: false,
        sends_mail: false,
        launcher_env: &[],
    },
    ServiceSpec {
        name: "inventory",
        package: "inventory-service",
        port: 8084,
        role: Role::Context,
        database: Some("inventory"),
        needs_redis: false,
        sends_mail: false,
        // A newcomer gets a small demo catalogue (idempotent across restarts).
        launcher_env: &[("SEED_CATALOGUE", "true")],
    },
    ServiceSpec {
        name: "notification",
        package: "notification-service",
        port: 8085,
        role: Role::Context,
        database: None,
        needs_redis: true,
        sends_mail: true,
        launcher_env: &[],
    },
    ServiceSpec {
        name: "gateway",
        package: "gateway-service",
        port: 8080,
        role: Role::Gateway,
        database: None,
        needs_redis: false,
        sends_mail: false,
        launcher_env: &[],
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

/// Receives each line a service prints, with the service's name (the launcher shows them
/// on its terminal). Called from the threads that read the process's output.
pub type LineSink = Arc<dyn Fn(&'static str, &str) + Send + Sync>;

/// One running (or stopped) service process, killed when dropped.
pub struct ServiceProcess {
    spec: &'static ServiceSpec,
    binary: PathBuf,
    env: Vec<(String, String)>,
    addr: SocketAddr,
    log: PathBuf,
    sink: Option<LineSink>,
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
        Self::start_with_sink(spec, binary, addr, env, log, None)
    }

    /// [`ServiceProcess::start`], also handing every line of output to `sink`.
    pub fn start_with_sink(
        spec: &'static ServiceSpec,
        binary: PathBuf,
        addr: SocketAddr,
        env: Vec<(String, String)>,
        log: PathBuf,
        sink: Option<LineSink>,
    ) -> Result<Self, TestkitError> {
        let mut process = Self {
            spec,
            binary,
            env,
            addr,
            log,
            sink,
            child: None,
        };
        process.start_again()?;
        Ok(process)
    }

    pub fn spec(&self) -> &'static ServiceSpec {
        self.spec
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
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
        let mut command = Command::new(&self.binary);
        command
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("HTTP_ADDR", self.addr.to_string())
            .stdin(Stdio::null())
            // Its own process group: a Ctrl-C at the terminal reaches only its owner, which
            // stops the services in order instead of all of them dying at once.
            .process_group(0);
        if self.sink.is_some() {
            command.stdout(Stdio::piped()).stderr(Stdio::piped());
        } else {
            command
                .stdout(output.try_clone()?)
                .stderr(output.try_clone()?);
        }
        let mut child = command
            .spawn()
            .map_err(|err| self.error(format!("cannot start {}: {err}", self.binary.display())))?;
        if let Some(sink) = &self.sink {
            let log = Arc::new(Mutex::new(output));
            if let Some(stdout) = child.stdout.take() {
                tee(self.spec.name, stdout, Arc::clone(&log), Arc::clone(sink))?;
            }
            if let Some(stderr) = child.stderr.take() {
                tee(self.spec.name, stderr, log, Arc::clone(sink))?;
            }
        }
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
        crate::process::terminate(&mut child, STOP_GRACE).map(Some)
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

/// Copies `output` line by line into `log` and to `sink`, on a thread of its own that ends
/// when the process closes its end of the pipe.
fn tee(
    name: &'static str,
    output: impl Read + Send + 'static,
    log: Arc<Mutex<std::fs::File>>,
    sink: LineSink,
) -> Result<(), TestkitError> {
    std::thread::Builder::new()
        .name(format!("{name}-output"))
        .spawn(move || {
            for line in BufReader::new(output).split(b'\n') {
                let Ok(mut line) = line else { break };
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if let Ok(mut log) = log.lock() {
                    // The terminal copy still shows what a full disk keeps out of the file.
                    let _ = log.write_all(&line).and_then(|()| log.write_all(b"\n"));
                }
                sink(name, &String::from_utf8_lossy(&line));
            }
        })?;
    Ok(())
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
        let specs = names
            .iter()
            .map(|name| spec(name))
            .collect::<Result<Vec<_>, _>>()?;
        let mut planned = Vec::new();
        for spec in specs {
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
            let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
            planned.push((spec, binary, addr));
        }
        let redis = if planned.iter().any(|(spec, ..)| spec.needs_redis) {
            Some(crate::redis().await?)
        } else {
            None
        };
        let wiring = Wiring {
            kafka_bootstrap: kafka.bootstrap.clone(),
            kafka_topic_prefix: kafka.prefix.clone(),
            kafka_topic_partitions: Some(3),
            admin_token: admin_token.clone(),
            redis,
            smtp_url: None,
            web_dir: None,
            upstreams: planned
                .iter()
                .filter(|(spec, ..)| spec.role == Role::Context)
                .map(|(spec, _, addr)| (*spec, format!("http://{addr}")))
                .collect(),
        };
        let mut services: Vec<ServiceProcess> = Vec::new();
        // The contexts first; the gateway once they are ready.
        for role in [Role::Context, Role::Gateway] {
            let wave = services.len();
            for (spec, binary, addr) in planned.iter().filter(|(spec, ..)| spec.role == role) {
                let database = match spec.database {
                    Some(_) => Some(crate::database().await?.url),
                    None => None,
                };
                let mut vars = spec.env(&wiring, database.as_deref())?;
                vars.push(("RUST_LOG".to_owned(), "info".to_owned()));
                vars.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
                let log = logs.join(format!("{}.log", spec.name));
                services.push(ServiceProcess::start(
                    spec,
                    binary.clone(),
                    *addr,
                    vars,
                    log,
                )?);
            }
            for service in &mut services[wave..] {
                service.wait_ready(READY_TIMEOUT).await?;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn wiring() -> Wiring {
        Wiring {
            kafka_bootstrap: "127.0.0.1:9092".to_owned(),
            admin_token: "secret".to_owned(),
            redis: Some(crate::TestRedis {
                url: "redis://127.0.0.1:6379".to_owned(),
                prefix: "orderflow:".to_owned(),
            }),
            upstreams: SERVICES
                .iter()
                .filter(|spec| spec.role == Role::Context)
                .map(|spec| (spec, format!("http://127.0.0.1:{}", spec.port)))
                .collect(),
            ..Wiring::default()
        }
    }

    fn get<'a>(env: &'a [(String, String)], key: &str) -> Option<&'a str> {
        env.iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    #[test]
    fn a_context_gets_the_broker_the_admin_token_and_its_database() {
        let env = spec("order")
            .unwrap()
            .env(&wiring(), Some("postgres://db/order"))
            .unwrap();
        assert_eq!(get(&env, "KAFKA_BOOTSTRAP_SERVERS"), Some("127.0.0.1:9092"));
        assert_eq!(get(&env, "ADMIN_TOKEN"), Some("secret"));
        assert_eq!(get(&env, "DATABASE_URL"), Some("postgres://db/order"));
        assert_eq!(get(&env, "KAFKA_TOPIC_PREFIX"), None);
        assert_eq!(get(&env, "REDIS_URL"), None);
    }

    #[test]
    fn tests_isolate_topics_with_a_prefix_and_fewer_partitions() {
        let wiring = Wiring {
            kafka_topic_prefix: "t_1.".to_owned(),
            kafka_topic_partitions: Some(3),
            ..wiring()
        };
        let env = spec("payment")
            .unwrap()
            .env(&wiring, Some("postgres://db/payment"))
            .unwrap();
        assert_eq!(get(&env, "KAFKA_TOPIC_PREFIX"), Some("t_1."));
        assert_eq!(get(&env, "KAFKA_TOPIC_PARTITIONS"), Some("3"));
    }

    #[test]
    fn notification_gets_redis_and_logs_unless_an_smtp_server_is_wired() {
        let notification = spec("notification").unwrap();
        let env = notification.env(&wiring(), None).unwrap();
        assert_eq!(get(&env, "REDIS_URL"), Some("redis://127.0.0.1:6379"));
        assert_eq!(get(&env, "REDIS_KEY_PREFIX"), Some("orderflow:"));
        assert_eq!(get(&env, "NOTIFICATION_CHANNEL"), Some("log"));
        assert_eq!(get(&env, "DATABASE_URL"), None);

        let smtp = Wiring {
            smtp_url: Some("smtp://127.0.0.1:1025".to_owned()),
            ..wiring()
        };
        let env = notification.env(&smtp, None).unwrap();
        assert_eq!(get(&env, "NOTIFICATION_CHANNEL"), Some("smtp"));
        assert_eq!(get(&env, "SMTP_URL"), Some("smtp://127.0.0.1:1025"));
    }

    #[test]
    fn the_gateway_gets_every_upstream_and_the_web_app_but_no_broker() {
        let wiring = Wiring {
            web_dir: Some(PathBuf::from("/srv/web/dist")),
            ..wiring()
        };
        let env = spec("gateway").unwrap().env(&wiring, None).unwrap();
        for (var, url) in [
            ("CUSTOMER_URL", "http://127.0.0.1:8081"),
            ("ORDER_URL", "http://127.0.0.1:8082"),
            ("PAYMENT_URL", "http://127.0.0.1:8083"),
            ("INVENTORY_URL", "http://127.0.0.1:8084"),
            ("NOTIFICATION_URL", "http://127.0.0.1:8085"),
        ] {
            assert_eq!(get(&env, var), Some(url), "{var}");
        }
        assert_eq!(get(&env, "WEB_DIR"), Some("/srv/web/dist"));
        assert_eq!(get(&env, "ADMIN_TOKEN"), Some("secret"));
        assert_eq!(get(&env, "KAFKA_BOOTSTRAP_SERVERS"), None);
        assert_eq!(get(&env, "GATEWAY_URL"), None);
    }

    #[test]
    fn what_a_service_needs_but_was_not_provisioned_is_an_error() {
        let without_redis = Wiring {
            redis: None,
            ..wiring()
        };
        let err = spec("notification")
            .unwrap()
            .env(&without_redis, None)
            .unwrap_err();
        assert!(err.to_string().contains("needs Redis"), "{err}");
        let err = spec("customer").unwrap().env(&wiring(), None).unwrap_err();
        assert!(err.to_string().contains("needs a database"), "{err}");
    }

    #[tokio::test]
    async fn a_sink_gets_every_line_of_both_streams_and_the_log_keeps_them() {
        use std::os::unix::fs::PermissionsExt;

        let dir = std::env::temp_dir().join(crate::provision::unique_name("orderflow-sink"));
        std::fs::create_dir_all(&dir).unwrap();
        let binary = dir.join("fake-service");
        std::fs::write(
            &binary,
            "#!/bin/sh\necho \"listening on $HTTP_ADDR\"\necho 'oops' >&2\nprintf 'no newline'\n",
        )
        .unwrap();
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink: LineSink = {
            let seen = Arc::clone(&seen);
            Arc::new(move |name, line| seen.lock().unwrap().push(format!("{name}: {line}")))
        };
        let log = dir.join("customer.log");
        let mut process = ServiceProcess::start_with_sink(
            spec("customer").unwrap(),
            binary,
            SocketAddr::from(([127, 0, 0, 1], 1)),
            Vec::new(),
            log.clone(),
            Some(sink),
        )
        .unwrap();
        process.wait_exit(Duration::from_secs(10)).await.unwrap();

        let mut lines = crate::eventually("three lines", Duration::from_secs(10), || {
            let lines = seen.lock().unwrap().clone();
            async move {
                if lines.len() == 3 {
                    Ok(lines)
                } else {
                    Err(lines)
                }
            }
        })
        .await;
        lines.sort();
        assert_eq!(
            lines,
            [
                "customer: listening on 127.0.0.1:1",
                "customer: no newline",
                "customer: oops"
            ]
        );
        let mut logged: Vec<String> = std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        logged.sort();
        assert_eq!(logged, ["listening on 127.0.0.1:1", "no newline", "oops"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_gateway_comes_last_and_every_service_has_a_port_of_its_own() {
        assert_eq!(SERVICES.last().map(|spec| spec.role), Some(Role::Gateway));
        let mut ports: Vec<u16> = SERVICES.iter().map(|spec| spec.port).collect();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), SERVICES.len());
    }
}
