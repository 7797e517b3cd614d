//! PostgreSQL for tests (a throwaway cluster per test process) and for `cargo xtask up`
//! (a persistent cluster under `.orderflow/`).

use std::ffi::OsString;
use std::path::PathBuf;

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgPool};
use tokio::sync::OnceCell;

use crate::process::{hand_over, is_root, run, unprivileged, watchdog};
use crate::provision::{docker_available, unique_name};
use crate::{TestkitError, ports};

/// Where a cluster lives and how it runs.
#[derive(Debug, Clone)]
pub struct PgClusterOptions {
    /// Directory holding `data/`, the server log and the socket; created when missing.
    pub root: PathBuf,
    pub port: u16,
    /// Throwaway clusters trade durability for speed (no fsync).
    pub ephemeral: bool,
}

/// A PostgreSQL cluster run from the binaries installed on this machine.
#[derive(Debug)]
pub struct PgCluster {
    bin: PathBuf,
    root: PathBuf,
    port: u16,
}

impl PgCluster {
    /// Initialises the cluster when its data directory is new, then starts the server and
    /// waits until it accepts connections.
    pub fn start(options: &PgClusterOptions) -> Result<Self, TestkitError> {
        let bin = find_bin_dir().ok_or(TestkitError::NoPostgres)?;
        std::fs::create_dir_all(&options.root)?;
        let cluster = Self {
            bin,
            root: options.root.clone(),
            port: options.port,
        };
        hand_over(&cluster.root)?;
        if !cluster.data_dir().join("PG_VERSION").exists() {
            run(unprivileged(&cluster.bin.join("initdb"))
                .arg("-D")
                .arg(cluster.data_dir())
                .args([
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                ]))?;
        }
        let mut server_options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c max_connections=200",
            cluster.port,
            cluster.root.display()
        );
        if options.ephemeral {
            server_options
                .push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        run(unprivileged(&cluster.bin.join("pg_ctl"))
            .arg("-D")
            .arg(cluster.data_dir())
            .arg("-l")
            .arg(cluster.log_file())
            .args(["-w", "-t", "60", "-o", &server_options, "start"]))
        .map_err(|err| TestkitError::PostgresStart {
            log: cluster.log_file(),
            detail: err.to_string(),
        })?;
        Ok(cluster)
    }

    /// A handle on a cluster started earlier (to stop it), without starting anything.
    pub fn attach(options: &PgClusterOptions) -> Result<Self, TestkitError> {
        let bin = find_bin_dir().ok_or(TestkitError::NoPostgres)?;
        Ok(Self {
            bin,
            root: options.root.clone(),
            port: options.port,
        })
    }

    /// A throwaway cluster in a fresh temp dir on a free port.
    pub fn start_ephemeral() -> Result<Self, TestkitError> {
        let mut last_error = None;
        for _ in 0..3 {
            let root = std::env::temp_dir().join(unique_name("orderflow-pg"));
            let options = PgClusterOptions {
                root: root.clone(),
                port: ports::free_port()?,
                ephemeral: true,
            };
            match Self::start(&options) {
                Ok(cluster) => return Ok(cluster),
                // Most likely another process took the port between probe and bind: try again.
                Err(err @ TestkitError::PostgresStart { .. }) => {
                    let _ = std::fs::remove_dir_all(&root);
                    last_error = Some(err);
                }
                Err(err) => return Err(err),
            }
        }
        Err(last_error.unwrap_or(TestkitError::NoPostgres))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Connection URL of `database` as the `postgres` superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Stops the server, letting it finish a clean shutdown checkpoint.
    pub fn stop(&self) -> Result<(), TestkitError> {
        run(unprivileged(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "fast", "-w", "stop"]))?;
        Ok(())
    }

    /// Stops the server and deletes its files once this process exits, however it exits.
    pub fn remove_when_process_exits(&self) -> Result<(), TestkitError> {
        let mut stop: Vec<OsString> = Vec::new();
        if is_root() {
            stop.extend(
                ["runuser", "-u", crate::process::SERVICE_ACCOUNT, "--"].map(OsString::from),
            );
        }
        stop.push(self.bin.join("pg_ctl").into());
        stop.extend([
            "-D".into(),
            self.data_dir().into(),
            "-m".into(),
            "immediate".into(),
            "stop".into(),
        ]);
        let mut args: Vec<&std::ffi::OsStr> = vec![self.root.as_os_str()];
        args.extend(stop.iter().map(OsString::as_os_str));
        watchdog(
            r#"root="$1"; shift; "$@" >/dev/null 2>&1; rm -rf "$root""#,
            &args,
        )
    }

    /// Creates `name` unless it exists.
    pub async fn ensure_database(&self, name: &str) -> Result<(), TestkitError> {
        ensure_database(&self.url("postgres"), name).await.map(drop)
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.root.join("server.log")
    }
}

