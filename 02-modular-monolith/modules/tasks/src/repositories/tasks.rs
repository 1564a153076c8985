//! SQL for the `tasks.tasks` table. Every query is scoped by `owner_id`: a task that belongs to
//! someone else is simply not found, exactly like a task that does not exist.

use chrono::{DateTime, Utc};
use shared_kernel::Pools;
use sqlx::{FromRow, Row, any::AnyRow};

use super::{RepositoryResult, from_micros, to_micros};
use crate::domain::{
    InvalidTaskField, NewTask, Priority, Task, TaskChanges, TaskCount, TaskDescription, TaskId,
    TaskListQuery, TaskStatus, TaskTitle, UserId,
};

#[derive(Clone, Debug)]
pub struct TaskRepository {
    pools: Pools,
}

#[derive(sqlx::FromRow)]
struct TaskRow {
    id: TaskId,
    owner_id: UserId,
    title: String,
    description: Option<String>,
    status: String,
    priority: String,
    due_date: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<TaskRow> for Task {
    type Error = anyhow::Error;

    /// Stored values are parsed again, so a corrupt row is an error, never a bad response.
    fn try_from(row: TaskRow) -> anyhow::Result<Self> {
        let corrupt = |field: &str, reason: InvalidTaskField| {
            anyhow::anyhow!("stored task {} has an invalid {field}: {reason}", row.id)
        };
        Ok(Task {
            id: row.id,
            title: TaskTitle::parse(&row.title).map_err(|e| corrupt("title", e))?,
            description: row
                .description
                .map(TaskDescription::parse)
                .transpose()
                .map_err(|e| corrupt("description", e))?,
            status: TaskStatus::parse(&row.status).map_err(|e| corrupt("status", e))?,
            priority: Priority::parse(&row.priority).map_err(|e| corrupt("priority", e))?,
            due_date: row.due_date.map(from_micros).transpose()?,
            owner_id: row.owner_id,
            created_at: from_micros(row.created_at)?,
            updated_at: from_micros(row.updated_at)?,
        })
    }
}

const TASK_COLUMNS: &str =
    "id, owner_id, title, description, status, priority, due_date, created_at, updated_at";

/// `$2`/`$3` are the optional filters: a NULL filter matches every row.
const OWNED_AND_FILTERED: &str =
    "owner_id = $1 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR priority = $3)";

impl TaskRepository {
    pub fn new(pools: Pools) -> Self {
        Self { pools }
    }

