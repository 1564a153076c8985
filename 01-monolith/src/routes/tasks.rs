//! `/api/v1/tasks` and `/api/v1/tasks/{id}[/status|/toggle]`.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header::LOCATION},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    auth::AuthUser,
    domain::{
        NewTask, NewTaskFields, Priority, Task, TaskChangeFields, TaskChanges, TaskId,
        TaskListQuery, TaskStatus, UserId, parse_status_change,
    },
    error::ApiError,
    extract::{Json, Path, Query},
    routes::docs::Problem,
    services::TaskPage,
    state::AppState,
};

/// Fields arrive as plain strings and are parsed by the domain, which reports each bad
/// field by name. Unknown fields are ignored.
#[derive(Deserialize, ToSchema)]
pub struct CreateTaskRequest {
    /// 1 to 200 characters after trimming surrounding whitespace (so not only whitespace);
    /// no NUL character.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 200, pattern = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$", example = "Write the workshop README")]
    pub title: Option<String>,
    /// Up to 5000 characters; no NUL character.
    #[schema(max_length = 5000, pattern = "^[^\\u0000]*$")]
    pub description: Option<String>,
    #[schema(value_type = Option<TaskStatus>)]
    pub status: Option<String>,
    #[schema(value_type = Option<Priority>)]
    pub priority: Option<String>,
    /// An RFC 3339 date-time whose year is 0001 to 9999 (in UTC: an offset that moves it
    /// outside is refused too, which a pattern cannot say).
    #[schema(value_type = Option<DateTime<Utc>>, pattern = "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    pub due_date: Option<String>,
}

/// Any subset of the fields. Absent means "leave as is"; `null` clears `description` or
/// `due_date`, and is invalid for the others (their schemas are not nullable).
#[derive(Deserialize, ToSchema)]
pub struct UpdateTaskRequest {
    /// As on create: 1 to 200 characters after trimming; no NUL character.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(required = false, value_type = String, min_length = 1, max_length = 200, pattern = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$")]
    pub title: Option<Option<String>>,
    /// Up to 5000 characters; no NUL character.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, max_length = 5000, pattern = "^[^\\u0000]*$")]
    pub description: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(required = false, value_type = TaskStatus)]
    pub status: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(required = false, value_type = Priority)]
    pub priority: Option<Option<String>>,
    /// As on create; `null` clears it.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<DateTime<Utc>>, pattern = "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    pub due_date: Option<Option<String>>,
}

