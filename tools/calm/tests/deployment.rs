//! The Kubernetes deployment view (calm-specs/deployments/) describes the manifests of
//! 03-microservices/k8s as `kubectl kustomize` renders them, overlay by overlay, and deploys the
//! nodes of phase 03's document. Each check is shown to fail on a planted mistake, on the view's
//! side and on the manifests' side.
//!
//! Rendering needs kubectl (kustomize is built in). Without it the tests say so and pass on a
//! laptop; under `CI=true` they fail, because a skipped check in CI is a silent gap.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use calm::deployment::{self, Object};
use calm::model::{Architecture, RelationshipType};
use calm::problem::{Problem, report};
use calm::{Spec, load_deployment_views, patterns, repository_root, rules};
use support::{assert_reported, connects};

fn view() -> Spec {
    load_deployment_views(&repository_root())
        .unwrap_or_else(|e| panic!("{e:#}"))
        .into_iter()
        .find(|view| view.phase == "03-microservices.kubernetes")
        .expect("calm-specs/deployments/03-microservices.kubernetes.architecture.json exists")
}

fn phase() -> Architecture {
    support::spec("03-microservices").doc
}

/// Copies `from` into `to`, folders included.
fn copy_folder(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("a writable temp dir");
    for entry in fs::read_dir(from).expect("a readable folder") {
        let path = entry.expect("a directory entry").path();
        let target = to.join(path.file_name().expect("a file name"));
        if path.is_dir() {
            copy_folder(&path, &target);
        } else {
            fs::copy(&path, &target).expect("a copyable file");
        }
    }
}

/// Every `*.env` the kustomizations read, from its committed `*.env.example` when a person has
/// not made the real one (it holds secrets, so it is git-ignored).
fn fill_in_examples(dir: &Path) {
    for entry in fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            fill_in_examples(&path);
        } else if let Some(real) = path.to_str().and_then(|name| name.strip_suffix(".example"))
            && !Path::new(real).exists()
        {
            fs::copy(&path, real).expect("a writable temp dir");
        }
    }
}

/// Each overlay's name and its rendered objects.
type Overlays = Vec<(String, Vec<Object>)>;

/// Each overlay of 03-microservices/k8s, rendered. `None` without kubectl outside CI.
fn rendered_overlays() -> Option<&'static [(String, Vec<Object>)]> {
    static RENDERED: OnceLock<Option<Overlays>> = OnceLock::new();
    RENDERED
        .get_or_init(|| {
            if Command::new("kubectl")
                .args(["version", "--client"])
                .output()
                .is_err()
            {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "kubectl is missing, and CI must render the manifests"
                );
                eprintln!("SKIPPED: no kubectl to render 03-microservices/k8s");
                return None;
            }
            let copy = tempfile::tempdir().expect("a temp dir");
            copy_folder(&repository_root().join("03-microservices/k8s"), copy.path());
            fill_in_examples(copy.path());
            let mut overlays: Vec<String> = fs::read_dir(copy.path().join("overlays"))
                .expect("03-microservices/k8s/overlays exists")
                .map(|entry| entry.expect("a directory entry").file_name())
                .filter_map(|name| name.to_str().map(str::to_owned))
                .collect();
            overlays.sort();
            let rendered = overlays
                .into_iter()
                .map(|overlay| {
                    let output = Command::new("kubectl")
                        .arg("kustomize")
                        .arg(copy.path().join("overlays").join(&overlay))
                        .output()
                        .expect("kubectl runs");
                    assert!(
                        output.status.success(),
                        "kubectl kustomize overlays/{overlay} failed: {}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                    let yaml = String::from_utf8(output.stdout).expect("UTF-8 YAML");
                    let objects =
                        deployment::parse_manifests(&yaml).unwrap_or_else(|e| panic!("{e:#}"));
                    (overlay, objects)
                })
                .collect();
            Some(rendered)
        })
        .as_deref()
}

/// The local overlay's objects, which the planted-mistake tests start from.
fn local() -> Option<Vec<Object>> {
    rendered_overlays()?
        .iter()
        .find(|(overlay, _)| overlay == "local")
        .map(|(_, objects)| objects.clone())
}

fn check(view: &Architecture, objects: &[Object]) -> Vec<Problem> {
    deployment::check(view, &phase(), objects)
}

