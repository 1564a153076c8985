//! The phases as processes: which binaries make up each phase, how to build them, and how
//! to start them, wait until they are healthy, and stop them again.

use std::{
    fmt,
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::Stdio,
    str::FromStr,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// A phase of the workshop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Phase {
    #[serde(rename = "01")]
    Monolith,
    #[serde(rename = "02")]
    ModularMonolith,
    #[serde(rename = "03")]
    Microservices,
}

/// What a process is for; decides its port and the upstream URLs it is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Listens on the phase's public port (the monolith or the gateway).
    Edge,
    UserService,
    TaskService,
    StatsService,
}

/// One process of a phase: its binary (and package) name and its role.
#[derive(Clone, Copy, Debug)]
pub struct Process {
    pub binary: &'static str,
    pub role: Role,
}

const MONOLITH: &[Process] = &[Process {
    binary: "monolith",
    role: Role::Edge,
}];
const MODULAR_MONOLITH: &[Process] = &[Process {
    binary: "modular-monolith",
    role: Role::Edge,
}];
/// Started in dependency order: the gateway last, once everything it routes to is up.
const MICROSERVICES: &[Process] = &[
    Process {
        binary: "user-service",
        role: Role::UserService,
    },
    Process {
        binary: "task-service",
        role: Role::TaskService,
    },
    Process {
        binary: "stats-service",
        role: Role::StatsService,
    },
    Process {
        binary: "api-gateway",
        role: Role::Edge,
    },
];

/// The benchmark ceiling (`tools/ceiling`): not a phase, but built, started and measured
/// like one, so `workshop bench` can compare every phase with what axum alone serves.
pub const CEILING: &[Process] = &[Process {
    binary: "ceiling",
    role: Role::Edge,
}];

impl Phase {
    pub const ALL: [Phase; 3] = [
        Phase::Monolith,
        Phase::ModularMonolith,
        Phase::Microservices,
    ];

    pub fn processes(self) -> &'static [Process] {
        match self {
            Phase::Monolith => MONOLITH,
            Phase::ModularMonolith => MODULAR_MONOLITH,
            Phase::Microservices => MICROSERVICES,
        }
    }

    /// The folder name, as `/health` reports it.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Monolith => "01-monolith",
            Phase::ModularMonolith => "02-modular-monolith",
            Phase::Microservices => "03-microservices",
        }
    }

    pub fn number(self) -> &'static str {
        &self.name()[..2]
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Phase {
    type Err = String;

    /// `01`, `1`, `monolith`, `01-monolith` ... all name phase 01.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let wanted = raw.trim().to_ascii_lowercase();
        Phase::ALL
            .into_iter()
            .find(|phase| {
                let name = phase.name();
                wanted == name
                    || wanted == phase.number()
                    || wanted == phase.number().trim_start_matches('0')
                    || wanted == name[3..]
            })
            .ok_or_else(|| format!("unknown phase {raw:?}: use 01, 02 or 03"))
    }
}

/// The ports one run of a phase uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    pub edge: u16,
    pub user: u16,
    pub task: u16,
    pub stats: u16,
}

impl Ports {
    /// The documented ports: 8000 for the edge, 8001 to 8003 for the services.
    pub const DEFAULT: Ports = Ports {
        edge: 8000,
        user: 8001,
        task: 8002,
        stats: 8003,
    };

    /// `edge` and the next three ports, for the services.
    pub fn from_edge(edge: u16) -> Self {
        Ports {
            edge,
            user: edge.saturating_add(1),
            task: edge.saturating_add(2),
            stats: edge.saturating_add(3),
        }
    }

    /// Four free ports, so several runs (and tests) never collide.
    pub fn free() -> anyhow::Result<Self> {
        Ok(Ports {
            edge: free_port()?,
            user: free_port()?,
            task: free_port()?,
            stats: free_port()?,
        })
    }

    pub fn of(&self, role: Role) -> u16 {
        match role {
            Role::Edge => self.edge,
            Role::UserService => self.user,
            Role::TaskService => self.task,
            Role::StatsService => self.stats,
        }
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Fails with a helpful message when a port the phase needs is already in use.
pub fn ensure_ports_free(phase: Phase, ports: &Ports) -> anyhow::Result<()> {
    for process in phase.processes() {
        let port = ports.of(process.role);
        if TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).is_err() {
            bail!(
                "port {port} (for {}) is already in use. Is another phase still running? \
                 Stop it (Ctrl-C in its terminal), or free the port, then try again.",
                process.binary
            );
        }
    }
    Ok(())
}

/// Debug builds for everyday use; release builds for benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Debug,
    Release,
}

