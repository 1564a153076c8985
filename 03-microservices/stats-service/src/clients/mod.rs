//! Clients for the other services stats-service depends on.

mod breaker;
mod call_error;
mod task_service;

pub use call_error::CallError;
pub use task_service::TaskServiceClient;
