//! `cargo xtask status`: what the running `up` started, and whether each part is ready.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use anyhow::bail;
use serde_json::Value;

use crate::lock::{self, process_exists};
use crate::state::{State, lock_file};

/// How long a `/health/ready` may take before the service reads as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Ready,
    Unready,
    Down,
}

impl Health {
    fn label(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Unready => "unready",
            Self::Down => "down",
        }
    }
}

pub fn run(root: &Path) -> anyhow::Result<()> {
    let Some(pid) = lock::holder(&lock_file(root)) else {
        bail!("OrderFlow is not running; `cargo xtask up` starts it");
    };
    let Some(state) = State::read(root)? else {
        bail!("OrderFlow is starting (`cargo xtask up`, pid {pid}); try again in a moment");
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder().timeout(PROBE_TIMEOUT).build()?;
    let mut rows = vec![[
        "SERVICE".to_owned(),
        "PID".to_owned(),
        "URL".to_owned(),
        "HEALTH".to_owned(),
        String::new(),
    ]];
    let mut failing = 0;
    for service in &state.services {
        let (health, detail) = match service.pid {
            Some(pid) if !process_exists(pid) => (
                Health::Down,
                format!("exited; see {}", service.log.display()),
            ),
            _ => runtime.block_on(probe(&client, &service.url)),
        };
        if health != Health::Ready {
            failing += 1;
        }
        rows.push([
            service.name.clone(),
            service.pid.map_or("-".to_owned(), |pid| pid.to_string()),
            service.url.clone(),
            health.label().to_owned(),
            detail,
        ]);
    }
    for server in &state.infrastructure {
        let health = if reachable(&server.probe) {
            Health::Ready
        } else {
            failing += 1;
            Health::Down
        };
        rows.push([
            server.name.clone(),
            "-".to_owned(),
            server.address.clone(),
            if health == Health::Ready {
                "up"
            } else {
                "down"
            }
            .to_owned(),
            String::new(),
        ]);
    }
    println!(
        "OrderFlow: `cargo xtask up` (pid {}, {} build)\n",
        state.pid, state.profile
    );
    print!("{}", table(&rows));
    if failing > 0 {
        bail!("{failing} part(s) of the platform are not ready");
    }
    Ok(())
}

/// Asks `url`'s `/health/ready`, with the state of each dependency it checks.
async fn probe(client: &reqwest::Client, url: &str) -> (Health, String) {
    match client.get(format!("{url}/health/ready")).send().await {
        Ok(response) => {
            let ready = response.status().is_success();
            let body = response.json::<Value>().await.unwrap_or(Value::Null);
            (
                if ready {
                    Health::Ready
                } else {
                    Health::Unready
                },
                checks(&body),
            )
        }
        Err(err) if err.is_timeout() => (
            Health::Down,
            format!("no answer within {} s", PROBE_TIMEOUT.as_secs()),
        ),
        Err(err) if err.is_connect() => (Health::Down, "not listening".to_owned()),
        Err(err) => (Health::Down, err.to_string()),
    }
}

/// A readiness report's checks as `postgres ok, kafka: <why not>`.
pub fn checks(body: &Value) -> String {
    body["checks"]
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .map(|check| {
                    let name = check["name"].as_str().unwrap_or("?");
                    if check["ready"].as_bool() == Some(true) {
                        format!("{name} ok")
                    } else {
                        let error = check["error"].as_str().unwrap_or("not ready");
                        format!("{name}: {error}")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn reachable(host_port: &str) -> bool {
    let addrs: Vec<SocketAddr> = host_port
        .to_socket_addrs()
        .map(Iterator::collect)
        .unwrap_or_default();
    addrs
        .iter()
        .any(|addr| TcpStream::connect_timeout(addr, Duration::from_secs(1)).is_ok())
}

/// Rows as left-aligned columns; the last column is not padded.
pub fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .zip(widths)
                .enumerate()
                .map(|(column, (cell, width))| {
                    if column + 1 == N {
                        cell.clone()
                    } else {
                        format!("{cell:<width$}")
                    }
                })
                .collect();
            format!("{}\n", cells.join("  ").trim_end())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_report_lists_each_check_with_why_it_fails() {
        let body = json!({"status": "not-ready", "checks": [
            {"name": "postgres", "ready": true},
            {"name": "kafka", "ready": false, "error": "no answer within 2000 ms"},
        ]});
        assert_eq!(
            checks(&body),
            "postgres ok, kafka: no answer within 2000 ms"
        );
        assert_eq!(checks(&Value::Null), "");
    }

    #[test]
    fn columns_are_aligned_and_lines_not_padded_at_the_end() {
        let rows = [
            ["SERVICE".to_owned(), "PID".to_owned(), String::new()],
            [
                "notification".to_owned(),
                "12".to_owned(),
                "redis ok".to_owned(),
            ],
        ];
        assert_eq!(
            table(&rows),
            "SERVICE       PID\nnotification  12   redis ok\n"
        );
    }
}
