//! The workloads held to what runs without Kubernetes: the compose file (the same services,
//! images, ports and environment variables) and the Cargo binaries (one Deployment each),
//! plus what Kubernetes adds: probes, scaling, hardening and where the secrets come from.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    process::Command,
};

use base64::Engine;
use serde_json::Value;

use crate::network::Problems;
use crate::render::{Manifests, parse_documents, phase_dir};

/// Where each service's liveness and readiness probes must point.
pub const LIVENESS_PATH: &str = "/health/live";
/// Readiness of a service that owns a database: its /health pings it, so a pod that
/// cannot reach its database leaves the Service (and is not restarted).
pub const READINESS_OF_DATA_OWNERS: &str = "/health";

/// Variables whose value differs from compose's on purpose, with the reason.
pub const DIFFERENT_ON_PURPOSE: &[(&str, &str)] = &[(
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "the collector runs in the cluster's `observability` namespace, not beside the services",
)];

// ---------------------------------------------------------------------------------------------
// compose, parsed
// ---------------------------------------------------------------------------------------------

pub fn compose() -> Value {
    let path = phase_dir().join("docker-compose.yml");
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    parse_documents(&text)
        .into_iter()
        .next()
        .expect("a compose document")
}

/// compose's services built from this repository (`build:`): the processes of phase 03.
pub fn compose_built_services(compose: &Value) -> BTreeSet<String> {
    compose["services"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, service)| service.get("build").is_some())
        .map(|(name, _)| name.clone())
        .collect()
}

