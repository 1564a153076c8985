//! The identity module's business layer, independent of HTTP and of SQL.

mod users;

pub(crate) use users::UserService;
