//! Start-up, run as the real binary: a setting that is present and invalid stops the
//! program with a message naming it, and what it prints never holds a secret.

use std::{
    process::{Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use crate::helpers::{SERVER_BINARY, TEST_JWT_SECRET};

/// Longer than the binary takes to refuse a setting, even on a busy machine.
const REFUSAL_WITHIN: Duration = Duration::from_secs(20);

/// Runs the server binary with a runnable environment plus `vars`, in an empty folder (so
/// no `.env` file is read), and returns how it ended and everything it printed. Fails when
/// the binary is still running after [`REFUSAL_WITHIN`]: it started instead of refusing.
fn start_with(vars: &[(&str, &str)]) -> (ExitStatus, String) {
    let folder = tempfile::tempdir().expect("create a temp dir");
    let mut child = Command::new(SERVER_BINARY)
        .env_clear()
        .current_dir(folder.path())
        .envs([
            ("HOST", "127.0.0.1"),
            ("PORT", "0"),
            ("DATABASE_URL", "sqlite::memory:"),
            ("JWT_SECRET", TEST_JWT_SECRET),
        ])
        .envs(vars.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server binary");
    let started = Instant::now();
    let exited = loop {
        if child.try_wait().expect("poll the server").is_some() {
            break true;
        }
        if started.elapsed() > REFUSAL_WITHIN {
            child.kill().expect("stop the server");
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = child.wait_with_output().expect("read the server's output");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        exited,
        "the server started instead of refusing {vars:?}:\n{printed}"
    );
    (output.status, printed)
}

#[test]
fn an_invalid_rust_log_stops_start_up_naming_it() {
    let (status, printed) = start_with(&[("RUST_LOG", "garbage===")]);
    assert!(!status.success(), "{printed}");
    assert!(printed.contains("RUST_LOG"), "{printed}");
}

#[test]
fn an_invalid_database_url_is_refused_without_printing_its_password() {
    let password = "hunter2-do-not-print";
    let url = format!("postgres://app:{password}@localhost:not-a-port/tasks");
    let (status, printed) = start_with(&[("DATABASE_URL", &url)]);
    assert!(!status.success(), "{printed}");
    assert!(printed.contains("DATABASE_URL"), "{printed}");
    assert!(
        !printed.contains(password),
        "the password was printed:\n{printed}"
    );
}
