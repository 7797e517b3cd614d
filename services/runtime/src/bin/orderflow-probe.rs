//! Container health probe: asks the service in the same container whether it is ready.
//!
//! The service images are distroless (no shell, no curl), so their `HEALTHCHECK` runs this
//! binary instead. It reads the service's own `HTTP_ADDR` (the healthcheck inherits the
//! container's environment), sends `GET /health/ready` and exits 0 on a `200` status line,
//! 1 otherwise with one line on stderr. Standard library only, to stay small.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

/// What `HTTP_ADDR` defaults to when the service does not set it.
const DEFAULT_HTTP_ADDR: &str = "0.0.0.0:8080";
/// The endpoint that answers 200 once every dependency of the service answers.
const READY_PATH: &str = "/health/ready";
/// Bound of each of connect, write and read; the service's own readiness checks take 2 s.
const TIMEOUT: Duration = Duration::from_secs(3);
/// Longest status line accepted; a real one is about 20 bytes.
const MAX_STATUS_LINE: usize = 256;

fn main() -> ExitCode {
    let outcome = std::env::var("HTTP_ADDR")
        .or_else(|err| match err {
            std::env::VarError::NotPresent => Ok(DEFAULT_HTTP_ADDR.to_owned()),
            std::env::VarError::NotUnicode(_) => Err(ProbeError::Address(
                "HTTP_ADDR is not valid UTF-8".to_owned(),
            )),
        })
        .and_then(|configured| target_of(&configured))
        .and_then(probe);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("orderflow-probe: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Why the service does not count as healthy.
#[derive(Debug)]
enum ProbeError {
    Address(String),
    Io(SocketAddr, io::Error),
    Malformed(SocketAddr, String),
    NotReady(SocketAddr, u16),
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Address(message) => f.write_str(message),
            Self::Io(target, err) => write!(f, "GET {READY_PATH} on {target}: {err}"),
            Self::Malformed(target, line) => {
                write!(
                    f,
                    "GET {READY_PATH} on {target}: not an HTTP status line: {line:?}"
                )
            }
            Self::NotReady(target, status) => {
                write!(f, "GET {READY_PATH} on {target} answered {status}")
            }
        }
    }
}

/// The address to connect to for a listener bound to `configured`: a wildcard address
/// (`0.0.0.0`, `::`) is reached through the loopback address of its family.
fn target_of(configured: &str) -> Result<SocketAddr, ProbeError> {
    let bound: SocketAddr = configured.trim().parse().map_err(|_| {
        ProbeError::Address(format!(
            "HTTP_ADDR {configured:?} is not a socket address (host:port)"
        ))
    })?;
    let ip = match bound.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    Ok(SocketAddr::new(ip, bound.port()))
}

