//! Tunable limits on customer changes.

use chrono::{DateTime, Duration, Utc};

/// Limits how often a customer may change their email, which slows down
/// account takeover and keeps notification addresses stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailChangePolicy {
    /// Minimum time between two email changes.
    pub cooldown: Duration,
}

impl EmailChangePolicy {
    /// The default cooldown: 30 days.
    pub const DEFAULT_COOLDOWN_DAYS: i64 = 30;

    /// A policy with the given cooldown.
    pub fn new(cooldown: Duration) -> Self {
        Self { cooldown }
    }

    /// Earliest moment the next change is allowed; `None` when there has been
    /// no change yet, because the first change is always allowed.
    pub fn next_change_allowed_at(
        &self,
        last_change: Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        // Saturate instead of panicking on absurdly large cooldowns.
        last_change.map(|last| {
            last.checked_add_signed(self.cooldown)
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        })
    }
}

impl Default for EmailChangePolicy {
    fn default() -> Self {
        Self::new(Duration::days(Self::DEFAULT_COOLDOWN_DAYS))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn default_cooldown_is_thirty_days() {
        assert_eq!(EmailChangePolicy::default().cooldown, Duration::days(30));
    }

    #[test]
    fn next_change_is_unrestricted_without_a_previous_change() {
        assert_eq!(
            EmailChangePolicy::default().next_change_allowed_at(None),
            None
        );
    }

    #[test]
    fn next_change_is_last_change_plus_cooldown() {
        let last = Utc.with_ymd_and_hms(2024, 1, 1, 12, 0, 0).unwrap();
        let policy = EmailChangePolicy::new(Duration::hours(2));
        assert_eq!(
            policy.next_change_allowed_at(Some(last)),
            Some(Utc.with_ymd_and_hms(2024, 1, 1, 14, 0, 0).unwrap())
        );
    }

    #[test]
    fn huge_cooldown_saturates_instead_of_panicking() {
        let last = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let policy = EmailChangePolicy::new(Duration::MAX);
        assert_eq!(
            policy.next_change_allowed_at(Some(last)),
            Some(DateTime::<Utc>::MAX_UTC)
        );
    }
}
