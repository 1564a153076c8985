//! The manifests as `kubectl apply -k` would send them: each overlay rendered by
//! `kubectl kustomize` and parsed into one JSON value per document.
//!
//! The overlays read git-ignored secret files (`jwt-secret.env`, the production database
//! credentials); a fresh clone has only their committed `*.env.example`. So the folder is
//! rendered from a COPY in a temporary directory, in which each missing `X.env` is its
//! `X.env.example`, as `.ci/k8s.sh` does: the checkout is never written to.
//!
//! Without kubectl the tests say they skipped, except under `CI=true`, where a missing
//! kubectl fails them (a skipped check in CI is a silent gap).

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

use serde::Deserialize;
use serde_json::Value;

/// The overlays under `03-microservices/k8s/overlays`, each one a cluster to deploy to.
pub const OVERLAYS: [&str; 2] = ["local", "production"];

/// `03-microservices/`.
pub fn phase_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The rendered documents of one overlay.
#[derive(Clone, Debug)]
pub struct Manifests {
    pub overlay: &'static str,
    pub documents: Vec<Value>,
}

impl Manifests {
    /// Every document of `kind`.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.documents.iter().filter(move |doc| doc["kind"] == kind)
    }

    /// The document of `kind` named `name`, if any.
    pub fn get(&self, kind: &str, name: &str) -> Option<&Value> {
        self.documents
            .iter()
            .find(|doc| doc["kind"] == kind && doc["metadata"]["name"] == name)
    }

    /// The same, to change it (the tests plant mistakes this way).
    pub fn get_mut(&mut self, kind: &str, name: &str) -> &mut Value {
        self.documents
            .iter_mut()
            .find(|doc| doc["kind"] == kind && doc["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name} in the {} overlay", self.overlay))
    }

    /// Every workload: the Deployments and StatefulSets.
    pub fn workloads(&self) -> impl Iterator<Item = &Value> + '_ {
        self.documents
            .iter()
            .filter(|doc| matches!(doc["kind"].as_str(), Some("Deployment" | "StatefulSet")))
    }

    /// The names of every document of `kind`.
    pub fn names(&self, kind: &str) -> Vec<String> {
        self.of_kind(kind)
            .filter_map(|doc| doc["metadata"]["name"].as_str())
            .map(str::to_string)
            .collect()
    }
}

/// Every overlay, rendered once per test run; `None` (after saying so) when kubectl is
/// missing outside CI.
pub fn overlays() -> Option<&'static [Manifests]> {
    static RENDERED: OnceLock<Option<Vec<Manifests>>> = OnceLock::new();
    RENDERED.get_or_init(render_all).as_deref()
}

fn render_all() -> Option<Vec<Manifests>> {
    if Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but kubectl is missing: the Kubernetes manifests must be rendered in CI"
        );
        eprintln!("SKIPPED: no kubectl, so the Kubernetes manifests were not rendered");
        return None;
    }
    let copy = tempfile::tempdir().expect("a temporary directory");
    let k8s = copy.path().join("k8s");
    copy_dir(&phase_dir().join("k8s"), &k8s);
    fill_in_examples(&k8s);
    Some(
        OVERLAYS
            .iter()
            .map(|overlay| Manifests {
                overlay,
                documents: parse_documents(&kustomize(&k8s.join("overlays").join(overlay))),
            })
            .collect(),
    )
}

/// `kubectl kustomize <dir>`: the YAML stream `kubectl apply -k <dir>` would apply.
fn kustomize(dir: &Path) -> String {
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("run kubectl kustomize");
    assert!(
        output.status.success(),
        "kubectl kustomize {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("kustomize writes UTF-8")
}

/// Every document of a YAML stream, as JSON values.
pub fn parse_documents(yaml: &str) -> Vec<Value> {
    serde_norway::Deserializer::from_str(yaml)
        .map(|document| {
            Value::deserialize(document)
                .unwrap_or_else(|error| panic!("a rendered document is not valid YAML: {error}"))
        })
        .filter(|document| !document.is_null())
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create a directory in the copy");
    for entry in fs::read_dir(from).expect("read the k8s folder") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy a manifest");
        }
    }
}

/// In the copy, each `X.env.example` whose `X.env` is missing becomes `X.env`.
fn fill_in_examples(dir: &Path) {
    for entry in fs::read_dir(dir).expect("read the copy") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            fill_in_examples(&path);
        } else if let Some(real) = path.to_str().and_then(|p| p.strip_suffix(".example"))
            && real.ends_with(".env")
            && !Path::new(real).exists()
        {
            fs::copy(&path, real).expect("use the example in the copy");
        }
    }
}
