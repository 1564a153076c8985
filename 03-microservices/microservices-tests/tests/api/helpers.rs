//! Test fixtures: fresh databases (one per service), and the four services started as real
//! processes from their binaries, on free ports.

pub use crate::fault_proxy::FaultProxy;

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

/// Where a test's data lives. Each test gets its own, so tests never see each other's rows.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const TEST_JWT_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";

/// A fresh, empty database for one service (`name` names the SQLite file), or `None` when
/// PostgreSQL is wanted but not configured.
///
/// PostgreSQL tests need `TEST_POSTGRES_URL`, an admin URL such as
/// `postgres://app@localhost:55432/postgres`; each service of each test gets its own
/// database there. On a laptop without it they are skipped with a message; in CI
/// (`CI=true`) a missing server is a failure, never a silent skip.
pub async fn fresh_database_url(
    backend: Backend,
    folder: &tempfile::TempDir,
    name: &str,
) -> Option<String> {
    match backend {
        Backend::Sqlite => Some(format!(
            "sqlite://{}/{name}.sqlite3?mode=rwc",
            folder.path().display()
        )),
        Backend::Postgres => {
            let Some(admin_url) = std::env::var("TEST_POSTGRES_URL")
                .ok()
                .filter(|u| !u.is_empty())
            else {
                if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                    panic!(
                        "CI=true but TEST_POSTGRES_URL is not set: PostgreSQL tests must run in CI"
                    );
                }
                eprintln!(
                    "SKIPPED: PostgreSQL test (set TEST_POSTGRES_URL=postgres://user@host:port/postgres to run it)"
                );
                return None;
            };
            use sqlx::{Connection, Executor};
            let database = format!("tasktracker_{name}_{}", uuid::Uuid::new_v4().simple());
            let mut admin = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("connect to TEST_POSTGRES_URL");
            admin
                .execute(format!(r#"CREATE DATABASE "{database}""#).as_str())
                .await
                .expect("create a test database");
            let base = admin_url.split('?').next().unwrap_or(&admin_url);
            let (server, _) = base
                .rsplit_once('/')
                .expect("TEST_POSTGRES_URL has a database path");
            Some(format!("{server}/{database}"))
        }
    }
}

/// The four services as real processes, each on a free port, the two with data each on its
/// own fresh database, all sharing one `JWT_SECRET`: exactly how they run in production.
pub struct System {
    pub users: ServiceProcess,
    pub tasks: ServiceProcess,
    pub stats: ServiceProcess,
    pub gateway: ServiceProcess,
    _data: tempfile::TempDir,
}

/// What a test changes about how [`System::start_with`] starts the services.
#[derive(Default)]
pub struct Options<'a> {
    /// Variables for every service (the gateway too).
    pub every: &'a [(&'a str, &'a str)],
    /// Variables for stats-service only (timeouts, breaker).
    pub stats: &'a [(&'a str, &'a str)],
    /// stats-service reaches task-service through this proxy instead of directly.
    pub stats_to_tasks_through: Option<&'a FaultProxy>,
}

impl System {
    /// Starts user-, task- and stats-service and the gateway in front of them, and waits
    /// until each answers `/health`; `stats_env` tunes stats-service (timeouts, breaker).
    /// `None` when PostgreSQL is wanted but not configured (the helper said so).
    pub async fn start(backend: Backend, stats_env: &[(&str, &str)]) -> Option<Self> {
        Self::start_with(
            backend,
            Options {
                stats: stats_env,
                ..Options::default()
            },
        )
        .await
    }

    /// [`System::start`] with more [`Options`].
    pub async fn start_with(backend: Backend, options: Options<'_>) -> Option<Self> {
        let data = tempfile::tempdir().expect("create a temp dir");
        let users_db = fresh_database_url(backend, &data, "users").await?;
        let tasks_db = fresh_database_url(backend, &data, "tasks").await?;
        let with = |own: &[(&str, &str)]| -> Vec<(String, String)> {
            options
                .every
                .iter()
                .chain(own)
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let users =
            ServiceProcess::start("user-service", &with(&[("DATABASE_URL", &users_db)])).await;
        let tasks =
            ServiceProcess::start("task-service", &with(&[("DATABASE_URL", &tasks_db)])).await;
        let tasks_url = match options.stats_to_tasks_through {
            Some(proxy) => {
                proxy.forward_to(&tasks.url);
                proxy.url.clone()
            }
            None => tasks.url.clone(),
        };
        let mut stats_env = with(&[("TASK_SERVICE_URL", &tasks_url)]);
        stats_env.extend(
            options
                .stats
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let stats = ServiceProcess::start("stats-service", &stats_env).await;
        let gateway = ServiceProcess::start(
            "api-gateway",
            &with(&[
                ("USER_SERVICE_URL", &users.url),
                ("TASK_SERVICE_URL", &tasks.url),
                ("STATS_SERVICE_URL", &stats.url),
                ("RATE_LIMIT_PER_SECOND", "0"),
            ]),
        )
        .await;
        Some(Self {
            users,
            tasks,
            stats,
            gateway,
            _data: data,
        })
    }
}

/// Builds the four binaries once per test run (a no-op when they are up to date) and
/// returns the folder they are in.
pub fn binaries() -> &'static PathBuf {
    static FOLDER: OnceLock<PathBuf> = OnceLock::new();
    FOLDER.get_or_init(|| {
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "-p",
                "user-service",
                "-p",
                "task-service",
                "-p",
                "stats-service",
                "-p",
                "api-gateway",
                "--bins",
            ])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building the service binaries failed");
        // This test binary is target/<profile>/deps/<name>; the binaries are in target/<profile>.
        let exe = std::env::current_exe().expect("the test binary's path");
        exe.parent()
            .and_then(|deps| deps.parent())
            .expect("target/<profile>")
            .to_path_buf()
    })
}

/// A free port on loopback (bound, then released for the service to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// One service binary running as a child process; killed when dropped.
pub struct ServiceProcess {
    pub name: &'static str,
    pub url: String,
    port: u16,
    env: Vec<(String, String)>,
    child: Option<Child>,
}

impl ServiceProcess {
    /// Starts `name` on a free port with `env` (plus `PORT`, `JWT_SECRET`, quiet logs)
    /// and waits until its `/health` answers. A variable named twice takes its last value.
    pub async fn start(name: &'static str, env: &[(String, String)]) -> Self {
        let port = free_port();
        let mut process = Self {
            name,
            url: format!("http://127.0.0.1:{port}"),
            port,
            env: env.to_vec(),
            child: None,
        };
        process.restart().await;
        process
    }

    /// Changes one setting for the next [`restart`](Self::restart).
    pub fn set_env(&mut self, name: &str, value: &str) {
        self.env.retain(|(key, _)| key != name);
        self.env.push((name.to_string(), value.to_string()));
    }

    /// Stops the process (SIGKILL: as abrupt as a crash).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process again on the same port with the same settings.
    pub async fn restart(&mut self) {
        self.stop();
        let child = Command::new(binaries().join(self.name))
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("PORT", self.port.to_string())
            .env("JWT_SECRET", TEST_JWT_SECRET)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("start {}: {error}", self.name));
        self.child = Some(child);
        self.wait_until_answering().await;
    }

    async fn wait_until_answering(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(answer) = client.get(format!("{}/health", self.url)).send().await
                && answer.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not answer /health within 30 s",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        self.stop();
    }
}
