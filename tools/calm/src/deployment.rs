//! The Kubernetes deployment view (`calm-specs/deployments/*.architecture.json`) versus the
//! manifests it describes, rendered by `kubectl kustomize`.
//!
//! A deployment view reuses the phase document's `unique-id`s for the workloads (the
//! `api-gateway` node is the gateway, wherever it runs) and adds the places they run in: a
//! cluster node and a namespace node, joined by `deployed-in`. Each node that is a Kubernetes
//! object says which in `metadata.kubernetes` (`{"kind": "Deployment", "name": "api-gateway"}`).
//! The checks, in both directions where that makes sense:
//! - every node naming an object has it in the manifests, and every Deployment and StatefulSet
//!   has a node;
//! - every workload node is `deployed-in` the namespace node, every namespaced object lives in
//!   that namespace, and the namespace node is `deployed-in` a cluster node;
//! - a workload node's interface is a Service of that name, with that port, selecting the
//!   workload's pods;
//! - the document's `connects` are the phase document's (the same edges, wherever they run);
//! - every process of ours and every database of the phase document is a workload here;
//! - a workload without a database in the phase document gets no database URL here either.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;
use serde::Deserialize as _;
use serde_norway::Value;

use crate::model::{Architecture, Node, NodeType, RelationshipType};
use crate::problem::Problem;

const CHECK: &str = "kubernetes";
const WORKLOAD_KINDS: [&str; 2] = ["Deployment", "StatefulSet"];

/// One object of the rendered manifests.
#[derive(Clone, Debug)]
pub struct Object {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub body: Value,
}

/// Every object in the output of `kubectl kustomize` (a YAML stream).
pub fn parse_manifests(yaml: &str) -> anyhow::Result<Vec<Object>> {
    let mut objects = Vec::new();
    for document in serde_norway::Deserializer::from_str(yaml) {
        let body = Value::deserialize(document).context("a rendered manifest is not YAML")?;
        if body.is_null() {
            continue;
        }
        let text = |path: &[&str]| {
            let mut value = &body;
            for key in path {
                value = value.get(*key)?;
            }
            value.as_str().map(str::to_owned)
        };
        objects.push(Object {
            kind: text(&["kind"]).context("an object without `kind`")?,
            name: text(&["metadata", "name"]).context("an object without `metadata.name`")?,
            namespace: text(&["metadata", "namespace"]),
            body,
        });
    }
    Ok(objects)
}

fn find<'a>(objects: &'a [Object], kind: &str, name: &str) -> Option<&'a Object> {
    objects
        .iter()
        .find(|object| object.kind == kind && object.name == name)
}

/// `spec.template.metadata.labels` of a workload.
fn pod_labels(workload: &Object) -> BTreeMap<String, String> {
    string_map(
        workload
            .body
            .get("spec")
            .and_then(|spec| spec.get("template"))
            .and_then(|template| template.get("metadata"))
            .and_then(|metadata| metadata.get("labels")),
    )
}

fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    let Some(Value::Mapping(mapping)) = value else {
        return BTreeMap::new();
    };
    mapping
        .iter()
        .filter_map(|(key, value)| Some((key.as_str()?.to_owned(), value.as_str()?.to_owned())))
        .collect()
}

/// The `env` of every container of a workload, with literal values (`valueFrom` gives none).
fn environment(workload: &Object) -> Vec<(String, Option<String>)> {
    let containers = workload
        .body
        .get("spec")
        .and_then(|spec| spec.get("template"))
        .and_then(|template| template.get("spec"))
        .and_then(|spec| spec.get("containers"))
        .and_then(Value::as_sequence);
    containers
        .into_iter()
        .flatten()
        .filter_map(|container| container.get("env")?.as_sequence())
        .flatten()
        .filter_map(|variable| {
            let name = variable.get("name")?.as_str()?.to_owned();
            let value = variable
                .get("value")
                .and_then(Value::as_str)
                .map(str::to_owned);
            Some((name, value))
        })
        .collect()
}

/// The ports a Service exposes (`spec.ports[].port`) and its selector.
fn service_ports_and_selector(service: &Object) -> (Vec<u64>, BTreeMap<String, String>) {
    let spec = service.body.get("spec");
    let ports = spec
        .and_then(|spec| spec.get("ports"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|port| port.get("port")?.as_u64())
        .collect();
    (
        ports,
        string_map(spec.and_then(|spec| spec.get("selector"))),
    )
}

fn kubernetes_of(node: &Node) -> Option<&crate::model::KubernetesObject> {
    node.metadata.as_ref()?.kubernetes.as_ref()
}

/// The containers of `deployed-in` relationships whose nodes include `node_id`.
fn deployed_in<'a>(doc: &'a Architecture, node_id: &str) -> Vec<&'a str> {
    doc.relationships
        .iter()
        .filter_map(|relationship| match &relationship.relationship_type {
            RelationshipType::DeployedIn(containment)
                if containment.nodes.iter().any(|node| node == node_id) =>
            {
                Some(containment.container.as_str())
            }
            _ => None,
        })
        .collect()
}

/// `(source, destination)` of every `connects`.
fn edges(doc: &Architecture) -> BTreeSet<(String, String)> {
    doc.connections()
        .map(|(_, connects)| {
            (
                connects.source.node.clone(),
                connects.destination.node.clone(),
            )
        })
        .collect()
}