/// compose's services that run PostgreSQL: the databases.
pub fn compose_databases(compose: &Value) -> BTreeSet<String> {
    compose["services"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, service)| {
            service["image"]
                .as_str()
                .is_some_and(|image| image.starts_with("postgres:"))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// A compose environment value as a literal: `${NAME:-default}` is its default; `None`
/// for a value compose must be given (`${NAME:?...}`, `${NAME}`).
fn compose_literal(value: &str) -> Option<String> {
    match value.strip_prefix("${").and_then(|v| v.strip_suffix('}')) {
        Some(inner) => inner
            .split_once(":-")
            .map(|(_, default)| default.to_string()),
        None => Some(value.to_string()),
    }
}

/// The service's `environment:` (this project writes it as a mapping).
fn compose_environment(compose: &Value, service: &str) -> BTreeMap<String, String> {
    compose["services"][service]["environment"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| {
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (key.clone(), value)
        })
        .collect()
}

/// The packages of phase 03 that build a binary: the folders with a `src/main.rs`.
pub fn cargo_binaries() -> BTreeSet<String> {
    fs::read_dir(phase_dir())
        .expect("read 03-microservices")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("src/main.rs").is_file())
        .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// the manifests, read
// ---------------------------------------------------------------------------------------------

fn first_container(workload: &Value) -> &Value {
    &workload["spec"]["template"]["spec"]["containers"][0]
}

/// Each compose-built service with its Deployment's container, where there is one (a
/// missing Deployment is `check_same_workloads`'s to report).
fn services_and_containers<'a>(
    manifests: &'a Manifests,
    compose: &Value,
) -> Vec<(String, &'a Value)> {
    compose_built_services(compose)
        .into_iter()
        .filter_map(|name| {
            let deployment = manifests.get("Deployment", &name)?;
            Some((name, first_container(deployment)))
        })
        .collect()
}

/// A container's environment: each variable's literal value, or where it comes from
/// (`secret <name>/<key>`).
fn container_environment(container: &Value) -> BTreeMap<String, EnvValue> {
    container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|var| {
            let name = var["name"].as_str()?.to_string();
            let value = match var["value"].as_str() {
                Some(literal) => EnvValue::Literal(literal.to_string()),
                None => {
                    let secret = &var["valueFrom"]["secretKeyRef"];
                    EnvValue::Secret {
                        name: secret["name"].as_str()?.to_string(),
                        key: secret["key"].as_str()?.to_string(),
                    }
                }
            };
            Some((name, value))
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum EnvValue {
    Literal(String),
    Secret { name: String, key: String },
}

/// The decoded value of `key` in the rendered Secret `name`.
fn secret_value(manifests: &Manifests, name: &str, key: &str) -> Option<String> {
    let encoded = manifests.get("Secret", name)?["data"][key].as_str()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    String::from_utf8(bytes).ok()
}

fn probe_path(container: &Value, probe: &str) -> Option<String> {
    container[probe]["httpGet"]["path"]
        .as_str()
        .map(str::to_string)
}

// ---------------------------------------------------------------------------------------------
// checks
// ---------------------------------------------------------------------------------------------

/// One Deployment per compose-built service and per Cargo binary, one StatefulSet per
/// compose database, and nothing else that runs.
pub fn check_same_workloads(manifests: &Manifests, compose: &Value) -> Problems {
    let overlay = manifests.overlay;
    let deployments: BTreeSet<String> = manifests.names("Deployment").into_iter().collect();
    let statefulsets: BTreeSet<String> = manifests.names("StatefulSet").into_iter().collect();
    let mut problems = Vec::new();
    for (what, expected) in [
        ("compose's built services", compose_built_services(compose)),
        ("phase 03's Cargo binaries", cargo_binaries()),
    ] {
        if deployments != expected {
            problems.push(format!(
                "{overlay} overlay: the Deployments {deployments:?} are not {what} {expected:?}"
            ));
        }
    }
    let databases = compose_databases(compose);
    if statefulsets != databases {
        problems.push(format!(
            "{overlay} overlay: the StatefulSets {statefulsets:?} are not compose's databases {databases:?}"
        ));
    }
    for kind in ["DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet"] {
        if manifests.of_kind(kind).next().is_some() {
            problems.push(format!(
                "{overlay} overlay: a {kind}, which compose does not run"
            ));
        }
    }
    problems
}

/// Each service: compose's port on its container, its Service and its probes; compose's
/// variable names, and its values where both are literals (or the rendered Secret's).
pub fn check_ports_and_environment(manifests: &Manifests, compose: &Value) -> Problems {
    let overlay = manifests.overlay;
    let mut problems = Vec::new();
    for (name, container) in services_and_containers(manifests, compose) {
        let wanted = compose_environment(compose, &name);
        let actual = container_environment(container);
        let wanted_names: BTreeSet<&String> = wanted.keys().collect();
        let actual_names: BTreeSet<&String> = actual.keys().collect();
        if wanted_names != actual_names {
            problems.push(format!(
                "{overlay} overlay: {name}'s variables {actual_names:?} are not compose's {wanted_names:?}"
            ));
        }
        for (key, compose_value) in &wanted {
            let Some(value) = actual.get(key) else {
                continue;
            };
            let literal = compose_literal(compose_value);
            let different = DIFFERENT_ON_PURPOSE.iter().any(|(k, _)| k == key);
            match (value, literal) {
                (EnvValue::Literal(value), Some(literal)) if !different && *value != literal => {
                    problems.push(format!(
                        "{overlay} overlay: {name}'s {key} is {value:?}, compose's is {literal:?}"
                    ))
                }
                (EnvValue::Literal(value), None) => problems.push(format!(
                    "{overlay} overlay: {name}'s {key} is written in the manifest ({value:?}); \
                     compose requires it from a git-ignored file, so it must come from a Secret"
                )),
                (
                    EnvValue::Secret {
                        name: secret,
                        key: secret_key,
                    },
                    literal,
                ) => {
                    match (secret_value(manifests, secret, secret_key), literal) {
                        (None, _) => problems.push(format!(
                            "{overlay} overlay: {name}'s {key} reads {secret}/{secret_key}, which is not rendered"
                        )),
                        // The local overlay uses compose's demo values; production replaces them.
                        (Some(value), Some(literal)) if overlay == "local" && value != literal => {
                            problems.push(format!(
                                "{overlay} overlay: {name}'s {key} is {value:?} from {secret}, compose's is {literal:?}"
                            ))
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        // The port: compose's PORT, the container's `http` port, the Service's.
        let port: Option<u64> = wanted.get("PORT").and_then(|p| p.parse().ok());
        let container_port = container["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == "http")
            .and_then(|p| p["containerPort"].as_u64());
        if port.is_none() || container_port != port {
            problems.push(format!(
                "{overlay} overlay: {name}'s container port `http` is {container_port:?}, compose's PORT {port:?}"
            ));
        }
        match manifests.get("Service", &name) {
            None => problems.push(format!(
                "{overlay} overlay: no Service {name}, so `http://{name}:...` resolves to nothing"
            )),
            Some(service) => {
                let service_port = &service["spec"]["ports"][0];
                if service_port["port"].as_u64() != port || service_port["targetPort"] != "http" {
                    problems.push(format!(
                        "{overlay} overlay: Service {name} must serve port {port:?} on target `http`, \
                         it has {service_port}"
                    ));
                }
                let selector = &service["spec"]["selector"]["app.kubernetes.io/name"];
                if selector != &Value::String(name.clone()) {
                    problems.push(format!(
                        "{overlay} overlay: Service {name} selects {selector}, not {name}'s pods"
                    ));
                }
            }
        }
    }
    // The databases: compose's image.
    for name in compose_databases(compose) {
        if let Some(statefulset) = manifests.get("StatefulSet", &name) {
            let image = first_container(statefulset)["image"].as_str();
            let wanted = compose["services"][&name]["image"].as_str();
            if image != wanted {
                problems.push(format!(
                    "{overlay} overlay: {name} runs {image:?}, compose {wanted:?}"
                ));
            }
        }
    }
    problems
}

/// Liveness asks /health/live everywhere (a restart cures a stuck process, never a
/// lost dependency); readiness asks /health of the services that own a database and
/// /health/live of the others (the gateway's and stats-service's /health report what
/// they depend on, and they must keep answering while it is down).
pub fn check_probes(manifests: &Manifests, compose: &Value) -> Problems {
    let overlay = manifests.overlay;
    let mut problems = Vec::new();
    for (name, container) in services_and_containers(manifests, compose) {
        let owns_data = compose_environment(compose, &name).contains_key("DATABASE_URL");
        let readiness = if owns_data {
            READINESS_OF_DATA_OWNERS
        } else {
            LIVENESS_PATH
        };
        for (probe, wanted) in [
            ("startupProbe", LIVENESS_PATH),
            ("livenessProbe", LIVENESS_PATH),
            ("readinessProbe", readiness),
        ] {
            let path = probe_path(container, probe);
            if path.as_deref() != Some(wanted) {
                problems.push(format!(
                    "{overlay} overlay: {name}'s {probe} asks {path:?}, it must ask {wanted:?}"
                ));
            }
            if container[probe]["httpGet"]["port"] != "http" {
                problems.push(format!(
                    "{overlay} overlay: {name}'s {probe} must ask the `http` port"
                ));
            }
        }
    }
    problems
}

/// task-service scales: an HPA of at least two replicas owns its number (the Deployment
/// sets none), a PDB keeps one available during a drain without blocking it, and its
/// Service is headless so that the gateway's resolver sees every pod.
pub fn check_task_service_scales(manifests: &Manifests) -> Problems {
    let overlay = manifests.overlay;
    let mut problems = Vec::new();
    let Some(hpa) = manifests.get("HorizontalPodAutoscaler", "task-service") else {
        return vec![format!(
            "{overlay} overlay: no HorizontalPodAutoscaler task-service"
        )];
    };
    let target = &hpa["spec"]["scaleTargetRef"];
    if target["kind"] != "Deployment" || target["name"] != "task-service" {
        problems.push(format!(
            "{overlay} overlay: the HPA scales {target}, not the Deployment task-service"
        ));
    }
    let min = hpa["spec"]["minReplicas"].as_u64().unwrap_or(1);
    if min < 2 {
        problems.push(format!(
            "{overlay} overlay: the HPA keeps {min} task-service replica(s); several are the point"
        ));
    }
    if let Some(deployment) = manifests.get("Deployment", "task-service")
        && let Some(replicas) = deployment["spec"].get("replicas")
    {
        problems.push(format!(
            "{overlay} overlay: the Deployment task-service sets replicas: {replicas}, which \
             every `kubectl apply` would reset under the HPA"
        ));
    }
    match manifests.of_kind("PodDisruptionBudget").find(|pdb| {
        pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == "task-service"
    }) {
        None => problems.push(format!(
            "{overlay} overlay: no PodDisruptionBudget selects task-service's pods"
        )),
        Some(pdb) => match pdb["spec"]["minAvailable"].as_u64() {
            Some(available) if (1..min).contains(&available) => {}
            other => problems.push(format!(
                "{overlay} overlay: the PDB's minAvailable {other:?} must be at least 1 and \
                 below the HPA's minimum {min}, or a drain could never evict a pod"
            )),
        },
    }
    match manifests.get("Service", "task-service") {
        Some(service) if service["spec"]["clusterIP"] == "None" => {}
        _ => problems.push(format!(
            "{overlay} overlay: Service task-service must be headless (clusterIP: None), so \
             that DNS answers every pod and the gateway rotates over them"
        )),
    }
    problems
}

/// Every container runs unprivileged with a read-only root filesystem, no capabilities,
/// and requests and limits for CPU and memory.
pub fn check_hardening(manifests: &Manifests) -> Problems {
    let overlay = manifests.overlay;
    let mut problems = Vec::new();
    for workload in manifests.workloads() {
        let name = workload["metadata"]["name"].as_str().unwrap_or("?");
        let pod = &workload["spec"]["template"]["spec"];
        for container in pod["containers"].as_array().into_iter().flatten() {
            let security = &container["securityContext"];
            let non_root = security["runAsNonRoot"]
                .as_bool()
                .or(pod["securityContext"]["runAsNonRoot"].as_bool());
            let drops_all = security["capabilities"]["drop"]
                .as_array()
                .is_some_and(|drop| drop.iter().any(|c| c == "ALL"));
            for (ok, what) in [
                (non_root == Some(true), "runAsNonRoot: true"),
                (
                    security["readOnlyRootFilesystem"] == true,
                    "readOnlyRootFilesystem: true",
                ),
                (
                    security["allowPrivilegeEscalation"] == false,
                    "allowPrivilegeEscalation: false",
                ),
                (drops_all, "capabilities: {drop: [ALL]}"),
            ] {
                if !ok {
                    problems.push(format!("{overlay} overlay: {name} lacks {what}"));
                }
            }
            for bound in ["requests", "limits"] {
                for resource in ["cpu", "memory"] {
                    if container["resources"][bound][resource].is_null() {
                        problems.push(format!(
                            "{overlay} overlay: {name} has no {bound}.{resource}"
                        ));
                    }
                }
            }
        }
    }
    problems
}

/// Every file a `secretGenerator` reads is git-ignored and has a committed example
/// that holds no secret.
pub fn check_secret_files() -> Problems {
    let mut problems = Vec::new();
    let mut stack = vec![phase_dir().join("k8s")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)
            .expect("read the k8s folder")
            .filter_map(Result::ok)
        {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.file_name().and_then(|n| n.to_str()) != Some("kustomization.yaml") {
                continue;
            }
            let text = fs::read_to_string(&path).expect("read a kustomization");
            let kustomization = parse_documents(&text)
                .into_iter()
                .next()
                .unwrap_or_default();
            let files = kustomization["secretGenerator"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|generator| generator["envs"].as_array().into_iter().flatten())
                .filter_map(Value::as_str);
            for file in files {
                let real = dir.join(file);
                let ignored = Command::new("git")
                    .arg("check-ignore")
                    .arg("--quiet")
                    .arg(&real)
                    .status()
                    .is_ok_and(|status| status.success());
                if !ignored {
                    problems.push(format!(
                        "{} is not git-ignored: a real secret put there could be committed",
                        real.display()
                    ));
                }
                let example = dir.join(format!("{file}.example"));
                match fs::read_to_string(&example) {
                    Err(_) => problems.push(format!(
                        "{} has no committed example {}; a fresh clone could not render",
                        real.display(),
                        example.display()
                    )),
                    Ok(text) => {
                        problems.extend(secrets_in_example(&text, &example.display().to_string()))
                    }
                }
            }
        }
    }
    problems
}

/// A committed example gives no secret a value.
pub fn secrets_in_example(text: &str, file: &str) -> Problems {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .filter(|(key, value)| {
            matches!(
                key.trim(),
                "JWT_SECRET" | "POSTGRES_PASSWORD" | "DATABASE_URL"
            ) && !value.trim().is_empty()
        })
        .map(|(key, _)| format!("{file} gives {key} a value, and it is committed"))
        .collect()
}

/// Every problem of the workloads of one overlay.
pub fn workload_problems(manifests: &Manifests, compose: &Value) -> Problems {
    [
        check_same_workloads(manifests, compose),
        check_ports_and_environment(manifests, compose),
        check_probes(manifests, compose),
        check_task_service_scales(manifests),
        check_hardening(manifests),
    ]
    .concat()
}
