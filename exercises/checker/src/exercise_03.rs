//! Exercise 03, "Strangle the first service": stats leaves the modular monolith and becomes
//! its own process, behind a gateway that routes `/api/v1/stats` to it.
//!
//! Black box: the learner's binary is started three times (`monolith`, `stats-service`,
//! `gateway`) on free ports with a temporary SQLite database, then driven over HTTP. One step
//! per thing the learner changes (the monolith's internal route, the HTTP seam of the stats
//! module, the gateway's routing table), then the end-to-end steps: the whole contract
//! through the gateway, and the stats service really owning its route.

use std::{path::Path, time::Duration};

use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::{
    kit::{self, Process, Report, Subject, TEST_JWT_SECRET},
    metadata,
};

const STEP_1: &str =
    "step 1: the monolith serves GET /internal/v1/task-counts (what the stats service needs)";
const STEP_2: &str = "step 2: the stats service computes the monolith's statistics from that route (a user with 101 tasks)";
const STEP_3: &str =
    "step 3: the gateway sends /api/v1/stats to the stats service, everything else to the monolith";
const ASKS_COUNTS: &str = "the stats service asks the monolith's /internal/v1/task-counts with the caller's token, and nothing else (a stand-in monolith records every call)";
const DEPENDENCIES: &str = metadata::STEP;
const CONTRACT: &str = "the whole API contract passes through the gateway";
const STRANGLED: &str = "strangled for real: with the stats service stopped, /api/v1/stats answers a 503 problem while /api/v1/tasks still works";

/// What the wiremock stand-in for the stats service answers, so we can tell who answered.
const STUB_MARKER: &str = "exercise-checker-stats-stub";

pub async fn check(subject: &Subject) -> Report {
    let mut report = Report::of(
        format!(
            "Exercise 03, strangle the first service ({})",
            subject.label
        ),
        subject,
    );
    let all = [ASKS_COUNTS, STEP_1, STEP_2, STEP_3, CONTRACT, STRANGLED];
    // The manifest first (no build needed), then the running binary.
    report
        .check(DEPENDENCIES, metadata::dependencies_step(subject))
        .await;
    let Some(binary) = kit::build_step(&mut report, subject, &all).await else {
        return report;
    };
    report
        .check(ASKS_COUNTS, asks_internal_counts(&binary))
        .await;
    if report.stop_here(&all[1..]) {
        return report;
    }
    let Ok(data) = tempfile::tempdir() else {
        report.step("a temporary folder", Err("cannot create one".into()));
        return report;
    };
    let processes = match start_all(&binary, data.path()).await {
        Ok(processes) => {
            report.step(
                "the monolith, the stats service and the gateway start",
                Ok(()),
            );
            processes
        }
        Err(error) => {
            report.step(
                "the monolith, the stats service and the gateway start",
                Err(error),
            );
            report.skip_all(&all[1..], "the processes do not start");
            return report;
        }
    };
    let System {
        monolith,
        mut stats,
        gateway,
    } = processes;
    let client = client();

    report
        .check(STEP_1, internal_route(&client, &monolith.base_url()))
        .await;
    report
        .check(
            STEP_2,
            same_stats(
                &client,
                &gateway.base_url(),
                &monolith.base_url(),
                &stats.base_url(),
            ),
        )
        .await;
    report
        .check(STEP_3, routing(&client, &binary, &monolith.base_url()))
        .await;
    report
        .check(CONTRACT, kit::conformance(&gateway.base_url(), &[]))
        .await;
    stats.stop().await;
    report
        .check(STRANGLED, strangled(&client, &gateway.base_url()))
        .await;
    report
}

struct System {
    monolith: Process,
    stats: Process,
    gateway: Process,
}

async fn start_all(binary: &Path, data: &Path) -> Result<System, String> {
    let monolith = start_monolith(binary, &["monolith"], data, "monolith").await?;
    let stats_port = kit::free_port();
    let stats = Process::start(
        "stats-service",
        binary,
        &["stats-service"],
        &[
            ("JWT_SECRET", TEST_JWT_SECRET.to_string()),
            ("TASK_SERVICE_URL", monolith.base_url()),
        ],
        stats_port,
    )
    .await?;
    let gateway = start_gateway(binary, &monolith.base_url(), &stats.base_url()).await?;
    Ok(System {
        monolith,
        stats,
        gateway,
    })
}

