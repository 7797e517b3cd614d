//! `cargo xtask up`: the whole platform on this machine, without Docker, in one command.
//!
//! It builds the services and, when npm is present, the web app the gateway serves at `/`;
//! it provisions the infrastructure (see [`crate::provision`]), creates
//! every topic, starts the contexts and then the gateway in front of them, each once what it
//! needs is ready, and shows every process's output behind its name (also kept in
//! `.orderflow/logs/<name>.log`). Ctrl-C (or SIGTERM, e.g. from `cargo xtask down`) stops the
//! services and then the infrastructure, in the reverse order of their start.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use orderflow_testkit::TestRedis;
use orderflow_testkit::platform::{
    LineSink, READY_TIMEOUT, Role, SERVICES, ServiceProcess, ServiceSpec, Wiring,
};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use crate::console::Prefixer;
use crate::guide::{self, Addresses};
use crate::infra::{self, cargo};
use crate::lock::{self, PidLock};
use crate::provision::{self, Infrastructure, Plan};
use crate::state::{self, State, lock_file, state_dir};

/// The admin token of a local platform, unless `ADMIN_TOKEN` says otherwise.
const DEFAULT_ADMIN_TOKEN: &str = "orderflow-dev";
/// The prefix of the launcher's own lines among the services'.
const LAUNCHER: &str = "up";
/// Key prefix of the platform's data in Redis.
const REDIS_KEY_PREFIX: &str = "orderflow:";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Release,
    Debug,
}

impl Profile {
    fn name(self) -> &'static str {
        match self {
            Self::Release => "release",
            Self::Debug => "debug",
        }
    }
}

/// How long each phase of the start-up took, for the closing line.
struct Timing {
    started: Instant,
    built: Duration,
    provisioned: Duration,
}

pub fn run(root: &Path, profile: Profile) -> anyhow::Result<()> {
    let started = Instant::now();
    std::fs::create_dir_all(state_dir(root))?;
    let _lock = PidLock::acquire(&lock_file(root))?;
    State::remove(root);
    let plan = Plan::from_env();
    plan.check_installed(root)?;
    provision::stop_leftovers(root, |line| eprintln!("{line}"));
    check_ports_free(&plan)?;
    build(root, profile)?;
    build_web(root);
    if plan.needs_tansu() {
        infra::ensure_tansu(root)?;
    }
    let built = started.elapsed();
    let runtime = tokio::runtime::Runtime::new()?;
    let outcome = runtime.block_on(launch(root, profile, &plan, started, built));
    State::remove(root);
    outcome
}

/// Fails before the (long) build when a port the platform needs is taken.
fn check_ports_free(plan: &Plan) -> anyhow::Result<()> {
    let taken: Vec<String> = SERVICES
        .iter()
        .map(|spec| (spec.name, spec.port))
        .chain(plan.local_ports())
        .filter(|(_, port)| TcpListener::bind(("127.0.0.1", *port)).is_err())
        .map(|(name, port)| format!("{port} ({name})"))
        .collect();
    if !taken.is_empty() {
        bail!(
            "port(s) {} of 127.0.0.1 are taken by another program (`ss -ltnp` shows which)",
            taken.join(", ")
        );
    }
    Ok(())
}

fn build(root: &Path, profile: Profile) -> anyhow::Result<()> {
    let mut build = cargo(root);
    build.arg("build");
    if profile == Profile::Release {
        build.arg("--release");
    }
    for spec in SERVICES {
        build.args(["-p", spec.package]);
    }
    eprintln!("building the services ({} profile)", profile.name());
    infra::run(&mut build)
}

/// Builds the web app for the gateway to serve. Without npm, or when the build fails, the
/// platform still starts and serves the API alone.
fn build_web(root: &Path) {
    if !crate::web::npm_available() {
        eprintln!(
            "npm is not installed: the gateway serves the API only (install Node.js and npm for the web app)"
        );
        return;
    }
    if let Err(err) = crate::web::build(root) {
        eprintln!("the web app did not build ({err:#}): the gateway serves the API only");
        let _ = std::fs::remove_dir_all(root.join("web/dist"));
    }
}

