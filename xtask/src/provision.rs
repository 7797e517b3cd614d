//! The infrastructure of `up`, found the way the test kit finds it: an address from the
//! environment, else a server of our own on a fixed high port of 127.0.0.1 (so it never
//! collides with servers the machine already runs) with its data under `.orderflow/`, else an
//! error that says what to install.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use orderflow_testkit::{PgCluster, PgClusterOptions, RedisServer, TansuBroker};

use crate::lock::process_exists;
use crate::state::{self, state_dir};

pub const POSTGRES_PORT: u16 = 55432;
pub const REDIS_PORT: u16 = 56379;
pub const BROKER_PORT: u16 = 59092;

/// A PostgreSQL server on which `up` may create the services' databases (connect as a user
/// allowed to `CREATE DATABASE`, to its `postgres` database).
pub const DATABASE_URL_VAR: &str = "ORDERFLOW_DATABASE_URL";
pub const KAFKA_BOOTSTRAP_VAR: &str = "ORDERFLOW_KAFKA_BOOTSTRAP";
pub const REDIS_URL_VAR: &str = "ORDERFLOW_REDIS_URL";

/// Where each server comes from: `Some(address)` from the environment, `None` for one of
/// our own. Decided before anything is built, so a missing binary is reported at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub postgres: Option<String>,
    pub redis: Option<String>,
    pub kafka: Option<String>,
}

impl Plan {
    pub fn from_env() -> Self {
        Self::from_lookup(|var| std::env::var(var).ok())
    }

    /// The plan for the variables `lookup` finds; an empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let address = |var| lookup(var).filter(|value| !value.trim().is_empty());
        Self {
            postgres: address(DATABASE_URL_VAR),
            redis: address(REDIS_URL_VAR),
            kafka: address(KAFKA_BOOTSTRAP_VAR),
        }
    }

    /// Fails, naming the package to install or the variable to set, when a server of our own
    /// is needed and its binary is missing. tansu is left out: `up` installs it.
    pub fn check_installed(&self, root: &Path) -> anyhow::Result<()> {
        let mut missing = Vec::new();
        if self.postgres.is_none() && PgCluster::attach(&postgres_options(root)).is_err() {
            missing.push(format!(
                "PostgreSQL: `apt-get install postgresql` (for initdb and pg_ctl), or set \
                 {DATABASE_URL_VAR} to a server where databases may be created"
            ));
        }
        if self.redis.is_none() && orderflow_testkit::redis::find_redis_server().is_none() {
            missing.push(format!(
                "Redis: `apt-get install redis-server`, or set {REDIS_URL_VAR}"
            ));
        }
        if missing.is_empty() {
            Ok(())
        } else {
            bail!("missing infrastructure:\n  - {}", missing.join("\n  - "))
        }
    }

    /// The ports of 127.0.0.1 our own servers will listen on.
    pub fn local_ports(&self) -> Vec<(&'static str, u16)> {
        [
            ("PostgreSQL", POSTGRES_PORT, self.postgres.is_none()),
            ("Redis", REDIS_PORT, self.redis.is_none()),
            ("the broker", BROKER_PORT, self.kafka.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, port, local)| local.then_some((name, port)))
        .collect()
    }

    pub fn needs_tansu(&self) -> bool {
        self.kafka.is_none()
    }
}

pub fn postgres_options(root: &Path) -> PgClusterOptions {
    PgClusterOptions {
        root: state_dir(root).join("postgres"),
        port: POSTGRES_PORT,
        ephemeral: false,
    }
}

fn redis_dir(root: &Path) -> PathBuf {
    state_dir(root).join("redis")
}

fn tansu_dir(root: &Path) -> PathBuf {
    state_dir(root).join("tansu")
}

enum Postgres {
    External(String),
    Local(PgCluster),
}

enum Redis {
    External(String),
    Local(RedisServer),
}

enum Kafka {
    External(String),
    Local(TansuBroker),
}

/// The servers the platform runs on, ours stopped by [`Infrastructure::stop`].
pub struct Infrastructure {
    postgres: Postgres,
    redis: Redis,
    kafka: Kafka,
}

impl Infrastructure {
    /// Starts our own servers where `plan` has no address, PostgreSQL first; whatever started
    /// is stopped again when a later one fails.
    pub fn start(plan: &Plan, root: &Path) -> anyhow::Result<Self> {
        let postgres = match &plan.postgres {
            Some(url) => Postgres::External(url.clone()),
            None => Postgres::Local(
                PgCluster::start(&postgres_options(root))
                    .with_context(|| format!("starting PostgreSQL on 127.0.0.1:{POSTGRES_PORT}"))?,
            ),
        };
        let others = (|| {
            let redis = match &plan.redis {
                Some(url) => Redis::External(url.clone()),
                None => Redis::Local(
                    RedisServer::start(&redis_dir(root), REDIS_PORT, true)
                        .with_context(|| format!("starting Redis on 127.0.0.1:{REDIS_PORT}"))?,
                ),
            };
            let kafka = match &plan.kafka {
                Some(bootstrap) => Kafka::External(bootstrap.clone()),
                None => Kafka::Local(
                    TansuBroker::start(&tansu_dir(root), BROKER_PORT).with_context(|| {
                        format!("starting the tansu broker on 127.0.0.1:{BROKER_PORT}")
                    })?,
                ),
            };
            anyhow::Ok((redis, kafka))
        })();
        match others {
            Ok((redis, kafka)) => Ok(Self {
                postgres,
                redis,
                kafka,
            }),
            Err(err) => {
                if let Postgres::Local(cluster) = &postgres
                    && let Err(stop) = cluster.stop()
                {
                    eprintln!("warning: stopping PostgreSQL: {stop}");
                }
                Err(err)
            }
        }
    }