/// Starts `binary args` as a monolith over a fresh SQLite file `<data>/<name>.sqlite3`.
pub(crate) async fn start_monolith(
    binary: &Path,
    args: &[&str],
    data: &Path,
    name: &str,
) -> Result<Process, String> {
    let database = data.join(format!("{name}.sqlite3"));
    Process::start(
        name,
        binary,
        args,
        &[
            (
                "DATABASE_URL",
                format!("sqlite://{}?mode=rwc", database.display()),
            ),
            ("JWT_SECRET", TEST_JWT_SECRET.to_string()),
            ("RATE_LIMIT_PER_SECOND", "0".to_string()),
        ],
        kit::free_port(),
    )
    .await
}

async fn start_gateway(binary: &Path, monolith: &str, stats: &str) -> Result<Process, String> {
    Process::start(
        "gateway",
        binary,
        &["gateway"],
        &[
            ("MONOLITH_URL", monolith.to_string()),
            ("STATS_SERVICE_URL", stats.to_string()),
            ("RATE_LIMIT_PER_SECOND", "0".to_string()),
        ],
        kit::free_port(),
    )
    .await
}

/// The stats service alone, with a stand-in monolith (wiremock) that answers the internal
/// counts route and also, with other numbers, the public `/api/v1/stats`: the answer and the
/// stand-in's record of calls say which path the stats service used.
async fn asks_internal_counts(binary: &Path) -> Result<(), String> {
    let now = chrono::Utc::now().timestamp();
    let token = conformance::jwt::sign_hs256(
        TEST_JWT_SECRET.as_bytes(),
        &conformance::jwt::claims("7", now, now + 600),
    )?;
    let monolith = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/internal/v1/task-counts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"status": "todo", "priority": "high", "tasks": 3, "overdue": 1},
            {"status": "done", "priority": "low", "tasks": 2, "overdue": 0},
        ])))
        .mount(&monolith)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/stats"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "total_tasks": 999, "by_status": {"todo": 999, "in_progress": 0, "done": 0},
            "by_priority": {"low": 0, "medium": 999, "high": 0},
            "completion_rate": 0.0, "overdue_tasks": 0, "served_by": STUB_MARKER,
        })))
        .mount(&monolith)
        .await;
    let stats = Process::start(
        "stats-service",
        binary,
        &["stats-service"],
        &[
            ("JWT_SECRET", TEST_JWT_SECRET.to_string()),
            ("TASK_SERVICE_URL", monolith.uri()),
        ],
        kit::free_port(),
    )
    .await?;
    let answer = client()
        .get(format!("{}/api/v1/stats", stats.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .map_err(|error| format!("GET /api/v1/stats failed: {error}"))?;
    let status = answer.status().as_u16();
    let body: Value = answer.json().await.unwrap_or(Value::Null);
    let calls = monolith.received_requests().await.unwrap_or_default();
    let paths: Vec<String> = calls
        .iter()
        .map(|call| call.url.path().to_string())
        .collect();
    if paths.iter().any(|path| path == "/api/v1/stats") {
        return Err(format!(
            "the stats service forwards the monolith's own /api/v1/stats (the stand-in monolith saw \
             {paths:?}): the monolith still computes the statistics. The stats module computes them \
             in the stats service, from the counts of GET /internal/v1/task-counts"
        ));
    }
    let internal: Vec<_> = calls
        .iter()
        .filter(|call| call.url.path() == "/internal/v1/task-counts")
        .collect();
    if internal.is_empty() {
        return Err(format!(
            "the stats service never called GET /internal/v1/task-counts (the stand-in monolith saw \
             {paths:?}; it answered {status}: {}). Implement `TaskCounts::counts_for_owner` in \
             src/task_counts.rs over that route",
            short(&body.to_string())
        ));
    }
    let bearer = format!("Bearer {token}");
    if !internal.iter().all(|call| {
        call.headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            == Some(bearer.as_str())
    }) {
        return Err(
            "the stats service called /internal/v1/task-counts without the caller's token \
             (`Authorization: Bearer <the caller's token>`): the monolith must answer for the \
             caller, so forward the token the caller sent (`stats_service::caller_token()`)"
                .into(),
        );
    }
    let others: Vec<&String> = paths
        .iter()
        .filter(|path| *path != "/internal/v1/task-counts")
        .collect();
    if !others.is_empty() {
        return Err(format!(
            "besides /internal/v1/task-counts the stats service called {others:?} on the monolith: \
             the counts route is all it needs (computing stats from /api/v1/tasks pages is wrong \
             beyond one page)"
        ));
    }
    let expected = [("total_tasks", 5), ("overdue_tasks", 1)];
    for (field, want) in expected {
        if body[field].as_i64() != Some(want) {
            return Err(format!(
                "from the counts todo/high 3 (1 overdue) and done/low 2, the stats service answered \
                 {status} {}; expected `{field}` = {want}",
                short(&body.to_string())
            ));
        }
    }
    Ok(())
}

/// Step 1: the monolith's internal route answers the caller's counts, in phase 03's shape.
async fn internal_route(client: &reqwest::Client, monolith: &str) -> Result<(), String> {
    let user = User::register(client, monolith).await?;
    for task in [
        json!({"title": "overdue and open", "status": "todo", "priority": "high", "due_date": "2020-01-01T00:00:00Z"}),
        json!({"title": "open, no due date", "status": "todo", "priority": "high"}),
        json!({"title": "overdue but done", "status": "done", "priority": "low", "due_date": "2020-01-01T00:00:00Z"}),
        json!({"title": "in progress", "status": "in_progress", "priority": "medium"}),
    ] {
        user.create_task(client, monolith, &task).await?;
    }
    let url = format!("{monolith}/internal/v1/task-counts");
    let answer = client
        .get(&url)
        .bearer_auth(&user.token)
        .send()
        .await
        .map_err(|error| format!("GET {url} failed: {error}"))?;
    let status = answer.status().as_u16();
    let body = answer.text().await.unwrap_or_default();
    if status == 404 {
        return Err(
            "the monolith answers 404 for GET /internal/v1/task-counts: nobody serves that route yet.\n\
             Add it to the monolith (src/monolith.rs, `routes`), answered through the tasks module's facade \
             (`TasksApi::counts_for_owner`) and shaped like `crate::wire::TaskCountBody`."
                .into(),
        );
    }
    if status != 200 {
        return Err(format!(
            "GET /internal/v1/task-counts with a valid token answered {status}, expected 200: {}",
            short(&body)
        ));
    }
    let counts: Value = serde_json::from_str(&body)
        .map_err(|_| format!("the answer is not JSON: {}", short(&body)))?;
    let mut found = normalise_counts(&counts).ok_or_else(|| {
        format!(
            "expected a JSON array of {{\"status\", \"priority\", \"tasks\", \"overdue\"}}, got {}",
            short(&body)
        )
    })?;
    found.sort();
    let mut expected = vec![
        ("done".to_string(), "low".to_string(), 1, 0),
        ("in_progress".to_string(), "medium".to_string(), 1, 0),
        ("todo".to_string(), "high".to_string(), 2, 1),
    ];
    expected.sort();
    if found != expected {
        return Err(format!(
            "for a user with 2 todo/high tasks (1 overdue), 1 done/low and 1 in_progress/medium, \
             expected the groups {expected:?} as (status, priority, tasks, overdue), got {found:?}"
        ));
    }
    let anonymous = client
        .get(&url)
        .send()
        .await
        .map_err(|error| format!("GET {url} failed: {error}"))?;
    if anonymous.status().as_u16() != 401 {
        return Err(format!(
            "GET /internal/v1/task-counts WITHOUT a token answered {}, expected 401: the route must \
             know whose counts to give, from the caller's own token",
            anonymous.status()
        ));
    }
    Ok(())
}

/// `[{"status", "priority", "tasks", "overdue"}]` as tuples, or None when the shape is wrong.
fn normalise_counts(counts: &Value) -> Option<Vec<(String, String, i64, i64)>> {
    counts
        .as_array()?
        .iter()
        .map(|count| {
            Some((
                count.get("status")?.as_str()?.to_string(),
                count.get("priority")?.as_str()?.to_string(),
                count.get("tasks")?.as_i64()?,
                count.get("overdue")?.as_i64()?,
            ))
        })
        .collect()
}

/// Step 2: with 101 tasks created through the gateway, the stats service's own answer is
/// exactly the monolith's.
async fn same_stats(
    client: &reqwest::Client,
    gateway: &str,
    monolith: &str,
    stats: &str,
) -> Result<(), String> {
    let user = User::register(client, gateway).await?;
    let statuses = ["todo", "in_progress", "done"];
    let priorities = ["low", "medium", "high"];
    for index in 0..101_usize {
        let mut task = json!({
            "title": format!("task {index}"),
            "status": statuses[index % 3],
            "priority": priorities[(index / 3) % 3],
        });
        if index % 7 == 0 {
            task["due_date"] = json!("2020-01-01T00:00:00Z");
        } else if index % 5 == 0 {
            task["due_date"] = json!("2999-01-01T00:00:00Z");
        }
        user.create_task(client, gateway, &task).await?;
    }
    let (monolith_status, expected) = user.get(client, monolith, "/api/v1/stats").await?;
    if monolith_status != 200 {
        return Err(format!(
            "the monolith's own GET /api/v1/stats answered {monolith_status}: {expected}"
        ));
    }
    let (status, answer) = user.get(client, stats, "/api/v1/stats").await?;
    if status != 200 {
        let detail = answer
            .get("detail")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut message = format!(
            "the stats service's GET /api/v1/stats answered {status}, expected 200 with the statistics: {}",
            short(&answer.to_string())
        );
        if detail.contains("not built yet") {
            message.push_str(
                "\nImplement `TaskCounts::counts_for_owner` in src/task_counts.rs: GET the monolith's \
                 /internal/v1/task-counts with the caller's token (`stats_service::caller_token()`), \
                 and turn the answer into `TaskCount`s.",
            );
        } else {
            message.push_str(
                "\nThe stats service gets its numbers from the monolith's /internal/v1/task-counts (step 1); \
                 its log says why the call failed.",
            );
        }
        return Err(message);
    }
    if answer.get("total_tasks").and_then(Value::as_i64) != Some(101) {
        return Err(format!(
            "the stats service counted {} tasks for a user with 101: {}",
            answer.get("total_tasks").unwrap_or(&Value::Null),
            short(&answer.to_string())
        ));
    }
    if answer != expected {
        return Err(format!(
            "the stats service and the monolith disagree for the same user:\n  stats service: {answer}\n  monolith:      {expected}"
        ));
    }
    Ok(())
}

/// Step 3: a gateway whose STATS_SERVICE_URL is a wiremock stub sends `/api/v1/stats` there
/// and every other path to the monolith.
async fn routing(client: &reqwest::Client, binary: &Path, monolith: &str) -> Result<(), String> {
    let stub = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/stats"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"served_by": STUB_MARKER})))
        .mount(&stub)
        .await;
    Mock::given(path("/health"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "ok"})))
        .mount(&stub)
        .await;
    let gateway = start_gateway(binary, monolith, &stub.uri()).await?;
    let gateway_url = gateway.base_url();
    let user = User::register(client, &gateway_url).await?;

    let (status, body) = user.get(client, &gateway_url, "/api/v1/stats").await?;
    if body.get("served_by").and_then(Value::as_str) != Some(STUB_MARKER) {
        return Err(format!(
            "GET /api/v1/stats through the gateway did not reach STATS_SERVICE_URL (it answered {status}: {}).\n\
             The monolith still owns the path: give `/api/v1/stats` its own row in `route_table` \
             (src/gateway.rs), pointing at `settings.stats_service_url`.",
            short(&body.to_string())
        ));
    }
    for path in ["/api/v1/users/me", "/api/v1/tasks"] {
        let (status, body) = user.get(client, &gateway_url, path).await?;
        if status != 200 {
            return Err(format!(
                "GET {path} through the gateway answered {status}, expected 200 from the monolith: {}",
                short(&body.to_string())
            ));
        }
    }
    let misrouted: Vec<String> = stub
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|request| request.url.path().to_string())
        .filter(|path| path != "/api/v1/stats" && path != "/health")
        .collect();
    if !misrouted.is_empty() {
        return Err(format!(
            "the gateway sent {misrouted:?} to the stats service; only /api/v1/stats belongs there"
        ));
    }
    Ok(())
}