/// Succeeds when `target` answers `GET /health/ready` with 200.
fn probe(target: SocketAddr) -> Result<(), ProbeError> {
    let io = |err| ProbeError::Io(target, err);
    let mut stream = TcpStream::connect_timeout(&target, TIMEOUT).map_err(io)?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(io)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(io)?;
    let request = format!(
        "GET {READY_PATH} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: orderflow-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(io)?;
    let line = read_status_line(&mut stream).map_err(io)?;
    match status_code(&line) {
        Some(200) => Ok(()),
        Some(status) => Err(ProbeError::NotReady(target, status)),
        None => Err(ProbeError::Malformed(target, line)),
    }
}

/// The first line of the response, without its line ending; reads no further than needed.
fn read_status_line(reader: &mut impl Read) -> io::Result<String> {
    let mut line = Vec::with_capacity(64);
    let mut chunk = [0_u8; 64];
    while line.len() < MAX_STATUS_LINE {
        let read = reader.read(&mut chunk)?;
        if read == 0 {
            break;
        }
        line.extend_from_slice(&chunk[..read]);
        if let Some(end) = line.iter().position(|&byte| byte == b'\n') {
            line.truncate(end);
            break;
        }
    }
    line.truncate(MAX_STATUS_LINE);
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// The status code of an HTTP/1.x status line (`HTTP/1.1 200 OK`), if it is one.
fn status_code(line: &str) -> Option<u16> {
    let mut parts = line.splitn(3, ' ');
    let version = parts.next()?;
    let code = parts.next()?;
    let is_http1 = version
        .strip_prefix("HTTP/1.")
        .is_some_and(|minor| minor.len() == 1 && minor.bytes().all(|b| b.is_ascii_digit()));
    let is_three_digits = code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit());
    if is_http1 && is_three_digits {
        code.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use orderflow_runtime::BoxFuture;
    use orderflow_runtime::config::HttpConfig;
    use orderflow_runtime::health::ReadinessCheck;
    use orderflow_runtime::http::ServiceApp;

    use super::*;

    #[test]
    fn wildcard_addresses_are_probed_through_loopback() {
        let cases = [
            ("0.0.0.0:8081", "127.0.0.1:8081"),
            ("[::]:8082", "[::1]:8082"),
            ("10.1.2.3:9000", "10.1.2.3:9000"),
            (" 127.0.0.1:8083 ", "127.0.0.1:8083"),
        ];
        for (configured, expected) in cases {
            assert_eq!(
                target_of(configured).unwrap(),
                expected.parse::<SocketAddr>().unwrap(),
                "{configured}"
            );
        }
    }

    #[test]
    fn an_address_without_a_port_is_refused_naming_the_variable() {
        for configured in ["customer:8081", "0.0.0.0", ""] {
            let err = target_of(configured).unwrap_err().to_string();
            assert!(err.contains("HTTP_ADDR"), "{configured}: {err}");
        }
    }

    #[test]
    fn status_lines_are_parsed_strictly() {
        assert_eq!(status_code("HTTP/1.1 200 OK"), Some(200));
        assert_eq!(status_code("HTTP/1.0 200"), Some(200));
        assert_eq!(status_code("HTTP/1.1 503 Service Unavailable"), Some(503));
        for line in [
            "",
            "200 OK",
            "HTTP/2 200",
            "HTTP/1.1 20 OK",
            "HTTP/1.1 2000 OK",
            "SSH-2.0",
        ] {
            assert_eq!(status_code(line), None, "{line:?}");
        }
    }

    #[test]
    fn the_status_line_ends_at_the_first_line_break_and_is_bounded() {
        let mut response = &b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"[..];
        assert_eq!(read_status_line(&mut response).unwrap(), "HTTP/1.1 200 OK");
        let endless = vec![b'x'; 10 * MAX_STATUS_LINE];
        let line = read_status_line(&mut endless.as_slice()).unwrap();
        assert_eq!(line.len(), MAX_STATUS_LINE);
    }

    /// A dependency whose state the test switches.
    struct Switch(Arc<AtomicBool>);

    impl ReadinessCheck for Switch {
        fn name(&self) -> &'static str {
            "switch"
        }

        fn check(&self) -> BoxFuture<'_, Result<(), String>> {
            let up = self.0.load(Ordering::SeqCst);
            Box::pin(async move { if up { Ok(()) } else { Err("down".to_owned()) } })
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn follows_the_readiness_of_a_real_service() {
        let up = Arc::new(AtomicBool::new(true));
        let router = ServiceApp::new(
            "probe-test",
            axum::Router::new(),
            utoipa::openapi::OpenApi::default(),
            HttpConfig::ephemeral(),
        )
        .readiness(Switch(up.clone()))
        .into_router();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let bound = listener.local_addr().unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        let target = target_of(&format!("0.0.0.0:{}", bound.port())).unwrap();

        let ready = tokio::task::spawn_blocking(move || probe(target))
            .await
            .unwrap();
        assert!(ready.is_ok(), "{ready:?}");

        up.store(false, Ordering::SeqCst);
        let not_ready = tokio::task::spawn_blocking(move || probe(target))
            .await
            .unwrap();
        assert!(
            matches!(not_ready, Err(ProbeError::NotReady(_, 503))),
            "{not_ready:?}"
        );

        server.abort();
        let _ = server.await;
        let refused = tokio::task::spawn_blocking(move || probe(target))
            .await
            .unwrap();
        assert!(matches!(refused, Err(ProbeError::Io(..))), "{refused:?}");
    }
}
