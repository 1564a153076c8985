//! Requests several areas make as some account: create, read and list tasks.

use serde_json::Value;

use super::Account;
use super::expect::{self, Check};
use crate::http::{Api, Request};

pub(crate) const TASKS: &str = "/api/v1/tasks";
pub(crate) const STATS: &str = "/api/v1/stats";
pub(crate) const ME: &str = "/api/v1/users/me";
pub(crate) const REGISTER: &str = "/api/v1/auth/register";
pub(crate) const LOGIN: &str = "/api/v1/auth/login";

/// An id no task has: positive, small enough for a 32-bit column, far beyond any test database.
pub(crate) const MISSING_ID: i64 = 2_147_480_000;

pub(crate) fn task_path(id: i64) -> String {
    format!("{TASKS}/{id}")
}

/// `POST /api/v1/tasks`, expecting 201 and a well-formed task of this account.
pub(crate) async fn create_task(
    api: &Api,
    account: &Account,
    body: Value,
) -> Result<Value, String> {
    let reply = api
        .send(&Request::post(TASKS).bearer(&account.token).json(body))
        .await?;
    expect::task(&reply, 201, account.id())
}

/// `GET /api/v1/tasks/{id}`, expecting 200 and a well-formed task of this account.
pub(crate) async fn get_task(api: &Api, account: &Account, id: i64) -> Result<Value, String> {
    let reply = api
        .send(&Request::get(task_path(id)).bearer(&account.token))
        .await?;
    expect::task(&reply, 200, account.id())
}

/// After a rejected change, the task is exactly as it was (`updated_at` included).
pub(crate) async fn unchanged(api: &Api, account: &Account, before: &Value) -> Check {
    let id = expect::int_field(before, "id")?;
    let now = get_task(api, account, id).await?;
    expect::task_fields(&now, before).map_err(|message| {
        format!("task {id} changed although every change to it was rejected: {message}")
    })
}

/// One page of `GET /api/v1/tasks`.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    pub items: Vec<Value>,
    pub total: i64,
    pub skip: i64,
    pub limit: i64,
}

/// `GET /api/v1/tasks?{query}`, expecting 200, the page members, and only this account's
/// well-formed tasks.
pub(crate) async fn list(api: &Api, account: &Account, query: &str) -> Result<Page, String> {
    let path = if query.is_empty() {
        TASKS.to_owned()
    } else {
        format!("{TASKS}?{query}")
    };
    let reply = api.send(&Request::get(path).bearer(&account.token)).await?;
    let body = expect::json(&reply, 200)?;
    let in_reply = expect::in_reply(&reply);
    let Some(items) = body.get("items").and_then(Value::as_array) else {
        return Err(in_reply("expected an `items` array".to_owned()));
    };
    for (index, item) in items.iter().enumerate() {
        expect::task_shape(item, account.id())
            .map_err(|message| in_reply(format!("item {index}: {message}")))?;
    }
    let number = |key| expect::int_field(&body, key).map_err(&in_reply);
    Ok(Page {
        items: items.clone(),
        total: number("total")?,
        skip: number("skip")?,
        limit: number("limit")?,
    })
}

/// Every task of this account matching `filter` (e.g. `status=done`), walking pages of 100.
pub(crate) async fn list_all(
    api: &Api,
    account: &Account,
    filter: &str,
) -> Result<Vec<Value>, String> {
    /// A server that ignores `skip` would otherwise keep us walking forever.
    const MAX_PAGES: i64 = 50;
    let mut all = Vec::new();
    for page_number in 0..MAX_PAGES {
        let mut query = format!("skip={}&limit=100", page_number * 100);
        if !filter.is_empty() {
            query = format!("{filter}&{query}");
        }
        let page = list(api, account, &query).await?;
        let done = page.items.is_empty();
        all.extend(page.items);
        if done || all.len() as i64 >= page.total {
            return Ok(all);
        }
    }
    Err(format!(
        "listing {TASKS}?{filter} did not end after {MAX_PAGES} pages of 100"
    ))
}

/// How many tasks this account has (`total` of the unfiltered list).
pub(crate) async fn task_count(api: &Api, account: &Account) -> Result<i64, String> {
    Ok(list(api, account, "limit=1").await?.total)
}

/// After rejected requests, the account has as many tasks as `before` (counted just before them).
pub(crate) async fn count_unchanged(
    api: &Api,
    account: &Account,
    before: Result<i64, String>,
) -> Check {
    let before = before?;
    let after = task_count(api, account).await?;
    expect::that(after == before, || {
        format!("expected the total to stay {before} after rejected requests, found {after}")
    })
}

/// The id of an already shape-checked task (0, which no task has, if it is somehow missing).
pub(crate) fn id(task: &Value) -> i64 {
    task.get("id").and_then(Value::as_i64).unwrap_or(0)
}

/// The ids of a list of (already shape-checked) tasks.
pub(crate) fn ids(tasks: &[Value]) -> Vec<i64> {
    tasks.iter().map(id).collect()
}
