//! Exercise 06, "Protect the edge": the gateway limits each client IP's request rate with
//! `tower_governor` and answers 429 problems with `Retry-After`.
//!
//! One static step, read with `syn` (the limiter is the learner's own, built with
//! `tower_governor`, not phase 03's ready-made one, whatever name it is imported under), then
//! black box: the learner's gateway runs as a real process with every upstream pointing at a
//! wiremock server, and the checker sends requests as two different clients.
//!
//! Two clients on one machine: the gateway listens on `HOST=::` (dual-stack on Linux, macOS
//! and WSL), and one client connects from `::1`, the other from `127.0.0.1`, which the gateway
//! sees as `::ffff:127.0.0.1`. Both loopback addresses exist on every one of those systems
//! (macOS has no 127.0.0.2). The kit's start-up probe comes from 127.0.0.1, so the client that
//! bursts is the `::1` one, whose bucket is still full.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    path::Path,
    time::Duration,
};

use serde_json::Value;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::{
    kit::{self, Process, Report, Subject},
    metadata,
    syntax::{self, Names},
};

/// A proxied path (owned by task-service) the checker stubs and hammers.
const PROXIED: &str = "/api/v1/tasks";
const PER_SECOND: u32 = 1;
const BURST: u32 = 3;
/// Requests in the burst of the limited gateway.
const BURST_REQUESTS: usize = 10;
/// Requests in the burst of the gateway with limiting switched off.
const OFF_REQUESTS: usize = 50;

/// The client that bursts. Not 127.0.0.1: the kit's start-up probe (`/health`) comes from
/// there and would already have spent some of that IP's tokens.
const FIRST_CLIENT: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);
const SECOND_CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

const OWN_CODE: &str = "src/rate_limit.rs builds the limiter with tower_governor";
const BURST_LIMITED: &str = "a burst from one client is limited (429s)";
const PROBLEM: &str = "a 429 is a problem document with `Retry-After` in seconds";
const PER_CLIENT: &str = "the limit is per client IP: another client is still served";
const RECOVERS: &str = "after waiting `Retry-After`, the limited client is served again";
const OFF: &str = "RATE_LIMIT_PER_SECOND=0 switches the limit off";
const FORWARDS: &str = "the gateway still forwards to the services";
const DEPENDENCIES: &str = metadata::STEP;

pub async fn check(subject: &Subject) -> Report {
    let mut report = Report::of(
        format!("Exercise 06, Protect the edge ({})", subject.label),
        subject,
    );
    let later = [BURST_LIMITED, PROBLEM, PER_CLIENT, RECOVERS, OFF, FORWARDS];
    // The manifest and the source first (no build needed), then the running gateway.
    report
        .check(DEPENDENCIES, metadata::dependencies_step(subject))
        .await;
    report.step(OWN_CODE, own_code(&subject.dir));
    let Some(binary) = kit::build_step(&mut report, subject, &later).await else {
        return report;
    };
    limited(&binary, &mut report).await;
    report.check(OFF, switched_off(&binary)).await;
    report.check(FORWARDS, forwards(&binary)).await;
    report
}

/// What phase 03 already has that would skip the exercise: its finished limiter, and its
/// gateway's router, which applies that limiter itself.
const FINISHED: [(&[&str], &str); 3] = [
    (
        &["service_kit", "middleware", "rate_limit"],
        "phase 03's finished limiter (`service_kit::middleware::rate_limit`)",
    ),
    (
        &["api_gateway", "routes", "app"],
        "phase 03's gateway router (`api_gateway::routes::app`), which applies phase 03's limiter",
    ),
    (
        &["api_gateway", "app"],
        "phase 03's gateway router (`api_gateway::app`), which applies phase 03's limiter",
    ),
];

/// The limiter is written in the exercise crate with `tower_governor`; calling phase 03's
/// finished one would skip the whole exercise. Read with `syn`: a comment or a string never
/// counts, and a path is judged by what its `use` says it stands for (`use
/// service_kit::middleware as m; m::rate_limit(...)`, renamed or glob imports).
fn own_code(dir: &Path) -> Result<(), String> {
    let files = syntax::read_crate(dir)?;
    let mut borrowed = Vec::new();
    let mut uses_governor = false;
    for file in &files {
        let names = Names::of(&file.ast);
        let imports = syntax::imports(&syntax::items_of(&file.ast));
        let globbed_middleware = imports
            .iter()
            .any(|import| import.local == "*" && import.path == ["service_kit", "middleware"]);
        for (path, line) in names.resolved_paths(&file.ast) {
            if path.iter().any(|segment| segment == "GovernorLayer") {
                uses_governor = true;
            }
            let mut found = FINISHED
                .iter()
                .find(|(prefix, _)| {
                    prefix.len() <= path.len() && prefix.iter().zip(&path).all(|(a, b)| a == b)
                })
                .map(|(_, what)| *what);
            // `use service_kit::middleware::*;` then a bare `rate_limit(...)`.
            if found.is_none() && globbed_middleware && path == ["rate_limit"] {
                found = Some(FINISHED[0].1);
            }
            if let Some(what) = found {
                borrowed.push(format!("{}:{line}: uses {what}", file.shown));
            }
        }
        // `use service_kit::middleware::{rate_limit as limit}` is caught by its path above.
    }
    borrowed.sort();
    borrowed.dedup();
    if !borrowed.is_empty() {
        return Err(format!(
            "the crate calls phase 03's finished limiter instead of its own; write your own in \
             src/rate_limit.rs, that is the exercise:\n  {}",
            borrowed.join("\n  ")
        ));
    }
    if !uses_governor {
        return Err(
            "no `GovernorLayer` in the crate's code yet: `per_client_ip` in src/rate_limit.rs still \
             returns the routes unchanged. Build a `GovernorConfigBuilder` config and wrap the \
             routes in a `tower_governor::GovernorLayer` (README, step 2)"
                .into(),
        );
    }
    Ok(())
}