/// The last step: the stats service is stopped, and only the stats route notices.
async fn strangled(client: &reqwest::Client, gateway: &str) -> Result<(), String> {
    let user = User::register(client, gateway).await?;
    let url = format!("{gateway}/api/v1/stats");
    let answer = client
        .get(&url)
        .bearer_auth(&user.token)
        .send()
        .await
        .map_err(|error| format!("GET {url} failed: {error}"))?;
    let status = answer.status().as_u16();
    let content_type = answer
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = answer.text().await.unwrap_or_default();
    if status != 503 || !content_type.starts_with("application/problem+json") {
        return Err(format!(
            "with the stats service stopped, GET /api/v1/stats through the gateway answered {status} ({content_type}): {}\n\
             expected a 503 problem: is the monolith still answering the stats (src/gateway.rs, `route_table`)?",
            short(&body)
        ));
    }
    let (status, body) = user.get(client, gateway, "/api/v1/tasks").await?;
    if status != 200 {
        return Err(format!(
            "with the stats service stopped, GET /api/v1/tasks answered {status}, expected 200: {}",
            short(&body.to_string())
        ));
    }
    Ok(())
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap_or_default()
}

/// A registered user and their token.
pub(crate) struct User {
    pub token: String,
}

impl User {
    /// Registers a fresh user at `base` and logs in.
    pub(crate) async fn register(client: &reqwest::Client, base: &str) -> Result<Self, String> {
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let username = format!("checker_{}", &suffix[..12]);
        let password = "correct horse battery";
        let url = format!("{base}/api/v1/auth/register");
        let answer = client
            .post(&url)
            .json(&json!({
                "email": format!("{username}@example.com"),
                "username": username,
                "password": password,
            }))
            .send()
            .await
            .map_err(|error| format!("POST {url} failed: {error}"))?;
        if answer.status().as_u16() != 201 {
            return Err(format!(
                "POST /api/v1/auth/register answered {}, expected 201: {}",
                answer.status(),
                short(&answer.text().await.unwrap_or_default())
            ));
        }
        let url = format!("{base}/api/v1/auth/login");
        let answer = client
            .post(&url)
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .map_err(|error| format!("POST {url} failed: {error}"))?;
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        match body.get("access_token").and_then(Value::as_str) {
            Some(token) if status == 200 => Ok(Self {
                token: token.to_string(),
            }),
            _ => Err(format!(
                "POST /api/v1/auth/login answered {status}, expected 200 with a token: {}",
                short(&body.to_string())
            )),
        }
    }

    /// POST /api/v1/tasks; the created task.
    pub(crate) async fn create_task(
        &self,
        client: &reqwest::Client,
        base: &str,
        task: &Value,
    ) -> Result<Value, String> {
        let url = format!("{base}/api/v1/tasks");
        let answer = client
            .post(&url)
            .bearer_auth(&self.token)
            .json(task)
            .send()
            .await
            .map_err(|error| format!("POST {url} failed: {error}"))?;
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        if status != 201 {
            return Err(format!(
                "POST {url} answered {status}, expected 201: {}",
                short(&body.to_string())
            ));
        }
        Ok(body)
    }

    /// GET `base + path` with the token: the status and the JSON body (null if none).
    pub(crate) async fn get(
        &self,
        client: &reqwest::Client,
        base: &str,
        path: &str,
    ) -> Result<(u16, Value), String> {
        let url = format!("{base}{path}");
        let answer = client
            .get(&url)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|error| format!("GET {url} failed: {error}"))?;
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap_or_default();
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }
}

/// At most 300 characters of `text`, for messages.
pub(crate) fn short(text: &str) -> String {
    let mut short: String = text.chars().take(300).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}
