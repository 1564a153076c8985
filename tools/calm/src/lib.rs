//! The workshop's architecture as code: FINOS CALM 1.2 documents in `calm-specs/`, checked
//! against the code and the deployment files so that they cannot drift apart.
//!
//! | module | what it does |
//! |---|---|
//! | [`model`] | the typed CALM 1.2 subset we use (serde, strict where the schema is strict) |
//! | [`rules`] | the CALM CLI's reference rules: ids exist, are unique, flows are well numbered |
//! | [`system`] | facts about a phase: its compose file, its crates and binaries, default ports |
//! | [`fitness`] | spec versus facts: services, binaries, ports, URLs, database per service, modules |
//! | [`render`] | Mermaid flowcharts and sequence diagrams for `calm-specs/README.md` |
//! | [`links`] | links between ADRs, specs and code resolve |
//!
//! Every check returns a list of [`problem::Problem`]s naming the check, so one run shows
//! everything that is wrong.

pub mod fitness;
pub mod links;
pub mod model;
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
}

impl Spec {
    /// Reads and parses one `*.architecture.json` file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let doc = Architecture::from_json(&text).with_context(|| path.display().to_string())?;
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
        })
    }

    /// `01-monolith.architecture.json`.
    pub fn file_name(&self) -> String {
        format!("{}.architecture.json", self.phase)
    }
}

/// Every `calm-specs/*.architecture.json` of the repository at `root`, sorted by name, so that
/// the specs of phases 02 and 03 are checked as soon as they exist.
pub fn load_specs(root: &Path) -> anyhow::Result<Vec<Spec>> {
    let dir = root.join("calm-specs");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    paths.retain(|path| path.to_string_lossy().ends_with(".architecture.json"));
    paths.sort();
    paths.iter().map(|path| Spec::load(path)).collect()
}

/// `calm-specs/README.md` with its generated part rewritten from `specs`.
pub fn rendered_readme(root: &Path, specs: &[Spec]) -> anyhow::Result<String> {
    let path = root.join("calm-specs/README.md");
    let readme =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let named: Vec<(String, Architecture)> = specs
        .iter()
        .map(|spec| (spec.file_name(), spec.doc.clone()))
        .collect();
    render::splice_readme(&readme, &render::readme_section(&named))
}
