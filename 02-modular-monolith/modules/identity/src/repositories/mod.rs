//! The identity module's data layer: the only code that knows its SQL, and the only SQL
//! that touches `identity.*`. One set of queries serves SQLite and PostgreSQL (see the
//! shared kernel's `db` module and the phase README).

mod users;

pub(crate) use shared_kernel::db::{RepositoryResult, from_micros, to_micros};
pub(crate) use users::{Taken, UserRepository};
