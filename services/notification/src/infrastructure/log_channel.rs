//! The default channel: each notification becomes one structured log line, so a
//! development setup or a demo shows what customers would receive without a mail server.

use orderflow_runtime::BoxFuture;

use crate::application::{Channel, Delivery, DeliveryError};

/// Delivers to the service's log.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogChannel;

impl Channel for LogChannel {
    fn name(&self) -> &'static str {
        "log"
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        tracing::info!(
            channel = "log",
            recipient = %delivery.to,
            subject = %delivery.subject,
            body = %delivery.body,
            "notification delivered"
        );
        Box::pin(std::future::ready(Ok(())))
    }
}
