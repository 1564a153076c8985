//! Bearer tokens: every protected endpoint refuses a request without a valid one, and the classic
//! forgeries (tampered payload, foreign key, `alg: none`, expired) are all plain 401s.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use serde_json::{Value, json};

use super::expect::{self, Check};
use super::fixtures::{ME, STATS, TASKS, task_path};
use super::{Account, Ctx, NEEDS_USERS, skipped};
use crate::areas;
use crate::http::Request;
use crate::jwt;
use crate::report::AreaReport;

const NEEDS_SECRET: &str = "needs --jwt-secret (the server's JWT_SECRET)";

pub(crate) async fn run(ctx: &Ctx) -> AreaReport {
    let Some(alice) = &ctx.alice else {
        return skipped(areas::TOKENS, NEEDS_USERS);
    };
    let mut area = AreaReport::new(areas::TOKENS);
    area.record(
        "every protected endpoint without Authorization → 401 problem",
        without_token(ctx).await,
    );
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", alice.user.username, alice.user.password))
    );
    area.record(
        "a non-Bearer scheme (Basic credentials, a bare token) → 401",
        expect::all([refused(ctx, &basic).await, refused(ctx, &alice.token).await]),
    );
    area.record(
        "a garbage bearer token → 401",
        expect::all([
            refused(ctx, "Bearer not-a-jwt").await,
            refused(ctx, "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln").await,
        ]),
    );

    let now = Utc::now().timestamp();
    let claims = |iat: i64, exp: i64| issued_claims(alice, iat, exp);
    // Someone else's id if we have one, else an id that is not alice's.
    let other_id = ctx.bob.as_ref().map_or(alice.id() + 1, Account::id);
    area.record(
        "a tampered payload (sub changed, signature kept) → 401",
        forged(ctx, jwt::with_subject(&alice.token, &other_id.to_string())).await,
    );
    let foreign_key = format!("not-the-server-secret-{}-padding-to-32-bytes", ctx.run_id);
    area.record(
        "a token signed with another key → 401",
        forged(
            ctx,
            claims(now, now + 600).and_then(|c| jwt::sign_hs256(foreign_key.as_bytes(), &c)),
        )
        .await,
    );
    area.record(
        "an alg: none token (unsigned) → 401",
        forged(ctx, claims(now, now + 600).map(|c| jwt::alg_none(&c))).await,
    );

    const EXPIRED: &str = "an expired token signed with the server's secret → 401";
    const MINTED: &str = "a token minted with the server's secret works for that user";
    match &ctx.jwt_secret {
        Some(secret) => {
            let sign =
                |iat, exp| claims(iat, exp).and_then(|c| jwt::sign_hs256(secret.as_bytes(), &c));
            area.record(EXPIRED, forged(ctx, sign(now - 7200, now - 3600)).await);
            area.record(MINTED, minted_works(ctx, alice, sign(now, now + 600)).await);
        }
        None => {
            area.skip(EXPIRED, NEEDS_SECRET);
            area.skip(MINTED, NEEDS_SECRET);
        }
    }
    area
}

/// The claims of alice's real token with new times, so any extra claims the server insists on
/// (issuer, audience, ...) are kept and only the attack under test differs.
fn issued_claims(alice: &Account, issued_at: i64, expires_at: i64) -> Result<Value, String> {
    let mut claims = jwt::claims_unverified(&alice.token)?;
    let Some(object) = claims.as_object_mut() else {
        return Err(format!(
            "the issued token's payload is not a JSON object: {claims}"
        ));
    };
    object.insert("iat".to_owned(), json!(issued_at));
    object.insert("exp".to_owned(), json!(expires_at));
    Ok(claims)
}

/// `GET /users/me` with this `Authorization` value must be a 401 problem.
async fn refused(ctx: &Ctx, authorization: &str) -> Check {
    let reply = ctx
        .api
        .send(&Request::get(ME).authorization(authorization))
        .await?;
    expect::problem(&reply, 401)
}

async fn forged(ctx: &Ctx, token: Result<String, String>) -> Check {
    refused(ctx, &format!("Bearer {}", token?)).await
}

async fn minted_works(ctx: &Ctx, alice: &Account, token: Result<String, String>) -> Check {
    let reply = ctx.api.send(&Request::get(ME).bearer(&token?)).await?;
    let user = expect::json(&reply, 200)?;
    let id = expect::int_field(&user, "id").map_err(expect::in_reply(&reply))?;
    expect::that(id == alice.id(), || {
        format!(
            "expected the user {} named in `sub`, but {}",
            alice.id(),
            reply.describe()
        )
    })
}

/// Authentication comes before everything else, so any id will do.
async fn without_token(ctx: &Ctx) -> Check {
    let task = task_path(1);
    let body = json!({ "title": "no token", "status": "done" });
    let requests = [
        Request::get(ME),
        Request::get(TASKS),
        Request::post(TASKS).json(body.clone()),
        Request::get(task.as_str()),
        Request::put(task.as_str()).json(body.clone()),
        Request::patch(format!("{task}/status")).json(json!({ "status": "done" })),
        Request::post(format!("{task}/toggle")),
        Request::delete(task.as_str()),
        Request::get(STATS),
    ];
    let mut results = Vec::new();
    for request in &requests {
        let reply = ctx.api.send(request).await;
        results.push(reply.and_then(|reply| expect::problem(&reply, 401)));
    }
    expect::all(results)
}
