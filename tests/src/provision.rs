//! Helpers shared by every kind of infrastructure.

/// True when a Docker engine looks reachable, so testcontainers may be tried.
pub(crate) fn docker_available() -> bool {
    std::env::var_os("DOCKER_HOST").is_some()
        || std::path::Path::new("/var/run/docker.sock").exists()
}

/// A name unique to this call, usable as a database name or key prefix.
pub(crate) fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}
