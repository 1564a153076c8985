//! task-service on SQLite under concurrent requests, over real HTTP: one writer connection
//! and a pool of readers must lose no write, answer no 5xx, and let every caller read its
//! own write at once, and concurrent toggles of one task lose none. Phases 01 and 02 test
//! the same in `tests/api/concurrency.rs`.
//!
//! These are tests that can fail, not benchmarks. In `shared_kernel::db`, give the writer
//! pool 8 connections and add `busy_timeout = 0` to the SQLite pragmas, and the writers
//! meet in SQLite's lock: both tests fail, with 500s ("database is locked").

use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::helpers::{spawn_server, token_for};

/// As many writers as a busy server's connections, each writing for this long.
const WRITERS: usize = 32;
const WRITING_FOR: Duration = Duration::from_secs(3);

/// What one writer did, by the answers it got.
#[derive(Default)]
struct Tally {
    created: i64,
    done: i64,
    deleted: i64,
    server_errors: Vec<(StatusCode, String)>,
}

/// 32 writers create tasks, mark every third one done and delete every fifth, for a few
/// seconds. Every answer must be a success, and the totals read back through the API must
/// be exactly what the writers were told they wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_lose_no_write_and_get_no_5xx() {
    let (base_url, _data) = spawn_server().await;
    let token = token_for(1);
    let client = Client::new();
    let deadline = Instant::now() + WRITING_FOR;
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (client, base_url, token) = (client.clone(), base_url.clone(), token.clone());
            tokio::spawn(
                async move { write_until(&client, &base_url, &token, writer, deadline).await },
            )
        })
        .collect();
    let mut total = Tally::default();
    for writer in writers {
        let tally = writer.await.expect("a writer panicked");
        total.created += tally.created;
        total.done += tally.done;
        total.deleted += tally.deleted;
        total.server_errors.extend(tally.server_errors);
    }
    assert!(
        total.server_errors.is_empty(),
        "{} answers were 5xx, the first: {:?}",
        total.server_errors.len(),
        total.server_errors.first()
    );
    assert!(
        total.created >= WRITERS as i64,
        "every writer should have written"
    );

    let count = |query: &'static str| {
        let (client, base_url, token) = (&client, &base_url, &token);
        async move {
            let list: Value = client
                .get(format!("{base_url}/api/v1/tasks?limit=1{query}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("task-service answers")
                .json()
                .await
                .expect("a task list");
            list["total"].clone()
        }
    };
    assert_eq!(
        count("").await,
        json!(total.created - total.deleted),
        "tasks lost or doubled"
    );
    assert_eq!(
        count("&status=done").await,
        json!(total.done),
        "status changes lost"
    );
}

/// One writer's loop: create; every third task, mark it done; every fifth, delete it.
async fn write_until(
    client: &Client,
    base_url: &str,
    token: &str,
    writer: usize,
    deadline: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        let created = client
            .post(format!("{base_url}/api/v1/tasks"))
            .bearer_auth(token)
            .json(&json!({"title": format!("writer {writer}, task {n}")}))
            .send()
            .await
            .expect("task-service answers");
        let status = created.status();
        let body: Value = created.json().await.unwrap_or_default();
        if status.is_server_error() {
            tally.server_errors.push((status, body.to_string()));
            continue;
        }
        assert_eq!(status, StatusCode::CREATED, "{body}");
        tally.created += 1;
        let task = format!("{base_url}/api/v1/tasks/{}", body["id"]);
        let answer = if n % 5 == 0 {
            client.delete(&task).bearer_auth(token).send().await
        } else if n % 3 == 0 {
            client
                .patch(format!("{task}/status"))
                .bearer_auth(token)
                .json(&json!({"status": "done"}))
                .send()
                .await
        } else {
            continue;
        };
        let answer = answer.expect("task-service answers");
        let status = answer.status();
        if status.is_server_error() {
            let body = answer.text().await.unwrap_or_default();
            tally.server_errors.push((status, body));
            continue;
        }
        assert!(status.is_success(), "{status}");
        if n % 5 == 0 {
            tally.deleted += 1;
        } else {
            tally.done += 1;
        }
    }
    tally
}

