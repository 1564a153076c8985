//! What every exercise's checker needs: building the learner's package, starting it as a real
//! process on a free port, reading its source files, running conformance areas against it,
//! and a report that says, step by step, what is done and what is still missing.

use std::{
    fmt,
    fs::File,
    net::TcpListener,
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use tokio::process::{Child, Command};

/// A secret the checkers give every process they start, so they can mint tokens it accepts.
pub const TEST_JWT_SECRET: &str = "exercise-checker-secret-at-least-32-bytes";

/// How long a started process may take to answer its first `/health`.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Which side of an exercise to check: the learner's working copy or the reference solution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Starter,
    Solution,
}

impl Variant {
    pub fn name(self) -> &'static str {
        match self {
            Variant::Starter => "starter",
            Variant::Solution => "solution",
        }
    }
}

impl std::str::FromStr for Variant {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "starter" => Ok(Variant::Starter),
            "solution" => Ok(Variant::Solution),
            other => Err(format!("`{other}` is neither `starter` nor `solution`")),
        }
    }
}

/// The repository root: this crate lives in `exercises/checker`.
pub fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// `exercises/<folder>/<starter|solution>`.
pub fn variant_dir(folder: &str, variant: Variant) -> PathBuf {
    workspace_root()
        .join("exercises")
        .join(folder)
        .join(variant.name())
}

/// The package of an exercise's variant: `exercise-03-starter`.
pub fn package(number: u32, variant: Variant) -> String {
    format!("exercise-{number:02}-{}", variant.name())
}

/// What a checker judges: one crate, where it lives, how cargo builds it and what its binary
/// is called. Usually an exercise's starter or solution (members of the workspace); for the
/// wrong-answer fixtures and the compile probes, a copy in a scratch folder that is a
/// workspace of its own (see [`crate::scratch`]) but builds into the same `target/`.
#[derive(Clone, Debug)]
pub struct Subject {
    pub number: u32,
    /// Shown in the report's title: `starter`, `solution`, `fixture pub-mod-repository`.
    pub label: String,
    /// The crate's folder (where its Cargo.toml is).
    pub dir: PathBuf,
    /// Its package name (`cargo build -p`).
    pub package: String,
    /// Its binary's name under `target/debug/`.
    pub binary: String,
    /// `Some(Cargo.toml)` when the crate is its own workspace (a scratch copy).
    pub manifest: Option<PathBuf>,
    /// Quick mode, for the wrong-answer fixtures, which only need to be rejected, and for
    /// the right reason: the check stops at the first missing step (see [`Report::of`]), so a
    /// fixture that a static step rejects is never built, and one rejected at run time starts
    /// nothing after that.
    pub quick: bool,
}

impl Subject {
    /// An exercise's starter (the learner's work) or its reference solution.
    pub fn variant(number: u32, variant: Variant) -> Result<Self, String> {
        let folder = crate::folder(number)?;
        let package = package(number, variant);
        Ok(Self {
            number,
            label: variant.name().to_string(),
            dir: variant_dir(folder, variant),
            binary: package.clone(),
            package,
            manifest: None,
            quick: false,
        })
    }
}

/// `cargo <args>` in the workspace root, building into the workspace's `target/`. On failure,
/// the end of cargo's messages.
async fn cargo(args: &[&str], what: &str) -> Result<std::process::Output, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .env("CARGO_TARGET_DIR", target_dir())
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if output.status.success() {
        Ok(output)
    } else {
        let messages = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "`{what}` failed; cargo said:\n{}",
            last_lines(&messages, 40)
        ))
    }
}

