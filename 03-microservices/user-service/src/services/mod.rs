//! The business layer: what the service does, independent of HTTP and of SQL.

mod users;

pub use users::UserService;
