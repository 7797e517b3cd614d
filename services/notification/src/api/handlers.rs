//! Handlers: translate HTTP to queries and back, nothing more.

use axum::extract::State;
use notification_domain::CustomerId;
use orderflow_runtime::http::{Json, Page, PageParams, PageRequest, Path, Query};
use orderflow_runtime::{AppError, Problem};

use super::AppState;
use crate::application::NotificationRecord;

/// A customer's notifications, newest first. The history is capped
/// (`NOTIFICATION_HISTORY_LIMIT`); a customer never notified has none.
#[utoipa::path(
    get, path = "/customers/{customerId}/notifications", tag = "notifications",
    params(("customerId" = uuid::Uuid, Path, description = "Customer id"), PageParams),
    responses(
        (status = 200, description = "One page of the customer's notifications", body = Page<NotificationRecord>),
        (status = 400, description = "The id is not a UUID, or invalid paging", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Redis is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(queries): State<AppState>,
    Path(customer): Path<CustomerId>,
    Query(params): Query<PageParams>,
) -> Result<Json<Page<NotificationRecord>>, AppError> {
    let page = PageRequest::try_from(params)?;
    Ok(Json(queries.notifications(customer, page).await?))
}

/// Which customer's notifications `GET /notifications` lists.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct CustomerFilter {
    /// Customer id.
    #[param(value_type = uuid::Uuid)]
    pub customer_id: CustomerId,
}

/// The same list as `/customers/{customerId}/notifications`, for clients that address the
/// notification resource itself (the gateway's `/api/notifications`).
#[utoipa::path(
    get, path = "/notifications", tag = "notifications",
    params(CustomerFilter, PageParams),
    responses(
        (status = 200, description = "One page of the customer's notifications", body = Page<NotificationRecord>),
        (status = 400, description = "customerId is missing or not a UUID, or invalid paging", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Redis is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn search(
    State(queries): State<AppState>,
    Query(filter): Query<CustomerFilter>,
    Query(params): Query<PageParams>,
) -> Result<Json<Page<NotificationRecord>>, AppError> {
    let page = PageRequest::try_from(params)?;
    Ok(Json(queries.notifications(filter.customer_id, page).await?))
}
