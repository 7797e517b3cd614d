//! Correlation ids: taken from `x-request-id`, else from the W3C `traceparent` trace id,
//! else generated; set on the request, recorded on its span and returned in the response.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Request};
use tower_http::request_id::{MakeRequestId, RequestId};

use crate::AppError;

/// Header that carries the correlation id in and out.
pub const CORRELATION_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Makes a correlation id for a request that arrived without `x-request-id`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MakeCorrelationId;

impl MakeRequestId for MakeCorrelationId {
    fn make_request_id<B>(&mut self, request: &Request<B>) -> Option<RequestId> {
        let id = request
            .headers()
            .get("traceparent")
            .and_then(|value| value.to_str().ok())
            .and_then(trace_id)
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// The trace id of a `traceparent` header (`00-<32 hex>-<16 hex>-<2 hex>`), unless it is invalid.
fn trace_id(traceparent: &str) -> Option<&str> {
    let mut parts = traceparent.split('-');
    let (_version, trace, _parent, _flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let valid = trace.len() == 32
        && trace.bytes().all(|b| b.is_ascii_hexdigit())
        && trace.bytes().any(|b| b != b'0');
    valid.then_some(trace)
}

/// The current request's correlation id, for handlers that pass it on (e.g. to the outbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for CorrelationId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let id = parts
            .extensions
            .get::<RequestId>()
            .and_then(|id| id.header_value().to_str().ok())
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
        Ok(Self(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_come_from_valid_traceparents_only() {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(trace_id(header), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert_eq!(
            trace_id("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
            None
        );
        assert_eq!(trace_id("00-xyz-00f067aa0ba902b7-01"), None);
        assert_eq!(trace_id("garbage"), None);
    }
}
