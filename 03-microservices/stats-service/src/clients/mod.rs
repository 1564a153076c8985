//! Clients for the other services stats-service depends on.

mod breaker;
mod task_service;

pub use task_service::{CallError, TaskServiceClient};