/// Upstreams for the gateway: every service is the same wiremock server, which answers the
/// proxied path with a marker the checker recognises.
async fn upstreams() -> MockServer {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PROXIED))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .mount(&upstream)
        .await;
    upstream
}

async fn start(binary: &Path, upstream: &MockServer, per_second: u32) -> Result<Process, String> {
    let env = [
        ("USER_SERVICE_URL", upstream.uri()),
        ("TASK_SERVICE_URL", upstream.uri()),
        ("STATS_SERVICE_URL", upstream.uri()),
        ("RATE_LIMIT_PER_SECOND", per_second.to_string()),
        ("RATE_LIMIT_BURST", BURST.to_string()),
        // Dual-stack: the two clients are ::1 and 127.0.0.1 (see the module's comment).
        ("HOST", "::".to_string()),
    ];
    Process::start("api-gateway", binary, &[], &env, kit::free_port()).await
}

/// An HTTP client whose requests come from `source` (a new connection per request, so
/// nothing is reused across the clients).
fn client_from(source: IpAddr) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .local_address(source)
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|error| format!("cannot build an HTTP client bound to {source}: {error}"))
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// The gateway's URL as `client` must reach it: `[::1]` for the IPv6 client.
fn url_for(client: IpAddr, gateway: &Process) -> String {
    match client {
        IpAddr::V6(_) => format!("http://[::1]:{}{PROXIED}", gateway.port()),
        IpAddr::V4(_) => format!("http://127.0.0.1:{}{PROXIED}", gateway.port()),
    }
}

