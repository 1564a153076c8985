//! Exercise 05, "Survive failure": the network adapter behind the stats module's
//! `TaskCounts` seam (the learner's `client.rs` and `seams.rs`) gets a timeout, retries with
//! backoff, a circuit breaker and a stale fallback.
//!
//! Black box: each step starts the learner's stats service as a real process, with
//! `TASK_SERVICE_URL` pointing at a wiremock server that plays task-service (healthy, hung,
//! flaky or down), and asks `GET /api/v1/stats` with a token signed with the test secret.
//! Every step gets a fresh process and a fresh stub, so a circuit opened by one step cannot
//! help or hurt the next. The timings are the environment variables the README documents.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use serde_json::Value;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path},
};

use crate::kit::{self, Process, Report, TEST_JWT_SECRET, Variant};

const NUMBER: u32 = 5;
const TASK_COUNTS_PATH: &str = "/internal/v1/task-counts";

/// The settings every step starts the service with (the README lists them).
const TIMEOUT_MS: u64 = 500;
const RETRIES: usize = 2;
const BREAKER_FAILURES: u32 = 3;
/// Long enough that the circuit cannot close again while the step is watching it.
const BREAKER_OPEN_MS: u64 = 30_000;

/// How long the hung task-service of the timeout step takes to answer.
const HUNG_FOR: Duration = Duration::from_secs(10);
/// How long the checker waits for the service's answer when task-service hangs.
const PATIENCE: Duration = Duration::from_secs(5);

const HAPPY: &str = "healthy task-service: the statistics are computed from its counts";
const TIMEOUT: &str =
    "step 1, timeout: a hung task-service gets the caller a problem within a few seconds";
const RETRY: &str = "step 2, retry: one failed call (503) is retried and the caller gets 200";
const BREAKER: &str =
    "step 3, circuit breaker: after repeated failures, task-service is left alone for a while";
const STALE: &str =
    "step 4, stale fallback: the last known statistics, marked stale, while task-service fails";
const NOTHING_KNOWN: &str = "task-service down and nothing known yet: a 503 problem";

pub async fn check(variant: Variant) -> Report {
    let mut report = Report::new(format!("Exercise 05, Survive failure ({})", variant.name()));
    let steps = [HAPPY, TIMEOUT, RETRY, BREAKER, STALE, NOTHING_KNOWN];
    let package = kit::package(NUMBER, variant);
    let Some(binary) = kit::build_step(&mut report, &package, &steps).await else {
        return report;
    };
    let counts = match fixture_counts() {
        Ok(counts) => counts,
        Err(error) => {
            report.skip_all(&steps, &error);
            return report;
        }
    };

    report.step(HAPPY, happy_path(&binary, &counts).await);
    report.step(TIMEOUT, timeout(&binary).await);
    report.step(RETRY, retry(&binary, &counts).await);
    report.step(BREAKER, circuit_breaker(&binary).await);
    report.step(STALE, stale_fallback(&binary, &counts).await);
    report.step(NOTHING_KNOWN, nothing_known(&binary).await);
    report
}

/// The body task-service answers for a user with tasks, from the contract fixtures that
/// phase 03's own consumer and provider tests use.
fn fixture_counts() -> Result<Value, String> {
    let file = kit::workspace_root().join("03-microservices/contracts/task-service.json");
    let text = std::fs::read_to_string(&file)
        .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
    let contract: Value = serde_json::from_str(&text)
        .map_err(|error| format!("{} is not JSON: {error}", file.display()))?;
    contract["interactions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|interaction| {
            interaction["request"]["path"] == TASK_COUNTS_PATH
                && interaction["response"]["status"] == 200
                && interaction["response"]["body"]
                    .as_array()
                    .is_some_and(|body| !body.is_empty())
        })
        .map(|interaction| interaction["response"]["body"].clone())
        .ok_or_else(|| format!("{} has no task-counts example with counts", file.display()))
}

