//! The server's timeouts, over real sockets: a client that stops sending its headers is
//! disconnected; a request that outruns its deadline is answered 503; PostgreSQL cancels a
//! statement that outruns the statement timeout; a shutdown waits for the requests in
//! flight only as long as its grace period.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use axum::{Router, extract::State, routing::get};
use monolith::{
    config::{ServerTimeouts, with_statement_timeout},
    error::ApiError,
    repositories::{Database, RepositoryError},
    services::ServiceError,
    startup::{Application, serve},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::oneshot,
    task::JoinHandle,
};

use crate::helpers::{Backend, fresh_database_url, test_settings};

fn timeouts(header_read: u64, request: u64, shutdown_grace: u64) -> ServerTimeouts {
    ServerTimeouts {
        header_read: Duration::from_secs(header_read),
        request: Duration::from_secs(request),
        shutdown_grace: Duration::from_secs(shutdown_grace),
    }
}

/// `router` served by [`serve`] on a random port: its address, the switch that starts the
/// shutdown, and the serving task (done once the server has stopped).
async fn serving(
    router: Router,
    timeouts: ServerTimeouts,
) -> (SocketAddr, oneshot::Sender<()>, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, router, timeouts, async {
        let _ = stopped.await;
    }));
    (address, stop, server)
}

/// A route that answers after `delay`.
fn slow(delay: Duration) -> Router {
    Router::new().route(
        "/slow",
        get(move || async move {
            tokio::time::sleep(delay).await;
            "done"
        }),
    )
}

#[tokio::test]
async fn a_client_that_stops_sending_its_headers_is_disconnected() {
    let (url, _data) = fresh_database_url(Backend::Sqlite).await.unwrap();
    let settings = test_settings(&url, &[("HTTP_HEADER_TIMEOUT_SECONDS", "1")]);
    let application = Application::build(settings).await.expect("build");
    let address = application.address().unwrap();
    tokio::spawn(application.run_until_stopped());

    let mut client = TcpStream::connect(address).await.unwrap();
    // Half a request: the blank line that ends the headers never comes.
    client
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut answer))
        .await
        .is_ok();
    assert!(
        closed,
        "the connection was still open after 10 s, holding a server connection"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "closed after {:?}, not at the 1 s header timeout",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_request_past_its_deadline_is_a_503_problem() {
    let (address, _stop, _server) =
        serving(slow(Duration::from_secs(5)), timeouts(10, 1, 10)).await;
    let started = Instant::now();
    let response = reqwest::get(format!("http://{address}/slow"))
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 503);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("a dependency is unavailable"),
        "{problem}"
    );
}

/// `GET /slow` on a route that runs `pg_sleep(5)` on a fresh PostgreSQL database, as a
/// repository would, with the given statement timeout and request deadline: the answer's
/// status, how long it took, and its body. `None` without PostgreSQL.
async fn sleep_in_postgresql(
    statement_timeout: Duration,
    request_deadline: u64,
) -> Option<(reqwest::StatusCode, Duration, serde_json::Value)> {
    async fn sleep(State(database): State<Database>) -> Result<&'static str, ApiError> {
        sqlx::query("SELECT pg_sleep(5)")
            .execute(&database.pools().read)
            .await
            .map_err(|error| ServiceError::from(RepositoryError::from(error)))?;
        Ok("done")
    }
    let (url, _) = fresh_database_url(Backend::Postgres).await?;
    let database = Database::connect(&with_statement_timeout(&url, statement_timeout))
        .await
        .expect("connect");
    let router = Router::new()
        .route("/slow", get(sleep))
        .with_state(database);
    let (address, _stop, _server) = serving(router, timeouts(10, request_deadline, 10)).await;
    let started = Instant::now();
    let response = reqwest::get(format!("http://{address}/slow"))
        .await
        .unwrap();
    let took = started.elapsed();
    Some((
        response.status(),
        took,
        response.json().await.unwrap_or_default(),
    ))
}

#[tokio::test]
async fn postgresql_cancels_a_statement_past_the_statement_timeout() {
    let Some((status, took, problem)) = sleep_in_postgresql(Duration::from_millis(300), 30).await
    else {
        return;
    };
    assert_eq!(status, reqwest::StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        took < Duration::from_secs(3),
        "the statement ran for {took:?}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("a dependency is unavailable"),
        "{problem}"
    );
}

#[tokio::test]
async fn a_slow_postgresql_statement_is_cut_off_by_the_request_deadline() {
    let Some((status, took, _)) = sleep_in_postgresql(Duration::from_secs(30), 1).await else {
        return;
    };
    assert_eq!(status, reqwest::StatusCode::SERVICE_UNAVAILABLE);
    assert!(took < Duration::from_secs(4), "{took:?}");
}

#[tokio::test]
async fn a_shutdown_lets_a_request_in_flight_finish_within_the_grace_period() {
    let (address, stop, server) =
        serving(slow(Duration::from_millis(1500)), timeouts(10, 30, 10)).await;
    let request = tokio::spawn(reqwest::get(format!("http://{address}/slow")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(()).unwrap();
    let response = request
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert_eq!(response.text().await.unwrap(), "done");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops once its requests are done")
        .unwrap();
}

#[tokio::test]
async fn a_shutdown_cuts_off_what_still_runs_at_the_end_of_the_grace_period() {
    let (address, stop, server) = serving(slow(Duration::from_secs(20)), timeouts(10, 30, 1)).await;
    let request = tokio::spawn(reqwest::get(format!("http://{address}/slow")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopping = Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server waited past its 1 s grace period")
        .unwrap();
    assert!(
        stopping.elapsed() >= Duration::from_millis(900),
        "stopped after {:?}, before the grace period ended",
        stopping.elapsed()
    );
    let cut_off = tokio::time::timeout(Duration::from_secs(5), request)
        .await
        .expect("the client is told at once")
        .unwrap();
    assert!(cut_off.is_err(), "{cut_off:?}");
    assert!(
        TcpStream::connect(address).await.is_err(),
        "a stopped server accepts no connection"
    );
}
