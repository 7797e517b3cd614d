//! The one mapping from application errors to RFC 9457 `application/problem+json`.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field-level validation message, addressed by the JSON field's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON path of the offending field, e.g. `email` or `address.postalCode`.
    pub field: Cow<'static, str>,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<Cow<'static, str>>, message: impl ToString) -> Self {
        Self {
            field: field.into(),
            message: message.to_string(),
        }
    }

    /// The same error, reported under a parent object (`address` + `city` → `address.city`).
    pub fn nested(self, parent: &str) -> Self {
        Self {
            field: format!("{parent}.{}", self.field).into(),
            message: self.message,
        }
    }
}

/// Collects field errors while a command is validated, so that a client learns every mistake
/// at once instead of one per request.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// `value`, or a "`field` is required" error when it is absent.
    pub fn required<T>(&mut self, field: &'static str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.push(FieldError::new(field, format!("{field} is required")));
        }
        value
    }

    /// The value of `result`, or its error reported under `field`.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        result
            .map_err(|err| self.push(FieldError::new(field.to_owned(), err)))
            .ok()
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `value` when nothing was collected (and it is present), else every error.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Vec<FieldError>> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => Err(self.0),
        }
    }
}

impl Extend<FieldError> for FieldErrors {
    fn extend<I: IntoIterator<Item = FieldError>>(&mut self, errors: I) {
        self.0.extend(errors);
    }
}

/// An RFC 9457 problem details document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// URI reference identifying the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path this problem occurred on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Stable machine-readable code of the broken rule (422) or condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Correlation id of the request, to find it in the logs.
    #[serde(rename = "correlationId", skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str) -> Self {
        Self {
            kind: format!("https://orderflow.io/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            instance: None,
            code: None,
            correlation_id: None,
            errors: Vec::new(),
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        // Kept so the HTTP stack can add `instance` and the correlation id on the way out.
        response.extensions_mut().insert(self);
        response
    }
}

/// Errors a use case can end in, each with one HTTP meaning.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input was well-formed but some fields are invalid (400 with field errors).
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    /// The request could not be read: malformed JSON, a bad path or query (400).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The route exists but not with this method (405).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Missing or wrong credentials (401).
    #[error("unauthorized")]
    Unauthorized,
    /// The addressed resource does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// The change collides with existing state, e.g. a duplicate (409).
    #[error("{0}")]
    Conflict(String),
    /// `If-Match` named a version that is no longer current (412).
    #[error("{0}")]
    PreconditionFailed(String),
    /// The body exceeded the configured limit (413).
    #[error("request body too large")]
    PayloadTooLarge,
    /// A rule of the domain refused the change (422).
    #[error("{message}")]
    Rule { code: &'static str, message: String },
    /// The request ran past the configured limit (503); the client may retry.
    #[error("the request did not finish within {0:?}")]
    Timeout(std::time::Duration),
    /// A dependency is down (503).
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure (500); the cause is logged, never shown.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(err.into())
    }

    pub fn field(field: impl Into<Cow<'static, str>>, message: impl ToString) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Rule { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) | Self::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status();
        match self {
            Self::Validation(errors) => Problem {
                errors: errors.clone(),
                ..Problem::new(status, "validation-failed", "Validation failed")
                    .with_detail("one or more fields are invalid")
            },
            Self::Malformed(detail) => {
                Problem::new(status, "malformed-request", "Malformed request").with_detail(detail)
            }
            Self::Unauthorized => Problem::new(status, "unauthorized", "Unauthorized")
                .with_detail("a valid bearer token is required"),
            Self::MethodNotAllowed => {
                Problem::new(status, "method-not-allowed", "Method not allowed")
                    .with_detail("this route does not accept this method")
            }
            Self::NotFound(detail) => {
                Problem::new(status, "not-found", "Not found").with_detail(detail)
            }
            Self::Conflict(detail) => {
                Problem::new(status, "conflict", "Conflict").with_detail(detail)
            }
            Self::PreconditionFailed(detail) => {
                Problem::new(status, "precondition-failed", "Precondition failed")
                    .with_detail(detail)
            }
            Self::PayloadTooLarge => Problem::new(status, "payload-too-large", "Payload too large")
                .with_detail("the request body exceeds the configured limit"),
            Self::Rule { code, message } => Problem {
                code: Some((*code).to_owned()),
                ..Problem::new(status, "rule-violated", "Refused by a business rule")
                    .with_detail(message)
            },
            Self::Unavailable(detail) => {
                Problem::new(status, "unavailable", "Service unavailable").with_detail(detail)
            }
            Self::Timeout(limit) => Problem::new(status, "timeout", "Request timed out")
                .with_detail(format!(
                    "the request did not finish within {} ms",
                    limit.as_millis()
                )),
            Self::Internal(_) => Problem::new(status, "internal", "Internal error")
                .with_detail("an unexpected error occurred; it has been logged"),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(source) => tracing::error!(error = %source, "request failed"),
            Self::Unavailable(detail) => tracing::warn!(%detail, "dependency unavailable"),
            _ => tracing::debug!(error = %self, "request refused"),
        }
        self.to_problem().into_response()
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable("the database is unavailable".to_owned())
            }
            other => Self::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problems_list_their_fields() {
        let problem = AppError::field("email", "email must contain exactly one '@'").to_problem();
        let json = serde_json::to_value(&problem).unwrap_or_default();
        assert_eq!(json["status"], 400);
        assert_eq!(json["errors"][0]["field"], "email");
        assert_eq!(
            json["type"],
            "https://orderflow.io/problems/validation-failed"
        );
    }

    #[test]
    fn rule_violations_are_422_with_their_code() {
        let err = AppError::Rule {
            code: "customer-deactivated",
            message: "deactivated".into(),
        };
        let problem = err.to_problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.code.as_deref(), Some("customer-deactivated"));
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let err = AppError::internal(std::io::Error::other("secret connection string"));
        let body = serde_json::to_string(&err.to_problem()).unwrap_or_default();
        assert!(!body.contains("secret"), "{body}");
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn nested_field_errors_carry_their_parent() {
        assert_eq!(
            FieldError::new("city", "required").nested("address").field,
            "address.city"
        );
    }

    #[test]
    fn responses_use_the_problem_media_type() {
        let response = AppError::NotFound("customer 1".into()).into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