/// A token for `user_id`, signed with the secret the service is started with.
fn token(user_id: i64) -> Result<String, String> {
    let now = chrono::Utc::now().timestamp();
    conformance::jwt::sign_hs256(
        TEST_JWT_SECRET.as_bytes(),
        &conformance::jwt::claims(&user_id.to_string(), now, now + 600),
    )
}

async fn start(binary: &Path, task_service_url: String) -> Result<Process, String> {
    let env = [
        ("JWT_SECRET", TEST_JWT_SECRET.to_string()),
        ("TASK_SERVICE_URL", task_service_url),
        ("TASK_SERVICE_TIMEOUT_MS", TIMEOUT_MS.to_string()),
        ("TASK_SERVICE_RETRIES", RETRIES.to_string()),
        ("CIRCUIT_BREAKER_FAILURES", BREAKER_FAILURES.to_string()),
        ("CIRCUIT_BREAKER_OPEN_MS", BREAKER_OPEN_MS.to_string()),
    ];
    Process::start("stats-service", binary, &[], &env, kit::free_port()).await
}

/// What `GET /api/v1/stats` answered.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
    took: Duration,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    fn is_stale(&self) -> bool {
        self.header("x-stats-stale") == Some("true") || self.body["stale"] == true
    }

    fn describe(&self) -> String {
        format!("{} {}", self.status, self.body)
    }
}

async fn get_stats(service: &Process, token: &str, patience: Duration) -> Result<Answer, String> {
    let started = Instant::now();
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/stats", service.base_url()))
        .bearer_auth(token)
        .timeout(patience)
        .send()
        .await
        .map_err(|error| {
            if error.is_timeout() {
                format!(
                    "GET /api/v1/stats gave no answer within {} s",
                    patience.as_secs()
                )
            } else {
                format!("GET /api/v1/stats failed: {error}")
            }
        })?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response
        .text()
        .await
        .map_err(|error| format!("reading the answer of GET /api/v1/stats failed: {error}"))?;
    Ok(Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        took: started.elapsed(),
    })
}

/// `answer` is statistics matching the fixture's counts.
fn matches_counts(answer: &Answer, counts: &Value) -> Result<(), String> {
    let rows = counts.as_array().cloned().unwrap_or_default();
    let sum = |filter: &dyn Fn(&Value) -> bool, field: &str| -> i64 {
        rows.iter()
            .filter(|row| filter(row))
            .filter_map(|row| row[field].as_i64())
            .sum()
    };
    let expected = [
        ("total_tasks", sum(&|_| true, "tasks")),
        ("overdue_tasks", sum(&|_| true, "overdue")),
        (
            "by_status.todo",
            sum(&|row| row["status"] == "todo", "tasks"),
        ),
        (
            "by_status.done",
            sum(&|row| row["status"] == "done", "tasks"),
        ),
        (
            "by_priority.high",
            sum(&|row| row["priority"] == "high", "tasks"),
        ),
    ];
    for (field, want) in expected {
        let got = field
            .split('.')
            .fold(&answer.body, |value, key| &value[key])
            .as_i64();
        if got != Some(want) {
            return Err(format!(
                "`{field}` should be {want} (from task-service's counts), the body was {}",
                answer.body
            ));
        }
    }
    Ok(())
}

fn is_problem(answer: &Answer, statuses: &[u16]) -> Result<(), String> {
    let content_type = answer.header("content-type").unwrap_or_default();
    if !statuses.contains(&answer.status) {
        return Err(format!(
            "expected a {} problem, got {}",
            statuses
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(" or "),
            answer.describe()
        ));
    }
    if !content_type.starts_with("application/problem+json") {
        return Err(format!(
            "the {} must be an `application/problem+json` document, its content-type was `{content_type}`",
            answer.status
        ));
    }
    Ok(())
}

