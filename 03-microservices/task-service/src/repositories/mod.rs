//! The data layer: the only code that knows SQL, over the tasks database this service owns.

mod tasks;

pub use service_kit::database::{RepositoryError, RepositoryResult};
use service_kit::database::{from_micros, to_micros};
pub use tasks::{TaskCount, TaskRepository};
