//! `DELETE /api/v1/tasks/{id}`: 204 with no body, then the task is gone for every verb.

use serde_json::json;

use super::expect::{self, Check};
use super::fixtures::{self, task_path};
use super::{Account, Ctx, NEEDS_USERS, skipped};
use crate::areas;
use crate::http::Request;
use crate::report::AreaReport;

pub(crate) async fn run(ctx: &Ctx) -> AreaReport {
    let Some(alice) = &ctx.alice else {
        return skipped(areas::DELETE, NEEDS_USERS);
    };
    let mut area = AreaReport::new(areas::DELETE);
    let task = fixtures::create_task(&ctx.api, alice, json!({ "title": "Delete me" })).await;
    let Some(task) = area.setup("create a task to delete", task) else {
        return area;
    };
    let id = fixtures::id(&task);
    let deleted = ctx
        .api
        .send(&Request::delete(task_path(id)).bearer(&alice.token))
        .await;
    area.record(
        "DELETE → 204 with an empty body",
        deleted.and_then(|reply| {
            expect::status(&reply, 204)?;
            expect::empty_body(&reply)
        }),
    );
    area.record(
        "afterwards GET, PUT, PATCH status, toggle and DELETE → 404 problem",
        gone(ctx, alice, id).await,
    );
    area.record(
        "afterwards the list no longer holds it",
        not_listed(ctx, alice, id).await,
    );
    area
}

async fn gone(ctx: &Ctx, alice: &Account, id: i64) -> Check {
    let path = task_path(id);
    let requests = [
        Request::get(path.as_str()),
        Request::put(path.as_str()).json(json!({ "title": "back from the dead" })),
        Request::patch(format!("{path}/status")).json(json!({ "status": "done" })),
        Request::post(format!("{path}/toggle")),
        Request::delete(path.as_str()),
    ];
    let mut results = Vec::new();
    for request in requests {
        let reply = ctx.api.send(&request.bearer(&alice.token)).await;
        results.push(reply.and_then(|reply| expect::problem(&reply, 404)));
    }
    expect::all(results)
}

async fn not_listed(ctx: &Ctx, alice: &Account, id: i64) -> Check {
    let listed = fixtures::ids(&fixtures::list_all(&ctx.api, alice, "").await?);
    expect::that(!listed.contains(&id), || {
        format!("deleted task {id} is still in alice's list")
    })
}
