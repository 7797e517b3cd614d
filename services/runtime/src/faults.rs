//! Fault injection for demos and crash tests: `POST/GET/DELETE /admin/faults`.
//!
//! Every service offers the same endpoint; each decides where the faults apply (typically
//! before handling a message) by calling [`Faults::before_message`] and [`Faults::decline`].

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::Json;
use crate::messaging::HandlerError;
use crate::{AppError, FieldError, Problem};

/// The faults currently set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaultState {
    /// Share of operations to decline, 0 to 1 (where the service declines, e.g. payments).
    pub decline_rate: f64,
    /// Added before each message is handled.
    pub latency_ms: u64,
    /// The next N messages fail with a transient error.
    pub fail_next_transient: u32,
    /// The next N messages fail with a permanent error.
    pub fail_next_permanent: u32,
    /// The process exits when the next message arrives.
    pub crash_on_next: bool,
}

/// A change of some faults; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaultChange {
    pub decline_rate: Option<f64>,
    pub latency_ms: Option<u64>,
    pub fail_next_transient: Option<u32>,
    pub fail_next_permanent: Option<u32>,
    pub crash_on_next: Option<bool>,
}

/// Longest latency a fault may add, so that a typo cannot wedge a service for hours.
const MAX_LATENCY_MS: u64 = 60_000;

impl FaultChange {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self
            .decline_rate
            .is_some_and(|rate| !(0.0..=1.0).contains(&rate))
        {
            errors.push(FieldError::new(
                "declineRate",
                "declineRate must be between 0 and 1",
            ));
        }
        if self.latency_ms.is_some_and(|ms| ms > MAX_LATENCY_MS) {
            errors.push(FieldError::new(
                "latencyMs",
                format!("latencyMs must be at most {MAX_LATENCY_MS}"),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// What the next message should suffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageFault {
    None,
    Transient,
    Permanent,
    Crash,
}

/// Shared, thread-safe fault settings of one service.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    state: Arc<Mutex<FaultState>>,
}

impl Faults {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, FaultState> {
        // A panic while holding the lock cannot leave the plain-data state inconsistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn current(&self) -> FaultState {
        self.lock().clone()
    }

    pub fn apply(&self, change: &FaultChange) -> Result<FaultState, AppError> {
        change.validate().map_err(AppError::Validation)?;
        let mut state = self.lock();
        if let Some(rate) = change.decline_rate {
            state.decline_rate = rate;
        }
        if let Some(ms) = change.latency_ms {
            state.latency_ms = ms;
        }
        if let Some(n) = change.fail_next_transient {
            state.fail_next_transient = n;
        }
        if let Some(n) = change.fail_next_permanent {
            state.fail_next_permanent = n;
        }
        if let Some(crash) = change.crash_on_next {
            state.crash_on_next = crash;
        }
        Ok(state.clone())
    }

    pub fn clear(&self) {
        *self.lock() = FaultState::default();
    }

    /// Takes the fault the next message suffers, counting it down.
    pub fn next_message_fault(&self) -> MessageFault {
        let mut state = self.lock();
        if state.crash_on_next {
            state.crash_on_next = false;
            MessageFault::Crash
        } else if state.fail_next_permanent > 0 {
            state.fail_next_permanent -= 1;
            MessageFault::Permanent
        } else if state.fail_next_transient > 0 {
            state.fail_next_transient -= 1;
            MessageFault::Transient
        } else {
            MessageFault::None
        }
    }

    /// Applies the faults before a message is handled: added latency, then the next fault.
    /// A crash fault ends the process at once, as a real crash would.
    pub async fn before_message(&self) -> Result<(), HandlerError> {
        let latency = self.lock().latency_ms;
        if latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
        match self.next_message_fault() {
            MessageFault::None => Ok(()),
            MessageFault::Transient => Err(HandlerError::transient("injected transient fault")),
            MessageFault::Permanent => Err(HandlerError::permanent("injected permanent fault")),
            MessageFault::Crash => {
                tracing::error!("injected crash fault: exiting");
                std::process::exit(70);
            }
        }
    }

    /// True for about `decline_rate` of the calls.
    pub fn decline(&self) -> bool {
        let rate = self.lock().decline_rate;
        // A v4 UUID carries 122 random bits; 53 of them make a uniform f64 in [0, 1).
        let sample = (uuid::Uuid::new_v4().as_u128() >> 75) as f64 / (1_u64 << 53) as f64;
        sample < rate
    }
}

/// `GET`, `POST` and `DELETE /admin/faults`, documented, to be mounted with the other admin
/// routes.
pub fn routes(faults: Faults) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(show, set, clear))
        .with_state(faults)
}

