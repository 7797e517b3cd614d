//! The gate in front of `/api/admin/{service}/...`: checked here, so a request without the
//! token never reaches a service; the services check the same token again.

use axum::http::HeaderMap;
use orderflow_runtime::AppError;
use orderflow_runtime::http::bearer_authorized;

/// Admits an admin request: 404 while admin routes are off (no token configured), 401 without
/// `Authorization: Bearer <token>`.
pub fn authorize(token: Option<&str>, headers: &HeaderMap) -> Result<(), AppError> {
    let token = token.ok_or_else(|| AppError::NotFound("admin routes are disabled".to_owned()))?;
    if bearer_authorized(headers, token) {
        Ok(())
    } else {
        Err(AppError::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, StatusCode, header};

    use super::*;

    fn bearer(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
        headers
    }

    fn status(result: Result<(), AppError>) -> Option<StatusCode> {
        result.err().map(|err| err.status())
    }

    #[test]
    fn only_the_configured_token_is_admitted() {
        assert_eq!(
            status(authorize(Some("s3cret"), &bearer("Bearer s3cret"))),
            None
        );
        assert_eq!(
            status(authorize(Some("s3cret"), &bearer("Bearer wrong"))),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            status(authorize(Some("s3cret"), &HeaderMap::new())),
            Some(StatusCode::UNAUTHORIZED)
        );
    }

    #[test]
    fn without_a_token_admin_routes_are_off() {
        assert_eq!(
            status(authorize(None, &bearer("Bearer anything"))),
            Some(StatusCode::NOT_FOUND)
        );
    }
}
