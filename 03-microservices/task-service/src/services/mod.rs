//! The business layer: what the service does, independent of HTTP and of SQL.

mod tasks;

pub use tasks::{TaskPage, TaskService};
