//! The data layer: the only code that knows SQL, over the users database this service owns.

mod users;

pub use service_kit::database::{RepositoryError, RepositoryResult};
use service_kit::database::{from_micros, to_micros};
pub use users::{Credentials, Taken, UserRepository};
