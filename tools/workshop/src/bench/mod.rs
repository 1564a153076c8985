//! `workshop bench`: the same workloads against each phase, on the same machine, with the
//! same seeded data, so the cost of each architectural step is measured, not claimed.
//!
//! The run also measures the ceiling (`tools/ceiling`): a bare axum route answering the
//! task read with no auth and no database. Measured in the same run, with the same load
//! generator, it turns each phase's task reads into a share of what axum alone serves on
//! this machine, a ratio anyone can reproduce on their own.

pub mod load;
mod process_stats;
mod report;

use std::{fmt, path::PathBuf, str::FromStr, time::Duration};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::{Client, Method};
use serde::{Serialize, Serializer};
use serde_json::json;

pub use load::{Measurement, Request};
pub use report::{render_svg, render_table};

use crate::phases::{self, Launch, Phase, Process, Profile, RunningPhase};

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub phases: Vec<Target>,
    pub duration: Duration,
    pub concurrency: Vec<usize>,
    pub out: PathBuf,
}

/// The requests every phase is measured with. Writes come last, so the reads all see the
/// same 100 seeded tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    GetTask,
    ListTasks,
    Stats,
    Login,
    CreateTask,
}

impl Workload {
    pub const ALL: [Workload; 5] = [
        Workload::GetTask,
        Workload::ListTasks,
        Workload::Stats,
        Workload::Login,
        Workload::CreateTask,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Workload::GetTask => "GET /api/v1/tasks/{id}",
            Workload::ListTasks => "GET /api/v1/tasks?limit=20",
            Workload::Stats => "GET /api/v1/stats",
            Workload::Login => "POST /api/v1/auth/login",
            Workload::CreateTask => "POST /api/v1/tasks",
        }
    }
}

/// What `workshop bench` measures: a phase, or the ceiling that every phase is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `tools/ceiling`: serves only the task read, so it runs only that workload.
    Ceiling,
    Phase(Phase),
}

impl Target {
    /// What a plain `workshop bench` measures: the ceiling first, then every phase.
    pub const DEFAULT: [Target; 4] = [
        Target::Ceiling,
        Target::Phase(Phase::Monolith),
        Target::Phase(Phase::ModularMonolith),
        Target::Phase(Phase::Microservices),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Ceiling => "ceiling",
            Target::Phase(phase) => phase.name(),
        }
    }

    pub fn processes(self) -> &'static [Process] {
        match self {
            Target::Ceiling => phases::CEILING,
            Target::Phase(phase) => phase.processes(),
        }
    }

    /// The workloads this target can serve.
    pub fn workloads(self) -> &'static [Workload] {
        match self {
            Target::Ceiling => &[Workload::GetTask],
            Target::Phase(_) => &Workload::ALL,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Target {
    type Err = String;

    /// `ceiling`, or anything that names a phase (`01`, `monolith`, ...).
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        if raw.trim().eq_ignore_ascii_case("ceiling") {
            return Ok(Target::Ceiling);
        }
        raw.parse()
            .map(Target::Phase)
            .map_err(|_| format!("unknown benchmark target {raw:?}: use ceiling, 01, 02 or 03"))
    }
}

/// In `results.json` as before: a phase as its number (`"01"`), the ceiling as `"ceiling"`.
impl Serialize for Target {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Target::Ceiling => serializer.serialize_str("ceiling"),
            Target::Phase(phase) => phase.serialize(serializer),
        }
    }
}

/// Tasks seeded for the benchmark user before measuring.
pub const SEEDED_TASKS: usize = 100;
const WARM_UP: Duration = Duration::from_secs(1);

/// Everything one run measured: written as JSON, rendered as a table and a chart.
#[derive(Debug, Serialize)]
pub struct BenchResults {
    pub started_at: String,
    pub machine: String,
    pub duration_seconds: f64,
    pub phases: Vec<PhaseResult>,
}

