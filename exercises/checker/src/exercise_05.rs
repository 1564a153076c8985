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

use crate::{
    kit::{self, Process, Report, Subject, TEST_JWT_SECRET},
    metadata,
};

const TASK_COUNTS_PATH: &str = "/internal/v1/task-counts";

/// The settings most steps start the service with (the README lists them). None is phase
/// 03's default (2000 ms, 2 retries, 5 failures, 10 s), so a client that hard-codes the
/// defaults instead of reading its settings fails.
const TIMEOUT_MS: u64 = 500;
const RETRIES: usize = 1;
const BREAKER_FAILURES: u32 = 3;
/// Long enough that the circuit cannot close again while the step is watching it.
const BREAKER_OPEN_MS: u64 = 30_000;

/// One set of settings for the service under check.
#[derive(Clone, Copy)]
struct Config {
    timeout_ms: u64,
    retries: usize,
    breaker_failures: u32,
    breaker_open_ms: u64,
}

const USUAL: Config = Config {
    timeout_ms: TIMEOUT_MS,
    retries: RETRIES,
    breaker_failures: BREAKER_FAILURES,
    breaker_open_ms: BREAKER_OPEN_MS,
};

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
const SETTINGS: &str = "the configured timeout, retries and breaker threshold are the ones used (values other than the defaults)";
const HALF_OPEN: &str = "after CIRCUIT_BREAKER_OPEN_MS the circuit lets a trial call through and closes again once task-service is healthy";
const PER_USER: &str = "while task-service fails, each user gets only their own last known statistics, never another user's";
const DEPENDENCIES: &str = metadata::STEP;

pub async fn check(subject: &Subject) -> Report {
    let mut report = Report::of(
        format!("Exercise 05, Survive failure ({})", subject.label),
        subject,
    );
    let steps = [
        HAPPY,
        TIMEOUT,
        RETRY,
        BREAKER,
        STALE,
        NOTHING_KNOWN,
        SETTINGS,
        HALF_OPEN,
        PER_USER,
    ];
    // The manifest and what the source compiles first (no build needed), then the service.
    report
        .check(DEPENDENCIES, metadata::dependencies_step(subject))
        .await;
    let Some(binary) = kit::build_step(&mut report, subject, &steps).await else {
        return report;
    };
    let counts = match fixture_counts() {
        Ok(counts) => counts,
        Err(error) => {
            report.skip_all(&steps, &error);
            return report;
        }
    };

    report.check(HAPPY, happy_path(&binary, &counts)).await;
    report.check(TIMEOUT, timeout(&binary)).await;
    report.check(RETRY, retry(&binary, &counts)).await;
    report.check(BREAKER, circuit_breaker(&binary)).await;
    report.check(STALE, stale_fallback(&binary, &counts)).await;
    report.check(NOTHING_KNOWN, nothing_known(&binary)).await;
    report.check(SETTINGS, settings_honoured(&binary)).await;
    report.check(HALF_OPEN, half_open(&binary, &counts)).await;
    report.check(PER_USER, per_user(&binary, &counts)).await;
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
    start_with(binary, task_service_url, USUAL).await
}

