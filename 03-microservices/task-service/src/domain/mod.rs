//! Domain types of tasks: values that can only exist in a valid state
//! ("parse, don't validate"). The field-error plumbing is shared (`service_kit::domain`).

mod task;

pub use service_kit::domain::{FieldError, FieldErrors, UserId, now, to_stored_precision};
pub use task::{
    DueDate, NewTask, Priority, Task, TaskChanges, TaskDescription, TaskListQuery, TaskStatus,
    TaskTitle, parse_status_change,
};

/// The id of a task.
pub type TaskId = i64;
