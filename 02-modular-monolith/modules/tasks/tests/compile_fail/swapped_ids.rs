// A task query takes the owner first, then the task, as `TaskRepository::find` does. With
// both ids plain `i64`s, the swapped call below compiled, ran, and answered "not found".
use {shared_kernel::UserId, tasks::TaskId};

fn find(_owner_id: UserId, _id: TaskId) {}

fn swapped(owner_id: UserId, id: TaskId) {
    find(id, owner_id);
}

fn main() {}
