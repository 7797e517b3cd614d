//! The payment bounded context (being built).
