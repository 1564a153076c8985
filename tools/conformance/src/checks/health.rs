//! `GET /health`: the answer load balancers and launchers poll, open to anyone; and
//! `GET /health/live` (an addition to the contract, `docs/api.md`): 200 whenever the
//! process serves, which is what a liveness probe asks.

use super::Ctx;
use super::expect::{self, Check};
use crate::areas;
use crate::http::Request;
use crate::report::AreaReport;

pub(crate) async fn run(ctx: &Ctx) -> AreaReport {
    let mut area = AreaReport::new(areas::HEALTH);
    area.record(
        "GET /health without a token answers 200 JSON with \"status\": \"ok\"",
        healthy(ctx).await,
    );
    area.record(
        "GET /health/live without a token answers 200",
        live(ctx).await,
    );
    area
}

async fn live(ctx: &Ctx) -> Check {
    let reply = ctx.api.send(&Request::get("/health/live")).await?;
    expect::status(&reply, 200)
}

async fn healthy(ctx: &Ctx) -> Check {
    let reply = ctx.api.send(&Request::get("/health")).await?;
    let body = expect::json(&reply, 200)?;
    let status = expect::str_field(&body, "status").map_err(expect::in_reply(&reply))?;
    expect::that(status == "ok", || {
        format!("expected \"status\": \"ok\", but {}", reply.describe())
    })
}
