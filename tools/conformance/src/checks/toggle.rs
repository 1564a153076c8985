//! `POST /api/v1/tasks/{id}/toggle`: done becomes todo, anything else becomes done. No body.

use serde_json::{Value, json};

use super::expect::{self, Check};
use super::fixtures::{self, MISSING_ID, task_path};
use super::{Account, Ctx, NEEDS_USERS, skipped};
use crate::areas;
use crate::http::{Reply, Request};
use crate::report::AreaReport;

pub(crate) async fn run(ctx: &Ctx) -> AreaReport {
    let Some(alice) = &ctx.alice else {
        return skipped(areas::TOGGLE, NEEDS_USERS);
    };
    let mut area = AreaReport::new(areas::TOGGLE);
    area.record(
        "todo → done (completed true) → todo (completed false)",
        round_trip(ctx, alice).await,
    );
    area.record("in_progress → done", in_progress_to_done(ctx, alice).await);
    area.record(
        "a missing id → 404 problem",
        toggle(ctx, alice, MISSING_ID)
            .await
            .and_then(|reply| expect::problem(&reply, 404)),
    );
    area
}

async fn toggle(ctx: &Ctx, alice: &Account, id: i64) -> Result<Reply, String> {
    let path = format!("{}/toggle", task_path(id));
    ctx.api
        .send(&Request::post(path).bearer(&alice.token))
        .await
}

/// Toggles and expects the task with this status, everything else as before.
async fn toggled(
    ctx: &Ctx,
    alice: &Account,
    before: &Value,
    status: &str,
) -> Result<Value, String> {
    let reply = toggle(ctx, alice, fixtures::id(before)).await?;
    let task = expect::task(&reply, 200, alice.id())?;
    let expected = json!({
        "id": before.get("id"), "title": before.get("title"), "status": status,
        "completed": status == "done", "priority": before.get("priority"),
    });
    expect::task_fields(&task, &expected).map_err(expect::in_reply(&reply))?;
    Ok(task)
}

async fn round_trip(ctx: &Ctx, alice: &Account) -> Check {
    let task = fixtures::create_task(&ctx.api, alice, json!({ "title": "Toggle me" })).await?;
    let done = toggled(ctx, alice, &task, "done").await?;
    toggled(ctx, alice, &done, "todo").await.map(|_| ())
}

async fn in_progress_to_done(ctx: &Ctx, alice: &Account) -> Check {
    let body = json!({ "title": "Half way", "status": "in_progress" });
    let task = fixtures::create_task(&ctx.api, alice, body).await?;
    toggled(ctx, alice, &task, "done").await.map(|_| ())
}