async fn start_with(
    binary: &Path,
    task_service_url: String,
    config: Config,
) -> Result<Process, String> {
    let env = [
        ("JWT_SECRET", TEST_JWT_SECRET.to_string()),
        ("TASK_SERVICE_URL", task_service_url),
        ("TASK_SERVICE_TIMEOUT_MS", config.timeout_ms.to_string()),
        ("TASK_SERVICE_RETRIES", config.retries.to_string()),
        (
            "CIRCUIT_BREAKER_FAILURES",
            config.breaker_failures.to_string(),
        ),
        (
            "CIRCUIT_BREAKER_OPEN_MS",
            config.breaker_open_ms.to_string(),
        ),
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
    let answer = match get_stats(&service, &token, PATIENCE).await {
        Ok(answer) => answer,
        // More than one call while the caller waited: the calls do time out (and are
        // retried), only later than the settings say.
        Err(error) if calls(&task_service).await > 1 => {
            return Err(format!(
                "task-service took {} s to answer and {error}, though it was called {} times \
                 meanwhile: the calls time out, but not after `TASK_SERVICE_TIMEOUT_MS` \
                 ({TIMEOUT_MS} ms here). The timeout must come from `settings.timeout`, not a \
                 number in the code (src/client.rs)",
                HUNG_FOR.as_secs(),
                calls(&task_service).await
            ));
        }
        Err(error) => {
            return Err(format!(
                "task-service took {} s to answer and {error}: the call to task-service has no \
                 timeout. Give the HTTP client one, from `TASK_SERVICE_TIMEOUT_MS` \
                 (`settings.timeout`, {TIMEOUT_MS} ms here), in src/client.rs",
                HUNG_FOR.as_secs()
            ));
        }
    };
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

/// Each setting, alone, with a value other than its default, seen by its effect: a 300 ms
/// timeout answers a hung task-service well before the default's 2 s; 3 retries make exactly 4
/// calls for one request; a threshold of 4 lets exactly 4 failing calls through.
async fn settings_honoured(binary: &Path) -> Result<(), String> {
    let token = token(47)?;
    // Timeout.
    let hung = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(TASK_COUNTS_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!([]))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&hung)
        .await;
    let quick = Config {
        timeout_ms: 300,
        retries: 0,
        breaker_failures: 50,
        breaker_open_ms: BREAKER_OPEN_MS,
    };
    let service = start_with(binary, hung.uri(), quick).await?;
    let not_honoured = |waited: String| {
        format!(
            "with TASK_SERVICE_TIMEOUT_MS=300 and TASK_SERVICE_RETRIES=0, a hung task-service \
             kept the caller waiting {waited}: the timeout must come from `settings.timeout`, not a \
             number in the code"
        )
    };
    let answer = get_stats(&service, &token, PATIENCE)
        .await
        .map_err(|error| not_honoured(format!("too long ({error})")))?;
    if answer.took > Duration::from_millis(1500) {
        return Err(not_honoured(format!("{:?}", answer.took)));
    }
    drop(service);
    // Retries.
    let failing = MockServer::start().await;
    failing_stub(&failing, 503).await;
    let retrying = Config {
        timeout_ms: TIMEOUT_MS,
        retries: 3,
        breaker_failures: 50,
        breaker_open_ms: BREAKER_OPEN_MS,
    };
    let service = start_with(binary, failing.uri(), retrying).await?;
    get_stats(&service, &token, Duration::from_secs(15)).await?;
    let seen = calls(&failing).await;
    if seen != 4 {
        return Err(format!(
            "with TASK_SERVICE_RETRIES=3 and a task-service that always answers 503, one request \
             made {seen} call(s); it should make exactly 4 (the call and 3 retries): the number \
             of retries must come from `settings.retries`"
        ));
    }
    drop(service);
    // Breaker threshold.
    let failing = MockServer::start().await;
    failing_stub(&failing, 503).await;
    let threshold = Config {
        timeout_ms: TIMEOUT_MS,
        retries: 0,
        breaker_failures: 4,
        breaker_open_ms: BREAKER_OPEN_MS,
    };
    let service = start_with(binary, failing.uri(), threshold).await?;
    for _ in 0..7 {
        get_stats(&service, &token, Duration::from_secs(15)).await?;
    }
    let seen = calls(&failing).await;
    if seen != 4 {
        return Err(format!(
            "with CIRCUIT_BREAKER_FAILURES=4, TASK_SERVICE_RETRIES=0 and a task-service that \
             always answers 503, 7 requests made {seen} call(s); the circuit should open after \
             exactly 4: the threshold must come from `settings.breaker_failures`"
        ));
    }
    Ok(())
}

/// The circuit opens; task-service recovers; after `CIRCUIT_BREAKER_OPEN_MS` (1.5 s here) a
/// trial call goes through, the caller gets fresh statistics, and the circuit stays closed.
async fn half_open(binary: &Path, counts: &Value) -> Result<(), String> {
    let token = token(48)?;
    let task_service = MockServer::start().await;
    failing_stub(&task_service, 503).await;
    let config = Config {
        timeout_ms: TIMEOUT_MS,
        retries: 0,
        breaker_failures: 2,
        breaker_open_ms: 1500,
    };
    let service = start_with(binary, task_service.uri(), config).await?;
    for _ in 0..4 {
        get_stats(&service, &token, Duration::from_secs(15)).await?;
    }
    let before = calls(&task_service).await;
    if before > 2 {
        return Err(format!(
            "with CIRCUIT_BREAKER_FAILURES=2 and TASK_SERVICE_RETRIES=0, 4 failing requests made \
             {before} calls: the circuit never opened"
        ));
    }
    task_service.reset().await;
    task_counts_stub(&task_service, counts).await;
    tokio::time::sleep(Duration::from_millis(2300)).await;
    for attempt in 1..=2 {
        let answer = get_stats(&service, &token, Duration::from_secs(15)).await?;
        if answer.status != 200 || answer.is_stale() {
            return Err(format!(
                "task-service was healthy again and CIRCUIT_BREAKER_OPEN_MS (1500 ms) had passed \
                 2.3 s ago, yet request {attempt} got {}: the circuit did not close again. After \
                 the open period the breaker must let a trial call through (half-open) and close \
                 when it succeeds",
                answer.describe()
            ));
        }
        matches_counts(&answer, counts)?;
    }
    if calls(&task_service).await < 2 {
        return Err("after recovering, requests were answered without asking task-service".into());
    }
    Ok(())
}

/// Two users get their own (different) statistics; then task-service fails: each gets their
/// own last known ones back, and a third user, never seen, gets a 503, never someone else's.
async fn per_user(binary: &Path, counts: &Value) -> Result<(), String> {
    let first = token(49)?;
    let second = token(50)?;
    let stranger = token(51)?;
    let other_counts = serde_json::json!([
        {"status": "in_progress", "priority": "low", "tasks": 7, "overdue": 0}
    ]);
    let task_service = MockServer::start().await;
    for (token, body) in [(&first, counts), (&second, &other_counts)] {
        Mock::given(method("GET"))
            .and(path(TASK_COUNTS_PATH))
            .and(header("authorization", format!("Bearer {token}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&task_service)
            .await;
    }
    let service = start(binary, task_service.uri()).await?;
    for token in [&first, &second] {
        let fresh = get_stats(&service, token, Duration::from_secs(15)).await?;
        if fresh.status != 200 {
            return Err(format!(
                "with a healthy task-service a user got {}",
                fresh.describe()
            ));
        }
    }
    task_service.reset().await;
    failing_stub(&task_service, 503).await;
    let answer = get_stats(&service, &first, Duration::from_secs(15)).await?;
    if answer.status != 200 || matches_counts(&answer, counts).is_err() {
        return Err(format!(
            "user 49 saw their statistics, then user 50 saw theirs, then task-service failed: user \
             49 got {}, which is not their own last known statistics (7 in-progress tasks are user \
             50's). Keep the last good counts per user (keyed by `owner_id`), never one entry \
             for everybody",
            answer.describe()
        ));
    }
    let answer = get_stats(&service, &stranger, Duration::from_secs(15)).await?;
    if answer.status == 200 {
        return Err(format!(
            "a user whose statistics were never fetched got 200 while task-service fails: {}. \
             That is another user's data: without their own last known counts the answer is a 503",
            answer.describe()
        ));
    }
    Ok(())
}
