//! `Server-Timing` at the gateway: its own entry, `gateway`, on every answer (its own 404,
//! 413 and 429 included), and each service's entries after it under the service's name:
//! the service's own entry keeps its name, every other entry `x` becomes `service.x`, and
//! the service's raw header is never relayed beside the gateway's.

use conformance::server_timing::{Metric, parse_fields};
use reqwest::StatusCode;
use wiremock::{Mock, ResponseTemplate, matchers};

use crate::helpers::{TOKEN, spawn_gateway};

fn metrics(answer: &reqwest::Response) -> Vec<Metric> {
    let fields = answer
        .headers()
        .get_all("server-timing")
        .iter()
        .map(|value| value.to_str().expect("ASCII"));
    parse_fields(fields).unwrap_or_else(|error| panic!("{error}: {:?}", answer.headers()))
}

/// A service's answer with its own `Server-Timing` header.
fn timed(status: u16, header: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("server-timing", header)
        .insert_header("content-type", "application/json")
        .set_body_string("{}")
}

#[tokio::test]
async fn a_services_entries_follow_the_gateways_under_its_name() {
    let gateway = spawn_gateway(&[]).await;
    Mock::given(matchers::path("/api/v1/tasks/7"))
        .respond_with(timed(
            200,
            r#"task-service;dur=1.5, db;dur=0.25;desc="1 query""#,
        ))
        .mount(&gateway.tasks)
        .await;
    let answer = reqwest::Client::new()
        .get(format!("{}/api/v1/tasks/7", gateway.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers().get_all("server-timing").iter().count(), 1);
    let metrics = metrics(&answer);
    assert_eq!(
        Metric::names(&metrics),
        ["gateway", "task-service", "task-service.db"]
    );
    assert_eq!(metrics[1].duration, 1.5);
    assert_eq!(metrics[2].duration, 0.25);
    assert_eq!(metrics[2].description.as_deref(), Some("1 query"));
}

#[tokio::test]
async fn a_callers_entries_nest_one_prefix_per_hop() {
    let gateway = spawn_gateway(&[]).await;
    // What stats-service answers after calling task-service.
    Mock::given(matchers::path("/api/v1/stats"))
        .respond_with(timed(
            200,
            "stats-service;dur=4, task-service;dur=2, task-service.db;dur=1",
        ))
        .mount(&gateway.stats)
        .await;
    let answer = reqwest::get(format!("{}/api/v1/stats", gateway.url))
        .await
        .expect("answer");
    assert_eq!(
        Metric::names(&metrics(&answer)),
        [
            "gateway",
            "stats-service",
            "stats-service.task-service",
            "stats-service.task-service.db"
        ]
    );
}

#[tokio::test]
async fn a_services_401_carries_both_and_the_gateways_own_answers_carry_its_entry() {
    let gateway = spawn_gateway(&[]).await;
    Mock::given(matchers::path("/api/v1/users/me"))
        .respond_with(timed(
            401,
            "user-service;dur=0.3, db;dur=0;desc=\"0 queries\"",
        ))
        .mount(&gateway.users)
        .await;
    let client = reqwest::Client::new();
    let unauthorized = client
        .get(format!("{}/api/v1/users/me", gateway.url))
        .send()
        .await
        .expect("answer");
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        Metric::names(&metrics(&unauthorized)),
        ["gateway", "user-service", "user-service.db"]
    );

    let not_found = client
        .get(format!("{}/internal/v1/task-counts", gateway.url))
        .send()
        .await
        .expect("answer");
    assert_eq!(not_found.status(), StatusCode::NOT_FOUND);
    assert_eq!(Metric::names(&metrics(&not_found)), ["gateway"]);

    let too_large = client
        .post(format!("{}/api/v1/tasks", gateway.url))
        .header("content-type", "application/json")
        .body(vec![b' '; 65 * 1024])
        .send()
        .await
        .expect("answer");
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(Metric::names(&metrics(&too_large)), ["gateway"]);

    // A service that sends no header, or one that does not parse, adds nothing.
    Mock::given(matchers::path("/api/v1/tasks"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&gateway.tasks)
        .await;
    Mock::given(matchers::path("/api/v1/stats"))
        .respond_with(timed(200, "stats-service;dur=fast"))
        .mount(&gateway.stats)
        .await;
    for path in ["/api/v1/tasks", "/api/v1/stats"] {
        let answer = client
            .get(format!("{}{path}", gateway.url))
            .send()
            .await
            .expect("answer");
        assert_eq!(Metric::names(&metrics(&answer)), ["gateway"], "{path}");
    }
}

#[tokio::test]
async fn the_rate_limiters_429_carries_the_gateways_entry() {
    let gateway = spawn_gateway(&[("RATE_LIMIT_PER_SECOND", "1"), ("RATE_LIMIT_BURST", "1")]).await;
    let client = reqwest::Client::new();
    let mut limited = None;
    for _ in 0..3 {
        let answer = client
            .get(format!("{}/api/v1/nothing", gateway.url))
            .send()
            .await
            .expect("answer");
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(answer);
            break;
        }
    }
    let limited = limited.expect("a 429 within 3 requests at 1 per second, burst 1");
    assert_eq!(Metric::names(&metrics(&limited)), ["gateway"]);
}

#[tokio::test]
async fn health_gathers_every_services_entries() {
    let gateway = spawn_gateway(&[]).await;
    for (stub, header) in [
        (
            &gateway.users,
            "user-service;dur=1, db;dur=0.5;desc=\"1 query\"",
        ),
        (
            &gateway.tasks,
            "task-service;dur=1, db;dur=0.5;desc=\"1 query\"",
        ),
        (&gateway.stats, "stats-service;dur=0.1"),
    ] {
        Mock::given(matchers::path("/health"))
            .respond_with(timed(200, header))
            .mount(stub)
            .await;
    }
    let answer = reqwest::get(format!("{}/health", gateway.url))
        .await
        .expect("answer");
    assert_eq!(answer.status(), StatusCode::OK);
    let metrics = metrics(&answer);
    let mut names = Metric::names(&metrics);
    assert_eq!(names.remove(0), "gateway");
    names.sort_unstable(); // the three probes run at once, in any order
    assert_eq!(
        names,
        [
            "stats-service",
            "task-service",
            "task-service.db",
            "user-service",
            "user-service.db"
        ]
    );
}