/// The faults currently set.
#[utoipa::path(
    get, path = "/admin/faults", operation_id = "getFaults", tag = "admin", security(("adminToken" = [])),
    responses(
        (status = 200, description = "The faults currently set", body = FaultState),
        (status = 401, description = "No or a wrong admin token", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn show(State(faults): State<Faults>) -> Json<FaultState> {
    Json(faults.current())
}

/// Changes the faults it names; the others stay as they are.
#[utoipa::path(
    post, path = "/admin/faults", operation_id = "setFaults", tag = "admin", security(("adminToken" = [])),
    request_body = FaultChange,
    responses(
        (status = 200, description = "The faults now set", body = FaultState),
        (status = 400, description = "A value is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or a wrong admin token", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn set(
    State(faults): State<Faults>,
    Json(change): Json<FaultChange>,
) -> Result<Json<FaultState>, AppError> {
    faults.apply(&change).map(Json)
}

/// Clears every fault.
#[utoipa::path(
    delete, path = "/admin/faults", operation_id = "clearFaults", tag = "admin", security(("adminToken" = [])),
    responses(
        (status = 204, description = "No fault is set any more"),
        (status = 401, description = "No or a wrong admin token", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn clear(State(faults): State<Faults>) -> Response {
    faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_apply_only_the_fields_they_name() {
        let faults = Faults::new();
        faults
            .apply(&FaultChange {
                latency_ms: Some(5),
                ..FaultChange::default()
            })
            .unwrap();
        let state = faults
            .apply(&FaultChange {
                decline_rate: Some(0.5),
                ..FaultChange::default()
            })
            .unwrap();
        assert_eq!((state.latency_ms, state.decline_rate), (5, 0.5));
    }

    #[test]
    fn out_of_range_values_are_field_errors_and_change_nothing() {
        let faults = Faults::new();
        let err = faults.apply(&FaultChange {
            decline_rate: Some(1.5),
            latency_ms: Some(MAX_LATENCY_MS + 1),
            ..FaultChange::default()
        });
        let Err(AppError::Validation(errors)) = err else {
            panic!("expected a validation error")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_ref()).collect();
        assert_eq!(fields, ["declineRate", "latencyMs"]);
        assert_eq!(faults.current(), FaultState::default());
    }

    #[test]
    fn message_faults_count_down_crash_first_then_permanent_then_transient() {
        let faults = Faults::new();
        faults
            .apply(&FaultChange {
                fail_next_transient: Some(1),
                fail_next_permanent: Some(1),
                crash_on_next: Some(true),
                ..FaultChange::default()
            })
            .unwrap();
        let taken: Vec<_> = (0..4).map(|_| faults.next_message_fault()).collect();
        assert_eq!(
            taken,
            [
                MessageFault::Crash,
                MessageFault::Permanent,
                MessageFault::Transient,
                MessageFault::None
            ]
        );
    }

    #[test]
    fn decline_follows_the_rate_at_its_bounds() {
        let faults = Faults::new();
        assert!((0..100).all(|_| !faults.decline()));
        faults
            .apply(&FaultChange {
                decline_rate: Some(1.0),
                ..FaultChange::default()
            })
            .unwrap();
        assert!((0..100).all(|_| faults.decline()));
    }

    #[test]
    fn a_half_rate_declines_roughly_half() {
        let faults = Faults::new();
        faults
            .apply(&FaultChange {
                decline_rate: Some(0.5),
                ..FaultChange::default()
            })
            .unwrap();
        let declined = (0..10_000).filter(|_| faults.decline()).count();
        assert!((4_000..6_000).contains(&declined), "{declined}");
    }

    #[test]
    fn clearing_restores_the_defaults() {
        let faults = Faults::new();
        faults
            .apply(&FaultChange {
                fail_next_transient: Some(3),
                ..FaultChange::default()
            })
            .unwrap();
        faults.clear();
        assert_eq!(faults.current(), FaultState::default());
    }

    #[tokio::test]
    async fn injected_failures_reach_the_handler_as_their_kind() {
        let faults = Faults::new();
        faults
            .apply(&FaultChange {
                fail_next_transient: Some(1),
                fail_next_permanent: Some(1),
                ..FaultChange::default()
            })
            .unwrap();
        assert!(matches!(
            faults.before_message().await,
            Err(HandlerError::Permanent(_))
        ));
        assert!(matches!(
            faults.before_message().await,
            Err(HandlerError::Transient(_))
        ));
        assert!(faults.before_message().await.is_ok());
    }
}
