//! The smtp channel end to end: an event in, a mail out to an SMTP server, against the
//! in-test SMTP sink (a test double of Mailpit, see `common::smtp`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::smtp::SmtpSink;
use common::{TestApp, email_of, registered};
use notification_service::config::ChannelKind;
use uuid::Uuid;

#[tokio::test]
async fn the_smtp_channel_mails_subject_recipient_and_body() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(|config| {
        config.delivery.notification_channel = ChannelKind::Smtp;
        config.delivery.smtp_url = Some(sink.url.clone());
        config.delivery.smtp_from = "Shop <shop@example.com>".to_owned();
    })
    .await;
    let consumer = app.start_consumer().await;
    let customer = Uuid::now_v7();
    app.emit(&registered(customer, "Ada")).await;

    let items = app.wait_for(customer, "welcome").await;
    assert_eq!(items[0]["channel"], "smtp");
    let mails = orderflow_testkit::eventually("a mail", Duration::from_secs(10), || async {
        let mails = sink.mails();
        if mails.is_empty() {
            Err(mails)
        } else {
            Ok(mails)
        }
    })
    .await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.from, "shop@example.com");
    assert_eq!(mail.recipients, [email_of(customer)]);
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Welcome to OrderFlow, Ada")
    );
    let to = mail.header("To").unwrap();
    assert!(
        to.contains(&email_of(customer)) && to.contains("Ada Lovelace"),
        "{to}"
    );
    assert_eq!(
        mail.header("From").as_deref(),
        Some("Shop <shop@example.com>")
    );
    assert_eq!(
        mail.body().trim_end(),
        items[0]["body"].as_str().unwrap().trim_end()
    );
    consumer.stop().await;
}

#[tokio::test]
async fn a_failed_delivery_is_retried_not_recorded() {
    // Nothing listens on the sink's address once it is gone: every delivery fails.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("smtp://{}", listener.local_addr().unwrap())
    };
    let app = TestApp::spawn_with(|config| {
        config.delivery.notification_channel = ChannelKind::Smtp;
        config.delivery.smtp_url = Some(closed);
    })
    .await;
    let consumer = app.start_consumer().await;
    let customer = Uuid::now_v7();
    app.emit(&registered(customer, "Ada")).await;

    app.retried(
        orderflow_contracts::topics::CUSTOMER_EVENTS,
        customer.to_string(),
    )
    .await;
    assert_eq!(app.notifications(customer).await.body["total"], 0);
    let metrics = app.get("/metrics").await.body;
    assert!(
        metrics
            .as_str()
            .unwrap()
            .contains("notification_delivery_failures_total{"),
        "{metrics}"
    );
    consumer.stop().await;
}
