//! The tasks module's data layer: the only code that knows its SQL, and the only SQL
//! that touches `tasks.*`. One set of queries serves SQLite and PostgreSQL (see the
//! shared kernel's `db` module and the phase README).

mod tasks;

pub(crate) use shared_kernel::db::{RepositoryResult, from_micros, to_micros};
pub(crate) use tasks::TaskRepository;
