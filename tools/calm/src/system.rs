//! What the system really is, read from the files that run it: a phase's `docker-compose.yml`,
//! the workspace's packages and binaries (`cargo metadata`), each service's default port, and
//! the modular monolith's seams ([`crate::code`]). What each binary reads from its environment
//! and which controls it enforces ([`BinaryFacts`]) come from running the code itself, which
//! only a crate that depends on the phases can do: `tools/calm/tests/support/binaries.rs`.
//!
//! The fitness checks compare a CALM document with these facts. The facts are plain data, so a
//! test can also plant a mistake on this side (an extra compose service) and watch a check fail.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_norway::Value;

/// Everything the fitness checks know about one phase (`01-monolith`, `03-microservices`...).
#[derive(Clone, Debug)]
pub struct PhaseFacts {
    /// The phase folder's name, which is also the spec's name: `01-monolith`.
    pub phase: String,
    /// `<phase>/docker-compose.yml`, as a path relative to the repository for messages.
    pub compose_file: String,
    pub compose: BTreeMap<String, ComposeService>,
    /// The workspace packages whose manifest lives inside the phase folder.
    pub packages: Vec<Package>,
    /// The seams the app wires in `src/seams.rs` (the modular monolith; none elsewhere).
    pub seams: Vec<crate::code::Seam>,
    /// Each module crate's facade, as the app holds it in `AppState` (`src/state.rs`).
    pub facades: BTreeMap<String, String>,
    /// The module crates whose schema the app migrates (`MODULE_SCHEMAS`), if it names any.
    pub data_modules: Option<BTreeSet<String>>,
    /// What each binary of the phase reads and enforces, by binary name. Filled by whoever can
    /// run the binaries' code (the tests); a running node whose binary is missing here fails.
    pub binaries: BTreeMap<String, BinaryFacts>,
}

/// What one binary does, observed by calling its own code: which environment variables its
/// settings read, where its routing table sends requests, and the controls it enforces with
/// which values.
#[derive(Clone, Debug, Default)]
pub struct BinaryFacts {
    /// Every variable the settings asked for (`DATABASE_URL`, `TASK_SERVICE_URL`...).
    pub variables: BTreeSet<String>,
    /// A gateway's routing table: the services it forwards to, by binary name.
    pub routes_to: BTreeSet<String>,
    /// Control id (`rate-limit`) → where the document must declare it, and its configuration.
    pub controls: BTreeMap<String, CodeControl>,
}

/// A control as the code enforces it.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeControl {
    pub scope: ControlScope,
    pub config: serde_json::Map<String, serde_json::Value>,
}

/// Where a control belongs in the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ControlScope {
    /// On the whole architecture: every binary must enforce it alike (the error format).
    Document,
    /// On the node that runs the binary (a rate limit, token checks).
    Node,
    /// On the binary's `connects` to these binaries (timeouts, retries, a breaker).
    Calls(BTreeSet<String>),
}

/// The parts of one compose service that the architecture depends on.
#[derive(Clone, Debug, Default)]
pub struct ComposeService {
    pub image: Option<String>,
    /// Built from this repository's source (`build:`), rather than pulled as an image.
    pub builds_from_source: bool,
    /// Container-side ports of `ports:` (`"8000:8000"` → 8000).
    pub container_ports: Vec<u16>,
    /// `environment:`, with variables that have no value here (passed through) left out.
    pub environment: BTreeMap<String, String>,
    /// Host paths bind-mounted into the container: (path as written, path in the container).
    /// Prometheus's scrape targets are in the file it mounts at [`PROMETHEUS_CONFIG`].
    pub bind_mounts: Vec<(String, String)>,
}

/// Where the Prometheus image reads its configuration.
pub const PROMETHEUS_CONFIG: &str = "/etc/prometheus/prometheus.yml";

/// One workspace crate.
#[derive(Clone, Debug)]
pub struct Package {
    pub name: String,
    pub dir: PathBuf,
    pub binaries: Vec<String>,
    pub has_library: bool,
    /// The `DEFAULT_PORT` constant found in its source, if any.
    pub default_port: Option<u16>,
    /// The workspace crates it depends on by path (normal dependencies, not dev or build).
    pub path_dependencies: Vec<String>,
}

