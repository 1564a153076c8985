//! `GET /api/v1/tasks`: pages that together hold every task exactly once, newest first;
//! `total`, `skip` and `limit` as the contract defines them; combinable filters; 422 for
//! out-of-range or unknown query values. Runs over carol's 125 seeded tasks.

use std::collections::HashSet;

use serde_json::Value;

use super::expect::{self, Check};
use super::fixtures::{self, Page, TASKS, ids};
use super::tasks_seed::{SEEDED_TASKS, Seed, Seeded};
use super::{Account, Ctx, NEEDS_USERS, skipped};
use crate::areas;
use crate::http::Request;
use crate::report::AreaReport;

const TOTAL: i64 = SEEDED_TASKS as i64;
/// An odd page size, so the last page is partial.
const PAGE: i64 = 7;

/// Which seeded tasks a filter keeps.
type Keep = fn(&Seeded) -> bool;

pub(crate) async fn run(ctx: &Ctx, seed: &Seed) -> AreaReport {
    let Some(carol) = &ctx.carol else {
        return skipped(areas::LIST_TASKS, NEEDS_USERS);
    };
    let mut area = AreaReport::new(areas::LIST_TASKS);
    let Some(seeded) = area.setup(
        "seed 125 tasks to list",
        seed.as_ref().map_err(Clone::clone),
    ) else {
        return area;
    };

    let walked = walk(ctx, carol, seeded).await;
    let Some(walked) = area.record_value(
        "pages of 7 (skip 0, 7, 14, ...) hold every task exactly once, each with total 125",
        walked,
    ) else {
        area.skip(
            "ordering, slices and filters",
            "needs the page walk to succeed",
        );
        return area;
    };
    area.record(
        "newest first: created_at descending, then id descending",
        newest_first(&walked),
    );
    let order = ids(&walked);
    let slices = [
        ("no query → the defaults skip 0, limit 20", "", 0, 20),
        ("limit=100 → the first 100 of 125", "limit=100", 0, 100),
        (
            "skip=100&limit=100 → the last 25",
            "skip=100&limit=100",
            100,
            100,
        ),
        (
            "skip=5&limit=10 → echoed, and the matching slice",
            "skip=5&limit=10",
            5,
            10,
        ),
        (
            "skip past the end → no items, total still 125",
            "skip=1000&limit=10",
            1000,
            10,
        ),
        ("limit=1 → one item", "limit=1", 0, 1),
    ];
    for (check, query, skip, limit) in slices {
        area.record(check, slice(ctx, carol, query, skip, limit, &order).await);
    }

    let filters: [(&str, &str, Keep); 4] = [
        (
            "status=done → only done tasks, total counts them",
            "status=done",
            |t| t.status == "done",
        ),
        ("status=in_progress", "status=in_progress", |t| {
            t.status == "in_progress"
        }),
        ("priority=high", "priority=high", |t| t.priority == "high"),
        (
            "status=todo&priority=low → both filters apply",
            "status=todo&priority=low",
            |t| t.status == "todo" && t.priority == "low",
        ),
    ];
    for (check, query, keep) in filters {
        let expected: Vec<i64> = order
            .iter()
            .copied()
            .filter(|id| seeded.iter().any(|task| task.id == *id && keep(task)))
            .collect();
        area.record(check, filtered(ctx, carol, query, &expected).await);
    }

    for (check, query, field) in invalid_queries() {
        let reply = ctx
            .api
            .send(&Request::get(format!("{TASKS}?{query}")).bearer(&carol.token))
            .await;
        area.record(
            check,
            reply.and_then(|reply| expect::validation(&reply, &[field])),
        );
    }
    area
}

/// Walks every page of `PAGE` items and checks each page's members and the union.
async fn walk(ctx: &Ctx, carol: &Account, seeded: &[Seeded]) -> Result<Vec<Value>, String> {
    let mut walked = Vec::new();
    let mut skip = 0;
    while skip < TOTAL {
        let page = fixtures::list(&ctx.api, carol, &format!("skip={skip}&limit={PAGE}")).await?;
        let expected_len = PAGE.min(TOTAL - skip);
        page_members(&page, skip, PAGE, expected_len)
            .map_err(|message| format!("{TASKS}?skip={skip}&limit={PAGE}: {message}"))?;
        walked.extend(page.items);
        skip += PAGE;
    }
    let walked_ids = ids(&walked);
    let unique: HashSet<i64> = walked_ids.iter().copied().collect();
    expect::that(unique.len() == walked_ids.len(), || {
        format!("some tasks appeared on more than one page: {walked_ids:?}")
    })?;
    let planted: HashSet<i64> = seeded.iter().map(|task| task.id).collect();
    expect::that(unique == planted, || {
        let mut missing: Vec<_> = planted.difference(&unique).collect();
        missing.sort();
        format!("the pages missed tasks {missing:?}")
    })?;
    Ok(walked)
}

