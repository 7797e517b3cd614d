//! Business rules a customer command can break.

use chrono::{DateTime, Utc};

use crate::CustomerId;

/// One variant per broken rule, so callers can map each to a precise response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerError {
    /// Deactivated customers are frozen until reactivated.
    #[error("customer {id} is deactivated and cannot be changed")]
    Deactivated { id: CustomerId },
    /// The email was changed too recently (see [`EmailChangePolicy`](crate::EmailChangePolicy)).
    #[error("email was changed recently; next change allowed at {next_allowed_at}")]
    EmailChangeTooSoon { next_allowed_at: DateTime<Utc> },
}

impl CustomerError {
    /// Stable kebab-case code for API clients, independent of the message wording.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Deactivated { .. } => "customer-deactivated",
            Self::EmailChangeTooSoon { .. } => "email-change-too-soon",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn codes_are_stable_kebab_case() {
        let deactivated = CustomerError::Deactivated {
            id: CustomerId::new(),
        };
        let too_soon = CustomerError::EmailChangeTooSoon {
            next_allowed_at: Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap(),
        };
        assert_eq!(deactivated.code(), "customer-deactivated");
        assert_eq!(too_soon.code(), "email-change-too-soon");
    }

    #[test]
    fn messages_name_the_customer_and_the_next_allowed_time() {
        let id = CustomerId::new();
        let message = CustomerError::Deactivated { id }.to_string();
        assert!(message.contains(&id.to_string()), "{message}");

        let at = Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap();
        let message = CustomerError::EmailChangeTooSoon {
            next_allowed_at: at,
        }
        .to_string();
        assert!(message.contains("2024-02-01"), "{message}");
    }
}