async fn task_counts_stub(server: &MockServer, counts: &Value) {
    Mock::given(method("GET"))
        .and(path(TASK_COUNTS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(counts))
        .mount(server)
        .await;
}

async fn failing_stub(server: &MockServer, status: u16) {
    Mock::given(method("GET"))
        .and(path(TASK_COUNTS_PATH))
        .respond_with(ResponseTemplate::new(status).set_body_json(
            serde_json::json!({"type": "about:blank", "title": "Failing on purpose", "status": status}),
        ))
        .mount(server)
        .await;
}

async fn calls(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .map_or(0, |requests| requests.len())
}

/// Healthy task-service: 200 with the fixture's statistics, the caller's token forwarded,
/// and no stale marking.
async fn happy_path(binary: &Path, counts: &Value) -> Result<(), String> {
    let token = token(41)?;
    let task_service = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(TASK_COUNTS_PATH))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(counts))
        .mount(&task_service)
        .await;
    let service = start(binary, task_service.uri()).await?;
    let answer = get_stats(&service, &token, Duration::from_secs(15)).await?;
    if answer.status != 200 {
        return Err(format!(
            "with a healthy task-service, GET /api/v1/stats answered {}; it must call \
             `GET {TASK_COUNTS_PATH}` with the caller's `Authorization: Bearer` token (see src/client.rs)",
            answer.describe()
        ));
    }
    matches_counts(&answer, counts)?;
    if answer.is_stale() {
        return Err(
            "fresh statistics are marked stale (`x-stats-stale` or `\"stale\": true`); only \
             last known statistics served while task-service fails may be"
                .into(),
        );
    }
    Ok(())
}

/// task-service accepts the call and then hangs: the caller must get a problem long before
/// task-service would have answered.
async fn timeout(binary: &Path) -> Result<(), String> {
    let token = token(42)?;
    let task_service = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(TASK_COUNTS_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!([]))
                .set_delay(HUNG_FOR),
        )
        .mount(&task_service)
        .await;
    let service = start(binary, task_service.uri()).await?;
    let answer = get_stats(&service, &token, PATIENCE)
        .await
        .map_err(|error| {
            format!(
                "task-service took {} s to answer and {error}: the call to task-service has no \
             timeout. Give the HTTP client one, from `TASK_SERVICE_TIMEOUT_MS` \
             (`settings.timeout`, {TIMEOUT_MS} ms here), in src/client.rs",
                HUNG_FOR.as_secs()
            )
        })?;
    is_problem(&answer, &[503, 504])?;
    if answer.took >= PATIENCE {
        return Err(format!(
            "the problem came after {:?}; with a {TIMEOUT_MS} ms timeout it should come within a few seconds",
            answer.took
        ));
    }
    Ok(())
}

/// task-service fails once with 503, then answers: the client retries and the caller never
/// sees the failure.
async fn retry(binary: &Path, counts: &Value) -> Result<(), String> {
    let token = token(43)?;
    let task_service = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(TASK_COUNTS_PATH))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&task_service)
        .await;
    Mock::given(method("GET"))
        .and(path(TASK_COUNTS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(counts))
        .with_priority(2)
        .mount(&task_service)
        .await;
    let service = start(binary, task_service.uri()).await?;
    let answer = get_stats(&service, &token, Duration::from_secs(15)).await?;
    let seen = calls(&task_service).await;
    if answer.status != 200 {
        return Err(format!(
            "task-service answered 503 once (then it was fine) and the caller got {}; task-service \
             saw {seen} call(s). Retry transient failures (503, 502, 504, 500, timeouts, refused \
             connections) with backoff, at most `TASK_SERVICE_RETRIES` ({RETRIES} here) times: \
             `backon`'s `Retryable` in src/client.rs",
            answer.describe()
        ));
    }
    matches_counts(&answer, counts)?;
    if seen != 2 {
        return Err(format!(
            "task-service should have seen exactly 2 calls (the failed one and the retry), it saw {seen}"
        ));
    }
    Ok(())
}

