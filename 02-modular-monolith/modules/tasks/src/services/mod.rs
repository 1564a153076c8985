//! The tasks module's business layer, independent of HTTP and of SQL.

mod tasks;

pub(crate) use tasks::{TaskPage, TaskService};