/// Builds every binary of `phases` with cargo, printing cargo's own progress.
pub async fn build(phases: &[Phase], profile: Profile) -> anyhow::Result<()> {
    let binaries: Vec<&str> = phases
        .iter()
        .flat_map(|phase| phase.processes())
        .map(|process| process.binary)
        .collect();
    build_binaries(&list(phases), &binaries, profile).await
}

/// Builds `binaries` (package names) with cargo; `what` names them in the message.
pub async fn build_binaries(what: &str, binaries: &[&str], profile: Profile) -> anyhow::Result<()> {
    // cargo's own progress stays visible: a first build takes minutes, and silence looks hung.
    println!("Building {what} (the first build takes a few minutes)...");
    let mut command = Command::new(cargo());
    command.arg("build").current_dir(workspace_root());
    if profile == Profile::Release {
        command.arg("--release");
    }
    for binary in binaries {
        command.args(["-p", binary]);
    }
    let status = command.status().await.context("cannot run cargo")?;
    if !status.success() {
        bail!("building the phase failed (see cargo's messages above)");
    }
    Ok(())
}

fn list(phases: &[Phase]) -> String {
    phases
        .iter()
        .map(|phase| phase.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// The repository root: this crate lives in `tools/workshop`.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn binary_path(binary: &str, profile: Profile) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let folder = match profile {
        Profile::Debug => "debug",
        Profile::Release => "release",
    };
    target.join(folder).join(binary)
}

/// How often (milliseconds) a traced process sends its finished spans.
pub const TRACE_EXPORT_DELAY_MS: u64 = 200;

/// What to do with the processes' own log lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logs {
    /// Print each line prefixed with the process name (for `up`).
    Prefixed,
    /// Discard (for `check` and `bench`, whose own output matters).
    Quiet,
}

/// How to start a phase.
#[derive(Clone, Debug)]
pub struct Launch {
    pub profile: Profile,
    pub ports: Ports,
    /// Where the SQLite files go.
    pub data_dir: PathBuf,
    /// One secret shared by every process of the phase, so a token from one is valid in all.
    pub jwt_secret: String,
    pub rate_limit: bool,
    pub logs: Logs,
    /// Where the processes send their spans (`OTEL_EXPORTER_OTLP_ENDPOINT`), if anywhere.
    pub traces_to: Option<String>,
}

impl Launch {
    /// A run the tool drives itself: free ports, a fresh secret, quiet logs, data in `data_dir`.
    pub fn private(profile: Profile, data_dir: &Path, rate_limit: bool) -> anyhow::Result<Self> {
        Ok(Launch {
            profile,
            ports: Ports::free()?,
            data_dir: data_dir.to_path_buf(),
            jwt_secret: generate_secret(),
            rate_limit,
            logs: Logs::Quiet,
            traces_to: None,
        })
    }
}

/// A started phase. Dropping it kills its processes; [`RunningPhase::stop`] asks them to
/// shut down gracefully first.
pub struct RunningPhase {
    /// The phase's name (`01-monolith`, ...), or `ceiling`.
    pub name: &'static str,
    pub base_url: String,
    children: Vec<(&'static str, Child)>,
}

impl RunningPhase {
    /// Starts every process of `phase`, each waiting for the previous one's `/health`.
    pub async fn start(phase: Phase, launch: &Launch) -> anyhow::Result<Self> {
        Self::start_processes(phase.name(), phase.processes(), launch).await
    }

    /// Starts `processes` in order, each waiting for the previous one's `/health`; `name`
    /// says what they make up (a phase, or the benchmark ceiling).
    pub async fn start_processes(
        name: &'static str,
        processes: &'static [Process],
        launch: &Launch,
    ) -> anyhow::Result<Self> {
        let mut running = RunningPhase {
            name,
            base_url: format!("http://127.0.0.1:{}", launch.ports.edge),
            children: Vec::new(),
        };
        for process in processes {
            let child = spawn(process, launch)?;
            running.children.push((process.binary, child));
            let url = format!("http://127.0.0.1:{}", launch.ports.of(process.role));
            running.wait_until_healthy(&url, process.binary).await?;
        }
        Ok(running)
    }

    async fn wait_until_healthy(&mut self, url: &str, binary: &str) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            for (name, child) in &mut self.children {
                if let Some(status) = child.try_wait()? {
                    bail!("{name} exited during start-up ({status}); its log above says why");
                }
            }
            let health = client
                .get(format!("{url}/health"))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if health.is_ok_and(|response| response.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{binary} did not answer 200 on {url}/health within 60 s")
    }

    /// The process ids, for CPU and memory measurements.
    pub fn pids(&self) -> Vec<u32> {
        self.children
            .iter()
            .filter_map(|(_, child)| child.id())
            .collect()
    }