#[test]
fn the_view_passes_the_reference_rules_and_the_patterns() {
    let view = view();
    let mut problems = rules::check(&view.doc);
    problems.extend(patterns::check(&view.doc));
    assert!(problems.is_empty(), "{}", report(&problems));
    assert_eq!(view.phase_folder(), "03-microservices");
}

#[test]
fn every_overlay_deploys_what_the_view_says() {
    let Some(overlays) = rendered_overlays() else {
        return;
    };
    assert!(overlays.len() >= 2, "a local and a production overlay");
    for (overlay, objects) in overlays {
        assert!(
            objects
                .iter()
                .filter(|object| object.kind == "Deployment")
                .count()
                >= 4,
            "overlays/{overlay} rendered too little"
        );
        let problems = check(&view().doc, objects);
        assert!(
            problems.is_empty(),
            "the deployment view disagrees with overlays/{overlay}:\n{}",
            report(&problems)
        );
    }
}

#[test]
fn a_workload_without_a_node_and_a_node_without_its_workload_fail() {
    let Some(mut objects) = local() else { return };
    let mut view = view().doc;
    view.nodes.retain(|node| node.unique_id != "stats-service");
    for object in &mut objects {
        if object.kind == "StatefulSet" && object.name == "task-db" {
            object.name = "tasks-postgres".into();
        }
    }
    let problems = check(&view, &objects);
    assert_reported(
        &problems,
        "kubernetes",
        "the manifests run Deployment `stats-service`, but no node",
    );
    assert_reported(
        &problems,
        "kubernetes",
        "node `task-db` is StatefulSet `task-db`, which the manifests do not have",
    );
    assert_reported(
        &problems,
        "kubernetes",
        "the phase document's node `stats-service` is not in the deployment view",
    );
}

#[test]
fn a_wrong_port_and_a_workload_outside_the_namespace_fail() {
    let Some(objects) = local() else { return };
    let mut view = view().doc;
    for node in &mut view.nodes {
        if node.unique_id == "user-service" {
            node.interfaces = vec![
                serde_json::from_value(serde_json::json!({"unique-id": "user-service-http", "host": "user-service", "port": 9001}))
                    .expect("an interface"),
            ];
        }
    }
    for relationship in &mut view.relationships {
        if let RelationshipType::DeployedIn(containment) = &mut relationship.relationship_type {
            containment.nodes.retain(|node| node != "task-db");
        }
    }
    let problems = check(&view, &objects);
    assert_reported(
        &problems,
        "kubernetes",
        "node `user-service` says port 9001, but Service `user-service` exposes [8001]",
    );
    assert_reported(
        &problems,
        "kubernetes",
        "workload node `task-db` is not `deployed-in` namespace node `tasktracker-namespace`",
    );
}

#[test]
fn an_edge_the_phase_does_not_have_fails() {
    let Some(objects) = local() else { return };
    let mut view = view().doc;
    view.relationships
        .push(connects("stats-to-task-db", "stats-service", "task-db"));
    assert_reported(
        &check(&view, &objects),
        "kubernetes",
        "the deployment view connects `stats-service` to `task-db`, which the phase document does not",
    );
}

#[test]
fn a_database_url_for_stats_service_in_the_manifests_fails() {
    let Some(mut objects) = local() else { return };
    let stats = objects
        .iter_mut()
        .find(|object| object.kind == "Deployment" && object.name == "stats-service")
        .expect("Deployment stats-service");
    let planted: serde_norway::Value = serde_norway::from_str(
        "{name: DATABASE_URL, value: 'sqlite:///data/stats.sqlite3?mode=rwc'}",
    )
    .expect("YAML");
    stats.body["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_sequence_mut()
        .expect("an env list")
        .push(planted);
    assert_reported(
        &check(&view().doc, &objects),
        "kubernetes",
        "node `stats-service` has no database, but Deployment `stats-service` sets DATABASE_URL",
    );
}

#[test]
fn an_object_in_another_namespace_fails() {
    let Some(mut objects) = local() else { return };
    for object in &mut objects {
        if object.kind == "Deployment" && object.name == "user-service" {
            object.namespace = Some("default".into());
        }
    }
    assert_reported(
        &check(&view().doc, &objects),
        "kubernetes",
        "Deployment `user-service` lives in namespace `default`, not in `tasktracker`",
    );
}
