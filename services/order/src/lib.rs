//! The order bounded context (being built).