    /// Waits until any process exits (used by `up` to notice a crash).
    pub async fn wait_any_exit(&mut self) -> String {
        loop {
            for (name, child) in &mut self.children {
                if let Ok(Some(status)) = child.try_wait() {
                    return format!("{name} exited ({status})");
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Asks every process to stop (SIGTERM: they finish requests in flight), gateway first,
    /// then waits up to 10 s before killing what is left.
    pub async fn stop(mut self) {
        for (_, child) in self.children.iter_mut().rev() {
            terminate(child);
        }
        for (_, child) in self.children.iter_mut().rev() {
            if tokio::time::timeout(Duration::from_secs(10), child.wait())
                .await
                .is_err()
            {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
        }
    }
}

fn spawn(process: &Process, launch: &Launch) -> anyhow::Result<Child> {
    let path = binary_path(process.binary, launch.profile);
    if !path.exists() {
        bail!(
            "{} is missing: build it first (`cargo build -p {}`)",
            path.display(),
            process.binary
        );
    }
    let ports = &launch.ports;
    let mut command = Command::new(&path);
    command
        .env("PORT", ports.of(process.role).to_string())
        .env("JWT_SECRET", &launch.jwt_secret)
        .env(
            "USER_SERVICE_URL",
            format!("http://127.0.0.1:{}", ports.user),
        )
        .env(
            "TASK_SERVICE_URL",
            format!("http://127.0.0.1:{}", ports.task),
        )
        .env(
            "STATS_SERVICE_URL",
            format!("http://127.0.0.1:{}", ports.stats),
        )
        .kill_on_drop(true)
        .stdin(Stdio::null());
    if process.role != Role::StatsService {
        let file = launch.data_dir.join(format!("{}.sqlite3", process.binary));
        command.env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", file.display()),
        );
    }
    if !launch.rate_limit {
        command.env("RATE_LIMIT_PER_SECOND", "0");
    }
    if let Some(endpoint) = &launch.traces_to {
        // Small batches often, so a request's waterfall shows a moment after its answer.
        command
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
            .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .env("OTEL_BSP_SCHEDULE_DELAY", TRACE_EXPORT_DELAY_MS.to_string())
            .env_remove("OTEL_SERVICE_NAME");
    }
    match launch.logs {
        Logs::Quiet => {
            command
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .env("RUST_LOG", "error");
        }
        Logs::Prefixed => {
            command.stdout(Stdio::piped()).stderr(Stdio::piped());
        }
    }
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {}", path.display()))?;
    if launch.logs == Logs::Prefixed {
        let name = process.binary;
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(print_prefixed(name, BufReader::new(stdout)));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(print_prefixed(name, BufReader::new(stderr)));
        }
    }
    Ok(child)
}

async fn print_prefixed(name: &'static str, reader: impl tokio::io::AsyncBufRead + Unpin) {
    let mut lines = reader.lines();
    while let Ok(Some(line)) = lines.next_line().await {
        println!("[{name:>16}] {line}");
    }
}

#[cfg(unix)]
fn terminate(child: &mut Child) {
    // SIGTERM lets the process shut down gracefully; tokio's `start_kill` is SIGKILL.
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
}

#[cfg(not(unix))]
fn terminate(child: &mut Child) {
    let _ = child.start_kill();
}

/// A random secret for one run, shared by the phase's processes.
pub fn generate_secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_parse_from_many_spellings() {
        for raw in ["01", "1", "monolith", "01-monolith", " 01 "] {
            assert_eq!(raw.parse::<Phase>(), Ok(Phase::Monolith), "{raw:?}");
        }
        assert_eq!("3".parse::<Phase>(), Ok(Phase::Microservices));
        assert_eq!(
            "modular-monolith".parse::<Phase>(),
            Ok(Phase::ModularMonolith)
        );
        assert!("04".parse::<Phase>().is_err());
        assert!("".parse::<Phase>().is_err());
    }

    #[test]
    fn the_gateway_starts_last() {
        let processes = Phase::Microservices.processes();
        assert_eq!(processes.last().map(|p| p.role), Some(Role::Edge));
        assert_eq!(processes.len(), 4);
    }

    #[test]
    fn a_taken_port_is_refused_with_advice() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let ports = Ports {
            edge: port,
            ..Ports::free().unwrap()
        };
        let error = ensure_ports_free(Phase::Monolith, &ports)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(&port.to_string()) && error.contains("already in use"),
            "{error}"
        );
        drop(taken);
        assert!(ensure_ports_free(Phase::Monolith, &ports).is_ok());
    }
}
