//! Optimistic concurrency over HTTP: versions go out as ETags and come back in `If-Match`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};

use crate::AppError;

/// The strong ETag of an aggregate version: `"7"`.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The version a write expects, from `If-Match`. Absent or `*` means "any version".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IfMatch(pub Option<i64>);

impl IfMatch {
    /// Refuses with 412 when the client's version is not the current one.
    pub fn check(self, current: i64) -> Result<(), AppError> {
        match self.0 {
            Some(expected) if expected != current => Err(AppError::PreconditionFailed(format!(
                "If-Match names version {expected}, but the current version is {current}"
            ))),
            _ => Ok(()),
        }
    }
}

fn parse(value: &str) -> Result<Option<i64>, AppError> {
    let value = value.trim();
    if value == "*" {
        return Ok(None);
    }
    let unquoted = value.strip_prefix("W/").unwrap_or(value);
    unquoted
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| {
            AppError::Malformed(format!("If-Match must be an ETag like \"3\", got {value}"))
        })
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.headers.get(header::IF_MATCH) {
            None => Ok(Self(None)),
            Some(value) => {
                let text = value
                    .to_str()
                    .map_err(|_| AppError::Malformed("If-Match is not valid text".to_owned()))?;
                parse(text).map(Self)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_weak_and_wildcard_forms_parse() {
        assert_eq!(parse("\"3\"").ok(), Some(Some(3)));
        assert_eq!(parse("W/\"12\"").ok(), Some(Some(12)));
        assert_eq!(parse("*").ok(), Some(None));
        assert!(parse("3").is_err());
        assert!(parse("\"abc\"").is_err());
    }

    #[test]
    fn a_stale_version_is_refused_with_412() {
        assert!(IfMatch(None).check(4).is_ok());
        assert!(IfMatch(Some(4)).check(4).is_ok());
        let err = IfMatch(Some(3)).check(4).err();
        assert!(matches!(err, Some(AppError::PreconditionFailed(_))));
    }

    #[test]
    fn etags_are_quoted_versions() {
        assert_eq!(etag(7), "\"7\"");
    }
}
