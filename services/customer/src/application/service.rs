//! The customer use cases.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use customer_domain::{Customer, CustomerError, CustomerEvent, CustomerId, EmailChangePolicy};
use orderflow_runtime::AppError;
use orderflow_runtime::clock::Clock;
use orderflow_runtime::events::{EventContext, EventDispatcher};
use orderflow_runtime::http::{IfMatch, Page};
use orderflow_runtime::unit_of_work::{self, VersionedRepository};
use sqlx::{PgConnection, PgPool};

use super::commands::{ChangeAddress, ChangeEmail, CustomerQuery, RegisterCustomer};
use super::ports::{CustomerRepository, RepositoryError, Versioned};

pub struct CustomerService<R> {
    pool: PgPool,
    repository: R,
    dispatcher: EventDispatcher<CustomerEvent>,
    email_policy: EmailChangePolicy,
    clock: Arc<dyn Clock>,
}

impl<R: CustomerRepository> CustomerService<R> {
    pub fn new(
        pool: PgPool,
        repository: R,
        dispatcher: EventDispatcher<CustomerEvent>,
        email_policy: EmailChangePolicy,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            pool,
            repository,
            dispatcher,
            email_policy,
            clock,
        }
    }

    pub async fn register(
        &self,
        command: RegisterCustomer,
        context: &EventContext,
    ) -> Result<Versioned<Customer>, AppError> {
        let valid = command.validate().map_err(AppError::Validation)?;
        let mut customer = Customer::register(
            CustomerId::new(),
            valid.name,
            valid.email,
            valid.phone,
            valid.address,
            self.clock.now(),
        );
        let events = customer.take_events();
        let mut tx = self.pool.begin().await?;
        let version = self
            .repository
            .insert(&mut tx, &customer)
            .await
            .map_err(repository_error)?;
        self.dispatcher.dispatch(&mut tx, context, &events).await?;
        tx.commit().await?;
        Ok(Versioned {
            value: customer,
            version,
        })
    }

    pub async fn get(&self, id: CustomerId) -> Result<Versioned<Customer>, AppError> {
        let mut conn = self.pool.acquire().await?;
        self.repository
            .find(&mut conn, id)
            .await
            .map_err(repository_error)?
            .ok_or_else(|| not_found(id))
    }

    pub async fn list(&self, query: CustomerQuery) -> Result<Page<Versioned<Customer>>, AppError> {
        let (filter, page) = query.validate().map_err(AppError::Validation)?;
        let mut conn = self.pool.acquire().await?;
        let (items, total) = self
            .repository
            .list(&mut conn, &filter, page)
            .await
            .map_err(repository_error)?;
        Ok(Page::new(items, page, total))
    }

    pub async fn change_email(
        &self,
        id: CustomerId,
        command: ChangeEmail,
        if_match: IfMatch,
        context: &EventContext,
    ) -> Result<Versioned<Customer>, AppError> {
        let email = command.validate().map_err(AppError::Validation)?;
        let policy = self.email_policy;
        self.modify(id, if_match, context, |customer, now| {
            customer.change_email(email, &policy, now)
        })
        .await
    }

    pub async fn change_address(
        &self,
        id: CustomerId,
        command: ChangeAddress,
        if_match: IfMatch,
        context: &EventContext,
    ) -> Result<Versioned<Customer>, AppError> {
        let address = command.validate().map_err(AppError::Validation)?;
        self.modify(id, if_match, context, |customer, now| {
            customer.change_address(address, now)
        })
        .await
    }

    pub async fn deactivate(
        &self,
        id: CustomerId,
        if_match: IfMatch,
        context: &EventContext,
    ) -> Result<Versioned<Customer>, AppError> {
        self.modify(id, if_match, context, Customer::deactivate)
            .await
    }

    pub async fn activate(
        &self,
        id: CustomerId,
        if_match: IfMatch,
        context: &EventContext,
    ) -> Result<Versioned<Customer>, AppError> {
        self.modify(id, if_match, context, Customer::activate).await
    }

    /// Applies `change` through the runtime's unit of work (load, If-Match, store with the
    /// recorded events, one transaction).
    async fn modify(
        &self,
        id: CustomerId,
        if_match: IfMatch,
        context: &EventContext,
        change: impl FnOnce(&mut Customer, DateTime<Utc>) -> Result<(), CustomerError>,
    ) -> Result<Versioned<Customer>, AppError> {
        let now = self.clock.now();
        unit_of_work::modify(
            &self.pool,
            &Stored(&self.repository),
            &self.dispatcher,
            id,
            if_match,
            context,
            |customer| {
                change(customer, now).map_err(domain_error)?;
                Ok(customer.take_events())
            },
        )
        .await
    }
}

/// The repository as the unit of work sees it.
struct Stored<'a, R>(&'a R);

impl<R: CustomerRepository> VersionedRepository<Customer> for Stored<'_, R> {
    type Id = CustomerId;
    const KIND: &'static str = "customer";

    async fn load(
        &self,
        conn: &mut PgConnection,
        id: CustomerId,
    ) -> Result<Option<Versioned<Customer>>, AppError> {
        self.0.find(conn, id).await.map_err(repository_error)
    }

    async fn store(
        &self,
        conn: &mut PgConnection,
        customer: &Customer,
        expected: i64,
    ) -> Result<Option<i64>, AppError> {
        match self.0.update(conn, customer, expected).await {
            Ok(version) => Ok(Some(version)),
            Err(RepositoryError::VersionConflict { .. }) => Ok(None),
            Err(other) => Err(repository_error(other)),
        }
    }
}

fn not_found(id: CustomerId) -> AppError {
    AppError::NotFound(format!("customer {id} does not exist"))
}

fn domain_error(err: CustomerError) -> AppError {
    AppError::Rule {
        code: err.code(),
        message: err.to_string(),
    }
}

fn repository_error(err: RepositoryError) -> AppError {
    match err {
        RepositoryError::DuplicateEmail(_) | RepositoryError::VersionConflict { .. } => {
            AppError::Conflict(err.to_string())
        }
        RepositoryError::Corrupt(_) => AppError::internal(err),
        RepositoryError::Database(db) => db.into(),
    }
}
