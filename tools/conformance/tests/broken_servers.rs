//! The suite must fail cleanly, never panic, whatever is (or is not) at the other end.

use conformance::{Config, areas, run};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn config(base_url: String) -> Config {
    Config {
        base_url,
        jwt_secret: Some("a-secret-the-canned-server-does-not-know-anyway".to_owned()),
        server_timing: None,
    }
}

/// A server that answers every request with the same raw HTTP response.
async fn canned_server(response: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                // Read the request head (and whatever body arrived with it), then answer and
                // close: every answer says `Connection: close`.
                let mut buffer = vec![0; 128 * 1024];
                let _ = socket.read(&mut buffer).await;
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn nothing_listening_is_reported_as_unreachable() {
    // Bind to learn a free port, then free it again: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base_url = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);

    let report = run(&config(base_url.clone())).await;

    assert!(report.server_unreachable());
    assert!(!report.is_success());
    let failures: Vec<_> = report.failures().collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    let (area, _, message) = failures[0];
    assert_eq!(area, areas::CONNECTION);
    assert!(
        message.contains(&format!("no server answering at {base_url}")),
        "{message}"
    );
    assert!(message.contains("cargo run -p monolith"), "{message}");
    let text = report.to_string();
    assert_eq!(
        text.lines().last(),
        Some("0 passed, 1 failed, 0 skipped"),
        "{text}"
    );
}

#[tokio::test]
async fn a_server_failing_everything_fails_every_area_it_reaches() {
    let base_url = canned_server(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 4\r\nConnection: close\r\n\r\noops",
    )
    .await;

    let report = run(&config(base_url)).await;

    assert!(!report.server_unreachable());
    assert!(!report.is_success());
    for area in [areas::HEALTH, areas::DOCS, areas::REGISTER, areas::ERRORS] {
        let results = report
            .area(area)
            .unwrap_or_else(|| panic!("area {area} reported"));
        assert!(!results.is_success(), "{area} should fail:\n{report}");
    }
    let errors = report.area(areas::ERRORS).expect("errors area");
    let no_5xx = errors
        .check("no request of this run got a 5xx answer")
        .expect("run-wide 5xx check");
    assert!(matches!(no_5xx.outcome, conformance::Outcome::Fail(_)));
}

#[tokio::test]
async fn a_server_answering_ok_to_everything_passes_only_health() {
    let body = r#"{"status": "ok"}"#;
    let response: &'static str = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    );
    let base_url = canned_server(response).await;

    let report = run(&config(base_url)).await;

    assert!(
        report
            .area(areas::HEALTH)
            .is_some_and(|area| area.is_success()),
        "{report}"
    );
    assert!(
        report
            .area(areas::REGISTER)
            .is_some_and(|area| !area.is_success()),
        "{report}"
    );
    assert!(!report.is_success());
    assert!(report.failed() > 5, "{report}");
    let summary = format!(
        "{} passed, {} failed, {} skipped",
        report.passed(),
        report.failed(),
        report.skipped()
    );
    assert_eq!(report.to_string().lines().last(), Some(summary.as_str()));
}

/// A canned `200 {"status": "ok"}` with the given extra header lines.
fn ok_with_headers(extra: &str) -> &'static str {
    let body = r#"{"status": "ok"}"#;
    Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    )
}

fn with_server_timing(base_url: String, required: &[&str]) -> Config {
    Config {
        server_timing: Some(conformance::ServerTiming::requiring(required)),
        ..config(base_url)
    }
}

fn outcome<'a>(report: &'a conformance::Report, check: &str) -> &'a conformance::Outcome {
    let area = report
        .area(areas::SERVER_TIMING)
        .unwrap_or_else(|| panic!("the server-timing area was asked for:\n{report}"));
    &area
        .checks()
        .iter()
        .find(|result| result.name.starts_with(check))
        .unwrap_or_else(|| panic!("no check `{check}…`:\n{report}"))
        .outcome
}

#[tokio::test]
async fn the_server_timing_area_runs_only_when_asked() {
    let base_url = canned_server(ok_with_headers("")).await;
    let report = run(&config(base_url)).await;
    assert!(report.area(areas::SERVER_TIMING).is_none(), "{report}");
}

#[tokio::test]
async fn answers_without_server_timing_fail_the_area() {
    let base_url = canned_server(ok_with_headers("")).await;
    let report = run(&with_server_timing(base_url, &["app"])).await;
    assert!(
        matches!(
            outcome(&report, "every answer of this run carried"),
            conformance::Outcome::Fail(_)
        ),
        "{report}"
    );
}

#[tokio::test]
async fn a_server_timing_header_that_does_not_parse_fails_the_area() {
    let base_url = canned_server(ok_with_headers("Server-Timing: app;dur=fast\r\n")).await;
    let report = run(&with_server_timing(base_url, &["app"])).await;
    assert!(
        matches!(
            outcome(&report, "every answer of this run carried"),
            conformance::Outcome::Pass
        ),
        "{report}"
    );
    assert!(
        matches!(
            outcome(&report, "every Server-Timing header parsed"),
            conformance::Outcome::Fail(_)
        ),
        "{report}"
    );
}

#[tokio::test]
async fn a_valid_header_without_the_promised_entries_or_on_no_error_fails_the_area() {
    let header = "Server-Timing: app;dur=1.5, db;dur=0.25;desc=\"1 query\"\r\n";
    let base_url = canned_server(ok_with_headers(header)).await;
    let report = run(&with_server_timing(base_url, &["gateway"])).await;
    for (check, passes) in [
        ("every answer of this run carried", true),
        ("every Server-Timing header parsed", true),
        ("every Server-Timing header named gateway", false),
        // A server that answers 200 to everything never sent a timed 401, 404, ...
        ("error answers too", false),
    ] {
        let passed = matches!(outcome(&report, check), conformance::Outcome::Pass);
        assert_eq!(passed, passes, "`{check}`:\n{report}");
    }
}
