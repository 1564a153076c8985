//! `GET /health`: the liveness answer load balancers and launchers poll, open to anyone.

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
    area
}

async fn healthy(ctx: &Ctx) -> Check {
    let reply = ctx.api.send(&Request::get("/health")).await?;
    let body = expect::json(&reply, 200)?;
    let status = expect::str_field(&body, "status").map_err(expect::in_reply(&reply))?;
    expect::that(status == "ok", || {
        format!("expected \"status\": \"ok\", but {}", reply.describe())
    })
}