    #[tracing::instrument(level = "debug", name = "INSERT tasks.tasks", skip_all, fields(otel.kind = "client", code.function = "TaskRepository::insert"))]
    pub async fn insert(
        &self,
        owner_id: UserId,
        task: &NewTask,
        now: DateTime<Utc>,
    ) -> RepositoryResult<Task> {
        let row: TaskRow = sqlx::query_as(&format!(
            "INSERT INTO tasks.tasks
                (owner_id, title, description, status, priority, due_date, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             RETURNING {TASK_COLUMNS}"
        ))
        .bind(owner_id)
        .bind(task.title.as_str())
        .bind(task.description.as_ref().map(|d| d.as_str().to_string()))
        .bind(task.status.as_str())
        .bind(task.priority.as_str())
        .bind(task.due_date.map(to_micros))
        .bind(to_micros(now))
        .fetch_one(&self.pools.write)
        .await?;
        Ok(Task::try_from(row)?)
    }

    #[tracing::instrument(level = "debug", name = "SELECT tasks.tasks", skip_all, fields(otel.kind = "client", code.function = "TaskRepository::find"))]
    pub async fn find(&self, owner_id: UserId, id: TaskId) -> RepositoryResult<Option<Task>> {
        let row: Option<TaskRow> = sqlx::query_as(&format!(
            "SELECT {TASK_COLUMNS} FROM tasks.tasks WHERE id = $1 AND owner_id = $2"
        ))
        .bind(id)
        .bind(owner_id)
        .fetch_optional(&self.pools.read)
        .await?;
        Ok(row.map(Task::try_from).transpose()?)
    }

    /// One page of the owner's tasks matching the filters, newest first, and how many match in all.
    #[tracing::instrument(level = "debug", name = "SELECT tasks.tasks", skip_all, fields(otel.kind = "client", code.function = "TaskRepository::list"))]
    pub async fn list(
        &self,
        owner_id: UserId,
        query: &TaskListQuery,
    ) -> RepositoryResult<(Vec<Task>, i64)> {
        let status = query.status.map(TaskStatus::as_str);
        let priority = query.priority.map(Priority::as_str);
        // One statement, so one snapshot: the page and the total always agree, even while
        // others write. The count is the left side, so an empty page still has its row.
        let rows: Vec<AnyRow> = sqlx::query(&format!(
            "SELECT counted.total, page.* FROM
                (SELECT COUNT(*) AS total FROM tasks.tasks WHERE {OWNED_AND_FILTERED}) AS counted
             LEFT JOIN
                (SELECT {TASK_COLUMNS} FROM tasks.tasks WHERE {OWNED_AND_FILTERED}
                 ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5) AS page
             ON 1 = 1
             ORDER BY page.created_at DESC, page.id DESC"
        ))
        .bind(owner_id)
        .bind(status)
        .bind(priority)
        .bind(query.limit)
        .bind(query.skip)
        .fetch_all(&self.pools.read)
        .await?;
        let total: i64 = match rows.first() {
            Some(row) => row.try_get("total")?,
            None => 0,
        };
        let mut tasks = Vec::with_capacity(rows.len());
        for row in &rows {
            if row.try_get::<Option<i64>, _>("id")?.is_some() {
                tasks.push(Task::try_from(TaskRow::from_row(row)?)?);
            }
        }
        Ok((tasks, total))
    }

    /// Writes the sent fields of `changes` in one statement, so two concurrent changes of
    /// one task cannot lose each other's fields. `None` if there is no such task of this owner.
    ///
    /// For `description` and `due_date` a flag says whether the field was sent, because
    /// an explicit `null` clears it. `updated_at` moves to `now`, or one microsecond past
    /// its previous value if that is not earlier (two changes within one clock tick, or a
    /// clock that stepped back), so clients can rely on it to order versions.
    #[tracing::instrument(level = "debug", name = "UPDATE tasks.tasks", skip_all, fields(otel.kind = "client", code.function = "TaskRepository::update"))]
    pub async fn update(
        &self,
        owner_id: UserId,
        id: TaskId,
        changes: &TaskChanges,
        now: DateTime<Utc>,
    ) -> RepositoryResult<Option<Task>> {
        let description = changes.description.as_ref();
        let due_date = changes.due_date.as_ref();
        let row: Option<TaskRow> = sqlx::query_as(&format!(
            "UPDATE tasks.tasks
             SET title = COALESCE($1, title),
                 description = CASE WHEN $2 THEN $3 ELSE description END,
                 status = COALESCE($4, status),
                 priority = COALESCE($5, priority),
                 due_date = CASE WHEN $6 THEN $7 ELSE due_date END,
                 updated_at = CASE WHEN updated_at >= $8 THEN updated_at + 1 ELSE $8 END
             WHERE id = $9 AND owner_id = $10
             RETURNING {TASK_COLUMNS}"
        ))
        .bind(changes.title.as_ref().map(|t| t.as_str().to_string()))
        .bind(description.is_some())
        .bind(description.and_then(|d| d.as_ref().map(|d| d.as_str().to_string())))
        .bind(changes.status.map(TaskStatus::as_str))
        .bind(changes.priority.map(Priority::as_str))
        .bind(due_date.is_some())
        .bind(due_date.and_then(|d| d.map(to_micros)))
        .bind(to_micros(now))
        .bind(id)
        .bind(owner_id)
        .fetch_optional(&self.pools.write)
        .await?;
        Ok(row.map(Task::try_from).transpose()?)
    }

    /// Completes an open task or reopens a completed one, in one statement: of two
    /// concurrent toggles, the second sees the first's result. `None` if there is no such
    /// task of this owner.
    #[tracing::instrument(level = "debug", name = "UPDATE tasks.tasks", skip_all, fields(otel.kind = "client", code.function = "TaskRepository::toggle"))]
    pub async fn toggle(
        &self,
        owner_id: UserId,
        id: TaskId,
        now: DateTime<Utc>,
    ) -> RepositoryResult<Option<Task>> {
        let row: Option<TaskRow> = sqlx::query_as(&format!(
            "UPDATE tasks.tasks
             SET status = CASE WHEN status = 'done' THEN 'todo' ELSE 'done' END,
                 updated_at = CASE WHEN updated_at >= $1 THEN updated_at + 1 ELSE $1 END
             WHERE id = $2 AND owner_id = $3
             RETURNING {TASK_COLUMNS}"
        ))
        .bind(to_micros(now))
        .bind(id)
        .bind(owner_id)
        .fetch_optional(&self.pools.write)
        .await?;
        Ok(row.map(Task::try_from).transpose()?)
    }

    /// Returns false if there was no such task of this owner.
    #[tracing::instrument(level = "debug", name = "DELETE tasks.tasks", skip_all, fields(otel.kind = "client", code.function = "TaskRepository::delete"))]
    pub async fn delete(&self, owner_id: UserId, id: TaskId) -> RepositoryResult<bool> {
        let result = sqlx::query("DELETE FROM tasks.tasks WHERE id = $1 AND owner_id = $2")
            .bind(id)
            .bind(owner_id)
            .execute(&self.pools.write)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Counts all of the owner's tasks per status and priority in one query, with how many
    /// of each group are overdue at `now`: the database does the counting, however many tasks.
    #[tracing::instrument(level = "debug", name = "SELECT tasks.tasks", skip_all, fields(otel.kind = "client", code.function = "TaskRepository::count_by_status_and_priority"))]
    pub async fn count_by_status_and_priority(
        &self,
        owner_id: UserId,
        now: DateTime<Utc>,
    ) -> RepositoryResult<Vec<TaskCount>> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT status, priority, COUNT(*),
                    COUNT(CASE WHEN due_date < $2 AND status <> 'done' THEN 1 END)
             FROM tasks.tasks WHERE owner_id = $1
             GROUP BY status, priority",
        )
        .bind(owner_id)
        .bind(to_micros(now))
        .fetch_all(&self.pools.read)
        .await?;
        let counts = rows
            .into_iter()
            .map(|(status, priority, tasks, overdue)| {
                Ok(TaskCount {
                    status: TaskStatus::parse(&status).map_err(anyhow::Error::msg)?,
                    priority: Priority::parse(&priority).map_err(anyhow::Error::msg)?,
                    tasks,
                    overdue,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(counts)
    }
}