/// `skip` and `limit` echoed, `total` 125, and the expected number of items.
fn page_members(page: &Page, skip: i64, limit: i64, items: i64) -> Check {
    let found = (page.skip, page.limit, page.total, page.items.len() as i64);
    expect::that(found == (skip, limit, TOTAL, items), || {
        format!(
            "expected skip {skip}, limit {limit}, total {TOTAL} and {items} items; found skip {}, limit {}, total {}, {} items",
            found.0, found.1, found.2, found.3
        )
    })
}

fn newest_first(tasks: &[Value]) -> Check {
    let mut keys = Vec::new();
    for task in tasks {
        keys.push((
            expect::utc_time(task, "created_at")?,
            expect::int_field(task, "id")?,
        ));
    }
    for (index, pair) in keys.windows(2).enumerate() {
        let [newer, older] = pair else { continue };
        expect::that(newer > older, || {
            format!(
                "item {} (id {}, created_at {}) should come after item {} (id {}, created_at {})",
                index,
                newer.1,
                newer.0,
                index + 1,
                older.1,
                older.0
            )
        })?;
    }
    Ok(())
}

/// One page: echoed `skip`/`limit`, `total` 125, and exactly the walked order's slice.
async fn slice(
    ctx: &Ctx,
    carol: &Account,
    query: &str,
    skip: i64,
    limit: i64,
    order: &[i64],
) -> Check {
    let page = fixtures::list(&ctx.api, carol, query).await?;
    let start = (skip as usize).min(order.len());
    let end = ((skip + limit) as usize).min(order.len());
    let expected = &order[start..end];
    page_members(&page, skip, limit, expected.len() as i64)
        .map_err(|message| format!("{TASKS}?{query}: {message}"))?;
    let found = ids(&page.items);
    expect::that(found == expected, || {
        format!("{TASKS}?{query}: expected ids {expected:?} (the walked order), found {found:?}")
    })
}

/// A filtered list of up to 100: `total` counts the matches and the items are exactly them,
/// still newest first.
async fn filtered(ctx: &Ctx, carol: &Account, filter: &str, expected: &[i64]) -> Check {
    let query = format!("{filter}&limit=100");
    let page = fixtures::list(&ctx.api, carol, &query).await?;
    let found = ids(&page.items);
    expect::that(
        page.total == expected.len() as i64 && found == expected,
        || {
            format!(
                "{TASKS}?{query}: expected total {} and ids {expected:?}, found total {} and ids {found:?}",
                expected.len(),
                page.total
            )
        },
    )
}

/// Query strings with one bad parameter, and that parameter's name.
fn invalid_queries() -> [(&'static str, &'static str, &'static str); 7] {
    [
        ("limit=0 → 422 naming limit", "limit=0", "limit"),
        ("limit=101 → 422 naming limit", "limit=101", "limit"),
        ("limit=-1 → 422 naming limit", "limit=-1", "limit"),
        ("limit=abc → 422 naming limit", "limit=abc", "limit"),
        ("skip=-1 → 422 naming skip", "skip=-1", "skip"),
        ("status=bogus → 422 naming status", "status=bogus", "status"),
        (
            "priority=bogus → 422 naming priority",
            "priority=bogus",
            "priority",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(id: i64, created_at: &str) -> Value {
        json!({ "id": id, "created_at": created_at })
    }

    #[test]
    fn ordering_uses_created_at_then_id() {
        let ordered = [
            task(3, "2026-01-01T10:00:01Z"),
            task(9, "2026-01-01T10:00:00Z"),
            task(8, "2026-01-01T10:00:00Z"),
        ];
        assert_eq!(newest_first(&ordered), Ok(()));
        let ties_wrong = [
            task(8, "2026-01-01T10:00:00Z"),
            task(9, "2026-01-01T10:00:00Z"),
        ];
        assert!(newest_first(&ties_wrong).is_err());
        let oldest_first = [
            task(1, "2026-01-01T09:00:00Z"),
            task(2, "2026-01-01T10:00:00Z"),
        ];
        assert!(newest_first(&oldest_first).is_err());
    }
}
