//! A checker that never fails proves nothing. Here phase 01 gets one classic bug injected
//! at a time (a tower layer around the real router), and the conformance suite must
//! report it in the right contract area.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    body::Body,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use conformance::{Config, Report, ServerTiming, areas};

use crate::helpers::{TEST_JWT_SECRET, serve, test_router};

/// Serves phase 01 with `bug` applied and runs the whole suite against it.
async fn run_against(bug: impl FnOnce(Router) -> Router) -> Report {
    let app = test_router(&[]).await;
    let base_url = serve(bug(app.router.clone())).await;
    conformance::run(&Config {
        base_url,
        jwt_secret: Some(TEST_JWT_SECRET.to_string()),
        server_timing: Some(ServerTiming::requiring(&["app", "db"])),
    })
    .await
}

fn assert_caught(report: &Report, area: &str) {
    assert!(
        !report.is_success(),
        "the suite passed a broken server:\n{report}"
    );
    let failed = report.area(area).map(|a| a.failed()).unwrap_or(0);
    assert!(
        failed > 0,
        "the bug should fail area `{area}`, but it did not:\n{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_500_to_malformed_json() {
    let report = run_against(|router| {
        router.layer(middleware::map_response(
            |mut response: Response| async move {
                if response.status() == StatusCode::BAD_REQUEST {
                    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                }
                response
            },
        ))
    })
    .await;
    assert_caught(&report, areas::ERRORS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn has_no_liveness_route() {
    // What a server without `GET /health/live` answers there: 404.
    let report = run_against(|router| {
        router.layer(middleware::from_fn(
            |request: Request, next: Next| async move {
                if request.uri().path() == "/health/live" {
                    return StatusCode::NOT_FOUND.into_response();
                }
                next.run(request).await
            },
        ))
    })
    .await;
    assert_caught(&report, areas::HEALTH);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_plain_json_not_problem_json() {
    let report = run_against(|router| {
        router.layer(middleware::map_response(
            |mut response: Response| async move {
                if response.headers()[header::CONTENT_TYPE] == "application/problem+json" {
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    );
                }
                response
            },
        ))
    })
    .await;
    assert_caught(&report, areas::ERRORS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignores_task_ownership() {
    // Remembers who created each task, and answers every request about a task with its
    // owner's credentials: the server now lets anyone see and change anyone's tasks.
    let owners: Arc<Mutex<HashMap<String, HeaderValue>>> = Arc::default();
    let report = run_against(move |router| {
        router.layer(middleware::from_fn(
            move |mut request: Request, next: Next| {
                let owners = Arc::clone(&owners);
                async move {
                    let path = request.uri().path().to_string();
                    let task_path: String = path.split('/').take(5).collect::<Vec<_>>().join("/");
                    let caller = request.headers().get(header::AUTHORIZATION).cloned();
                    if let Some(owner) = owners.lock().unwrap().get(&task_path) {
                        request
                            .headers_mut()
                            .insert(header::AUTHORIZATION, owner.clone());
                    }
                    let response = next.run(request).await;
                    if let (Some(location), Some(caller)) =
                        (response.headers().get(header::LOCATION), caller)
                    {
                        let location = location.to_str().unwrap_or_default().to_string();
                        owners.lock().unwrap().insert(location, caller);
                    }
                    response
                }
            },
        ))
    })
    .await;
    assert_caught(&report, areas::ISOLATION);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignores_skip_when_paging() {
    let report = run_against(|router| {
        router.layer(middleware::map_request(|mut request: Request| async move {
            let query = request.uri().query().unwrap_or_default();
            let kept: Vec<&str> = query
                .split('&')
                .filter(|pair| !pair.starts_with("skip="))
                .collect();
            let uri = format!("{}?{}", request.uri().path(), kept.join("&"));
            *request.uri_mut() = uri.parse().unwrap();
            request
        }))
    })
    .await;
    assert_caught(&report, areas::LIST_TASKS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepts_unsigned_tokens() {
    // Re-signs any `alg: none` token with the real key before the app sees it, which is
    // what a server that skips signature checks for `none` effectively does.
    let report = run_against(|router| {
        router.layer(middleware::map_request(
            |mut request: Request<Body>| async move {
                let token = request
                    .headers()
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .map(str::to_string);
                if let Some(token) = token {
                    let mut parts = token.split('.');
                    let header = parts
                        .next()
                        .and_then(|h| conformance::jwt::decode_segment(h).ok());
                    let claims = parts
                        .next()
                        .and_then(|c| conformance::jwt::decode_segment(c).ok());
                    if let (Some(header), Some(claims)) = (header, claims)
                        && header["alg"] == "none"
                    {
                        let signed =
                            conformance::jwt::sign_hs256(TEST_JWT_SECRET.as_bytes(), &claims)
                                .unwrap();
                        let value = HeaderValue::from_str(&format!("Bearer {signed}")).unwrap();
                        request.headers_mut().insert(header::AUTHORIZATION, value);
                    }
                }
                request
            },
        ))
    })
    .await;
    assert_caught(&report, areas::TOKENS);
}

/// Rewrites (or with `None` removes) every answer's `Server-Timing` header.
fn rewrite_server_timing(
    router: Router,
    rewrite: fn(StatusCode, &str) -> Option<String>,
) -> Router {
    router.layer(middleware::map_response(
        move |mut response: Response| async move {
            let status = response.status();
            let old = response
                .headers_mut()
                .remove("server-timing")
                .and_then(|value| value.to_str().ok().map(str::to_string))
                .unwrap_or_default();
            if let Some(new) = rewrite(status, &old) {
                let value = HeaderValue::from_str(&new).unwrap();
                response.headers_mut().insert("server-timing", value);
            }
            response
        },
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_timing_missing_on_error_answers() {
    let report = run_against(|router| {
        rewrite_server_timing(router, |status, old| {
            (!status.is_client_error()).then(|| old.to_string())
        })
    })
    .await;
    assert_caught(&report, areas::SERVER_TIMING);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_timing_with_a_unit_in_the_duration() {
    let report = run_against(|router| {
        rewrite_server_timing(router, |_, old| Some(old.replacen(";dur=", ";dur=ms", 1)))
    })
    .await;
    assert_caught(&report, areas::SERVER_TIMING);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_timing_without_the_db_entry() {
    let report = run_against(|router| {
        rewrite_server_timing(router, |_, old| {
            Some(
                old.split(", ")
                    .filter(|metric| !metric.starts_with("db;"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
    })
    .await;
    assert_caught(&report, areas::SERVER_TIMING);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unbroken_server_passes() {
    // The control group: the same harness without a bug must pass, or the tests above
    // could be "catching" a harness problem.
    let report = run_against(|router| router).await;
    assert!(report.is_success(), "{report}");
}
