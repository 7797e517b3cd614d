//! Building and merging status conditions.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

use super::status::ConditionType;

/// A condition of `type_` for `generation`; its `lastTransitionTime` is `now` until
/// [`set_condition`] keeps an older one.
pub fn condition(
    type_: ConditionType,
    status: bool,
    reason: &str,
    message: impl Into<String>,
    generation: Option<i64>,
    now: Time,
) -> Condition {
    Condition {
        type_: type_.as_str().to_owned(),
        status: if status { "True" } else { "False" }.to_owned(),
        reason: reason.to_owned(),
        message: message.into(),
        observed_generation: generation,
        last_transition_time: now,
    }
}

/// Puts `new` in place of the condition of the same type, or adds it.
///
/// `lastTransitionTime` becomes `now` only when the condition is new or its status changes;
/// otherwise the previous one is kept, whatever `new` carries, so that reason or message
/// updates do not look like transitions. Returns whether anything changed.
pub fn set_condition(conditions: &mut Vec<Condition>, new: Condition, now: Time) -> bool {
    match conditions.iter_mut().find(|c| c.type_ == new.type_) {
        Some(existing) => {
            let last_transition_time = if existing.status == new.status {
                existing.last_transition_time.clone()
            } else {
                now
            };
            let updated = Condition {
                last_transition_time,
                ..new
            };
            let changed = *existing != updated;
            *existing = updated;
            changed
        }
        None => {
            conditions.push(Condition {
                last_transition_time: now,
                ..new
            });
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::jiff::Timestamp;

    use super::*;

    fn at(seconds: i64) -> Time {
        Time(Timestamp::from_second(seconds).expect("a valid timestamp"))
    }

    fn ready(status: bool, reason: &str, generation: i64) -> Condition {
        condition(
            ConditionType::Ready,
            status,
            reason,
            format!("{reason} message"),
            Some(generation),
            at(999),
        )
    }

    #[test]
    fn a_new_condition_is_added_at_now() {
        let mut conditions = Vec::new();
        assert!(set_condition(
            &mut conditions,
            ready(false, "Waiting", 1),
            at(10)
        ));
        assert_eq!(conditions.len(), 1);
        assert_eq!(conditions[0].type_, "Ready");
        assert_eq!(conditions[0].status, "False");
        assert_eq!(conditions[0].last_transition_time, at(10));
    }

    #[test]
    fn the_transition_time_changes_only_with_the_status() {
        let mut conditions = Vec::new();
        set_condition(&mut conditions, ready(false, "Waiting", 1), at(10));

        assert!(set_condition(
            &mut conditions,
            ready(false, "StillWaiting", 2),
            at(20)
        ));
        assert_eq!(conditions[0].reason, "StillWaiting");
        assert_eq!(conditions[0].message, "StillWaiting message");
        assert_eq!(conditions[0].observed_generation, Some(2));
        assert_eq!(conditions[0].last_transition_time, at(10));

        assert!(set_condition(
            &mut conditions,
            ready(true, "AllReady", 2),
            at(30)
        ));
        assert_eq!(conditions[0].status, "True");
        assert_eq!(conditions[0].last_transition_time, at(30));
        assert_eq!(conditions.len(), 1);
    }

    #[test]
    fn setting_the_same_condition_again_changes_nothing() {
        let mut conditions = Vec::new();
        set_condition(&mut conditions, ready(true, "AllReady", 3), at(10));
        let before = conditions.clone();
        assert!(!set_condition(
            &mut conditions,
            ready(true, "AllReady", 3),
            at(50)
        ));
        assert_eq!(conditions, before);
    }

    #[test]
    fn conditions_of_other_types_are_left_alone() {
        let mut conditions = Vec::new();
        set_condition(&mut conditions, ready(true, "AllReady", 1), at(10));
        let paused = condition(ConditionType::Paused, true, "Paused", "", Some(1), at(0));
        set_condition(&mut conditions, paused, at(20));
        set_condition(&mut conditions, ready(false, "Paused", 1), at(30));
        let types: Vec<_> = conditions.iter().map(|c| c.type_.as_str()).collect();
        assert_eq!(types, ["Ready", "Paused"]);
        assert_eq!(conditions[1].last_transition_time, at(20));
        assert_eq!(conditions[0].last_transition_time, at(30));
    }
}