/// `cargo build --lib --message-format=json` of a scratch copy: the compiler's messages as
/// JSON lines, whether or not it compiled (a compile probe expects errors).
pub async fn cargo_lib_messages(subject: &Subject) -> Result<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.args([
        "build",
        "--lib",
        "--message-format=json",
        "-p",
        &subject.package,
    ]);
    if let Some(manifest) = &subject.manifest {
        command.arg("--manifest-path").arg(manifest);
    }
    let output = command
        .env("CARGO_TARGET_DIR", target_dir())
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Builds a workspace package (debug profile): the path of its binary, named like it.
pub async fn build(package: &str) -> Result<PathBuf, String> {
    cargo(
        &["build", "--quiet", "-p", package],
        &format!("cargo build -p {package}"),
    )
    .await?;
    binary_path(package)
}

/// Builds what a checker judges; the path of its binary.
pub async fn build_subject(subject: &Subject) -> Result<PathBuf, String> {
    let mut args = vec!["build", "--quiet", "-p", &subject.package];
    let manifest = subject
        .manifest
        .as_ref()
        .map(|path| path.to_string_lossy().to_string());
    if let Some(manifest) = &manifest {
        args.extend(["--manifest-path", manifest.as_str()]);
    }
    cargo(&args, &format!("cargo build -p {}", subject.package)).await?;
    binary_path(&subject.binary)
}

fn binary_path(name: &str) -> Result<PathBuf, String> {
    let binary = target_dir()
        .join("debug")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if binary.exists() {
        Ok(binary)
    } else {
        Err(format!(
            "the build succeeded but made no binary at {}; the package needs one binary named `{name}`",
            binary.display()
        ))
    }
}

/// The step of every checker that comes after the static steps (which read the source and
/// the manifest, and need no build): builds the subject and records "`package` builds". When
/// it does not build, or quick mode has stopped at a static step already, every step in
/// `later` is recorded as not checked, and `None` comes back.
pub async fn build_step(report: &mut Report, subject: &Subject, later: &[&str]) -> Option<PathBuf> {
    let name = format!("`{}` builds", subject.package);
    if report.stop_here(&[name.as_str()]) {
        report.skip_all(later, STOPPED);
        return None;
    }
    match build_subject(subject).await {
        Ok(binary) => {
            report.step(name, Ok(()));
            Some(binary)
        }
        Err(error) => {
            report.step(name, Err(error));
            report.skip_all(later, "the package does not build");
            None
        }
    }
}

/// The workspace's `target/` (or `CARGO_TARGET_DIR`): scratch copies build there too, so
/// their dependencies are built once.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// A port nobody listens on right now (the OS picks it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or(0)
}

/// A process the checker started; killed when dropped. Its output goes to a log file, so a
/// failed step can quote what the process said.
pub struct Process {
    name: String,
    child: Option<Child>,
    port: u16,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl Process {
    /// Starts `binary args...` with `env` (plus `HOST=127.0.0.1`, `PORT=port` and a quiet
    /// `RUST_LOG` unless given) and waits until `GET /health` answers, whatever its status.
    pub async fn start(
        name: &str,
        binary: &Path,
        args: &[&str],
        env: &[(&str, String)],
        port: u16,
    ) -> Result<Process, String> {
        let log_dir = tempfile::tempdir().map_err(|error| error.to_string())?;
        let log = log_dir.path().join(format!("{name}.log"));
        let stdout = File::create(&log).map_err(|error| error.to_string())?;
        let stderr = stdout.try_clone().map_err(|error| error.to_string())?;
        let mut command = Command::new(binary);
        command
            .args(args)
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .map_err(|error| format!("cannot start {name} ({}): {error}", binary.display()))?;
        let mut process = Process {
            name: name.to_string(),
            child: Some(child),
            port,
            log,
            _log_dir: log_dir,
        };
        process.wait_until_ready().await?;
        Ok(process)
    }

    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let client = reqwest::Client::new();
        let url = format!("{}/health", self.base_url());
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(format!(
                    "{} stopped right after starting ({status}); its last words:\n{}",
                    self.name,
                    self.log_tail()
                ));
            }
            let probe = client
                .get(&url)
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if probe.is_ok() {
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "{} did not answer {url} within {} s; its last words:\n{}",
                    self.name,
                    START_TIMEOUT.as_secs(),
                    self.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The last lines the process printed.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        last_lines(&text, 20)
    }

