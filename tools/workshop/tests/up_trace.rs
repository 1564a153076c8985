//! `workshop up 03 --trace`, end to end: the real tool starts phase 03 with its span
//! receiver, a stats request goes through the gateway, and the terminal shows the request's
//! waterfall with spans from the gateway, stats-service and task-service under the trace id
//! the request was sent with.

use std::{
    net::TcpListener,
    process::Stdio,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// The trace id the test's request carries in its `traceparent`.
const TRACE_ID: &str = "5ca1ab1e0ddba11ca5cade0f0123abcd";

/// `workshop up ...` as a child process, its stdout collected line by line; interrupted
/// (Ctrl-C, so it stops the phase's processes too) when dropped.
struct Up {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Up {
    fn start(args: &[&str], data: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_workshop"))
            .args(args)
            .arg("--data")
            .arg(data)
            .env("JWT_SECRET", "a-test-secret-that-is-at-least-32-bytes")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start the workshop tool");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().expect("piped stdout");
        let collected = lines.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                collected.lock().unwrap().push(line);
            }
        });
        Self { child, lines }
    }

    fn output(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits until `found` picks something out of the output so far.
    async fn wait_for<T>(&self, timeout: Duration, found: impl Fn(&[String]) -> Option<T>) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(value) = found(&self.output()) {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "not found within {timeout:?}; the output was:\n{}",
                self.output().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn interrupt(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status();
        }
        if tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
        }
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait()
            && let Some(pid) = self.child.id()
        {
            // Ctrl-C, so the tool stops the phase's processes before it exits.
            let _ = std::process::Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status();
            std::thread::sleep(Duration::from_secs(2));
        }
    }
}

/// A port with the next three free too (phase 03 uses four in a row).
fn four_free_ports() -> u16 {
    for _ in 0..200 {
        let base = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        if base < 65_000 && (1..4).all(|next| TcpListener::bind(("127.0.0.1", base + next)).is_ok())
        {
            return base;
        }
    }
    panic!("no four free ports in a row");
}

/// The waterfall printed for `trace_id`: its header line and its rows, up to the blank line.
fn waterfall_of(lines: &[String], trace_id: &str) -> Option<Vec<String>> {
    let start = lines
        .iter()
        .position(|line| line.starts_with(&format!("trace {trace_id}")))?;
    let block: Vec<String> = lines[start..]
        .iter()
        .take_while(|line| !line.trim().is_empty())
        .cloned()
        .collect();
    // Printed at once, so a header without its rows is still being read.
    (block.len() > 2).then_some(block)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_trace_prints_a_waterfall_of_a_stats_request_across_three_processes() {
    let port = four_free_ports();
    let data = tempfile::tempdir().unwrap();
    let mut up = Up::start(
        &["up", "03", "--trace", "--port", &port.to_string()],
        data.path(),
    );
    // The first build of the four binaries can take minutes on a cold cache.
    up.wait_for(Duration::from_secs(600), |lines| {
        lines
            .iter()
            .any(|line| line.contains("is up"))
            .then_some(())
    })
    .await;

    let gateway = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let account = json!({"email": "tracer@example.com", "username": "tracer", "password": "password-of-tracer"});
    let registered = client
        .post(format!("{gateway}/api/v1/auth/register"))
        .json(&account)
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let login: Value = client
        .post(format!("{gateway}/api/v1/auth/login"))
        .json(&json!({"username": "tracer", "password": "password-of-tracer"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().expect("a token").to_string();
    let stats = client
        .get(format!("{gateway}/api/v1/stats"))
        .bearer_auth(&token)
        .header("traceparent", format!("00-{TRACE_ID}-00f067aa0ba902b7-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(stats.status(), 200);

    let waterfall = up
        .wait_for(Duration::from_secs(30), |lines| {
            waterfall_of(lines, TRACE_ID)
        })
        .await;
    let text = waterfall.join("\n");
    assert!(waterfall[0].contains("GET /api/v1/stats"), "{text}");
    let processes: Vec<&str> = waterfall[2..]
        .iter()
        .filter_map(|row| row.split_whitespace().next())
        .collect();
    for process in ["api-gateway", "stats-service", "task-service"] {
        assert!(processes.contains(&process), "no {process} span in\n{text}");
    }
    assert!(
        !processes.contains(&"user-service"),
        "a stats request does not touch user-service\n{text}"
    );
    // The request's own span comes first, and every other span is indented under it.
    let first = &waterfall[2];
    assert!(
        first.contains("api-gateway") && first.contains("0.00 ms"),
        "{text}"
    );
    let header = &waterfall[1];
    let column = header.find("span").expect("a span column");
    assert!(
        waterfall[3..]
            .iter()
            .all(|row| row[column..].starts_with("  ")),
        "{text}"
    );
    up.interrupt().await;
}
