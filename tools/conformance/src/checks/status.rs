//! `PATCH /api/v1/tasks/{id}/status`: only the status (and so `completed`) changes.

use serde_json::{Value, json};

use super::expect;
use super::fixtures::{self, MISSING_ID, task_path};
use super::{Account, Ctx, NEEDS_USERS, skipped};
use crate::areas;
use crate::http::Request;
use crate::report::AreaReport;

pub(crate) async fn run(ctx: &Ctx) -> AreaReport {
    let Some(alice) = &ctx.alice else {
        return skipped(areas::STATUS, NEEDS_USERS);
    };
    let mut area = AreaReport::new(areas::STATUS);
    let body = json!({
        "title": "Move me along", "description": "kept", "priority": "high",
        "due_date": "2030-03-03T03:03:03Z",
    });
    let task = fixtures::create_task(&ctx.api, alice, body).await;
    let Some(mut current) = area.setup("create a task to change", task) else {
        return area;
    };

    for status in ["in_progress", "done", "todo"] {
        let check = format!(
            "{{\"status\": \"{status}\"}} → 200, completed {}, every other field unchanged",
            status == "done"
        );
        let changed = set_status(ctx, alice, &current, status).await;
        if let Some(task) = area.record_value(&check, changed) {
            current = task;
        }
    }

    let invalid = [
        (
            "an unknown status → 422 naming status",
            json!({ "status": "bogus" }),
        ),
        ("a missing status → 422 naming status", json!({})),
        (
            "a null status → 422 naming status",
            json!({ "status": null }),
        ),
    ];
    let path = format!("{}/status", task_path(fixtures::id(&current)));
    for (check, body) in invalid {
        let reply = ctx
            .api
            .send(
                &Request::patch(path.as_str())
                    .bearer(&alice.token)
                    .json(body),
            )
            .await;
        area.record(
            check,
            reply.and_then(|reply| expect::validation(&reply, &["status"])),
        );
    }
    area.record(
        "rejected changes changed nothing",
        fixtures::unchanged(&ctx.api, alice, &current).await,
    );

    let missing = format!("{}/status", task_path(MISSING_ID));
    let reply = ctx
        .api
        .send(
            &Request::patch(missing)
                .bearer(&alice.token)
                .json(json!({ "status": "done" })),
        )
        .await;
    area.record(
        "a missing id → 404 problem",
        reply.and_then(|reply| expect::problem(&reply, 404)),
    );
    area
}

async fn set_status(
    ctx: &Ctx,
    alice: &Account,
    before: &Value,
    status: &str,
) -> Result<Value, String> {
    let path = format!("{}/status", task_path(fixtures::id(before)));
    let reply = ctx
        .api
        .send(
            &Request::patch(path)
                .bearer(&alice.token)
                .json(json!({ "status": status })),
        )
        .await?;
    let task = expect::task(&reply, 200, alice.id())?;
    let mut expected = before.clone();
    if let Some(fields) = expected.as_object_mut() {
        fields.remove("updated_at");
        fields.insert("status".to_owned(), json!(status));
        fields.insert("completed".to_owned(), json!(status == "done"));
    }
    expect::task_fields(&task, &expected).map_err(expect::in_reply(&reply))?;
    Ok(task)
}
