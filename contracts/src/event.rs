//! The trait tying a payload type to its CloudEvents metadata and topic.

use schemars::JsonSchema;
use serde::{Serialize, de::DeserializeOwned};

/// A message published on Kafka: a fact (event) or a saga command.
///
/// The constants make the routing of a type static, so a producer cannot put an
/// event on the wrong topic or label it with the wrong `ce_type`, and a consumer
/// can check the `ce_type` header before decoding.
pub trait IntegrationEvent:
    Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static
{
    /// CloudEvents `ce_type`, `orderflow.<context>.<kebab-name>.v<N>`. Names a
    /// schema: a breaking change gets a new type, never a changed one.
    const EVENT_TYPE: &'static str;
    /// Logical Kafka topic (see [`crate::topics`]).
    const TOPIC: &'static str;
    /// CloudEvents `ce_source`: the context that produces the message.
    const SOURCE: &'static str;

    /// The aggregate id the message is about, used as the Kafka key (so one
    /// aggregate's messages stay ordered on one partition) and as `ce_subject`.
    fn subject(&self) -> String;
}

/// Implements [`IntegrationEvent`] with the subject taken from one id field.
macro_rules! integration_event {
    ($ty:ty, type = $event_type:literal, topic = $topic:expr, source = $source:expr, subject = $field:ident) => {
        impl $crate::IntegrationEvent for $ty {
            const EVENT_TYPE: &'static str = $event_type;
            const TOPIC: &'static str = $topic;
            const SOURCE: &'static str = $source;

            fn subject(&self) -> String {
                self.$field.to_string()
            }
        }
    };
}

pub(crate) use integration_event;

/// `ce_source` of each producing context.
pub(crate) mod source {
    pub const CUSTOMER: &str = "/orderflow/customer";
    pub const ORDER: &str = "/orderflow/order";
    pub const INVENTORY: &str = "/orderflow/inventory";
    pub const PAYMENT: &str = "/orderflow/payment";
}
