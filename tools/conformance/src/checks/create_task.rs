//! `POST /api/v1/tasks`: defaults, `Location`, length limits, enum values, ignored unknown fields,
//! text stored verbatim, and 422s that create nothing.

use serde_json::{Value, json};

use super::expect::{self, Check};
use super::fixtures::{self, TASKS};
use super::{Account, Ctx, NEEDS_USERS, skipped};
use crate::areas;
use crate::http::{Reply, Request};
use crate::report::AreaReport;

pub(crate) async fn run(ctx: &Ctx) -> AreaReport {
    let Some(alice) = &ctx.alice else {
        return skipped(areas::CREATE_TASK, NEEDS_USERS);
    };
    let mut area = AreaReport::new(areas::CREATE_TASK);

    let minimal = post(ctx, alice, json!({ "title": "  Buy milk  " })).await;
    area.record(
        "a title alone → 201 with the defaults: todo, medium, description and due_date null, not completed",
        minimal.as_ref().map_err(Clone::clone).and_then(|reply| defaults(reply, alice)),
    );
    area.record(
        "201 carries Location: /api/v1/tasks/{id}",
        minimal
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|reply| location(ctx, reply)),
    );
    for (check, body) in accepted_bodies() {
        area.record(check, stored_as_sent(ctx, alice, body).await);
    }
    area.record(
        "unknown and server-owned fields (id, owner_id, completed, created_at, foo) are ignored",
        unknown_fields_ignored(ctx, alice).await,
    );
    area.record(
        "text is stored verbatim: quotes, SQL, emoji, HTML, control characters",
        verbatim(ctx, alice).await,
    );

    let count_before = fixtures::task_count(&ctx.api, alice).await;
    for (check, body, fields) in invalid_bodies() {
        let reply = post(ctx, alice, body).await;
        area.record(
            check,
            reply.and_then(|reply| expect::validation(&reply, fields)),
        );
    }
    let reply = post(ctx, alice, json!([])).await;
    area.record(
        "a JSON array instead of an object → 422",
        reply.and_then(|reply| expect::problem(&reply, 422)),
    );

    area.record(
        "rejected creates created nothing (alice's total is unchanged)",
        fixtures::count_unchanged(&ctx.api, alice, count_before).await,
    );
    area
}

async fn post(ctx: &Ctx, account: &Account, body: Value) -> Result<Reply, String> {
    ctx.api
        .send(&Request::post(TASKS).bearer(&account.token).json(body))
        .await
}

fn defaults(reply: &Reply, alice: &Account) -> Check {
    let task = expect::task(reply, 201, alice.id())?;
    let expected = json!({
        "title": "Buy milk", "description": null, "status": "todo", "priority": "medium",
        "due_date": null, "completed": false,
    });
    expect::task_fields(&task, &expected).map_err(expect::in_reply(reply))
}

fn location(ctx: &Ctx, reply: &Reply) -> Check {
    let task = expect::json(reply, 201)?;
    let id = expect::int_field(&task, "id").map_err(expect::in_reply(reply))?;
    let path = fixtures::task_path(id);
    let location = reply.header("location").unwrap_or_default();
    // A relative reference is what the contract shows; an absolute URL to it is as good.
    let absolute = format!("{}{path}", ctx.api.base_url());
    expect::that(location == path || location == absolute, || {
        format!(
            "expected Location: {path}, found {location:?}: {}",
            reply.describe()
        )
    })
}

/// Valid bodies whose every field must come back as sent (boundary lengths included).
fn accepted_bodies() -> Vec<(&'static str, Value)> {
    vec![
        (
            "every field given → stored and echoed",
            json!({
                "title": "Write report", "description": "Quarterly numbers",
                "status": "in_progress", "priority": "high", "due_date": "2030-01-02T03:04:05Z",
            }),
        ),
        (
            "status done at creation → completed true",
            json!({ "title": "Already done", "status": "done", "priority": "low", "completed": true }),
        ),
        (
            "a due_date with an offset → the same instant, returned in UTC",
            json!({ "title": "Offset due date", "due_date": "2030-06-01T12:00:00+02:00" }),
        ),
        (
            "a title of exactly 200 characters is accepted",
            json!({ "title": "t".repeat(200) }),
        ),
        (
            "a title of 200 two-byte characters (é) is accepted: lengths count characters, not bytes",
            json!({ "title": "é".repeat(200) }),
        ),
        (
            "a description of exactly 5000 characters is accepted",
            json!({ "title": "Long description", "description": "d".repeat(5000) }),
        ),
    ]
}

/// Creates a task and compares every contract field it was given (`completed` is derived, not
/// an input, so it is left out of the comparison).
async fn stored_as_sent(ctx: &Ctx, alice: &Account, body: Value) -> Check {
    let reply = post(ctx, alice, body.clone()).await?;
    let task = expect::task(&reply, 201, alice.id())?;
    let mut expected = body;
    if let Some(fields) = expected.as_object_mut() {
        fields.remove("completed");
    }
    expect::task_fields(&task, &expected).map_err(expect::in_reply(&reply))
}

