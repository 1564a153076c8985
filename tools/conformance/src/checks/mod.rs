//! The checks, one module per contract area, and the order they run in.
//!
//! Three users are registered per run and reused by every area (password hashing is slow on
//! purpose, so registering more would slow the run down):
//! - alice owns the tasks most areas create, change and delete;
//! - bob has no tasks until the isolation area, where he tries to reach alice's;
//! - carol owns 125 seeded tasks (more than one page of 100) for pagination and statistics.

mod create_task;
mod delete;
mod docs;
mod errors;
mod expect;
mod fixtures;
mod get_task;
mod health;
mod isolation;
mod list_tasks;
mod login;
mod register;
mod server_timing;
mod stats;
mod status;
mod tasks_seed;
mod toggle;
mod tokens;
mod update_task;
mod users_me;

use std::sync::Arc;

use serde_json::Value;

use crate::Config;
use crate::http::Api;
use crate::report::{AreaReport, Report};

/// A registered user and what the suite knows about them.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: i64,
    /// As stored: lower-cased.
    pub email: String,
    pub username: String,
    pub password: String,
    /// The user object the register endpoint answered with.
    pub json: Value,
}

/// A user with a token from the login endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub user: User,
    pub token: String,
}

impl Account {
    pub fn id(&self) -> i64 {
        self.user.id
    }
}

/// What every area can use.
pub(crate) struct Ctx {
    /// Shared with the concurrent seeding tasks.
    pub api: Arc<Api>,
    pub jwt_secret: Option<String>,
    /// 12 hex characters unique to this run, for emails, usernames and titles.
    pub run_id: String,
    pub alice: Option<Account>,
    pub bob: Option<Account>,
    pub carol: Option<Account>,
}

/// Reason given when an area cannot run because an earlier step failed.
const NEEDS_USERS: &str =
    "needs the run's users registered and logged in (see the register and login areas)";

/// An area that could not run at all: one skipped entry explaining why.
fn skipped(area: &str, reason: &str) -> AreaReport {
    let mut report = AreaReport::new(area);
    report.skip("all checks", reason);
    report
}

/// Runs every area in order, appending each one's results to `report`.
pub(crate) async fn run_all(api: Api, config: &Config, report: &mut Report) {
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let mut ctx = Ctx {
        api: Arc::new(api),
        jwt_secret: config.jwt_secret.clone(),
        run_id,
        alice: None,
        bob: None,
        carol: None,
    };

    report.push(health::run(&ctx).await);
    report.push(docs::run(&ctx).await);
    let (area, registered) = register::run(&ctx).await;
    report.push(area);
    let (area, accounts) = login::run(&ctx, registered).await;
    report.push(area);
    [ctx.alice, ctx.bob, ctx.carol] = accounts;
    report.push(tokens::run(&ctx).await);
    report.push(users_me::run(&ctx).await);

    // Created now, updated much later: by then `updated_at` must have moved forward even on a
    // server that stores whole seconds.
    let aged_task = update_task::prepare(&ctx).await;
    report.push(create_task::run(&ctx).await);
    report.push(get_task::run(&ctx).await);

    let seeded = tasks_seed::seed(&ctx).await;
    report.push(list_tasks::run(&ctx, &seeded).await);
    report.push(stats::run(&ctx, &seeded).await);

    report.push(update_task::run(&ctx, aged_task).await);
    report.push(status::run(&ctx).await);
    report.push(toggle::run(&ctx).await);
    report.push(delete::run(&ctx).await);
    report.push(isolation::run(&ctx).await);
    // Last: it also judges every answer the whole run received.
    report.push(errors::run(&ctx).await);
    if let Some(rule) = &config.server_timing {
        report.push(server_timing::run(&ctx, rule).await);
    }
}
