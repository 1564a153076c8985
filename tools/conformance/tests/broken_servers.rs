//! The suite must fail cleanly, never panic, whatever is (or is not) at the other end.

use conformance::{Config, areas, run};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn config(base_url: String) -> Config {
    Config {
        base_url,
        jwt_secret: Some("a-secret-the-canned-server-does-not-know-anyway".to_owned()),
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