async fn unknown_fields_ignored(ctx: &Ctx, alice: &Account) -> Check {
    let body = json!({
        "title": "Mass assignment", "id": 999_999, "owner_id": alice.id() + 1000,
        "completed": true, "created_at": "2001-01-01T00:00:00Z", "foo": "bar",
    });
    let reply = post(ctx, alice, body).await?;
    // `task` already checks owner_id is alice's and completed follows the (default) status.
    let task = expect::task(&reply, 201, alice.id())?;
    let in_reply = expect::in_reply(&reply);
    expect::that(task.get("id") != Some(&json!(999_999)), || {
        in_reply("the client chose the id".to_owned())
    })?;
    expect::that(task.get("completed") == Some(&json!(false)), || {
        in_reply("expected `completed` false: it follows status, it is not an input".to_owned())
    })?;
    let created = expect::utc_time(&task, "created_at").map_err(&in_reply)?;
    expect::that(created.timestamp() > 1_000_000_000, || {
        in_reply("the client chose created_at".to_owned())
    })
}

/// Text a careless server would mangle, escape or choke on.
fn verbatim_samples() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            r#"She said "hi" & 'bye' \ 100% {}"#,
            r#"{"json": "inside"} \n literally"#,
        ),
        (
            "'; DROP TABLE tasks; --",
            "1 OR 1=1; SELECT * FROM users WHERE 'a'='a",
        ),
        (
            "🚀 émoji ✓ 中文 Ünïcödé",
            "tabs\tand\nnew lines\r\nand a joiner 👩‍💻",
        ),
        (
            "<script>alert(\"x\")</script>",
            "<b>bold</b> &amp; <img src=x onerror=alert(1)>",
        ),
    ]
}

async fn verbatim(ctx: &Ctx, alice: &Account) -> Check {
    for (title, description) in verbatim_samples() {
        let expected = json!({ "title": title, "description": description });
        let reply = post(ctx, alice, expected.clone()).await?;
        let created = expect::task(&reply, 201, alice.id())?;
        expect::task_fields(&created, &expected).map_err(expect::in_reply(&reply))?;
        let id = expect::int_field(&created, "id")?;
        let read_back = fixtures::get_task(&ctx.api, alice, id).await?;
        expect::task_fields(&read_back, &expected)
            .map_err(|message| format!("read back with GET: {message}"))?;
    }
    Ok(())
}

/// Bodies that break exactly the named fields.
fn invalid_bodies() -> Vec<(&'static str, Value, &'static [&'static str])> {
    vec![
        (
            "a title of 201 characters → 422 naming title",
            json!({ "title": "t".repeat(201) }),
            &["title"],
        ),
        (
            "a whitespace-only title → 422 naming title",
            json!({ "title": " \t  " }),
            &["title"],
        ),
        (
            "an empty title → 422 naming title",
            json!({ "title": "" }),
            &["title"],
        ),
        (
            "a missing title → 422 naming title",
            json!({ "description": "no title" }),
            &["title"],
        ),
        (
            "a null title → 422 naming title",
            json!({ "title": null }),
            &["title"],
        ),
        (
            "a number as title → 422 naming title",
            json!({ "title": 42 }),
            &["title"],
        ),
        (
            "a description of 5001 characters → 422 naming description",
            json!({ "title": "t", "description": "d".repeat(5001) }),
            &["description"],
        ),
        (
            "an unknown status → 422 naming status",
            json!({ "title": "t", "status": "finished" }),
            &["status"],
        ),
        (
            "an unknown priority → 422 naming priority",
            json!({ "title": "t", "priority": "urgent" }),
            &["priority"],
        ),
        (
            "a due_date that is not a date-time → 422 naming due_date",
            json!({ "title": "t", "due_date": "tomorrow" }),
            &["due_date"],
        ),
        (
            "a bare date as due_date (RFC 3339 needs a time) → 422 naming due_date",
            json!({ "title": "t", "due_date": "2030-01-01" }),
            &["due_date"],
        ),
        (
            "a NUL character in the title → 422 naming title (on every database alike)",
            json!({ "title": "a\u{0}b" }),
            &["title"],
        ),
        (
            "a NUL character in the description → 422 naming description",
            json!({ "title": "t", "description": "a\u{0}b" }),
            &["description"],
        ),
        (
            "a due_date in year 0000 → 422 naming due_date (years 0001 to 9999 in UTC)",
            json!({ "title": "t", "due_date": "0000-01-01T00:00:00Z" }),
            &["due_date"],
        ),
        (
            "a due_date in year 10000 once in UTC (9999-12-31T23:59:59-01:00) → 422 naming due_date",
            json!({ "title": "t", "due_date": "9999-12-31T23:59:59-01:00" }),
            &["due_date"],
        ),
        (
            "a due_date with a five-digit year (+99999-01-01T00:00:00Z) → 422 naming due_date",
            json!({ "title": "t", "due_date": "+99999-01-01T00:00:00Z" }),
            &["due_date"],
        ),
        (
            "several invalid fields → 422 naming each",
            json!({ "title": "", "status": "x", "priority": "y", "due_date": "z" }),
            &["title", "status", "priority", "due_date"],
        ),
    ]
}