#[derive(Debug, Serialize)]
pub struct PhaseResult {
    pub phase: Target,
    pub runs: Vec<WorkloadRun>,
    /// CPU seconds the phase's processes spent during the measurements (warm-ups included).
    pub cpu_seconds: Option<f64>,
    pub peak_rss_mib: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct WorkloadRun {
    pub workload: &'static str,
    pub concurrency: usize,
    pub measurement: Measurement,
}

pub async fn bench(options: &BenchOptions) -> anyhow::Result<BenchResults> {
    let names: Vec<&str> = options.phases.iter().map(|target| target.name()).collect();
    let binaries: Vec<&str> = options
        .phases
        .iter()
        .flat_map(|target| target.processes())
        .map(|process| process.binary)
        .collect();
    phases::build_binaries(&names.join(", "), &binaries, Profile::Release).await?;

    let steps: usize = options
        .phases
        .iter()
        .map(|target| target.workloads().len() * options.concurrency.len())
        .sum();
    let progress = ProgressBar::new(steps as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut results = BenchResults {
        started_at: chrono::Utc::now().to_rfc3339(),
        machine: machine_description(),
        duration_seconds: options.duration.as_secs_f64(),
        phases: Vec::new(),
    };
    for &target in &options.phases {
        progress.set_message(format!("{target}: starting"));
        let data = tempfile::tempdir()?;
        // Rate limiting off: one client IP sends everything, the limiter would measure itself.
        let launch = Launch::private(Profile::Release, data.path(), false)?;
        let running =
            RunningPhase::start_processes(target.name(), target.processes(), &launch).await?;
        let outcome = measure_phase(target, &running, options, &progress).await;
        let usage = process_stats::usage(&running.pids());
        running.stop().await;
        results.phases.push(PhaseResult {
            phase: target,
            runs: outcome?,
            cpu_seconds: usage.cpu_seconds,
            peak_rss_mib: usage.peak_rss_mib,
        });
    }
    progress.finish_with_message("done");
    Ok(results)
}

async fn measure_phase(
    target: Target,
    running: &RunningPhase,
    options: &BenchOptions,
    progress: &ProgressBar,
) -> anyhow::Result<Vec<WorkloadRun>> {
    let client = Client::builder().pool_max_idle_per_host(256).build()?;
    let seeded = match target {
        Target::Ceiling => Seeded::ceiling(&running.base_url),
        Target::Phase(_) => seed(&client, &running.base_url).await?,
    };
    let mut runs = Vec::new();
    for &workload in target.workloads() {
        let request = seeded.request(workload);
        for &concurrency in &options.concurrency {
            progress.set_message(format!(
                "{}: {} ×{concurrency}",
                running.name,
                workload.label()
            ));
            load::run(&client, &request, concurrency, WARM_UP).await?;
            let measurement = load::run(&client, &request, concurrency, options.duration).await?;
            runs.push(WorkloadRun {
                workload: workload.label(),
                concurrency,
                measurement,
            });
            progress.inc(1);
        }
    }
    Ok(runs)
}

/// The benchmark user and what the workloads need to know about its data.
struct Seeded {
    base_url: String,
    token: String,
    task_id: i64,
    username: String,
}

const PASSWORD: &str = "benchmark-password";

/// About the length of the JWT a phase issues (header, `sub`/`iat`/`exp` claims, HS256).
const CEILING_TOKEN_LEN: usize = 150;

async fn seed(client: &Client, base_url: &str) -> anyhow::Result<Seeded> {
    let username = format!("bench{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let registered = client
        .post(format!("{base_url}/api/v1/auth/register"))
        .json(&json!({"email": format!("{username}@example.com"), "username": username, "password": PASSWORD}))
        .send()
        .await?;
    if !registered.status().is_success() {
        bail!("seeding: register answered {}", registered.status());
    }
    let login: serde_json::Value = client
        .post(format!("{base_url}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = login["access_token"]
        .as_str()
        .context("seeding: login returned no token")?
        .to_string();
    let mut task_id = 0;
    for i in 0..SEEDED_TASKS {
        let statuses = ["todo", "in_progress", "done"];
        let priorities = ["low", "medium", "high"];
        let task: serde_json::Value = client
            .post(format!("{base_url}/api/v1/tasks"))
            .bearer_auth(&token)
            .json(&json!({
                "title": format!("benchmark task {i}"),
                "status": statuses[i % 3],
                "priority": priorities[i % 3],
                "due_date": if i % 4 == 0 { Some("2020-01-01T00:00:00Z") } else { None },
            }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        task_id = task["id"]
            .as_i64()
            .context("seeding: a created task has no id")?;
    }
    Ok(Seeded {
        base_url: base_url.to_string(),
        token,
        task_id,
        username,
    })
}

impl Seeded {
    /// The ceiling has no users and no data: it answers any task id, and ignores the token.
    /// The load generator still sends one as long as a real token, so that its own work per
    /// request, and the bytes the server parses, are those of a phase's task read.
    fn ceiling(base_url: &str) -> Self {
        Seeded {
            base_url: base_url.to_string(),
            token: "x".repeat(CEILING_TOKEN_LEN),
            task_id: SEEDED_TASKS as i64,
            username: String::new(),
        }
    }

    fn request(&self, workload: Workload) -> Request {
        let (method, path, body) = match workload {
            Workload::GetTask => (Method::GET, format!("/api/v1/tasks/{}", self.task_id), None),
            Workload::ListTasks => (Method::GET, "/api/v1/tasks?limit=20".into(), None),
            Workload::Stats => (Method::GET, "/api/v1/stats".into(), None),
            Workload::Login => {
                let body = json!({"username": self.username, "password": PASSWORD});
                (Method::POST, "/api/v1/auth/login".into(), Some(body))
            }
            Workload::CreateTask => (
                Method::POST,
                "/api/v1/tasks".into(),
                Some(json!({"title": "benchmark write"})),
            ),
        };
        Request {
            method,
            url: format!("{}{path}", self.base_url),
            token: (workload != Workload::Login).then(|| self.token.clone()),
            body,
        }
    }
}

fn machine_description() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!(
        "{cores} cores, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}
