//! Free ports, so that nothing in a test depends on a fixed one.

use std::net::TcpListener;

/// A TCP port on 127.0.0.1 that was free a moment ago. Callers that bind it later retry on
/// the rare collision.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}
