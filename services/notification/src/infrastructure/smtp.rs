//! Mail through an SMTP server (Mailpit in development), in plain SMTP: the mail server of
//! a deployment is a relay inside its network. TLS is not compiled in, and neither are
//! credentials, which would cross the network in clear.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::SMTP_PORT;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use orderflow_runtime::BoxFuture;
use url::Url;

use crate::application::{Channel, Delivery, DeliveryError};

/// How long one SMTP command may take before the delivery counts as failed (and is retried).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the SMTP settings are unusable; the message names the variable.
#[derive(Debug, thiserror::Error)]
pub enum SmtpConfigError {
    #[error("SMTP_URL {url:?} is not a plain SMTP URL like smtp://mailpit:1025: {reason}")]
    Url { url: String, reason: String },
    #[error(
        "SMTP_FROM {from:?} is not a mailbox like \"OrderFlow <no-reply@orderflow.local>\": {source}"
    )]
    From {
        from: String,
        source: lettre::address::AddressError,
    },
}

/// Delivers by mail from one sender.
#[derive(Clone)]
pub struct SmtpChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpChannel {
    /// `url` is `smtp://host[:port]` (port 25 by default); `from` a mailbox. Nothing
    /// connects yet.
    pub fn new(url: &str, from: &str) -> Result<Self, SmtpConfigError> {
        let (host, port) = server(url).map_err(|reason| SmtpConfigError::Url {
            url: url.to_owned(),
            reason: reason.to_owned(),
        })?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(COMMAND_TIMEOUT))
            .build();
        let from = from.parse().map_err(|source| SmtpConfigError::From {
            from: from.to_owned(),
            source,
        })?;
        Ok(Self { transport, from })
    }

    fn message(&self, delivery: &Delivery) -> Result<Message, DeliveryError> {
        let address: Address = delivery
            .to
            .email
            .as_str()
            .parse()
            .map_err(|err| failure(format!("recipient {}: {err}", delivery.to.email)))?;
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(Some(delivery.to.name.to_string()), address))
            .subject(&delivery.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(delivery.body.clone())
            .map_err(|err| failure(err.to_string()))
    }
}

/// The host and port of a plain `smtp://` URL.
fn server(url: &str) -> Result<(String, u16), &'static str> {
    let url = Url::parse(url).map_err(|_| "not a URL")?;
    if url.scheme() != "smtp" {
        return Err("only smtp:// is supported (TLS is not compiled in)");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("credentials are not supported over plain SMTP");
    }
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or("no host")?;
    Ok((host.to_owned(), url.port().unwrap_or(SMTP_PORT)))
}

fn failure(reason: String) -> DeliveryError {
    DeliveryError {
        channel: "smtp",
        reason,
    }
}

impl Channel for SmtpChannel {
    fn name(&self) -> &'static str {
        "smtp"
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(async move {
            let message = self.message(delivery)?;
            self.transport
                .send(message)
                .await
                .map(drop)
                .map_err(|err| failure(err.to_string()))
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_urls_name_the_server() {
        assert_eq!(
            server("smtp://mailpit:1025"),
            Ok(("mailpit".to_owned(), 1025))
        );
        assert_eq!(server("smtp://127.0.0.1"), Ok(("127.0.0.1".to_owned(), 25)));
    }

    #[test]
    fn other_urls_are_refused() {
        for url in [
            "mailpit:1025",
            "smtps://mail:465",
            "http://mail",
            "smtp://u:p@mail:25",
        ] {
            assert!(server(url).is_err(), "{url}");
        }
    }
}