async fn get(client: &(IpAddr, reqwest::Client), gateway: &Process) -> Result<Answer, String> {
    let response = client
        .1
        .get(url_for(client.0, gateway))
        .send()
        .await
        .map_err(|error| format!("GET {PROXIED} failed: {error}"))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// Steps 1 to 4, against one gateway limited to 1 request a second with a burst of 3.
async fn limited(binary: &Path, report: &mut Report) {
    let upstream = upstreams().await;
    let first = client_from(FIRST_CLIENT).map(|client| (FIRST_CLIENT, client));
    let second = client_from(SECOND_CLIENT).map(|client| (SECOND_CLIENT, client));
    let (gateway, first, second) = match (start(binary, &upstream, PER_SECOND).await, first, second)
    {
        (Ok(gateway), Ok(first), Ok(second)) => (gateway, first, second),
        (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => {
            report.step(BURST_LIMITED, Err(error));
            for step in [PROBLEM, PER_CLIENT, RECOVERS] {
                report.skip(step, "the gateway could not be asked");
            }
            return;
        }
    };

    // Step 1: a quick burst from one client.
    let mut statuses = Vec::new();
    let mut refused = None;
    let started = std::time::Instant::now();
    for _ in 0..BURST_REQUESTS {
        match get(&first, &gateway).await {
            Ok(answer) => {
                statuses.push(answer.status);
                if answer.status == 429 && refused.is_none() {
                    refused = Some(answer);
                }
            }
            Err(error) => {
                report.step(BURST_LIMITED, Err(error));
                for step in [PROBLEM, PER_CLIENT, RECOVERS] {
                    report.skip(step, "the gateway could not be asked");
                }
                return;
            }
        }
    }
    // Tokens that came back while the burst was under way (on a busy machine it may take a
    // moment), plus one for rounding.
    let refilled = (started.elapsed().as_secs_f64() * f64::from(PER_SECOND)).ceil() as usize + 1;
    let served = statuses.iter().filter(|status| **status == 200).count();
    let limited = statuses.iter().filter(|status| **status == 429).count();
    let burst_result = if limited == 0 {
        Err(format!(
            "{BURST_REQUESTS} quick requests from one client with RATE_LIMIT_PER_SECOND={PER_SECOND} \
             and RATE_LIMIT_BURST={BURST} were all let through (statuses {statuses:?}): no request \
             was limited. Wrap the routes in a `tower_governor` `GovernorLayer` in \
             `per_client_ip` (src/rate_limit.rs)"
        ))
    } else if served == 0 {
        Err(format!(
            "every request was refused (statuses {statuses:?}); the first {BURST} (the burst) \
             should be served: use `burst_size(burst)`, and one token every 1 s / per_second"
        ))
    } else if served > BURST as usize + refilled {
        Err(format!(
            "{served} of {BURST_REQUESTS} quick requests were served, more than the burst of {BURST} \
             allows (statuses {statuses:?}); check the period (1 s / per_second) and `burst_size`"
        ))
    } else {
        Ok(())
    };
    report.step(BURST_LIMITED, burst_result);
    let Some(refused) = refused else {
        for step in [PROBLEM, PER_CLIENT, RECOVERS] {
            report.skip(step, "no request was limited in the burst above");
        }
        return;
    };

    // Step 2: the 429 itself.
    let retry_after = refused
        .header("retry-after")
        .and_then(|value| value.trim().parse::<u64>().ok());
    report.step(PROBLEM, problem(&refused, retry_after));

    // Step 3: another client, at once, while the first is still limited.
    let per_client = async {
        let again = get(&first, &gateway).await?;
        if again.status != 429 {
            return Err(format!(
                "right after its burst the first client got {} instead of 429",
                again.status
            ));
        }
        let other = get(&second, &gateway).await?;
        if other.status == 429 {
            return Err(format!(
                "a second client (from {SECOND_CLIENT}) got 429 while only the first one (from \
                 {FIRST_CLIENT}) had sent a burst: the limit is shared by everybody. Key the \
                 buckets on the peer IP (`PeerIpKeyExtractor`)"
            ));
        }
        if other.status != 200 {
            return Err(format!(
                "the second client got {} instead of 200: {}",
                other.status, other.body
            ));
        }
        Ok(())
    };
    report.check(PER_CLIENT, per_client).await;

    // Step 4: wait as told, then the first client is served again.
    if report.stop_here(&[RECOVERS]) {
        return;
    }
    let wait =
        Duration::from_secs(retry_after.unwrap_or(1).clamp(1, 10)) + Duration::from_millis(300);
    tokio::time::sleep(wait).await;
    let recovered = match get(&first, &gateway).await {
        Ok(answer) if answer.status == 200 => Ok(()),
        Ok(answer) => Err(format!(
            "after waiting {wait:?} (`Retry-After` said {}), the first client still got {}: the \
             bucket must refill at RATE_LIMIT_PER_SECOND tokens a second",
            retry_after.map_or("nothing usable".to_string(), |seconds| format!(
                "{seconds} s"
            )),
            answer.status
        )),
        Err(error) => Err(error),
    };
    report.step(RECOVERS, recovered);
}

fn problem(refused: &Answer, retry_after: Option<u64>) -> Result<(), String> {
    let mut missing = Vec::new();
    match (refused.header("retry-after"), retry_after) {
        (None, _) => missing.push("a `Retry-After` header".to_string()),
        (Some(value), None) => missing.push(format!(
            "a `Retry-After` in whole seconds (it was `{value}`)"
        )),
        (Some(_), Some(0)) => {
            missing.push("a `Retry-After` of at least 1 (0 invites an instant retry)".into())
        }
        _ => {}
    }
    let content_type = refused.header("content-type").unwrap_or_default();
    if !content_type.starts_with("application/problem+json") {
        missing.push(format!(
            "content-type `application/problem+json` (it was `{content_type}`)"
        ));
    }
    let body: Value = serde_json::from_str(&refused.body).unwrap_or_default();
    if body["status"] != 429 {
        missing.push(format!(
            "a problem body with `\"status\": 429` (the body was `{}`)",
            refused.body
        ));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the 429 lacks {}. Give the `GovernorLayer` an `error_handler` that answers \
             `ApiError::TooManyRequests {{ retry_after_seconds }}` (service_kit::error)",
            missing.join(", ")
        ))
    }
}

/// `RATE_LIMIT_PER_SECOND=0`: a burst of 50 is never refused.
async fn switched_off(binary: &Path) -> Result<(), String> {
    let upstream = upstreams().await;
    let gateway = start(binary, &upstream, 0).await?;
    let client = (FIRST_CLIENT, client_from(FIRST_CLIENT)?);
    for sent in 1..=OFF_REQUESTS {
        let answer = get(&client, &gateway).await?;
        if answer.status == 429 {
            return Err(format!(
                "with RATE_LIMIT_PER_SECOND=0 (limit off) request {sent} of {OFF_REQUESTS} got \
                 429: `RateLimit::Off` must leave the routes unlimited"
            ));
        }
    }
    Ok(())
}

/// A proxied path still reaches its service through the gateway, with the limiter in place.
async fn forwards(binary: &Path) -> Result<(), String> {
    let upstream = upstreams().await;
    let gateway = start(binary, &upstream, 100).await?;
    let client = (SECOND_CLIENT, client_from(SECOND_CLIENT)?);
    let answer = get(&client, &gateway).await?;
    if answer.status != 200 {
        return Err(format!(
            "GET {PROXIED} through the gateway answered {} ({}) instead of the service's 200",
            answer.status, answer.body
        ));
    }
    let reached = upstream
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .any(|request| request.url.path() == PROXIED);
    if reached {
        Ok(())
    } else {
        Err(format!("GET {PROXIED} never reached task-service"))
    }
}