/// Creates `name` on the server `admin_url` connects to unless it exists, and returns the
/// URL of that database: for a launcher given a server instead of starting one.
pub async fn ensure_database(admin_url: &str, name: &str) -> Result<String, TestkitError> {
    let options: PgConnectOptions = admin_url.parse()?;
    let mut admin = options.connect().await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut admin)
            .await?;
    if !exists {
        sqlx::query(AssertSqlSafe(format!(
            "CREATE DATABASE \"{}\"",
            name.replace('"', "\"\"")
        )))
        .execute(&mut admin)
        .await?;
    }
    admin.close().await?;
    Ok(options.database(name).to_url_lossy().to_string())
}

/// The directory holding `initdb` and `pg_ctl`: from PATH, else the newest Debian install.
fn find_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file());
    on_path.or_else(|| {
        let mut installs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
                let bin = entry.path().join("bin");
                bin.join("initdb").is_file().then_some((version, bin))
            })
            .collect();
        installs.sort();
        installs.pop().map(|(_, bin)| bin)
    })
}

/// The server this test process creates its databases on.
enum Server {
    /// Given by `ORDERFLOW_TEST_DATABASE_URL`.
    External(PgConnectOptions),
    /// A throwaway local cluster, removed when the process exits.
    Local(PgCluster),
    /// A testcontainers PostgreSQL, kept for the life of the process.
    Container {
        _container: Box<
            testcontainers_modules::testcontainers::ContainerAsync<
                testcontainers_modules::postgres::Postgres,
            >,
        >,
        options: PgConnectOptions,
    },
}

impl Server {
    fn admin_options(&self) -> Result<PgConnectOptions, TestkitError> {
        match self {
            Self::External(options) | Self::Container { options, .. } => Ok(options.clone()),
            Self::Local(cluster) => Ok(cluster.url("postgres").parse()?),
        }
    }
}

static SERVER: OnceCell<Server> = OnceCell::const_new();

async fn server() -> Result<&'static Server, TestkitError> {
    SERVER.get_or_try_init(provision).await
}

async fn provision() -> Result<Server, TestkitError> {
    if let Ok(url) = std::env::var("ORDERFLOW_TEST_DATABASE_URL") {
        return Ok(Server::External(url.parse()?));
    }
    match tokio::task::spawn_blocking(PgCluster::start_ephemeral).await {
        Ok(Ok(cluster)) => {
            cluster.remove_when_process_exits()?;
            return Ok(Server::Local(cluster));
        }
        Ok(Err(TestkitError::NoPostgres)) => {}
        Ok(Err(err)) => return Err(err),
        Err(join) => return Err(TestkitError::Container(join.to_string())),
    }
    if docker_available() {
        use testcontainers_modules::testcontainers::ImageExt;
        use testcontainers_modules::testcontainers::runners::AsyncRunner;
        let container = testcontainers_modules::postgres::Postgres::default()
            .with_tag("17-alpine")
            .start()
            .await
            .map_err(|err| TestkitError::Container(err.to_string()))?;
        watchdog(
            r#"docker rm -f "$1" >/dev/null 2>&1"#,
            &[std::ffi::OsStr::new(container.id())],
        )?;
        let port = container
            .get_host_port_ipv4(5432)
            .await
            .map_err(|err| TestkitError::Container(err.to_string()))?;
        let options: PgConnectOptions =
            format!("postgres://postgres:postgres@127.0.0.1:{port}/postgres").parse()?;
        return Ok(Server::Container {
            _container: Box::new(container),
            options,
        });
    }
    Err(TestkitError::NoPostgres)
}

/// A database of its own for one test.
#[derive(Debug, Clone)]
pub struct TestDatabase {
    pub name: String,
    /// URL for a service's `DATABASE_URL`.
    pub url: String,
    options: PgConnectOptions,
}

impl TestDatabase {
    /// A new pool on this database.
    pub async fn pool(&self) -> Result<PgPool, TestkitError> {
        Ok(PgPool::connect_with(self.options.clone()).await?)
    }
}

pub(crate) async fn database() -> Result<TestDatabase, TestkitError> {
    let admin_options = server().await?.admin_options()?;
    let name = unique_name("test");
    let mut admin = admin_options.connect().await?;
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    let options = admin_options.database(&name);
    let url = options.to_url_lossy().to_string();
    Ok(TestDatabase { name, url, options })
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn every_test_gets_its_own_empty_database() {
        let first = super::database().await.unwrap();
        let second = super::database().await.unwrap();
        assert_ne!(first.name, second.name);
        let pool = first.pool().await.unwrap();
        sqlx::query("CREATE TABLE marker (id int)")
            .execute(&pool)
            .await
            .unwrap();
        let other = second.pool().await.unwrap();
        let seen: Option<String> = sqlx::query_scalar("SELECT to_regclass('marker')::text")
            .fetch_one(&other)
            .await
            .unwrap();
        assert_eq!(
            seen, None,
            "a table created in one test database must not appear in another"
        );
    }
}
