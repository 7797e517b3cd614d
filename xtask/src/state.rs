//! What a running `up` has started, written under `.orderflow/` for `cargo xtask status`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// The directory of everything `up` keeps: data, logs, the lock and this state.
pub fn state_dir(root: &Path) -> PathBuf {
    root.join(".orderflow")
}

pub fn lock_file(root: &Path) -> PathBuf {
    state_dir(root).join("up.pid")
}

fn state_file(root: &Path) -> PathBuf {
    state_dir(root).join("state.json")
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct State {
    /// The `up` process.
    pub pid: u32,
    /// `release` or `debug`.
    pub profile: String,
    pub infrastructure: Vec<Infrastructure>,
    pub services: Vec<Service>,
}

/// A server the services use, as `status` shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Infrastructure {
    pub name: String,
    /// Where it listens, without credentials.
    pub address: String,
    /// `host:port` to probe.
    pub probe: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub name: String,
    pub pid: Option<u32>,
    pub url: String,
    pub log: PathBuf,
}

impl State {
    /// Replaces the state file at once, so `status` never reads half of it.
    pub fn write(&self, root: &Path) -> anyhow::Result<()> {
        let path = state_file(root);
        let partial = path.with_extension("json.partial");
        std::fs::write(&partial, serde_json::to_vec_pretty(self)?)
            .with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))
    }

    /// The state of the `up` that runs, if it has written one yet.
    pub fn read(root: &Path) -> anyhow::Result<Option<Self>> {
        let path = state_file(root);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(
                serde_json::from_slice(&bytes)
                    .with_context(|| format!("reading {}", path.display()))?,
            )),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
        }
    }

    pub fn remove(root: &Path) {
        let _ = std::fs::remove_file(state_file(root));
    }
}

/// `host:port` of a URL or of a bootstrap list, for a reachability probe: the scheme, the
/// credentials, the path and any further brokers are left out.
pub fn host_port(address: &str) -> String {
    let rest = address.split_once("://").map_or(address, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    rest.split(['/', '?', ','])
        .next()
        .unwrap_or(rest)
        .to_owned()
}

/// `address` without the password, to be shown.
pub fn redacted(address: &str) -> String {
    let Some((scheme, rest)) = address.split_once("://") else {
        return address.to_owned();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return address.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => address.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_take_host_and_port_only() {
        assert_eq!(
            host_port("postgres://app:secret@db:5432/postgres?sslmode=disable"),
            "db:5432"
        );
        assert_eq!(host_port("redis://127.0.0.1:56379"), "127.0.0.1:56379");
        assert_eq!(host_port("10.0.0.1:9092,10.0.0.2:9092"), "10.0.0.1:9092");
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redacted("postgres://app:secret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            redacted("postgres://postgres@127.0.0.1:55432/postgres"),
            "postgres://postgres@127.0.0.1:55432/postgres"
        );
        assert_eq!(redacted("127.0.0.1:59092"), "127.0.0.1:59092");
    }

    #[test]
    fn the_state_survives_a_round_trip() {
        let root = std::env::temp_dir().join(format!("xtask-state-{}", std::process::id()));
        std::fs::create_dir_all(state_dir(&root)).unwrap();
        assert_eq!(State::read(&root).unwrap(), None);
        let state = State {
            pid: 7,
            profile: "release".into(),
            infrastructure: vec![],
            services: vec![Service {
                name: "order".into(),
                pid: Some(8),
                url: "http://127.0.0.1:8082".into(),
                log: "order.log".into(),
            }],
        };
        state.write(&root).unwrap();
        assert_eq!(State::read(&root).unwrap(), Some(state));
        State::remove(&root);
        assert_eq!(State::read(&root).unwrap(), None);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
