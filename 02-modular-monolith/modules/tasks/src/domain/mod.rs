//! Domain types of the tasks module: values that can only exist in a valid state.
//!
//! Each newtype has a `parse` constructor and no other way to build it ("parse, don't
//! validate"). Only [`TaskStatus`], [`Priority`] and [`TaskCount`] leave the module (in
//! the answer of `TasksApi::counts_for_owner`); the rest is private.

mod task;

pub(crate) use shared_kernel::domain::{
    FieldError, FieldErrors, Missing, UserId, now, to_stored_precision,
};
pub use task::{InvalidTaskField, Priority, TaskCount, TaskStatus};
pub(crate) use task::{
    NewTask, NewTaskFields, Task, TaskChangeFields, TaskChanges, TaskDescription, TaskListQuery,
    TaskTitle, parse_status_change,
};

/// The id of a task.
pub type TaskId = i64;
