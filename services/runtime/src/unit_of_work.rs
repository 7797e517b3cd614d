//! The one way a use case changes a stored aggregate: load it, check the client's `If-Match`,
//! apply the change, and store it with the events it recorded, in one transaction.

use std::fmt::Display;
use std::future::Future;

use sqlx::{PgConnection, PgPool};

use crate::AppError;
use crate::db::Versioned;
use crate::events::{EventContext, EventDispatcher};
use crate::http::IfMatch;

/// What a versioned change needs from a repository. Services implement it on a thin adapter
/// over their own repository port, mapping their errors to [`AppError`].
pub trait VersionedRepository<A>: Send + Sync {
    type Id: Copy + Display + Send + Sync;

    /// What the aggregate is called in a "does not exist" problem, e.g. `"customer"`.
    const KIND: &'static str;

    fn load(
        &self,
        conn: &mut PgConnection,
        id: Self::Id,
    ) -> impl Future<Output = Result<Option<Versioned<A>>, AppError>> + Send;

    /// Stores `aggregate` if the row is still at `expected`: the new version, or `None` when
    /// another change got there first.
    fn store(
        &self,
        conn: &mut PgConnection,
        aggregate: &A,
        expected: i64,
    ) -> impl Future<Output = Result<Option<i64>, AppError>> + Send;
}

/// Loads aggregate `id`, checks `if_match`, applies `change` (which returns the events it
/// recorded) and, when something was recorded, stores the aggregate at the next version and
/// dispatches the events, all in one transaction. A change that records nothing writes
/// nothing and keeps the version, so repeating an idempotent command leaves the ETag alone.
///
/// A concurrent change between load and store answers 412 when the client named a version
/// (its precondition no longer holds) and 409 otherwise.
pub async fn modify<A, E, R>(
    pool: &PgPool,
    repository: &R,
    dispatcher: &EventDispatcher<E>,
    id: R::Id,
    if_match: IfMatch,
    context: &EventContext,
    change: impl FnOnce(&mut A) -> Result<Vec<E>, AppError>,
) -> Result<Versioned<A>, AppError>
where
    R: VersionedRepository<A>,
    E: Sync + 'static,
{
    let mut tx = pool.begin().await?;
    let Versioned { mut value, version } = repository
        .load(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("{} {id} does not exist", R::KIND)))?;
    if_match.check(version)?;
    let events = change(&mut value)?;
    if events.is_empty() {
        return Ok(Versioned { value, version });
    }
    let Some(version) = repository.store(&mut tx, &value, version).await? else {
        return Err(match if_match.0 {
            Some(_) => AppError::PreconditionFailed(format!(
                "version {version} was replaced while this change was applied"
            )),
            None => AppError::Conflict(format!(
                "{} {id} was changed concurrently (expected version {version})",
                R::KIND
            )),
        });
    };
    dispatcher.dispatch(&mut tx, context, &events).await?;
    tx.commit().await?;
    Ok(Versioned { value, version })
}