    /// Kills the process and waits for it to be gone, so its port is free again.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

/// Every `.rs` and `.sql` file under `dir` (recursively, `target/` skipped), with its text,
/// sorted by path so reports are stable.
pub fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    collect_sources(dir, &mut found);
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn collect_sources(dir: &Path, found: &mut Vec<(PathBuf, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "target") {
                collect_sources(&path, found);
            }
        } else if path
            .extension()
            .is_some_and(|extension| extension == "rs" || extension == "sql")
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            found.push((path, text));
        }
    }
}

/// Runs the conformance suite against `base_url` (knowing [`TEST_JWT_SECRET`]). Ok when every
/// check of `areas` passed (all areas when `areas` is empty); otherwise the failures, briefly.
pub async fn conformance(base_url: &str, areas: &[&str]) -> Result<(), String> {
    let report = conformance::run(&conformance::Config {
        base_url: base_url.to_string(),
        jwt_secret: Some(TEST_JWT_SECRET.to_string()),
        server_timing: None,
    })
    .await;
    if report.server_unreachable() {
        return Err(format!("nothing answers at {base_url}"));
    }
    let wanted = |area: &str| areas.is_empty() || areas.contains(&area);
    let failures: Vec<String> = report
        .failures()
        .filter(|(area, _, _)| wanted(area))
        .map(|(area, check, message)| {
            let message = message.lines().next().unwrap_or_default();
            format!("[{area}] {check}: {message}")
        })
        .collect();
    let checked = report
        .areas()
        .iter()
        .filter(|area| wanted(area.name()))
        .count();
    if checked == 0 {
        return Err(format!("the suite has no area named {areas:?}"));
    }
    match failures.len() {
        0 => Ok(()),
        count => {
            let mut text = format!("{count} contract check(s) failed:\n");
            for failure in failures.iter().take(8) {
                text.push_str("  ");
                text.push_str(failure);
                text.push('\n');
            }
            if count > 8 {
                text.push_str(&format!(
                    "  ... and {} more (see them all with `cargo run -p conformance -- --base-url <url>`)\n",
                    count - 8
                ));
            }
            Err(text.trim_end().to_string())
        }
    }
}

/// One thing the learner has to get right, and how it went.
#[derive(Debug)]
pub struct Step {
    pub name: String,
    pub outcome: Outcome,
}

#[derive(Debug)]
pub enum Outcome {
    Done,
    /// What is missing, in the learner's words.
    Missing(String),
    /// Could not be checked, because an earlier step failed.
    Skipped(String),
}

/// Why a step was not run in quick mode.
const STOPPED: &str = "a step above is missing (quick mode stops at the first)";

/// A checker's answer: each step and whether it is done.
#[derive(Debug)]
pub struct Report {
    title: String,
    steps: Vec<Step>,
    /// Quick mode (fixtures): once a step is missing, no later step runs.
    stop_at_first_missing: bool,
}

