//! `GET /api/v1/tasks/{id}`: the task as stored; 404 for a missing id; a client error (never a
//! 500) for ids that are not positive integers.

use serde_json::json;

use super::expect::{self, Check};
use super::fixtures::{self, MISSING_ID, TASKS};
use super::{Account, Ctx, NEEDS_USERS, skipped};
use crate::areas;
use crate::http::Request;
use crate::report::AreaReport;

pub(crate) async fn run(ctx: &Ctx) -> AreaReport {
    let Some(alice) = &ctx.alice else {
        return skipped(areas::GET_TASK, NEEDS_USERS);
    };
    let mut area = AreaReport::new(areas::GET_TASK);
    area.record(
        "200 with the task exactly as created",
        read_back(ctx, alice).await,
    );
    area.record(
        "a missing id → 404 problem",
        answer(ctx, alice, &MISSING_ID.to_string(), &[404]).await,
    );
    area.record(
        "a non-integer id (abc) → 400 or 422 problem",
        answer(ctx, alice, "abc", &[400, 422]).await,
    );
    area.record(
        "ids 0, -1 and 99999999999999999999 (overflow) → 400, 404 or 422 problem",
        expect::all([
            answer(ctx, alice, "0", &[400, 404, 422]).await,
            answer(ctx, alice, "-1", &[400, 404, 422]).await,
            answer(ctx, alice, "99999999999999999999", &[400, 404, 422]).await,
        ]),
    );
    area
}

async fn read_back(ctx: &Ctx, alice: &Account) -> Check {
    let body = json!({
        "title": "Read me back", "description": "as stored", "status": "in_progress",
        "priority": "low", "due_date": "2031-02-03T04:05:06Z",
    });
    let created = fixtures::create_task(&ctx.api, alice, body).await?;
    let id = expect::int_field(&created, "id")?;
    let read = fixtures::get_task(&ctx.api, alice, id).await?;
    expect::task_fields(&read, &created)
        .map_err(|message| format!("GET {TASKS}/{id} differs from the create answer: {message}"))
}

/// `GET /api/v1/tasks/{raw_id}` answers a problem with one of the allowed statuses.
async fn answer(ctx: &Ctx, alice: &Account, raw_id: &str, allowed: &[u16]) -> Check {
    let reply = ctx
        .api
        .send(&Request::get(format!("{TASKS}/{raw_id}")).bearer(&alice.token))
        .await?;
    expect::problem_in(&reply, allowed)
}
