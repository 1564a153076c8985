//! Error answers: the right status for each kind of bad request (400 malformed JSON, 415 content
//! type, 413 too large, 404 route, 405 method), always as problem+json, never a 5xx, and never
//! a change. The last two checks judge every answer the whole run received.

use serde_json::json;

use super::expect::{self, Check};
use super::fixtures::{self, LOGIN, REGISTER, TASKS, task_path};
use super::{Account, Ctx, NEEDS_USERS, skipped};
use crate::areas;
use crate::http::Request;
use crate::report::AreaReport;

/// The contract's body limit is 64 KiB; this is comfortably over it.
const OVERSIZED_BYTES: usize = 70 * 1024;
/// How many offending answers a run-wide check quotes.
const QUOTED: usize = 10;

pub(crate) async fn run(ctx: &Ctx) -> AreaReport {
    let mut area = AreaReport::new(areas::ERRORS);
    match &ctx.alice {
        Some(alice) => requests(ctx, alice, &mut area).await,
        None => area = skipped(areas::ERRORS, NEEDS_USERS),
    }
    let violations = ctx.api.violations();
    area.record(
        "no request of this run got a 5xx answer",
        none_of(&violations.server_errors, "answers were server errors"),
    );
    area.record(
        "every 4xx/5xx answer of this run was problem+json with type, title, status, detail",
        none_of(
            &violations.not_problems,
            "error answers were not problem details",
        ),
    );
    area
}

async fn requests(ctx: &Ctx, alice: &Account, area: &mut AreaReport) {
    let target = fixtures::create_task(&ctx.api, alice, json!({ "title": "Error target" })).await;
    let Some(target) = area.setup("create a task to aim bad requests at", target) else {
        return;
    };
    let count_before = fixtures::task_count(&ctx.api, alice).await;
    let task = task_path(fixtures::id(&target));
    let status = format!("{task}/status");
    let id = &ctx.run_id;
    let a_task = json!({ "title": "should not exist" }).to_string();
    let form = "username=someone&password=secret";

    let cases: Vec<(&str, Request, u16)> = vec![
        (
            "unknown API route → 404",
            Request::get(format!("/api/v1/no-such-thing-{id}")).bearer(&alice.token),
            404,
        ),
        (
            "unknown route outside the API, no token → 404",
            Request::get(format!("/no-such-page-{id}")),
            404,
        ),
        (
            "DELETE on the task collection → 405",
            Request::delete(TASKS).bearer(&alice.token),
            405,
        ),
        ("GET on /api/v1/auth/login → 405", Request::get(LOGIN), 405),
        (
            "malformed JSON on POST /api/v1/tasks → 400",
            malformed(Request::post(TASKS), alice),
            400,
        ),
        (
            "malformed JSON on PUT /api/v1/tasks/{id} → 400",
            malformed(Request::put(task.as_str()), alice),
            400,
        ),
        (
            "malformed JSON on PATCH …/status → 400",
            malformed(Request::patch(status.as_str()), alice),
            400,
        ),
        (
            "malformed JSON on register → 400",
            Request::post(REGISTER).raw(Some("application/json"), "{\"email\": "),
            400,
        ),
        (
            "malformed JSON on login → 400",
            Request::post(LOGIN).raw(Some("application/json"), "{\"username\": "),
            400,
        ),
        (
            "text/plain on POST /api/v1/tasks → 415",
            Request::post(TASKS)
                .bearer(&alice.token)
                .raw(Some("text/plain"), a_task.as_str()),
            415,
        ),
        (
            "no Content-Type on POST /api/v1/tasks → 415",
            Request::post(TASKS)
                .bearer(&alice.token)
                .raw(None, a_task.as_str()),
            415,
        ),
        (
            "text/plain on PUT /api/v1/tasks/{id} → 415",
            Request::put(task.as_str())
                .bearer(&alice.token)
                .raw(Some("text/plain"), a_task.as_str()),
            415,
        ),
        (
            "text/plain on PATCH …/status → 415",
            Request::patch(status.as_str())
                .bearer(&alice.token)
                .raw(Some("text/plain"), "{\"status\":\"done\"}"),
            415,
        ),
        (
            "text/plain on register → 415",
            Request::post(REGISTER).raw(Some("text/plain"), "{}"),
            415,
        ),
        (
            "text/plain on login (it takes form or JSON) → 415",
            Request::post(LOGIN).raw(Some("text/plain"), form),
            415,
        ),
        (
            "a body over 64 KiB on POST /api/v1/tasks → 413",
            oversized(Request::post(TASKS), alice),
            413,
        ),
        (
            "a body over 64 KiB on PUT /api/v1/tasks/{id} → 413",
            oversized(Request::put(task.as_str()), alice),
            413,
        ),
    ];
    for (check, request, expected) in cases {
        let reply = ctx.api.send(&request).await;
        area.record(
            check,
            reply.and_then(|reply| expect::problem(&reply, expected)),
        );
    }

    area.record(
        "the rejected requests changed nothing (no task created, the target untouched)",
        expect::all([
            fixtures::count_unchanged(&ctx.api, alice, count_before).await,
            fixtures::unchanged(&ctx.api, alice, &target).await,
        ]),
    );
}

fn malformed(request: Request, alice: &Account) -> Request {
    request
        .bearer(&alice.token)
        .raw(Some("application/json"), "{\"title\": \"unterminated")
}

/// Valid JSON that would be a 422 (description too long) if the size limit were not enforced,
/// so a server without a limit still creates nothing.
fn oversized(request: Request, alice: &Account) -> Request {
    let body = json!({ "title": "too big", "description": "x".repeat(OVERSIZED_BYTES) });
    request
        .bearer(&alice.token)
        .raw(Some("application/json"), body.to_string())
}

/// Passes on an empty list; otherwise quotes the first few offenders.
fn none_of(offenders: &[String], what: &str) -> Check {
    expect::that(offenders.is_empty(), || {
        let mut message = format!("{} {what}:", offenders.len());
        for offender in offenders.iter().take(QUOTED) {
            message.push_str("\n  ");
            message.push_str(offender);
        }
        if offenders.len() > QUOTED {
            message.push_str(&format!("\n  … and {} more", offenders.len() - QUOTED));
        }
        message
    })
}
