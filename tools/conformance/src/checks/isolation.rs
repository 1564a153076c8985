//! Users only ever see and change their own tasks. Bob tries every verb on alice's task and
//! gets the very 404 a missing id gets (so he cannot even learn it exists); alice's task is
//! untouched afterwards; neither list nor stats mixes their tasks.

use serde_json::{Value, json};

use super::expect::{self, Check};
use super::fixtures::{self, MISSING_ID, STATS, task_path};
use super::{Account, Ctx, NEEDS_USERS, skipped};
use crate::areas;
use crate::http::{Reply, Request};
use crate::report::AreaReport;

pub(crate) async fn run(ctx: &Ctx) -> AreaReport {
    let (Some(alice), Some(bob)) = (&ctx.alice, &ctx.bob) else {
        return skipped(areas::ISOLATION, NEEDS_USERS);
    };
    let mut area = AreaReport::new(areas::ISOLATION);
    let body =
        json!({ "title": "Alice's secret", "description": "for alice only", "status": "todo" });
    let alices = fixtures::create_task(&ctx.api, alice, body).await;
    let bobs = fixtures::create_task(&ctx.api, bob, json!({ "title": "Bob's own" })).await;
    let both = alices.and_then(|alices| Ok((alices, bobs?)));
    let Some((alices, bobs)) = area.setup("create one task each for alice and bob", both) else {
        return area;
    };
    let alices_id = fixtures::id(&alices);

    area.record(
        "bob's GET, PUT, PATCH status, toggle and DELETE of alice's task → 404, the same answer as a missing id",
        every_verb_not_found(ctx, bob, alices_id).await,
    );
    area.record(
        "alice's task is unchanged afterwards",
        fixtures::unchanged(&ctx.api, alice, &alices).await,
    );
    area.record(
        "bob's list (unfiltered and filtered by status) holds his task, not alice's",
        lists_only_own(ctx, bob, fixtures::id(&bobs), alices_id).await,
    );
    area.record(
        "alice's list does not hold bob's task, and his id answers her 404",
        lists_only_own(ctx, alice, alices_id, fixtures::id(&bobs)).await,
    );
    area.record(
        "bob's stats count only his own task",
        only_own_counted(ctx, bob).await,
    );
    area
}

/// Every verb bob can try on a task id.
fn verbs(id: i64) -> [Request; 5] {
    let path = task_path(id);
    [
        Request::get(path.as_str()),
        Request::put(path.as_str()).json(json!({ "title": "hacked" })),
        Request::patch(format!("{path}/status")).json(json!({ "status": "done" })),
        Request::post(format!("{path}/toggle")),
        Request::delete(path.as_str()),
    ]
}

async fn every_verb_not_found(ctx: &Ctx, bob: &Account, alices_id: i64) -> Check {
    let mut results = Vec::new();
    for (foreign, missing) in verbs(alices_id).into_iter().zip(verbs(MISSING_ID)) {
        let foreign = ctx.api.send(&foreign.bearer(&bob.token)).await?;
        let missing = ctx.api.send(&missing.bearer(&bob.token)).await?;
        results.push(expect::problem(&foreign, 404).and_then(|()| same_answer(&foreign, &missing)));
    }
    expect::all(results)
}

/// Same status, problem type and title (the detail may name the id).
fn same_answer(foreign: &Reply, missing: &Reply) -> Check {
    let shape = |reply: &Reply| {
        let body = reply.json().unwrap_or_default();
        (
            reply.status,
            body.get("type").cloned(),
            body.get("title").cloned(),
        )
    };
    expect::that(shape(foreign) == shape(missing), || {
        format!(
            "another user's task must look exactly like a missing one, but\n  {}\n  {}",
            foreign.describe(),
            missing.describe()
        )
    })
}

async fn lists_only_own(ctx: &Ctx, account: &Account, own: i64, foreign: i64) -> Check {
    let mut results = Vec::new();
    for filter in ["", "status=todo"] {
        let listed = fixtures::ids(&fixtures::list_all(&ctx.api, account, filter).await?);
        results.push(expect::that(listed.contains(&own) && !listed.contains(&foreign), || {
            format!("listing with filter {filter:?}: expected task {own} and not task {foreign}, found ids {listed:?}")
        }));
    }
    let reply = ctx
        .api
        .send(&Request::get(task_path(foreign)).bearer(&account.token))
        .await?;
    results.push(expect::problem(&reply, 404));
    expect::all(results)
}

async fn only_own_counted(ctx: &Ctx, bob: &Account) -> Check {
    let reply = ctx
        .api
        .send(&Request::get(STATS).bearer(&bob.token))
        .await?;
    let stats = expect::json(&reply, 200)?;
    let total = stats.get("total_tasks").and_then(Value::as_i64);
    expect::that(total == Some(1), || {
        format!(
            "expected total_tasks 1 (bob's one task), but {}",
            reply.describe()
        )
    })
}
