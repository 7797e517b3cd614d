//! Inboxes: where a consumer group records which events it has handled, so that a redelivered
//! event has its effect once, and the store its handlers write through.
//!
//! - [`PgInbox`]: the inbox row and the handler's changes commit in one PostgreSQL
//!   transaction; exactly one effect, however often the event arrives.
//! - [`RedisInbox`]: for a context whose state lives in Redis. A claim (`SET NX` with a
//!   short TTL) guards the handler, and becomes a long-lived marker once it succeeds; a
//!   failed handler releases its claim so a retry may run. An event whose claim is held by
//!   another consumer (or by one that crashed, until the claim expires) is retried later,
//!   never dropped.

use std::time::Duration;

use ::redis::AsyncCommands;
use ::redis::aio::ConnectionManager;
use sqlx::{PgConnection, PgPool};

use super::consumer::{ErasedHandler, HandlerError, Message};
use crate::BoxFuture;
use crate::faults::Faults;

/// What happened to one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The handler ran and its changes were kept.
    Applied,
    /// The group had already handled this event; nothing ran.
    Duplicate,
}

/// One message about to be handled: the handler, with the injected faults in front of it.
pub struct Handling<'a, C: ?Sized> {
    pub(crate) handler: &'a dyn ErasedHandler<C>,
    pub(crate) message: &'a Message,
    pub(crate) faults: &'a Faults,
}

impl<C: ?Sized + 'static> Handling<'_, C> {
    pub fn message(&self) -> &Message {
        self.message
    }

    /// Suffers the injected faults, then runs the handler on `conn`.
    pub async fn run(&self, conn: &mut C) -> Result<(), HandlerError> {
        self.faults.before_message().await?;
        self.handler.handle(conn, self.message).await
    }
}

/// Idempotent application of messages for one kind of store.
pub trait Inbox: Send + Sync + 'static {
    /// What handlers receive to make their changes.
    type Conn: ?Sized + Send + 'static;

    /// Runs `handling` unless `group` has already handled its event.
    fn apply<'a>(
        &'a self,
        group: &'a str,
        handling: Handling<'a, Self::Conn>,
    ) -> BoxFuture<'a, Result<Outcome, HandlerError>>;
}

/// The PostgreSQL inbox: handlers receive the transaction that also records the event.
#[derive(Clone)]
pub struct PgInbox(pub PgPool);

impl Inbox for PgInbox {
    type Conn = PgConnection;

    fn apply<'a>(
        &'a self,
        group: &'a str,
        handling: Handling<'a, PgConnection>,
    ) -> BoxFuture<'a, Result<Outcome, HandlerError>> {
        Box::pin(async move {
            let message = handling.message();
            let mut tx = self.0.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO inbox_message (consumer_group, event_id, topic, kafka_partition, kafka_offset, event_type)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(group)
            .bind(message.headers.id)
            .bind(&message.topic)
            .bind(message.partition)
            .bind(message.offset)
            .bind(&message.headers.event_type)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                tx.commit().await?;
                return Ok(Outcome::Duplicate);
            }
            crate::after_commit::scope(async {
                handling.run(&mut tx).await?;
                tx.commit().await?;
                Ok(Outcome::Applied)
            })
            .await
        })
    }
}

/// The Redis inbox: handlers receive a connection to the same Redis.
#[derive(Clone)]
pub struct RedisInbox {
    conn: ConnectionManager,
    prefix: String,
    claim_ttl: Duration,
    handled_ttl: Duration,
}

const CLAIMED: &str = "claimed";
const HANDLED: &str = "handled";

impl RedisInbox {
    /// Keys are `<prefix>inbox:<group>:<event id>`. A handled event is remembered for
    /// `handled_ttl`, which must outlast any redelivery (the retry tiers add up to minutes).
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>, handled_ttl: Duration) -> Self {
        Self {
            conn,
            prefix: prefix.into(),
            claim_ttl: Duration::from_secs(60),
            handled_ttl,
        }
    }

    /// How long a claim blocks other deliveries of the same event when its holder dies
    /// without releasing it; longer than any handler may take.
    pub fn with_claim_ttl(mut self, claim_ttl: Duration) -> Self {
        self.claim_ttl = claim_ttl;
        self
    }

    fn key(&self, group: &str, message: &Message) -> String {
        format!("{}inbox:{group}:{}", self.prefix, message.headers.id)
    }
}

impl From<::redis::RedisError> for HandlerError {
    fn from(err: ::redis::RedisError) -> Self {
        Self::Transient(format!("redis: {err}"))
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

impl Inbox for RedisInbox {
    type Conn = ConnectionManager;

    fn apply<'a>(
        &'a self,
        group: &'a str,
        handling: Handling<'a, ConnectionManager>,
    ) -> BoxFuture<'a, Result<Outcome, HandlerError>> {
        Box::pin(async move {
            let key = self.key(group, handling.message());
            let mut conn = self.conn.clone();
            let claim = ::redis::SetOptions::default()
                .conditional_set(::redis::ExistenceCheck::NX)
                .with_expiration(::redis::SetExpiry::PX(millis(self.claim_ttl)));
            let claimed: bool = conn.set_options(&key, CLAIMED, claim).await?;
            if !claimed {
                let state: Option<String> = conn.get(&key).await?;
                return match state.as_deref() {
                    Some(HANDLED) => Ok(Outcome::Duplicate),
                    _ => Err(HandlerError::Transient(
                        "the event is being handled by another consumer".to_owned(),
                    )),
                };
            }
            match handling.run(&mut conn).await {
                Ok(()) => {
                    let _: () = conn
                        .pset_ex(&key, HANDLED, millis(self.handled_ttl))
                        .await?;
                    Ok(Outcome::Applied)
                }
                Err(err) => {
                    if let Err(release) = conn.del::<_, ()>(&key).await {
                        tracing::warn!(%release, "cannot release an inbox claim; it expires by itself");
                    }
                    Err(err)
                }
            }
        })
    }
}