#[derive(Deserialize, ToSchema)]
pub struct StatusRequest {
    #[schema(required = true, value_type = TaskStatus)]
    pub status: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListTasksParams {
    /// Only tasks with this status.
    #[param(value_type = Option<TaskStatus>)]
    pub status: Option<String>,
    /// Only tasks with this priority.
    #[param(value_type = Option<Priority>)]
    pub priority: Option<String>,
    /// How many matching tasks to skip (>= 0, default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub skip: Option<String>,
    /// Page size (1 to 100, default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TaskResponse {
    #[schema(value_type = i64)]
    pub id: TaskId,
    pub title: String,
    pub description: Option<String>,
    pub status: TaskStatus,
    pub priority: Priority,
    pub due_date: Option<DateTime<Utc>>,
    /// `status == "done"`.
    pub completed: bool,
    #[schema(value_type = i64)]
    pub owner_id: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Task> for TaskResponse {
    fn from(task: Task) -> Self {
        Self {
            completed: task.completed(),
            id: task.id,
            title: task.title.as_str().to_string(),
            description: task.description.map(|d| d.as_str().to_string()),
            status: task.status,
            priority: task.priority,
            due_date: task.due_date,
            owner_id: task.owner_id,
            created_at: task.created_at,
            updated_at: task.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TaskListResponse {
    pub items: Vec<TaskResponse>,
    /// How many tasks match the filters, across all pages.
    pub total: i64,
    pub skip: i64,
    pub limit: i64,
}

impl From<TaskPage> for TaskListResponse {
    fn from(page: TaskPage) -> Self {
        Self {
            items: page.items.into_iter().map(TaskResponse::from).collect(),
            total: page.total,
            skip: page.skip,
            limit: page.limit,
        }
    }
}

type TaskResult = Result<axum::Json<TaskResponse>, ApiError>;

/// Create a task.
#[utoipa::path(
    post, path = "/api/v1/tasks", tag = "tasks", security(("bearer" = [])),
    request_body = CreateTaskRequest,
    responses(
        (status = 201, description = "The new task; `Location` points at it", body = TaskResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    Json(body): Json<CreateTaskRequest>,
) -> Result<(StatusCode, HeaderMap, axum::Json<TaskResponse>), ApiError> {
    let new_task = NewTask::parse(NewTaskFields {
        title: body.title,
        description: body.description,
        status: body.status,
        priority: body.priority,
        due_date: body.due_date,
    })?;
    let task = state.tasks.create(caller.user_id, new_task).await?;
    let mut headers = HeaderMap::new();
    let location = format!("/api/v1/tasks/{}", task.id);
    headers.insert(
        LOCATION,
        HeaderValue::from_str(&location).map_err(|e| ApiError::Internal(e.into()))?,
    );
    Ok((StatusCode::CREATED, headers, axum::Json(task.into())))
}

/// List the caller's tasks, newest first, with optional filters and paging.
#[utoipa::path(
    get, path = "/api/v1/tasks", tag = "tasks", security(("bearer" = [])),
    params(ListTasksParams),
    responses(
        (status = 200, body = TaskListResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad filter, skip or limit", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(params): Query<ListTasksParams>,
) -> Result<axum::Json<TaskListResponse>, ApiError> {
    let query = TaskListQuery::parse(params.status, params.priority, params.skip, params.limit)?;
    let page = state.tasks.list(caller.user_id, query).await?;
    Ok(axum::Json(page.into()))
}

/// One of the caller's tasks.
#[utoipa::path(
    get, path = "/api/v1/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "A task id: a positive integer")),
    responses(
        (status = 200, body = TaskResponse),
        (status = 404, description = "No such task of the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<TaskId>,
) -> TaskResult {
    Ok(axum::Json(
        state.tasks.get(caller.user_id, id).await?.into(),
    ))
}

/// Change any subset of a task's fields.
#[utoipa::path(
    put, path = "/api/v1/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "A task id: a positive integer")),
    request_body = UpdateTaskRequest,
    responses(
        (status = 200, body = TaskResponse),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<TaskId>,
    Json(body): Json<UpdateTaskRequest>,
) -> TaskResult {
    let changes = TaskChanges::parse(TaskChangeFields {
        title: body.title,
        description: body.description,
        status: body.status,
        priority: body.priority,
        due_date: body.due_date,
    })?;
    Ok(axum::Json(
        state
            .tasks
            .update(caller.user_id, id, changes)
            .await?
            .into(),
    ))
}

/// Set a task's status.
#[utoipa::path(
    patch, path = "/api/v1/tasks/{id}/status", tag = "tasks", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "A task id: a positive integer")),
    request_body = StatusRequest,
    responses(
        (status = 200, body = TaskResponse),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn set_status(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<TaskId>,
    Json(body): Json<StatusRequest>,
) -> TaskResult {
    let status = parse_status_change(body.status)?;
    let changes = TaskChanges::status(status);
    Ok(axum::Json(
        state
            .tasks
            .update(caller.user_id, id, changes)
            .await?
            .into(),
    ))
}

/// Complete an open task, or reopen a done one.
#[utoipa::path(
    post, path = "/api/v1/tasks/{id}/toggle", tag = "tasks", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "A task id: a positive integer")),
    responses(
        (status = 200, body = TaskResponse),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn toggle(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<TaskId>,
) -> TaskResult {
    Ok(axum::Json(
        state.tasks.toggle(caller.user_id, id).await?.into(),
    ))
}

/// Delete a task.
#[utoipa::path(
    delete, path = "/api/v1/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "A task id: a positive integer")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<TaskId>,
) -> Result<StatusCode, ApiError> {
    state.tasks.delete(caller.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
