//! `GET /api/v1/stats`: counts over ALL of the caller's tasks, not just the first page of them
//! (carol has 125), checked against numbers the suite planned when seeding.

use serde_json::Value;

use super::expect::{self, Check};
use super::fixtures::{STATS, task_path};
use super::tasks_seed::{Seed, Seeded};
use super::{Account, Ctx, NEEDS_USERS, skipped};
use crate::areas;
use crate::http::Request;
use crate::report::AreaReport;

/// Rounding `completion_rate` to two decimals is tolerated.
const RATE_TOLERANCE: f64 = 0.005;

/// What a stats answer must say.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Expected {
    todo: i64,
    in_progress: i64,
    done: i64,
    low: i64,
    medium: i64,
    high: i64,
    overdue: i64,
}

impl Expected {
    fn from_seeded(tasks: &[Seeded]) -> Self {
        let count =
            |keep: &dyn Fn(&Seeded) -> bool| tasks.iter().filter(|task| keep(task)).count() as i64;
        Self {
            todo: count(&|task| task.status == "todo"),
            in_progress: count(&|task| task.status == "in_progress"),
            done: count(&|task| task.status == "done"),
            low: count(&|task| task.priority == "low"),
            medium: count(&|task| task.priority == "medium"),
            high: count(&|task| task.priority == "high"),
            overdue: count(&|task| task.overdue),
        }
    }

    fn total(&self) -> i64 {
        self.todo + self.in_progress + self.done
    }

    fn completion_rate(&self) -> f64 {
        if self.total() == 0 {
            0.0
        } else {
            self.done as f64 / self.total() as f64
        }
    }
}

pub(crate) async fn run(ctx: &Ctx, seed: &Seed) -> AreaReport {
    let (Some(bob), Some(carol)) = (&ctx.bob, &ctx.carol) else {
        return skipped(areas::STATS, NEEDS_USERS);
    };
    let mut area = AreaReport::new(areas::STATS);
    // Bob has no tasks until the isolation area runs.
    area.record(
        "a user without tasks → every count 0 and completion_rate 0",
        stats_are(ctx, bob, Expected::default()).await,
    );
    let Some(seeded) = area.setup(
        "seed 125 tasks to count",
        seed.as_ref().map_err(Clone::clone),
    ) else {
        return area;
    };
    let expected = Expected::from_seeded(seeded);
    area.record(
        "over 125 tasks (more than a page): total, by_status, by_priority, completion_rate, overdue_tasks",
        stats_are(ctx, carol, expected).await,
    );
    area.record(
        "after toggling an overdue todo task to done: todo -1, done +1, overdue -1",
        after_toggle(ctx, carol, seeded, expected).await,
    );
    area
}

/// `GET /api/v1/stats` as `account` says exactly `expected`.
async fn stats_are(ctx: &Ctx, account: &Account, expected: Expected) -> Check {
    let reply = ctx
        .api
        .send(&Request::get(STATS).bearer(&account.token))
        .await?;
    let stats = expect::json(&reply, 200)?;
    compare(&stats, &expected).map_err(expect::in_reply(&reply))
}

/// Every mismatch at once, so one run shows the whole picture.
fn compare(stats: &Value, expected: &Expected) -> Check {
    let group = |name: &str| stats.get(name).cloned().unwrap_or_default();
    let (by_status, by_priority) = (group("by_status"), group("by_priority"));
    let counts = [
        ("total_tasks", stats, "total_tasks", expected.total()),
        ("by_status.todo", &by_status, "todo", expected.todo),
        (
            "by_status.in_progress",
            &by_status,
            "in_progress",
            expected.in_progress,
        ),
        ("by_status.done", &by_status, "done", expected.done),
        ("by_priority.low", &by_priority, "low", expected.low),
        (
            "by_priority.medium",
            &by_priority,
            "medium",
            expected.medium,
        ),
        ("by_priority.high", &by_priority, "high", expected.high),
        ("overdue_tasks", stats, "overdue_tasks", expected.overdue),
    ];
    let mut results: Vec<Check> = counts
        .iter()
        .map(|(label, object, key, want)| {
            let found =
                expect::int_field(object, key).map_err(|message| format!("{label}: {message}"))?;
            expect::that(found == *want, || {
                format!("expected {label} {want}, found {found}")
            })
        })
        .collect();
    let want = expected.completion_rate();
    results.push(
        expect::number_field(stats, "completion_rate").and_then(|rate| {
            expect::that((rate - want).abs() <= RATE_TOLERANCE, || {
                format!("expected completion_rate {want:.4} (done / total, in 0..1), found {rate}")
            })
        }),
    );
    expect::all(results)
}

async fn after_toggle(ctx: &Ctx, carol: &Account, seeded: &[Seeded], before: Expected) -> Check {
    let Some(task) = seeded
        .iter()
        .find(|task| task.status == "todo" && task.overdue)
    else {
        return Err("the seed plan has no overdue todo task".to_owned());
    };
    let path = format!("{}/toggle", task_path(task.id));
    let reply = ctx
        .api
        .send(&Request::post(path).bearer(&carol.token))
        .await?;
    expect::task(&reply, 200, carol.id())?;
    let after = Expected {
        todo: before.todo - 1,
        done: before.done + 1,
        overdue: before.overdue - 1,
        ..before
    };
    stats_are(ctx, carol, after).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compare_reports_every_mismatch() {
        let expected = Expected {
            todo: 2,
            done: 2,
            low: 4,
            overdue: 1,
            ..Expected::default()
        };
        let right = json!({
            "total_tasks": 4, "by_status": { "todo": 2, "in_progress": 0, "done": 2 },
            "by_priority": { "low": 4, "medium": 0, "high": 0 },
            "completion_rate": 0.5, "overdue_tasks": 1,
        });
        assert_eq!(compare(&right, &expected), Ok(()));
        let mut wrong = right.clone();
        wrong["total_tasks"] = json!(3);
        wrong["completion_rate"] = json!(50);
        let message = compare(&wrong, &expected).expect_err("two mismatches");
        assert!(message.contains("total_tasks 4, found 3"), "{message}");
        assert!(message.contains("completion_rate"), "{message}");
        assert_eq!(Expected::default().completion_rate(), 0.0);
    }
}
