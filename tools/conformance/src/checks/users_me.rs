//! `GET /api/v1/users/me`: the caller's own user, exactly as registration returned it.

use super::expect::{self, Check};
use super::fixtures::ME;
use super::{Account, Ctx, NEEDS_USERS, skipped};
use crate::areas;
use crate::http::Request;
use crate::report::AreaReport;

pub(crate) async fn run(ctx: &Ctx) -> AreaReport {
    let (Some(alice), Some(bob)) = (&ctx.alice, &ctx.bob) else {
        return skipped(areas::USERS_ME, NEEDS_USERS);
    };
    let mut area = AreaReport::new(areas::USERS_ME);
    area.record(
        "alice's token → 200 with alice's user, as register returned it",
        me(ctx, alice).await,
    );
    area.record("bob's token → 200 with bob's user", me(ctx, bob).await);
    area
}

async fn me(ctx: &Ctx, account: &Account) -> Check {
    let reply = ctx
        .api
        .send(&Request::get(ME).bearer(&account.token))
        .await?;
    let user = expect::json(&reply, 200)?;
    let in_reply = expect::in_reply(&reply);
    expect::user_shape(&user).map_err(&in_reply)?;
    let registered = &account.user.json;
    for key in ["id", "email", "username", "full_name", "is_active"] {
        expect::that(user.get(key) == registered.get(key), || {
            in_reply(format!(
                "expected `{key}` {} as registered",
                registered.get(key).cloned().unwrap_or_default()
            ))
        })?;
    }
    let created = expect::utc_time(&user, "created_at").map_err(&in_reply)?;
    let registered_at = expect::utc_time(registered, "created_at")?;
    expect::that(created == registered_at, || {
        in_reply(format!(
            "expected `created_at` {registered_at} as registered"
        ))
    })
}