impl PhaseFacts {
    /// Reads the facts of `phase` from the repository at `root`.
    pub fn load(root: &Path, phase: &str) -> anyhow::Result<Self> {
        let compose_file = format!("{phase}/docker-compose.yml");
        let yaml = fs::read_to_string(root.join(&compose_file))
            .with_context(|| format!("cannot read {compose_file}"))?;
        let phase_dir = root.join(phase);
        let packages = workspace_packages(root)?
            .into_iter()
            .filter(|package| package.dir.starts_with(&phase_dir))
            .collect();
        let seams_file = phase_dir.join("src/seams.rs");
        let state_file = phase_dir.join("src/state.rs");
        Ok(Self {
            phase: phase.to_owned(),
            compose: parse_compose(&yaml).with_context(|| format!("in {compose_file}"))?,
            compose_file,
            packages,
            seams: if seams_file.is_file() {
                crate::code::seams(&seams_file)?
            } else {
                Vec::new()
            },
            facades: if state_file.is_file() {
                crate::code::facades(&state_file)?
            } else {
                BTreeMap::new()
            },
            data_modules: crate::code::data_modules(&phase_dir.join("src"))?,
            binaries: BTreeMap::new(),
        })
    }

    /// The package that builds binary `name`.
    pub fn package_with_binary(&self, name: &str) -> Option<&Package> {
        self.packages
            .iter()
            .find(|package| package.binaries.iter().any(|binary| binary == name))
    }
}

/// The `services:` of a compose file.
pub fn parse_compose(yaml: &str) -> anyhow::Result<BTreeMap<String, ComposeService>> {
    let doc: Value = serde_norway::from_str(yaml).context("not valid YAML")?;
    let Some(Value::Mapping(services)) = doc.get("services") else {
        bail!("no `services:` mapping");
    };
    let mut parsed = BTreeMap::new();
    for (name, service) in services {
        let name = scalar(name).context("a service name is not a string")?;
        parsed.insert(
            name,
            ComposeService {
                image: service.get("image").and_then(scalar),
                builds_from_source: service.get("build").is_some(),
                container_ports: container_ports(service.get("ports")),
                environment: environment(service.get("environment")),
                bind_mounts: bind_mounts(service.get("volumes")),
            },
        );
    }
    Ok(parsed)
}

/// A YAML scalar as compose reads it: `8000` and `"8000"` are the same.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Container ports from the short form (`"8000"`, `"8000:8000"`, `"127.0.0.1:8000:8000/tcp"`)
/// and the long form (`{target: 8000, published: 8000}`).
fn container_ports(ports: Option<&Value>) -> Vec<u16> {
    let Some(Value::Sequence(entries)) = ports else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|entry| match entry.get("target") {
            Some(target) => scalar(target),
            None => scalar(entry),
        })
        .filter_map(|text| {
            let container = text.rsplit(':').next()?;
            container.split('/').next()?.trim().parse().ok()
        })
        .collect()
}

/// Bind mounts, short (`./prometheus.yml:/etc/prometheus/prometheus.yml:ro`) or long
/// (`{type: bind, source, target}`). A named volume's source has no `.` or `/` in front.
fn bind_mounts(volumes: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Sequence(entries)) = volumes else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|entry| match entry {
            Value::String(text) => {
                let mut parts = text.split(':');
                Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
            }
            _ => Some((scalar(entry.get("source")?)?, scalar(entry.get("target")?)?)),
        })
        .filter(|(source, _)| source.starts_with('.') || source.starts_with('/'))
        .collect()
}

