//! `workshop bench`: the same workloads against each phase, on the same machine, with the
//! same seeded data, so the cost of each architectural step is measured, not claimed.

pub mod load;
mod process_stats;
mod report;

use std::{path::PathBuf, time::Duration};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::{Client, Method};
use serde::Serialize;
use serde_json::json;

pub use load::{Measurement, Request};
pub use report::{render_svg, render_table};

use crate::phases::{self, Launch, Phase, Profile, RunningPhase};

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub phases: Vec<Phase>,
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
    pub phase: Phase,
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
    phases::build(&options.phases, Profile::Release).await?;

    let steps = options.phases.len() * Workload::ALL.len() * options.concurrency.len();
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
    for &phase in &options.phases {
        progress.set_message(format!("{phase}: starting"));
        let data = tempfile::tempdir()?;
        // Rate limiting off: one client IP sends everything, the limiter would measure itself.
        let launch = Launch::private(Profile::Release, data.path(), false)?;
        let running = RunningPhase::start(phase, &launch).await?;
        let outcome = measure_phase(&running, options, &progress).await;
        let usage = process_stats::usage(&running.pids());
        running.stop().await;
        results.phases.push(PhaseResult {
            phase,
            runs: outcome?,
            cpu_seconds: usage.cpu_seconds,
            peak_rss_mib: usage.peak_rss_mib,
        });
    }
    progress.finish_with_message("done");
    Ok(results)
}

async fn measure_phase(
    running: &RunningPhase,
    options: &BenchOptions,
    progress: &ProgressBar,
) -> anyhow::Result<Vec<WorkloadRun>> {
    let client = Client::builder().pool_max_idle_per_host(256).build()?;
    let seeded = seed(&client, &running.base_url).await?;
    let mut runs = Vec::new();
    for workload in Workload::ALL {
        let request = seeded.request(workload);
        for &concurrency in &options.concurrency {
            progress.set_message(format!(
                "{}: {} ×{concurrency}",
                running.phase,
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