/// Checks the deployment view `view` against the rendered `objects` and the phase document
/// `phase` whose nodes it deploys.
pub fn check(view: &Architecture, phase: &Architecture, objects: &[Object]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut report = |message: String| problems.push(Problem::new(CHECK, message));

    // Nodes that are objects, and objects that are workloads.
    let mut namespaces = Vec::new();
    for node in &view.nodes {
        let Some(object) = kubernetes_of(node) else {
            continue;
        };
        if object.kind == "Namespace" {
            namespaces.push((node, object.name.as_str()));
        }
        if object.kind != "Namespace" && find(objects, &object.kind, &object.name).is_none() {
            report(format!(
                "node `{}` is {} `{}`, which the manifests do not have",
                node.unique_id, object.kind, object.name
            ));
        }
    }
    for object in objects
        .iter()
        .filter(|object| WORKLOAD_KINDS.contains(&object.kind.as_str()))
    {
        let modelled = view.nodes.iter().any(|node| {
            kubernetes_of(node)
                .is_some_and(|named| named.kind == object.kind && named.name == object.name)
        });
        if !modelled {
            report(format!(
                "the manifests run {} `{}`, but no node of the deployment view is that workload",
                object.kind, object.name
            ));
        }
    }

    // One namespace, holding every namespaced object, inside a cluster.
    let namespace = match namespaces.as_slice() {
        [(node, name)] => Some((*node, *name)),
        _ => {
            report(format!(
                "the deployment view has {} namespace nodes (metadata.kubernetes.kind Namespace); it describes one",
                namespaces.len()
            ));
            None
        }
    };
    if let Some((namespace_node, name)) = namespace {
        for object in objects.iter().filter(|object| object.kind != "Namespace") {
            if let Some(other) = &object.namespace
                && other != name
            {
                report(format!(
                    "{} `{}` lives in namespace `{other}`, not in `{name}`",
                    object.kind, object.name
                ));
            }
        }
        let in_cluster = deployed_in(view, &namespace_node.unique_id)
            .iter()
            .any(|container| view.node(container).is_some_and(is_cluster));
        if !in_cluster {
            report(format!(
                "namespace node `{}` is not `deployed-in` a cluster node",
                namespace_node.unique_id
            ));
        }
    }

    // Workloads: deployed in the namespace, reachable through their Service.
    for node in &view.nodes {
        let Some(named) = kubernetes_of(node) else {
            continue;
        };
        if !WORKLOAD_KINDS.contains(&named.kind.as_str()) {
            continue;
        }
        if let Some((namespace_node, _)) = namespace
            && !deployed_in(view, &node.unique_id).contains(&namespace_node.unique_id.as_str())
        {
            report(format!(
                "workload node `{}` is not `deployed-in` namespace node `{}`",
                node.unique_id, namespace_node.unique_id
            ));
        }
        let Some(workload) = find(objects, &named.kind, &named.name) else {
            continue; // reported above
        };
        if let Some((host, port)) = node.host_port() {
            match find(objects, "Service", host) {
                None => report(format!(
                    "node `{}` listens on host `{host}`, but the manifests have no Service `{host}`",
                    node.unique_id
                )),
                Some(service) => {
                    let (ports, selector) = service_ports_and_selector(service);
                    if !ports.contains(&u64::from(port)) {
                        report(format!(
                            "node `{}` says port {port}, but Service `{host}` exposes {ports:?}",
                            node.unique_id
                        ));
                    }
                    let labels = pod_labels(workload);
                    if selector.is_empty()
                        || selector
                            .iter()
                            .any(|(key, value)| labels.get(key) != Some(value))
                    {
                        report(format!(
                            "Service `{host}` does not select the pods of {} `{}` (node `{}`)",
                            named.kind, named.name, node.unique_id
                        ));
                    }
                }
            }
        }
        // The phase document's node of the same id, and its database (or none).
        match phase.node(&node.unique_id) {
            None => report(format!(
                "workload node `{}` is no node of the phase document: nodes match by unique-id",
                node.unique_id
            )),
            Some(logical) if logical.node_type != node.node_type => report(format!(
                "node `{}` is a {} here but a {} in the phase document",
                node.unique_id, node.node_type, logical.node_type
            )),
            Some(logical) => {
                let owns_data = phase.connections().any(|(_, connects)| {
                    connects.source.node == logical.unique_id
                        && phase
                            .node(&connects.destination.node)
                            .is_some_and(|target| target.node_type == NodeType::Database)
                });
                if !owns_data && logical.node_type == NodeType::Service {
                    for (variable, value) in environment(workload) {
                        let url = value.as_deref().unwrap_or_default();
                        if variable == "DATABASE_URL"
                            || ["sqlite:", "postgres://", "postgresql://"]
                                .iter()
                                .any(|scheme| url.starts_with(scheme))
                        {
                            report(format!(
                                "node `{}` has no database, but {} `{}` sets {variable}",
                                node.unique_id, named.kind, named.name
                            ));
                        }
                    }
                }
            }
        }
    }
    // Every process of ours and every database of the phase document is deployed here.
    // (Tools the phase runs beside them, such as a trace viewer, may live elsewhere.)
    for logical in phase.nodes.iter().filter(|node| {
        node.host_port().is_some()
            && (node.cargo_bin().is_some() || node.node_type == NodeType::Database)
    }) {
        if view.node(&logical.unique_id).is_none() {
            report(format!(
                "the phase document's node `{}` is not in the deployment view",
                logical.unique_id
            ));
        }
    }
    // The same edges, wherever they run.
    let (here, there) = (edges(view), edges(phase));
    for (source, destination) in here.difference(&there) {
        report(format!(
            "the deployment view connects `{source}` to `{destination}`, which the phase document does not"
        ));
    }
    for (source, destination) in there.difference(&here) {
        if view.node(source).is_some() && view.node(destination).is_some() {
            report(format!(
                "the phase document connects `{source}` to `{destination}`, but the deployment view does not"
            ));
        }
    }
    problems
}

fn is_cluster(node: &Node) -> bool {
    node.node_type == NodeType::Other("kubernetes-cluster".into())
}