/// The `host:port` targets of a Prometheus configuration: `static_configs` targets, and
/// `dns_sd_configs` names with their port (every replica of a scaled service).
pub fn scrape_targets(yaml: &str) -> anyhow::Result<Vec<(String, u16)>> {
    let config: Value = serde_norway::from_str(yaml).context("not valid YAML")?;
    let list = |value: Option<&Value>| match value {
        Some(Value::Sequence(items)) => items.clone(),
        _ => Vec::new(),
    };
    let mut targets = Vec::new();
    for job in list(config.get("scrape_configs")) {
        for static_config in list(job.get("static_configs")) {
            for target in list(static_config.get("targets")).iter().filter_map(scalar) {
                let (host, port) = target
                    .rsplit_once(':')
                    .with_context(|| format!("scrape target `{target}` has no port"))?;
                let port = port
                    .parse()
                    .with_context(|| format!("scrape target `{target}`"))?;
                targets.push((host.to_owned(), port));
            }
        }
        for dns in list(job.get("dns_sd_configs")) {
            let port: u16 = dns
                .get("port")
                .and_then(scalar)
                .and_then(|port| port.parse().ok())
                .context("a dns_sd_config without a port")?;
            for name in list(dns.get("names")).iter().filter_map(scalar) {
                targets.push((name, port));
            }
        }
    }
    Ok(targets)
}

/// `environment:` as a mapping (`KEY: value`) or a list (`- KEY=value`).
fn environment(environment: Option<&Value>) -> BTreeMap<String, String> {
    match environment {
        Some(Value::Mapping(pairs)) => pairs
            .iter()
            .filter_map(|(key, value)| Some((scalar(key)?, scalar(value)?)))
            .collect(),
        Some(Value::Sequence(entries)) => entries
            .iter()
            .filter_map(|entry| {
                let entry = scalar(entry)?;
                let (key, value) = entry.split_once('=')?;
                Some((key.to_owned(), value.to_owned()))
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// The part of `cargo metadata --format-version 1` we read.
#[derive(Deserialize)]
struct Metadata {
    packages: Vec<MetadataPackage>,
}

#[derive(Deserialize)]
struct MetadataPackage {
    name: String,
    manifest_path: PathBuf,
    targets: Vec<MetadataTarget>,
    dependencies: Vec<MetadataDependency>,
}

#[derive(Deserialize)]
struct MetadataDependency {
    name: String,
    /// `null` for a normal dependency, `"dev"` or `"build"` otherwise.
    kind: Option<String>,
    path: Option<PathBuf>,
}

#[derive(Deserialize)]
struct MetadataTarget {
    name: String,
    kind: Vec<String>,
}

/// Every package of the workspace, asked from cargo itself (the `CARGO` variable that cargo sets
/// for tests and build scripts points at the very cargo running them).
pub fn workspace_packages(root: &Path) -> anyhow::Result<Vec<Package>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .context("cannot run `cargo metadata`")?;
    if !output.status.success() {
        bail!(
            "`cargo metadata` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: Metadata =
        serde_json::from_slice(&output.stdout).context("unexpected `cargo metadata` output")?;
    metadata
        .packages
        .into_iter()
        .map(|package| {
            let dir = package
                .manifest_path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let has_kind =
                |target: &MetadataTarget, kind: &str| target.kind.iter().any(|k| k == kind);
            Ok(Package {
                binaries: package
                    .targets
                    .iter()
                    .filter(|target| has_kind(target, "bin"))
                    .map(|target| target.name.clone())
                    .collect(),
                has_library: package.targets.iter().any(|target| has_kind(target, "lib")),
                default_port: default_port(&dir.join("src"))?,
                path_dependencies: package
                    .dependencies
                    .iter()
                    .filter(|dependency| dependency.kind.is_none() && dependency.path.is_some())
                    .map(|dependency| dependency.name.clone())
                    .collect(),
                name: package.name,
                dir,
            })
        })
        .collect()
}

/// The value of a `const DEFAULT_PORT: u16 = 8000;` anywhere in `src`, the convention every
/// phase's `config.rs` follows.
fn default_port(src: &Path) -> anyhow::Result<Option<u16>> {
    for file in crate::code::rust_files(src)? {
        let text =
            fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
        let found = text.lines().find_map(|line| {
            let (_, value) = line.split_once("const DEFAULT_PORT")?.1.split_once('=')?;
            value
                .trim()
                .trim_end_matches(';')
                .replace('_', "")
                .parse()
                .ok()
        });
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}
