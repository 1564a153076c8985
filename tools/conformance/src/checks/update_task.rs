//! `PUT /api/v1/tasks/{id}`: a partial update (left-out fields unchanged, explicit null clears
//! description and due_date), the create rules again, and `updated_at` moving forward.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::expect;
use super::fixtures::{self, MISSING_ID, TASKS, task_path};
use super::{Account, Ctx, NEEDS_USERS, skipped};
use crate::areas;
use crate::http::Request;
use crate::report::AreaReport;

/// A server may store whole seconds; updating later than this after creating makes "`updated_at`
/// moved forward" observable on any of them.
const AGE_BEFORE_UPDATE: Duration = Duration::from_millis(1100);

/// The task to update, created early in the run, and when.
pub(crate) type Aged = Result<(Value, Instant), String>;

pub(crate) async fn prepare(ctx: &Ctx) -> Aged {
    let Some(alice) = &ctx.alice else {
        return Err(NEEDS_USERS.to_owned());
    };
    let body = json!({
        "title": "Update me", "description": "original description", "status": "todo",
        "priority": "low", "due_date": "2030-05-06T07:08:09Z",
    });
    let task = fixtures::create_task(&ctx.api, alice, body).await?;
    Ok((task, Instant::now()))
}

pub(crate) async fn run(ctx: &Ctx, aged: Aged) -> AreaReport {
    let Some(alice) = &ctx.alice else {
        return skipped(areas::UPDATE_TASK, NEEDS_USERS);
    };
    let mut area = AreaReport::new(areas::UPDATE_TASK);
    let Some((original, created)) = area.setup("create a task to update", aged) else {
        return area;
    };
    tokio::time::sleep(AGE_BEFORE_UPDATE.saturating_sub(created.elapsed())).await;
    let id = fixtures::id(&original);

    let steps = [
        (
            "only a title → the title changes, nothing else; updated_at moves forward, created_at stays",
            json!({ "title": "  Renamed  " }),
            json!({ "title": "Renamed" }),
        ),
        (
            "explicit null → description and due_date cleared, other fields unchanged",
            json!({ "description": null, "due_date": null }),
            json!({ "description": null, "due_date": null }),
        ),
        (
            "status done, priority and due_date together → all applied, completed true",
            json!({ "status": "done", "priority": "high", "due_date": "2031-01-01T00:00:00+01:00" }),
            json!({ "status": "done", "priority": "high", "due_date": "2030-12-31T23:00:00Z", "completed": true }),
        ),
        (
            "status in_progress → completed false",
            json!({ "status": "in_progress" }),
            json!({ "status": "in_progress", "completed": false }),
        ),
    ];
    let mut current = original.clone();
    for (check, body, changes) in steps {
        let updated = update(ctx, alice, &original, &current, body, &changes).await;
        if let Some(updated) = area.record_value(check, updated) {
            current = updated;
        }
    }

    for (check, body, field) in invalid_updates() {
        let reply = ctx
            .api
            .send(&Request::put(task_path(id)).bearer(&alice.token).json(body))
            .await;
        area.record(
            check,
            reply.and_then(|reply| expect::validation(&reply, &[field])),
        );
    }
    area.record(
        "rejected updates changed nothing (updated_at included)",
        fixtures::unchanged(&ctx.api, alice, &current).await,
    );

    let body = json!({ "title": "nobody's" });
    let missing = ctx
        .api
        .send(
            &Request::put(task_path(MISSING_ID))
                .bearer(&alice.token)
                .json(body.clone()),
        )
        .await;
    area.record(
        "a missing id → 404 problem",
        missing.and_then(|reply| expect::problem(&reply, 404)),
    );
    let not_an_id = ctx
        .api
        .send(
            &Request::put(format!("{TASKS}/abc"))
                .bearer(&alice.token)
                .json(body),
        )
        .await;
    area.record(
        "a non-integer id → 400 or 422 problem",
        not_an_id.and_then(|reply| expect::problem_in(&reply, &[400, 422])),
    );
    area
}

/// PUTs `body` and checks the answer is `before` with `changes` applied, `created_at` kept,
/// and `updated_at` later than the `original`'s (which is old enough to tell) and not earlier
/// than `before`'s (updates a few milliseconds apart may share a second). Returns the update.
async fn update(
    ctx: &Ctx,
    alice: &Account,
    original: &Value,
    before: &Value,
    body: Value,
    changes: &Value,
) -> Result<Value, String> {
    let id = expect::int_field(original, "id")?;
    let reply = ctx
        .api
        .send(&Request::put(task_path(id)).bearer(&alice.token).json(body))
        .await?;
    let updated = expect::task(&reply, 200, alice.id())?;
    let in_reply = expect::in_reply(&reply);
    let mut expected = before.clone();
    if let (Some(expected), Some(changes)) = (expected.as_object_mut(), changes.as_object()) {
        expected.remove("updated_at");
        expected.extend(changes.clone());
    }
    expect::task_fields(&updated, &expected).map_err(&in_reply)?;
    let created = expect::utc_time(original, "updated_at")?;
    let previous = expect::utc_time(before, "updated_at")?;
    let now = expect::utc_time(&updated, "updated_at").map_err(&in_reply)?;
    expect::that(now > created && now >= previous, || {
        in_reply(format!(
            "expected `updated_at` to move forward: later than {created} (at creation, over a second ago) and not before {previous} (previous update), found {now}"
        ))
    })?;
    Ok(updated)
}

fn invalid_updates() -> [(&'static str, Value, &'static str); 10] {
    [
        (
            "a whitespace-only title → 422 naming title",
            json!({ "title": "  " }),
            "title",
        ),
        (
            "a null title → 422 naming title",
            json!({ "title": null }),
            "title",
        ),
        (
            "a title of 201 characters → 422 naming title",
            json!({ "title": "t".repeat(201) }),
            "title",
        ),
        (
            "a description of 5001 characters → 422 naming description",
            json!({ "description": "d".repeat(5001) }),
            "description",
        ),
        (
            "an unknown status → 422 naming status",
            json!({ "status": "bogus" }),
            "status",
        ),
        (
            "an unknown priority → 422 naming priority",
            json!({ "priority": "urgent" }),
            "priority",
        ),
        (
            "a due_date that is not a date-time → 422 naming due_date",
            json!({ "due_date": "soon" }),
            "due_date",
        ),
        (
            "a NUL character in the title → 422 naming title",
            json!({ "title": "a\u{0}b" }),
            "title",
        ),
        (
            "a NUL character in the description → 422 naming description",
            json!({ "description": "a\u{0}b" }),
            "description",
        ),
        (
            "a due_date in year 0000 → 422 naming due_date",
            json!({ "due_date": "0000-01-01T00:00:00Z" }),
            "due_date",
        ),
    ]
}