async fn launch(
    root: &Path,
    profile: Profile,
    plan: &Plan,
    started: Instant,
    built: Duration,
) -> anyhow::Result<()> {
    let mut shutdown = Shutdown::listen()?;
    let names = std::iter::once(LAUNCHER)
        .chain(SERVICES.iter().map(|spec| spec.name))
        .collect();
    let console = Arc::new(Prefixer::for_stdout(names));
    let say = |line: &str| console.print(LAUNCHER, line);

    say("starting the infrastructure");
    let infrastructure = Infrastructure::start(plan, root)?;
    for server in infrastructure.describe() {
        say(&format!("{:<10} {}", server.name, server.address));
    }
    let mut platform = Running {
        infrastructure,
        services: Vec::new(),
        profile,
    };
    let timing = Timing {
        started,
        built,
        provisioned: started.elapsed(),
    };
    let admin_token =
        std::env::var("ADMIN_TOKEN").unwrap_or_else(|_| DEFAULT_ADMIN_TOKEN.to_owned());
    let outcome = tokio::select! {
        result = platform.start_services(root, &console, &admin_token) => result.map(Some),
        () = shutdown.requested() => Ok(None),
    };
    let outcome = match outcome {
        Ok(Some(wiring)) => {
            summarise(root, &platform, &wiring, &timing).await;
            tokio::select! {
                () = shutdown.requested() => Ok(()),
                exited = first_exit(&mut platform.services) => Err(anyhow!(exited)),
            }
        }
        Ok(None) => Ok(()),
        Err(err) => Err(err),
    };
    say("stopping (services, then infrastructure)");
    platform.stop(&console);
    outcome
}

/// What runs, stopped in the reverse order of its start.
struct Running {
    infrastructure: Infrastructure,
    services: Vec<ServiceProcess>,
    profile: Profile,
}

impl Running {
    /// Creates the topics, then starts the contexts and, once they are ready, the gateway.
    async fn start_services(
        &mut self,
        root: &Path,
        console: &Arc<Prefixer>,
        admin_token: &str,
    ) -> anyhow::Result<Wiring> {
        let say = |line: &str| console.print(LAUNCHER, line);
        let infrastructure = &self.infrastructure;
        let topics: Vec<(String, i32)> = orderflow_contracts::TOPICS
            .iter()
            .map(|topic| (topic.name.to_owned(), topic.partitions))
            .collect();
        orderflow_testkit::records::create_topics(&infrastructure.bootstrap(), &topics)
            .await
            .context("creating the topics")?;
        say(&format!("{} topics ready", topics.len()));

        let web_dir = root.join("web/dist");
        let wiring = Wiring {
            kafka_bootstrap: infrastructure.bootstrap(),
            admin_token: admin_token.to_owned(),
            redis: Some(TestRedis {
                url: infrastructure.redis_url(),
                prefix: REDIS_KEY_PREFIX.to_owned(),
            }),
            smtp_url: std::env::var("SMTP_URL").ok().filter(|url| !url.is_empty()),
            upstreams: SERVICES
                .iter()
                .filter(|spec| spec.role == Role::Context)
                .map(|spec| (spec, format!("http://{}", address(spec))))
                .collect(),
            web_dir: web_dir.is_dir().then_some(web_dir),
            ..Wiring::default()
        };
        let binaries = target_dir(root).join(self.profile.name());
        let logs = state_dir(root).join("logs");
        std::fs::create_dir_all(&logs)?;
        let sink: LineSink = {
            let console = Arc::clone(console);
            Arc::new(move |name, line| console.print(name, line))
        };
        for role in [Role::Context, Role::Gateway] {
            let wave = self.services.len();
            for spec in SERVICES.iter().filter(|spec| spec.role == role) {
                let database = match spec.database {
                    Some(name) => Some(infrastructure.database_url(name).await?),
                    None => None,
                };
                let mut env = spec.env(&wiring, database.as_deref())?;
                env.extend(
                    spec.launcher_env
                        .iter()
                        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned())),
                );
                let log = logs.join(format!("{}.log", spec.name));
                let process = ServiceProcess::start_with_sink(
                    spec,
                    binaries.join(spec.package),
                    address(spec),
                    env,
                    log,
                    Some(Arc::clone(&sink)),
                )?;
                say(&format!(
                    "started {} (pid {})",
                    spec.name,
                    process.pid().unwrap_or_default()
                ));
                self.services.push(process);
            }
            self.state().write(root)?;
            for process in &mut self.services[wave..] {
                process.wait_ready(READY_TIMEOUT).await.with_context(|| {
                    format!("starting {} (its output is above)", process.name())
                })?;
                say(&format!(
                    "{} is ready at {}",
                    process.name(),
                    process.base_url()
                ));
            }
        }
        Ok(wiring)
    }

    fn state(&self) -> State {
        State {
            pid: std::process::id(),
            profile: self.profile.name().to_owned(),
            infrastructure: self.infrastructure.describe(),
            services: self
                .services
                .iter()
                .map(|process| state::Service {
                    name: process.name().to_owned(),
                    pid: process.pid(),
                    url: process.base_url(),
                    log: process.log().to_owned(),
                })
                .collect(),
        }
    }

    fn stop(self, console: &Prefixer) {
        let say = |line: &str| console.print(LAUNCHER, line);
        let Self {
            infrastructure,
            mut services,
            ..
        } = self;
        // The reverse of the start: the gateway, then the contexts. Those depend on one
        // another only through the broker, so they stop together (each takes a few seconds
        // to leave its consumer group).
        for role in [Role::Gateway, Role::Context] {
            std::thread::scope(|scope| {
                for process in services.iter_mut().filter(|p| p.spec().role == role) {
                    scope.spawn(move || match process.stop() {
                        Ok(Some(status)) => say(&format!("{} stopped ({status})", process.name())),
                        Ok(None) => {}
                        Err(err) => say(&format!("warning: stopping {}: {err}", process.name())),
                    });
                }
            });
        }
        infrastructure.stop(say);
    }
}