/// A create answered 201, then at once a GET of the same task: it must be there, many
/// times over and from many callers at once. It holds because the writer's INSERT has
/// committed before the 201 is sent, and in WAL mode a read transaction that starts after
/// a commit sees it, on whichever reader connection it runs (see `shared_kernel::Pools`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_read_after_the_callers_own_write_sees_it() {
    let (base_url, _data) = spawn_server().await;
    let token = token_for(1);
    let client = Client::new();
    let callers: Vec<_> = (0..WRITERS)
        .map(|caller| {
            let (client, base_url, token) = (client.clone(), base_url.clone(), token.clone());
            tokio::spawn(async move {
                for n in 0..25 {
                    let title = format!("caller {caller}, task {n}");
                    let created = client
                        .post(format!("{base_url}/api/v1/tasks"))
                        .bearer_auth(&token)
                        .json(&json!({"title": title}))
                        .send()
                        .await
                        .expect("task-service answers");
                    assert_eq!(created.status(), StatusCode::CREATED);
                    let created: Value = created.json().await.expect("a task");
                    let task = format!("{base_url}/api/v1/tasks/{}", created["id"]);
                    let read = client
                        .get(&task)
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("task-service answers");
                    assert_eq!(read.status(), StatusCode::OK, "{task} not visible at once");
                    let read: Value = read.json().await.expect("a task");
                    assert_eq!(read["title"], json!(title));
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.expect("a caller saw a stale read");
    }
}

/// How many toggles race on one task: an even number, so the task ends where it started.
const TOGGLES: usize = 100;

/// 100 concurrent toggles of one `todo` task: each is one statement, so each sees the one
/// before. Exactly half answer `done`, half `todo`, the task ends `todo`, and its
/// `updated_at` is the latest any toggle answered. Phases 01 and 02 test the same, on SQLite
/// and PostgreSQL, in `tests/api/concurrency.rs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_toggles_are_atomic() {
    let (base_url, _data) = spawn_server().await;
    let token = token_for(1);
    let client = Client::new();
    let created: Value = client
        .post(format!("{base_url}/api/v1/tasks"))
        .bearer_auth(&token)
        .json(&json!({"title": "toggled by many"}))
        .send()
        .await
        .expect("task-service answers")
        .json()
        .await
        .expect("a task");
    assert_eq!(created["status"], "todo");
    let task = format!("{base_url}/api/v1/tasks/{}", created["id"]);
    let toggles: Vec<_> = (0..TOGGLES)
        .map(|_| {
            let (client, task, token) = (client.clone(), task.clone(), token.clone());
            tokio::spawn(async move {
                let reply = client
                    .post(format!("{task}/toggle"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("task-service answers");
                let status = reply.status();
                let body: Value = reply.json().await.expect("a JSON answer");
                assert_eq!(status, StatusCode::OK, "{body:?}");
                body
            })
        })
        .collect();
    let mut answers = Vec::new();
    for toggle in toggles {
        answers.push(toggle.await.expect("a toggle panicked"));
    }
    let said = |status: &str| answers.iter().filter(|a| a["status"] == status).count();
    assert_eq!(
        (said("done"), said("todo")),
        (TOGGLES / 2, TOGGLES / 2),
        "toggles lost"
    );
    // Always UTC with a `Z` and six fractional digits, so the text orders as the time does.
    let latest = answers
        .iter()
        .map(|a| a["updated_at"].as_str().expect("updated_at").to_string())
        .max()
        .expect("answers");
    let read_back: Value = client
        .get(&task)
        .bearer_auth(&token)
        .send()
        .await
        .expect("task-service answers")
        .json()
        .await
        .expect("a task");
    assert_eq!(read_back["status"], "todo", "the final state");
    assert_eq!(read_back["updated_at"], json!(latest));
}