/// task-service always fails: after a few failing requests the circuit opens, and further
/// requests fail fast without reaching task-service.
async fn circuit_breaker(binary: &Path) -> Result<(), String> {
    let token = token(44)?;
    let task_service = MockServer::start().await;
    failing_stub(&task_service, 500).await;
    let service = start(binary, task_service.uri()).await?;
    let opening_requests = BREAKER_FAILURES as usize + 2;
    for _ in 0..opening_requests {
        let answer = get_stats(&service, &token, Duration::from_secs(15)).await?;
        is_problem(&answer, &[502, 503]).map_err(|error| {
            format!("while task-service answers 500 and nothing is known yet: {error}")
        })?;
    }
    let before = calls(&task_service).await;
    if before == 0 {
        return Err("task-service was never called".into());
    }
    let mut slowest = Duration::ZERO;
    for _ in 0..3 {
        let answer = get_stats(&service, &token, Duration::from_secs(15)).await?;
        is_problem(&answer, &[503]).map_err(|error| {
            format!("while the circuit is open and nothing is known yet: {error}")
        })?;
        slowest = slowest.max(answer.took);
    }
    let after = calls(&task_service).await;
    if after > before {
        return Err(format!(
            "task-service answered 500 to all of the first {opening_requests} requests ({before} \
             calls), and the next 3 requests still called it {} more time(s): the circuit never \
             opened. Put the call behind a `failsafe` circuit breaker that opens after \
             `CIRCUIT_BREAKER_FAILURES` ({BREAKER_FAILURES} here) failures in a row, for \
             `CIRCUIT_BREAKER_OPEN_MS`, in src/client.rs",
            after - before
        ));
    }
    if slowest > Duration::from_secs(3) {
        return Err(format!(
            "with the circuit open a request should fail at once, one took {slowest:?}: do not \
             retry (or wait) when the breaker rejects a call"
        ));
    }
    Ok(())
}

/// One good answer, then task-service fails: the caller gets the same statistics back,
/// marked stale, with status 200.
async fn stale_fallback(binary: &Path, counts: &Value) -> Result<(), String> {
    let token = token(45)?;
    let task_service = MockServer::start().await;
    task_counts_stub(&task_service, counts).await;
    let service = start(binary, task_service.uri()).await?;
    let fresh = get_stats(&service, &token, Duration::from_secs(15)).await?;
    if fresh.status != 200 {
        return Err(format!(
            "with a healthy task-service the first request got {}",
            fresh.describe()
        ));
    }
    task_service.reset().await;
    failing_stub(&task_service, 503).await;
    let answer = get_stats(&service, &token, Duration::from_secs(15)).await?;
    if answer.status != 200 {
        return Err(format!(
            "the caller had statistics a moment ago, then task-service failed, and the caller got \
             {}. Keep each caller's last good counts (in src/seams.rs) and answer them, marked \
             stale, when task-service cannot answer",
            answer.describe()
        ));
    }
    matches_counts(&answer, counts)
        .map_err(|error| format!("the stale statistics must be the last known ones: {error}"))?;
    let mut missing = Vec::new();
    if answer.body["stale"] != true {
        missing.push("`\"stale\": true` in the body");
    }
    if answer.header("x-stats-stale") != Some("true") {
        missing.push("the `x-stats-stale: true` header");
    }
    if !answer
        .header("warning")
        .is_some_and(|value| value.starts_with("110"))
    {
        missing.push("the `Warning: 110 - \"Response is Stale\"` header");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "last known statistics must be marked stale; missing: {} (call `Caller::mark_stale()` \
             when src/seams.rs answers from its cache: phase 03's caller layer then adds the \
             field and both headers)",
            missing.join(", ")
        ))
    }
}

/// task-service is down (nothing listens) and the caller has no earlier statistics: a 503
/// problem, never a 500 or an empty 200.
async fn nothing_known(binary: &Path) -> Result<(), String> {
    let token = token(46)?;
    let closed = format!("http://127.0.0.1:{}", kit::free_port());
    let service = start(binary, closed).await?;
    let answer = get_stats(&service, &token, Duration::from_secs(15)).await?;
    is_problem(&answer, &[503]).map_err(|error| {
        format!(
            "task-service is down and the caller has no earlier statistics: {error}. Answer \
             \"unavailable\" (a 503) then, in the error arm of src/seams.rs"
        )
    })
}
