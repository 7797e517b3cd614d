//! Admin routes: off unless `ADMIN_TOKEN` is set, and then only with it as a bearer token.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Json, Query};
use crate::messaging::dead_letter::{DeadLetter, DeadLetterAdmin, DeadLetterFilter};
use crate::{AppError, Problem};

/// Wraps `routes` so that every request needs `Authorization: Bearer <token>`.
pub(crate) fn protect(routes: Router, token: String) -> Router {
    routes.route_layer(middleware::from_fn_with_state(
        Arc::<str>::from(token),
        require_bearer,
    ))
}

async fn require_bearer(State(token): State<Arc<str>>, request: Request, next: Next) -> Response {
    if bearer_authorized(request.headers(), &token) {
        next.run(request).await
    } else {
        AppError::Unauthorized.into_response()
    }
}

/// Whether `headers` carry `Authorization: Bearer <token>`, compared in constant time; for
/// code that guards admin requests without mounting them (the gateway forwards them).
pub fn bearer_authorized(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|presented| constant_time_eq(presented.as_bytes(), token.as_bytes()))
}

/// Compares without an early exit, so response timing does not reveal the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Which group's dead letters, and which of them. The filter's fields are spelled out
/// because query strings cannot carry numbers through `#[serde(flatten)]`.
#[derive(Debug, Deserialize, ToSchema, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct GroupQuery {
    /// Only this consumer group of the service (all of them when absent).
    group: Option<String>,
    /// Only records of this event type.
    event_type: Option<String>,
    /// Only records first published on this logical topic.
    original_topic: Option<String>,
    /// Only the record at this partition…
    partition: Option<i32>,
    /// …and offset.
    offset: Option<i64>,
}

/// The dead letters that matched.
#[derive(Debug, Serialize, ToSchema)]
struct DeadLetterList {
    items: Vec<DeadLetter>,
}

/// How many dead letters went back to their consumers.
#[derive(Debug, Serialize, ToSchema)]
struct Replayed {
    replayed: usize,
}

impl GroupQuery {
    fn filter(&self) -> DeadLetterFilter {
        DeadLetterFilter {
            event_type: self.event_type.clone(),
            original_topic: self.original_topic.clone(),
            partition: self.partition,
            offset: self.offset,
        }
    }
}

/// `GET /admin/dead-letters` lists, `POST /admin/dead-letters/replay` replays, the dead
/// letters of the service's consumer groups.
pub fn dead_letter_routes(admins: Vec<DeadLetterAdmin>) -> OpenApiRouter {
    let admins: Arc<[DeadLetterAdmin]> = admins.into();
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(replay))
        .with_state(admins)
}

fn selected<'a>(
    admins: &'a [DeadLetterAdmin],
    group: Option<&str>,
) -> Result<Vec<&'a DeadLetterAdmin>, AppError> {
    let chosen: Vec<_> = admins
        .iter()
        .filter(|admin| group.is_none_or(|g| admin.group() == g))
        .collect();
    if chosen.is_empty() {
        return Err(AppError::field(
            "group",
            "no consumer group of this service has that name",
        ));
    }
    Ok(chosen)
}

/// The dead letters of the service's consumer groups, oldest first per topic.
#[utoipa::path(
    get, path = "/admin/dead-letters", operation_id = "listDeadLetters", tag = "admin", security(("adminToken" = [])),
    params(GroupQuery),
    responses(
        (status = 200, description = "The matching dead letters", body = DeadLetterList),
        (status = 400, description = "No consumer group of this service has that name", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or a wrong admin token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Kafka cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list(
    State(admins): State<Arc<[DeadLetterAdmin]>>,
    Query(query): Query<GroupQuery>,
) -> Result<Response, AppError> {
    let mut items = Vec::new();
    for admin in selected(&admins, query.group.as_deref())? {
        items.extend(
            admin
                .list(&query.filter())
                .await
                .map_err(|err| AppError::Unavailable(format!("kafka: {err}")))?,
        );
    }
    Ok(Json(DeadLetterList { items }).into_response())
}

/// Sends the matching dead letters back to their consumers' main topics.
#[utoipa::path(
    post, path = "/admin/dead-letters/replay", operation_id = "replayDeadLetters", tag = "admin", security(("adminToken" = [])),
    request_body = GroupQuery,
    responses(
        (status = 200, description = "How many records were replayed", body = Replayed),
        (status = 400, description = "No consumer group of this service has that name", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or a wrong admin token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Kafka cannot be read or written", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn replay(
    State(admins): State<Arc<[DeadLetterAdmin]>>,
    Json(body): Json<GroupQuery>,
) -> Result<Response, AppError> {
    let mut replayed = 0;
    for admin in selected(&admins, body.group.as_deref())? {
        replayed += admin
            .replay(&body.filter())
            .await
            .map_err(|err| AppError::Unavailable(format!("kafka: {err}")))?;
    }
    Ok(Json(Replayed { replayed }).into_response())
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
    }
}
