//! The same input gets the same answer on SQLite and on PostgreSQL. A NUL character in any
//! text, and a due date outside years 0001 to 9999 in UTC, were a 500 on PostgreSQL (or
//! stored as sent on SQLite): now each is a 422 naming the field, on both backends alike.

use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_server};

/// One request: a name for the report, the method, the path under `/api/v1`, and the body.
struct Case {
    name: &'static str,
    method: &'static str,
    path: String,
    body: Body,
}

enum Body {
    Json(Value),
    Form(&'static str),
}

/// The inputs, and what every backend must answer: a status and the fields a 422 names.
fn cases(task: i64) -> Vec<(Case, u16, &'static [&'static str])> {
    let json = |name, method, path: &str, body| Case {
        name,
        method,
        path: path.to_string(),
        body: Body::Json(body),
    };
    let signup = |email: &str, username: &str, password: &str| json!({"email": email, "username": username, "password": password});
    let task_path = format!("/tasks/{task}");
    let due = |date: &str| json!({"title": "dated", "due_date": date});
    vec![
        (
            json(
                "register: NUL in email",
                "POST",
                "/auth/register",
                signup("a\u{0}b@example.com", "nul_email", "long enough"),
            ),
            422,
            &["email"],
        ),
        (
            json(
                "register: NUL in username",
                "POST",
                "/auth/register",
                signup("nul.user@example.com", "a\u{0}b", "long enough"),
            ),
            422,
            &["username"],
        ),
        (
            json(
                "register: NUL in password",
                "POST",
                "/auth/register",
                signup("nul.pw@example.com", "nul_pw", "long\u{0}enough"),
            ),
            422,
            &["password"],
        ),
        (
            json(
                "register: NUL in full_name",
                "POST",
                "/auth/register",
                json!({"email": "nul.name@example.com", "username": "nul_name", "password": "long enough", "full_name": "Ann\u{0}"}),
            ),
            422,
            &["full_name"],
        ),
        (
            json(
                "login (JSON): NUL in username",
                "POST",
                "/auth/login",
                json!({"username": "in\u{0}put", "password": "long enough"}),
            ),
            422,
            &["username"],
        ),
        (
            json(
                "login (JSON): NUL in password",
                "POST",
                "/auth/login",
                json!({"username": "input", "password": "long\u{0}enough"}),
            ),
            422,
            &["password"],
        ),
        (
            Case {
                name: "login (form): NUL in username",
                method: "POST",
                path: "/auth/login".into(),
                body: Body::Form("username=in%00put&password=long+enough"),
            },
            422,
            &["username"],
        ),
        (
            Case {
                name: "login (form): NUL in password",
                method: "POST",
                path: "/auth/login".into(),
                body: Body::Form("username=input&password=long%00enough"),
            },
            422,
            &["password"],
        ),
        (
            json(
                "create: NUL in title",
                "POST",
                "/tasks",
                json!({"title": "a\u{0}b"}),
            ),
            422,
            &["title"],
        ),
        (
            json(
                "create: NUL in description",
                "POST",
                "/tasks",
                json!({"title": "t", "description": "a\u{0}b"}),
            ),
            422,
            &["description"],
        ),
        (
            json(
                "create: due_date in year 0000",
                "POST",
                "/tasks",
                due("0000-01-01T00:00:00Z"),
            ),
            422,
            &["due_date"],
        ),
        (
            json(
                "create: due_date in year 0000 once in UTC",
                "POST",
                "/tasks",
                due("0001-01-01T00:00:00+01:00"),
            ),
            422,
            &["due_date"],
        ),
        (
            json(
                "create: due_date in year 10000 once in UTC",
                "POST",
                "/tasks",
                due("9999-12-31T23:59:59-01:00"),
            ),
            422,
            &["due_date"],
        ),
        (
            json(
                "create: due_date in year +99999",
                "POST",
                "/tasks",
                due("+99999-01-01T00:00:00Z"),
            ),
            422,
            &["due_date"],
        ),
        (
            json(
                "update: NUL in title",
                "PUT",
                &task_path,
                json!({"title": "a\u{0}b"}),
            ),
            422,
            &["title"],
        ),
        (
            json(
                "update: NUL in description",
                "PUT",
                &task_path,
                json!({"description": "a\u{0}b"}),
            ),
            422,
            &["description"],
        ),
        (
            json(
                "update: due_date in year 0000",
                "PUT",
                &task_path,
                json!({"due_date": "0000-01-01T00:00:00Z"}),
            ),
            422,
            &["due_date"],
        ),
        (
            json(
                "create: due_date at the start of year 0001",
                "POST",
                "/tasks",
                due("0001-01-01T00:00:00Z"),
            ),
            201,
            &[],
        ),
        (
            json(
                "create: due_date at the end of year 9999",
                "POST",
                "/tasks",
                due("9999-12-31T23:59:59.999999Z"),
            ),
            201,
            &[],
        ),
    ]
}

/// Each case's name, status and the fields a 422 named, on a fresh server of `backend`.
async fn answers(backend: Backend) -> Option<Vec<(&'static str, u16, Vec<String>)>> {
    let server = spawn_server(backend).await?;
    let client = Client::new();
    let (token, task) = server.user_with_a_task(&client, "input", "a target").await;
    let mut answers = Vec::new();
    for (case, _, _) in cases(task["id"].as_i64().expect("an id")) {
        let method = case.method.parse().expect("a method");
        let request = client
            .request(method, server.api(&case.path))
            .bearer_auth(&token);
        let request = match case.body {
            Body::Json(body) => request.json(&body),
            Body::Form(body) => request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        };
        let reply = request.send().await.expect("an answer");
        let status = reply.status().as_u16();
        let body: Value = reply.json().await.unwrap_or(Value::Null);
        let fields = body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default();
        answers.push((case.name, status, fields));
    }
    Some(answers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_characters_and_unstorable_dates_are_the_same_422_on_sqlite_and_postgres() {
    let sqlite = answers(Backend::Sqlite).await.expect("SQLite always runs");
    let expected: Vec<_> = cases(1)
        .into_iter()
        .map(|(case, status, fields)| {
            let fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
            (case.name, status, fields)
        })
        .collect();
    assert_eq!(sqlite, expected, "SQLite");
    let Some(postgres) = answers(Backend::Postgres).await else {
        return; // PostgreSQL not configured on this machine; the helper said so.
    };
    assert_eq!(postgres, sqlite, "PostgreSQL answers otherwise than SQLite");
}
