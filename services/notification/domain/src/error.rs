//! Why an event cannot be turned into domain state.

/// Data no retry can fix: the producer sent something this context cannot address mail to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    #[error("the customer's first name is blank")]
    BlankFirstName,
}