impl Report {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            steps: Vec::new(),
            stop_at_first_missing: false,
        }
    }

    /// The report of a check of `subject`: in quick mode ([`Subject::quick`]) it stops at the
    /// first missing step, so a wrong answer is rejected for its first reason and nothing
    /// after it is built, started or asked.
    pub fn of(title: impl Into<String>, subject: &Subject) -> Self {
        Self {
            stop_at_first_missing: subject.quick,
            ..Self::new(title)
        }
    }

    /// True when quick mode has stopped the check: every later step is skipped unrun.
    pub fn stopped(&self) -> bool {
        self.stop_at_first_missing
            && self
                .steps
                .iter()
                .any(|step| matches!(step.outcome, Outcome::Missing(_)))
    }

    /// When [`Self::stopped`], records every one of `names` as skipped and returns true: the
    /// checker returns its report at once.
    pub fn stop_here(&mut self, names: &[&str]) -> bool {
        if self.stopped() {
            self.skip_all(names, STOPPED);
        }
        self.stopped()
    }

    /// Runs `work` (a future, so nothing happens unless it is awaited) and records its result
    /// as the step `name`; once quick mode has stopped, records the step as skipped instead.
    pub async fn check(
        &mut self,
        name: impl Into<String>,
        work: impl std::future::Future<Output = Result<(), String>>,
    ) -> bool {
        if self.stopped() {
            self.skip(name, STOPPED);
            return false;
        }
        let result = work.await;
        self.step(name, result)
    }

    /// Records a step: `Ok` when done, `Err(what is missing)` otherwise. Returns whether it
    /// was done, so a checker can skip what depends on it. Once quick mode has stopped, the
    /// step is recorded as skipped (its result is not looked at).
    pub fn step(&mut self, name: impl Into<String>, result: Result<(), String>) -> bool {
        if self.stopped() {
            self.skip(name, STOPPED);
            return false;
        }
        let done = result.is_ok();
        self.steps.push(Step {
            name: name.into(),
            outcome: match result {
                Ok(()) => Outcome::Done,
                Err(missing) => Outcome::Missing(missing),
            },
        });
        done
    }

    /// A step that cannot be checked yet; it counts as not done.
    pub fn skip(&mut self, name: impl Into<String>, why: impl Into<String>) {
        self.steps.push(Step {
            name: name.into(),
            outcome: Outcome::Skipped(why.into()),
        });
    }

    /// Every one of `names` cannot be checked, for the same reason.
    pub fn skip_all(&mut self, names: &[&str], why: &str) {
        for name in names {
            self.skip(*name, why);
        }
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub fn done(&self) -> usize {
        self.steps
            .iter()
            .filter(|step| matches!(step.outcome, Outcome::Done))
            .count()
    }

    /// True when there is at least one step and every step is done.
    pub fn is_success(&self) -> bool {
        !self.steps.is_empty() && self.done() == self.steps.len()
    }

    /// The step with this name, for tests.
    pub fn find(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|step| step.name == name)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.title)?;
        for step in &self.steps {
            match &step.outcome {
                Outcome::Done => writeln!(f, "  ✓ {}", step.name)?,
                Outcome::Missing(missing) => {
                    writeln!(f, "  ✗ {}", step.name)?;
                    for line in missing.lines() {
                        writeln!(f, "      {line}")?;
                    }
                }
                Outcome::Skipped(why) => writeln!(f, "  - {} (not checked yet: {why})", step.name)?,
            }
        }
        if self.is_success() {
            write!(f, "All {} steps done. Well done!", self.steps.len())
        } else {
            write!(
                f,
                "{} of {} steps done; the ✗ lines above say what is still missing.",
                self.done(),
                self.steps.len()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_succeeds_only_when_every_step_is_done() {
        let mut report = Report::new("Exercise 0");
        assert!(!report.is_success(), "an empty report proves nothing");
        report.step("one", Ok(()));
        assert!(report.is_success());
        report.skip("two", "one failed");
        assert!(!report.is_success());
        let text = report.to_string();
        assert!(text.contains("✓ one") && text.contains("- two"), "{text}");
    }

    #[test]
    fn variants_and_packages_are_named_consistently() {
        assert_eq!(package(3, Variant::Starter), "exercise-03-starter");
        assert_eq!("solution".parse(), Ok(Variant::Solution));
        assert!("done".parse::<Variant>().is_err());
        assert!(
            variant_dir("01-find-the-seams", Variant::Starter)
                .ends_with("01-find-the-seams/starter")
        );
    }

    #[test]
    fn sources_finds_rust_and_sql_files() {
        let files = sources(&workspace_root().join("exercises/checker/src"));
        assert!(files.iter().any(|(path, _)| path.ends_with("kit.rs")));
    }
}