    pub fn bootstrap(&self) -> String {
        match &self.kafka {
            Kafka::External(bootstrap) => bootstrap.clone(),
            Kafka::Local(broker) => broker.bootstrap(),
        }
    }

    pub fn redis_url(&self) -> String {
        match &self.redis {
            Redis::External(url) => url.clone(),
            Redis::Local(server) => server.url(),
        }
    }

    fn postgres_url(&self) -> String {
        match &self.postgres {
            Postgres::External(url) => url.clone(),
            Postgres::Local(cluster) => cluster.url("postgres"),
        }
    }

    /// Creates the database `name` unless it exists, and returns its URL.
    pub async fn database_url(&self, name: &str) -> anyhow::Result<String> {
        orderflow_testkit::postgres::ensure_database(&self.postgres_url(), name)
            .await
            .with_context(|| format!("creating the {name} database"))
    }

    /// The servers as `status` and the summary show them.
    pub fn describe(&self) -> Vec<state::Infrastructure> {
        let entry = |name: &str, address: String, own: bool| state::Infrastructure {
            name: if own {
                name.to_owned()
            } else {
                format!("{name} (from the environment)")
            },
            probe: state::host_port(&address),
            address: state::redacted(&address),
        };
        vec![
            entry(
                "PostgreSQL",
                self.postgres_url(),
                matches!(self.postgres, Postgres::Local(_)),
            ),
            entry(
                "Redis",
                self.redis_url(),
                matches!(self.redis, Redis::Local(_)),
            ),
            entry(
                "Kafka",
                self.bootstrap(),
                matches!(self.kafka, Kafka::Local(_)),
            ),
        ]
    }

    /// Stops our own servers, in the reverse order of their start.
    pub fn stop(self, report: impl Fn(&str)) {
        let Self {
            postgres,
            redis,
            kafka,
        } = self;
        if let Kafka::Local(mut broker) = kafka {
            match broker.stop() {
                Ok(()) => report("the broker stopped"),
                Err(err) => report(&format!("warning: stopping the broker: {err}")),
            }
        }
        if let Redis::Local(mut server) = redis {
            match server.shutdown() {
                Ok(()) => report("Redis stopped"),
                Err(err) => report(&format!("warning: stopping Redis: {err}")),
            }
        }
        if let Postgres::Local(cluster) = postgres {
            match cluster.stop() {
                Ok(()) => report("PostgreSQL stopped"),
                Err(err) => report(&format!("warning: stopping PostgreSQL: {err}")),
            }
        }
    }
}

/// Stops the servers an `up` that was killed left behind, so their ports are free again.
pub fn stop_leftovers(root: &Path, report: impl Fn(&str)) {
    let options = postgres_options(root);
    if options.root.join("data/postmaster.pid").exists()
        && let Ok(cluster) = PgCluster::attach(&options)
    {
        // A stale pid file of a server that died makes this fail harmlessly.
        if cluster.stop().is_ok() {
            report("stopped a PostgreSQL left running");
        }
    }
    for (name, pid_file, program) in [
        ("Redis", redis_dir(root).join("redis.pid"), "redis-server"),
        ("the broker", tansu_dir(root).join("tansu.pid"), "tansu"),
    ] {
        let pid = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|text| text.trim().parse::<u32>().ok());
        if let Some(pid) = pid
            && runs(pid, program)
        {
            match terminate(pid, Duration::from_secs(10)) {
                Ok(()) => report(&format!("stopped {name} left running (pid {pid})")),
                Err(err) => report(&format!("warning: stopping {name} (pid {pid}): {err}")),
            }
        }
    }
}

/// Whether process `pid` is the program called `program` (its kernel name, `comm`).
fn runs(pid: u32, program: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.trim() == program)
}

/// SIGTERM to a process that is not our child, then SIGKILL if it outlives `grace`.
pub fn terminate(pid: u32, grace: Duration) -> anyhow::Result<()> {
    signal(pid, "TERM")?;
    let deadline = Instant::now() + grace;
    while process_exists(pid) {
        if Instant::now() > deadline {
            return signal(pid, "KILL");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

fn signal(pid: u32, signal: &str) -> anyhow::Result<()> {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .context("running kill")?;
    if !status.success() && process_exists(pid) {
        bail!("kill -{signal} {pid} failed with {status}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_in_the_environment_replace_our_own_servers() {
        let plan = Plan::from_lookup(|var| match var {
            DATABASE_URL_VAR => Some("postgres://app:pw@db:5432/postgres".to_owned()),
            REDIS_URL_VAR => Some("  ".to_owned()),
            _ => None,
        });
        assert_eq!(
            plan.postgres.as_deref(),
            Some("postgres://app:pw@db:5432/postgres")
        );
        assert_eq!(plan.redis, None, "an empty value counts as unset");
        assert!(plan.needs_tansu());
        assert_eq!(
            plan.local_ports(),
            [("Redis", REDIS_PORT), ("the broker", BROKER_PORT)]
        );
    }

    #[test]
    fn with_nothing_in_the_environment_every_server_is_our_own() {
        let plan = Plan::from_lookup(|_| None);
        assert_eq!(plan, Plan::default());
        assert_eq!(plan.local_ports().len(), 3);
    }
}
