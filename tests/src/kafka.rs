//! A Kafka-protocol broker for tests and for `cargo xtask up`: tansu with its SQLite storage
//! engine (its in-memory engine reports wrong watermarks; do not use it).

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::provision::{docker_available, unique_name};
use crate::{TestkitError, ports};

/// The project's tool cache: `ORDERFLOW_CACHE_DIR`, else `~/.cache/orderflow`; tansu is
/// installed under `<cache>/tools/tansu`.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("ORDERFLOW_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir)
                .join(".cache/orderflow")
        })
}

/// The tansu binary: `ORDERFLOW_TANSU`, else PATH, else the project's tool cache, else cargo's bin.
pub fn find_tansu() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ORDERFLOW_TANSU") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("tansu"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let cached = cache_dir().join("tools/tansu/bin/tansu");
    let cargo_bin =
        std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo/bin/tansu"));
    on_path
        .into_iter()
        .chain([cached])
        .chain(cargo_bin)
        .find(|path| path.is_file())
}

/// A tansu broker process on 127.0.0.1 with its data in one SQLite file.
#[derive(Debug)]
pub struct TansuBroker {
    binary: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl TansuBroker {
    /// Starts a broker on `port` with its data under `dir` (created when missing).
    pub fn start(dir: &Path, port: u16) -> Result<Self, TestkitError> {
        let binary = find_tansu().ok_or(TestkitError::NoBroker)?;
        std::fs::create_dir_all(dir)?;
        let mut broker = Self {
            binary,
            dir: dir.to_owned(),
            port,
            child: None,
        };
        broker.restart()?;
        Ok(broker)
    }

    /// A throwaway broker on a free port in a temp dir, deleted when this process exits.
    pub fn start_ephemeral() -> Result<Self, TestkitError> {
        let dir = std::env::temp_dir().join(unique_name("orderflow-tansu"));
        let broker = Self::start(&dir, ports::free_port()?).inspect_err(|_| {
            let _ = std::fs::remove_dir_all(&dir);
        })?;
        broker.remove_when_process_exits()?;
        Ok(broker)
    }

    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Starts the process again (after [`Self::stop`]) on the same port and data.
    pub fn restart(&mut self) -> Result<(), TestkitError> {
        let url = format!("tcp://127.0.0.1:{}", self.port);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("tansu.log"))?;
        let child = Command::new(&self.binary)
            .arg("broker")
            .args(["--listener-url", &url, "--advertised-listener-url", &url])
            // tansu resolves the SQLite path against its working directory.
            .args(["--storage-engine", "sqlite://tansu.db"])
            .current_dir(&self.dir)
            .env(
                "RUST_LOG",
                std::env::var("TANSU_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Its own process group: a Ctrl-C at the terminal reaches only its owner, which
            // stops it after the services that use it.
            .process_group(0)
            .spawn()?;
        // The watchdog kills whichever process is current when the test process ends.
        std::fs::write(self.dir.join("tansu.pid"), child.id().to_string())?;
        self.child = Some(child);
        self.wait_listening()
    }

    /// Kills the process; the data stays for [`Self::restart`].
    pub fn stop(&mut self) -> Result<(), TestkitError> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    fn wait_listening(&mut self) -> Result<(), TestkitError> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                return Err(TestkitError::BrokerStart(format!(
                    "tansu exited with {status}; see {}",
                    self.dir.join("tansu.log").display()
                )));
            }
            if Instant::now() > deadline {
                return Err(TestkitError::BrokerStart(format!(
                    "tansu is not listening on port {}",
                    self.port
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the broker and deletes its files once this process exits, however it exits.
    fn remove_when_process_exits(&self) -> Result<(), TestkitError> {
        crate::process::watchdog(
            r#"kill "$(cat "$1/tansu.pid")" 2>/dev/null; rm -rf "$1""#,
            &[self.dir.as_os_str()],
        )
    }
}

impl Drop for TansuBroker {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// The broker this test process uses.
enum Broker {
    External(String),
    Local(TansuBroker),
    Container {
        _container: Box<
            testcontainers_modules::testcontainers::ContainerAsync<
                testcontainers_modules::kafka::apache::Kafka,
            >,
        >,
        bootstrap: String,
    },
}

static BROKER: OnceCell<Mutex<Broker>> = OnceCell::const_new();

async fn provision() -> Result<Mutex<Broker>, TestkitError> {
    if let Ok(bootstrap) = std::env::var("ORDERFLOW_TEST_KAFKA_BOOTSTRAP") {
        return Ok(Mutex::new(Broker::External(bootstrap)));
    }
    if find_tansu().is_some() {
        let broker = tokio::task::spawn_blocking(TansuBroker::start_ephemeral)
            .await
            .map_err(|err| TestkitError::BrokerStart(err.to_string()))??;
        return Ok(Mutex::new(Broker::Local(broker)));
    }
    if docker_available() {
        use testcontainers_modules::testcontainers::ImageExt;
        use testcontainers_modules::testcontainers::runners::AsyncRunner;
        let container = testcontainers_modules::kafka::apache::Kafka::default()
            .with_tag("4.1.0")
            .start()
            .await
            .map_err(|err| TestkitError::Container(err.to_string()))?;
        crate::process::watchdog(
            r#"docker rm -f "$1" >/dev/null 2>&1"#,
            &[std::ffi::OsStr::new(container.id())],
        )?;
        let port = container
            .get_host_port_ipv4(testcontainers_modules::kafka::apache::KAFKA_PORT)
            .await
            .map_err(|err| TestkitError::Container(err.to_string()))?;
        return Ok(Mutex::new(Broker::Container {
            _container: Box::new(container),
            bootstrap: format!("127.0.0.1:{port}"),
        }));
    }
    Err(TestkitError::NoBroker)
}

/// A broker address for one test, with a topic prefix of its own so tests never share topics
/// or consumer groups.
#[derive(Debug, Clone)]
pub struct TestKafka {
    pub bootstrap: String,
    pub prefix: String,
}

pub(crate) async fn kafka() -> Result<TestKafka, TestkitError> {
    let broker = BROKER.get_or_try_init(provision).await?;
    let bootstrap = match &*broker.lock().map_err(|_| TestkitError::NoBroker)? {
        Broker::External(bootstrap) | Broker::Container { bootstrap, .. } => bootstrap.clone(),
        Broker::Local(tansu) => tansu.bootstrap(),
    };
    Ok(TestKafka {
        bootstrap,
        prefix: format!("{}.", unique_name("t")),
    })
}
