//! The workshop's architecture as code: FINOS CALM 1.2 documents in `calm-specs/`, checked
//! against the code and the deployment files so that they cannot drift apart.
//!
//! | module | what it does |
//! |---|---|
//! | [`model`] | the typed CALM 1.2 subset we use (serde, strict where the schema is strict) |
//! | [`rules`] | the CALM CLI's reference rules: ids exist, are unique, flows are well numbered |
//! | [`patterns`] | the workshop's CALM patterns, checked through the typed model |
//! | [`system`] | facts about a phase: its compose file, its crates and binaries, default ports |
//! | [`code`] | facts read from the Rust source with `syn`: seams, facades, data owners |
//! | [`fitness`] | spec versus facts: services, binaries, ports, URLs, seams, settings, controls |
//! | [`deployment`] | the Kubernetes deployment view versus the rendered manifests |
//! | [`diff`] | `calm diff`: nodes, relationships and controls added, removed or changed |
//! | [`render`] | Mermaid flowcharts, sequence diagrams and phase diffs for `calm-specs/README.md` |
//! | [`links`] | links between ADRs, specs, requirements and code resolve |
//!
//! Every check returns a list of [`problem::Problem`]s naming the check, so one run shows
//! everything that is wrong.

pub mod code;
pub mod deployment;
pub mod diff;
pub mod fitness;
pub mod links;
pub mod model;
pub mod patterns;
pub mod problem;
pub mod render;
pub mod rules;
pub mod system;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use model::Architecture;

/// The repository root, two folders above this crate (`tools/calm`).
pub fn repository_root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .ancestors()
        .nth(2)
        .unwrap_or(crate_dir)
        .to_path_buf()
}

/// A spec file, parsed, with the phase it describes.
#[derive(Clone, Debug)]
pub struct Spec {
    pub path: PathBuf,
    /// `01-monolith` for `calm-specs/01-monolith.architecture.json`: the phase folder's name.
    pub phase: String,
    pub doc: Architecture,
    /// The same document as plain JSON, for `calm diff`, which compares every key.
    pub raw: serde_json::Value,
}

impl Spec {
    /// Reads and parses one `*.architecture.json` file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let doc = Architecture::from_json(&text).with_context(|| path.display().to_string())?;
        let raw = serde_json::from_str(&text).with_context(|| path.display().to_string())?;
        let file_name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        let phase = file_name
            .strip_suffix(".architecture.json")
            .unwrap_or(file_name)
            .to_owned();
        Ok(Self {
            path: path.to_path_buf(),
            phase,
            doc,
            raw,
        })
    }

    /// `01-monolith.architecture.json`, or `deployments/…` for a deployment view: the path
    /// relative to `calm-specs/`.
    pub fn file_name(&self) -> String {
        let in_deployments = self
            .path
            .parent()
            .and_then(|parent| parent.file_name())
            .is_some_and(|name| name == DEPLOYMENTS);
        let prefix = if in_deployments { "deployments/" } else { "" };
        format!("{prefix}{}.architecture.json", self.phase)
    }

    /// The phase folder a document describes: `03-microservices` for
    /// `03-microservices.kubernetes.architecture.json` too.
    pub fn phase_folder(&self) -> &str {
        self.phase.split('.').next().unwrap_or(&self.phase)
    }
}

/// The folder of `calm-specs/` that holds deployment views (`03-microservices.kubernetes...`).
pub const DEPLOYMENTS: &str = "deployments";

/// Every `calm-specs/*.architecture.json` of the repository at `root`, sorted by name, so that
/// the specs of phases 02 and 03 are checked as soon as they exist.
pub fn load_specs(root: &Path) -> anyhow::Result<Vec<Spec>> {
    load_folder(&root.join("calm-specs"))
}

/// Every deployment view, `calm-specs/deployments/*.architecture.json`, sorted by name.
pub fn load_deployment_views(root: &Path) -> anyhow::Result<Vec<Spec>> {
    let dir = root.join("calm-specs").join(DEPLOYMENTS);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    load_folder(&dir)
}

fn load_folder(dir: &Path) -> anyhow::Result<Vec<Spec>> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    paths.retain(|path| path.to_string_lossy().ends_with(".architecture.json"));
    paths.sort();
    paths.iter().map(|path| Spec::load(path)).collect()
}

/// `calm-specs/README.md` with its generated part rewritten from the phase `specs` and the
/// deployment `views`: every document's diagrams, then `calm diff` from each phase to the next.
pub fn rendered_readme(root: &Path, specs: &[Spec], views: &[Spec]) -> anyhow::Result<String> {
    let path = root.join("calm-specs/README.md");
    let readme =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let named: Vec<(String, Architecture)> = specs
        .iter()
        .chain(views)
        .map(|spec| (spec.file_name(), spec.doc.clone()))
        .collect();
    let pairs = specs.windows(2).map(|pair| (&pair[0], &pair[1]));
    let diffs: Vec<render::PhaseDiff> = pairs
        .map(|(before, after)| render::PhaseDiff {
            before: before.file_name(),
            after: after.file_name(),
            report: diff::report(&diff::diff(&before.raw, &after.raw)),
        })
        .collect();
    render::splice_readme(&readme, &render::readme_section(&named, &diffs))
}
