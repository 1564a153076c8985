//! Domain types of the tasks module: values that can only exist in a valid state.
//!
//! Each newtype has a `parse` constructor and no other way to build it ("parse, don't
//! validate"). Only [`TaskStatus`], [`Priority`] and [`TaskCount`] leave the module (in
//! the answer of `TasksApi::counts_for_owner`), with [`InvalidTaskField`] (why a status or
//! priority does not parse) and [`TaskId`]; the rest is private.

mod task;

pub(crate) use shared_kernel::domain::{
    FieldError, FieldErrors, Missing, UserId, now, to_stored_precision,
};
pub use task::{InvalidTaskField, Priority, TaskCount, TaskStatus};
pub(crate) use task::{
    NewTask, NewTaskFields, Task, TaskChangeFields, TaskChanges, TaskDescription, TaskListQuery,
    TaskTitle, parse_status_change,
};

shared_kernel::positive_id! {
    /// The id of a task: positive, and never to be confused with a [`UserId`] (the kernel's
    /// `positive_id!` explains both).
    pub struct TaskId(i64);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TaskId` is declared by the kernel's macro (tested there with `UserId`, JSON and SQL
    /// included); this only checks that it took the same rules with it.
    #[test]
    fn task_ids_are_positive_integers_only() {
        let id = TaskId::new(7).unwrap();
        assert_eq!(id.get(), 7);
        assert_eq!("7".parse::<TaskId>(), Ok(id));
        assert!(TaskId::new(0).is_err());
        assert!(TaskId::try_from(-7).is_err());
    }
}