/// The service's default address (DESIGN.md §6).
fn address(spec: &ServiceSpec) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], spec.port))
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// Prints the URLs, a first order to place, and how long the start took.
async fn summarise(root: &Path, platform: &Running, wiring: &Wiring, timing: &Timing) {
    let infrastructure = platform.infrastructure.describe();
    let services: Vec<(&str, String)> = platform
        .services
        .iter()
        .map(|process| (process.name(), process.base_url()))
        .collect();
    let gateway = services
        .iter()
        .find(|(name, _)| *name == "gateway")
        .map_or_else(String::new, |(_, url)| url.clone());
    let mailpit = mailpit(wiring.smtp_url.as_deref()).await;
    let logs = state_dir(root).join("logs");
    let logs = logs.strip_prefix(root).unwrap_or(&logs);
    let table = guide::urls(&Addresses {
        gateway: &gateway,
        services: services
            .iter()
            .filter(|(name, _)| *name != "gateway")
            .map(|(name, url)| (*name, url.as_str()))
            .collect(),
        infrastructure: &infrastructure,
        mailpit: mailpit.as_deref(),
        logs,
        admin_token: &wiring.admin_token,
    });
    let total = timing.started.elapsed();
    let summary = format!(
        "\nOrderFlow is up:\n\n{table}\nPlace an order through the gateway (paste into a shell):\n\n{}\n\
         all ready in {:.1} s (build check {:.1} s, infrastructure {:.1} s, services {:.1} s). \
         Ctrl-C stops everything; `cargo xtask status` shows its health.\n",
        guide::order_example(&gateway),
        total.as_secs_f64(),
        timing.built.as_secs_f64(),
        timing
            .provisioned
            .saturating_sub(timing.built)
            .as_secs_f64(),
        total.saturating_sub(timing.provisioned).as_secs_f64(),
    );
    // One write, so that no service's line lands inside the snippet.
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(summary.as_bytes());
}

/// Mailpit's web UI: `MAILPIT_URL`, else port 8025 of the SMTP host when it answers there.
async fn mailpit(smtp_url: Option<&str>) -> Option<String> {
    if let Ok(url) = std::env::var("MAILPIT_URL") {
        return Some(url);
    }
    let host_port = state::host_port(smtp_url?);
    let host = host_port
        .rsplit_once(':')
        .map_or(host_port.as_str(), |(host, _)| host);
    let url = format!("http://{host}:8025");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .ok()?;
    let answers = client
        .get(&url)
        .send()
        .await
        .is_ok_and(|response| response.status().is_success());
    answers.then_some(url)
}

/// Resolves with a message when any service process exits on its own.
async fn first_exit(processes: &mut [ServiceProcess]) -> String {
    loop {
        for process in processes.iter_mut() {
            if let Some(status) = process.exit_status() {
                return format!(
                    "the {} service exited ({status}); see {}",
                    process.name(),
                    process.log().display()
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Ctrl-C, SIGTERM or SIGHUP: a request to stop. A second Ctrl-C during the stop ends this
/// process at once; the test kit's watchdogs then kill the services.
struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    fn listen() -> anyhow::Result<Self> {
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let mut hangup = signal(SignalKind::hangup())?;
        let (sender, receiver) = watch::channel(false);
        tokio::spawn(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
                _ = hangup.recv() => {}
            }
            let _ = sender.send(true);
            if interrupt.recv().await.is_some() {
                eprintln!("interrupted again: exiting without a clean stop");
                std::process::exit(130);
            }
        });
        Ok(Self(receiver))
    }

    async fn requested(&mut self) {
        // An error means the sender is gone, which never happens before a signal.
        let _ = self.0.wait_for(|requested| *requested).await;
    }
}

/// Stops a running `up` (it stops what it started), then what a killed one left behind,
/// and with `purge` deletes `.orderflow/`.
pub fn down(root: &Path, purge: bool) -> anyhow::Result<()> {
    if let Some(pid) = lock::holder(&lock_file(root)) {
        println!("stopping `cargo xtask up` (pid {pid})");
        provision::terminate(pid, Duration::from_secs(120))?;
    }
    provision::stop_leftovers(root, |line| println!("{line}"));
    if purge {
        let dir = state_dir(root);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("deleting {}", dir.display()))?;
            println!("deleted {}", dir.display());
        }
    }
    Ok(())
}
