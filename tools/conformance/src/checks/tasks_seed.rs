//! Carol's 125 tasks: more than one page of 100, spread over every status, priority and kind of
//! due date, so pagination and statistics can be checked against numbers known in advance.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::expect::{self, PRIORITIES, STATUSES};
use super::{Ctx, NEEDS_USERS, fixtures};

pub(crate) const SEEDED_TASKS: usize = 125;
const _: () = assert!(SEEDED_TASKS > 100, "must span more than one page of 100");
/// Few enough requests in flight to stay polite to a shared, rate-limited server.
const CONCURRENCY: usize = 8;
const PAST: &str = "2020-03-04T05:06:07Z";
const FUTURE: &str = "2099-01-01T00:00:00Z";

/// One seeded task and what the suite planned for it.
#[derive(Debug, Clone)]
pub(crate) struct Seeded {
    pub id: i64,
    pub status: &'static str,
    pub priority: &'static str,
    /// Due in the past and not done.
    pub overdue: bool,
}

/// The seeded tasks, or why seeding failed.
pub(crate) type Seed = Result<Vec<Seeded>, String>;

/// Task `index`'s status, priority and due date: statuses cycle fastest, priorities change every
/// three tasks, and due dates cycle none / past / past / future / future.
fn plan(index: usize) -> (&'static str, &'static str, Option<&'static str>) {
    let status = STATUSES[index % 3];
    let priority = PRIORITIES[(index / 3) % 3];
    let due_date = match index % 5 {
        0 => None,
        1 | 2 => Some(PAST),
        _ => Some(FUTURE),
    };
    (status, priority, due_date)
}

pub(crate) async fn seed(ctx: &Ctx) -> Seed {
    let Some(carol) = &ctx.carol else {
        return Err(NEEDS_USERS.to_owned());
    };
    let carol = Arc::new(carol.clone());
    let mut running = JoinSet::new();
    let mut seeded = Vec::with_capacity(SEEDED_TASKS);
    let mut failures = Vec::new();
    for index in 0..SEEDED_TASKS {
        if running.len() >= CONCURRENCY {
            collect(running.join_next().await, &mut seeded, &mut failures);
        }
        let (api, carol) = (Arc::clone(&ctx.api), Arc::clone(&carol));
        running.spawn(async move {
            let (status, priority, due_date) = plan(index);
            let body = json!({
                "title": format!("carol task {index:03}"),
                "status": status, "priority": priority, "due_date": due_date,
            });
            let task = fixtures::create_task(&api, &carol, body).await?;
            seeded_task(&task, index)
        });
    }
    while let Some(joined) = running.join_next().await {
        collect(Some(joined), &mut seeded, &mut failures);
    }
    match failures.first() {
        None => Ok(seeded),
        Some(first) => Err(format!(
            "seeding carol's {SEEDED_TASKS} tasks failed {} times; first: {first}",
            failures.len()
        )),
    }
}

fn collect(
    joined: Option<Result<Result<Seeded, String>, tokio::task::JoinError>>,
    seeded: &mut Vec<Seeded>,
    failures: &mut Vec<String>,
) {
    match joined {
        Some(Ok(Ok(task))) => seeded.push(task),
        Some(Ok(Err(message))) => failures.push(message),
        Some(Err(error)) => failures.push(format!("a seeding task stopped: {error}")),
        None => {}
    }
}

/// The created task matches its plan.
fn seeded_task(task: &Value, index: usize) -> Result<Seeded, String> {
    let (status, priority, due_date) = plan(index);
    let expected = json!({ "status": status, "priority": priority, "due_date": due_date });
    expect::task_fields(task, &expected)?;
    Ok(Seeded {
        id: expect::int_field(task, "id")?,
        status,
        priority,
        overdue: due_date == Some(PAST) && status != "done",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_covers_every_combination() {
        let plans: Vec<_> = (0..SEEDED_TASKS).map(plan).collect();
        for status in STATUSES {
            for priority in PRIORITIES {
                assert!(plans.iter().any(|(s, p, _)| *s == status && *p == priority));
            }
        }
        let overdue_todo = plans
            .iter()
            .filter(|(s, _, d)| *s == "todo" && *d == Some(PAST));
        assert!(
            overdue_todo.count() > 0,
            "stats needs an overdue todo task to toggle"
        );
        let done_past = plans
            .iter()
            .filter(|(s, _, d)| *s == "done" && *d == Some(PAST));
        assert!(
            done_past.count() > 0,
            "a done task past its due date is not overdue"
        );
    }
}
