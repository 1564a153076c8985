//! The NetworkPolicies, read as a graph: which workload may open a connection to which, on
//! which port. Held to phase 03's CALM document, whose `connects` relationships are the
//! architecture's edges: an edge the policies allow that CALM does not draw fails, and so
//! does a CALM edge the policies do not allow, on EITHER end (the caller's egress and the
//! callee's ingress are separate rules, and a connection needs both).
//!
//! Traffic that crosses the namespace's boundary is not architecture but what every cluster
//! needs (DNS, the ingress controller, observability). It may only come from
//! `k8s/base/network-policies/cluster-exemptions.yaml`, and each exemption must be one of
//! [`EXEMPTIONS`] below, allowing exactly what that entry says, with a reason.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::render::{Manifests, parse_documents, phase_dir};

/// A connection one workload may open to another, on the destination's port.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub port: u16,
}

impl std::fmt::Display for Edge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} -> {}:{}", self.from, self.to, self.port)
    }
}

pub type Problems = Vec<String>;

// ---------------------------------------------------------------------------------------------
// CALM
// ---------------------------------------------------------------------------------------------

/// Phase 03's architecture document, parsed.
pub fn calm_document() -> Value {
    let path = phase_dir().join("../calm-specs/03-microservices.architecture.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()))
}

/// Every `connects` relationship of the CALM document as (source node, destination node,
/// destination interface's port).
pub fn calm_connections(calm: &Value) -> BTreeSet<Edge> {
    let ports: BTreeMap<&str, u16> = calm["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|node| node["interfaces"].as_array().into_iter().flatten())
        .filter_map(|interface| {
            let id = interface["unique-id"].as_str()?;
            let port = u16::try_from(interface["port"].as_u64()?).ok()?;
            Some((id, port))
        })
        .collect();
    calm["relationships"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|relationship| {
            let connects = &relationship["relationship-type"]["connects"];
            let from = connects["source"]["node"].as_str()?;
            let to = connects["destination"]["node"].as_str()?;
            let interface = connects["destination"]["interfaces"][0].as_str()?;
            let port = *ports.get(interface)?;
            Some(Edge {
                from: from.to_string(),
                to: to.to_string(),
                port,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Workloads and selectors
// ---------------------------------------------------------------------------------------------

/// Each workload (Deployment, StatefulSet) with its pods' labels.
pub fn workloads(manifests: &Manifests) -> BTreeMap<String, BTreeMap<String, String>> {
    manifests
        .workloads()
        .filter_map(|doc| {
            let name = doc["metadata"]["name"].as_str()?.to_string();
            let labels: BTreeMap<String, String> = doc["spec"]["template"]["metadata"]["labels"]
                .as_object()?
                .iter()
                .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_string())))
                .collect();
            Some((name, labels))
        })
        .collect()
}

/// The workloads a pod selector picks; a problem for what this analysis cannot read
/// (`matchExpressions`) or a selector that picks nothing (a misspelt label).
fn select(
    selector: &Value,
    workloads: &BTreeMap<String, BTreeMap<String, String>>,
    context: &str,
) -> Result<BTreeSet<String>, String> {
    if selector.get("matchExpressions").is_some() {
        return Err(format!(
            "{context}: matchExpressions are not used in this project; select pods with matchLabels"
        ));
    }
    let wanted: BTreeMap<String, String> = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_string())))
        .collect();
    let picked: BTreeSet<String> = workloads
        .iter()
        .filter(|(_, labels)| {
            wanted
                .iter()
                .all(|(key, value)| labels.get(key) == Some(value))
        })
        .map(|(name, _)| name.clone())
        .collect();
    if picked.is_empty() {
        return Err(format!(
            "{context}: the pod selector {selector} picks no workload"
        ));
    }
    Ok(picked)
}

// ---------------------------------------------------------------------------------------------
// Policies as rules
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    Ingress,
    Egress,
}

/// What one rule of one policy allows for one selected workload: the peer's side.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Peer {
    /// Pods of these workloads in this namespace.
    Workloads(BTreeSet<String>),
    /// Pods in another namespace (by its `kubernetes.io/metadata.name`).
    Namespace(String),
}

/// One allowance: `workload` may send to (egress) or receive from (ingress) `peer` on
/// `port` with `protocol`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Allowance {
    pub policy: String,
    pub direction: Direction,
    pub workload: String,
    pub peer: Peer,
    pub protocol: String,
    pub port: u16,
}

/// Every allowance of every NetworkPolicy, and the problems met reading them.
pub fn allowances(manifests: &Manifests) -> (Vec<Allowance>, Problems) {
    let workloads = workloads(manifests);
    let mut allowances = Vec::new();
    let mut problems = Vec::new();
    for policy in manifests.of_kind("NetworkPolicy") {
        let name = policy["metadata"]["name"]
            .as_str()
            .unwrap_or("?")
            .to_string();
        let spec = &policy["spec"];
        let selected = match select(&spec["podSelector"], &workloads, &format!("policy {name}")) {
            Ok(selected) => selected,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        for (direction, key, peers_key) in [
            (Direction::Ingress, "ingress", "from"),
            (Direction::Egress, "egress", "to"),
        ] {
            for rule in spec[key].as_array().into_iter().flatten() {
                let context = format!("policy {name}, an {key} rule");
                let Some(peers) = rule[peers_key].as_array().filter(|p| !p.is_empty()) else {
                    problems.push(format!(
                        "{context} has no `{peers_key}`: it allows every peer"
                    ));
                    continue;
                };
                let Some(ports) = rule["ports"].as_array().filter(|p| !p.is_empty()) else {
                    problems.push(format!("{context} has no `ports`: it allows every port"));
                    continue;
                };
                for peer in peers {
                    let peer = match read_peer(peer, &workloads, &context) {
                        Ok(peer) => peer,
                        Err(problem) => {
                            problems.push(problem);
                            continue;
                        }
                    };
                    for port in ports {
                        let protocol = port["protocol"].as_str().unwrap_or("TCP").to_string();
                        let Some(first) = port["port"].as_u64() else {
                            problems.push(format!(
                                "{context}: port {port} is not a number (named ports hide what is allowed)"
                            ));
                            continue;
                        };
                        let last = port["endPort"].as_u64().unwrap_or(first);
                        for number in first..=last {
                            for workload in &selected {
                                allowances.push(Allowance {
                                    policy: name.clone(),
                                    direction,
                                    workload: workload.clone(),
                                    peer: peer.clone(),
                                    protocol: protocol.clone(),
                                    port: u16::try_from(number).unwrap_or(0),
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    (allowances, problems)
}

fn read_peer(
    peer: &Value,
    workloads: &BTreeMap<String, BTreeMap<String, String>>,
    context: &str,
) -> Result<Peer, String> {
    if peer.get("ipBlock").is_some() {
        return Err(format!(
            "{context} allows an ipBlock {}: addresses say nothing about which workload is \
             there; name pods or namespaces",
            peer["ipBlock"]
        ));
    }
    match peer.get("namespaceSelector") {
        None => Ok(Peer::Workloads(select(
            &peer["podSelector"],
            workloads,
            context,
        )?)),
        Some(namespaces) => match namespaces["matchLabels"]["kubernetes.io/metadata.name"].as_str()
        {
            Some(namespace)
                if namespaces["matchLabels"].as_object().map(|m| m.len()) == Some(1) =>
            {
                Ok(Peer::Namespace(namespace.to_string()))
            }
            _ => Err(format!(
                "{context}: the namespaceSelector {namespaces} must name exactly one namespace \
                 (matchLabels: {{kubernetes.io/metadata.name: ...}}); {{}} means every namespace"
            )),
        },
    }
}

/// The edges between workloads of the namespace that the policies allow, seen from one
/// end: the caller's egress rules, or the callee's ingress rules. (UDP is not an edge of
/// this architecture: its only use, DNS, leaves the namespace.)
pub fn allowed_edges(allowances: &[Allowance], direction: Direction) -> BTreeSet<Edge> {
    allowances
        .iter()
        .filter(|a| a.direction == direction)
        .flat_map(|a| match &a.peer {
            Peer::Workloads(peers) => peers
                .iter()
                .map(|peer| {
                    let (from, to) = match direction {
                        Direction::Egress => (a.workload.clone(), peer.clone()),
                        Direction::Ingress => (peer.clone(), a.workload.clone()),
                    };
                    Edge {
                        from,
                        to,
                        port: a.port,
                    }
                })
                .collect::<Vec<_>>(),
            Peer::Namespace(_) => vec![],
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The cluster exemptions
// ---------------------------------------------------------------------------------------------

/// Which workloads an exemption applies to.
#[derive(Clone, Copy, Debug)]
pub enum Workloads {
    Every,
    Only(&'static [&'static str]),
}

/// What one cluster exemption may allow, and why it exists (the manifest says why too).
pub struct Exemption {
    pub name: &'static str,
    pub direction: Direction,
    pub workloads: Workloads,
    /// The other end: pods in this namespace.
    pub namespace: &'static str,
    /// (protocol, port) pairs, the same for every workload it applies to.
    pub ports: &'static [(&'static str, u16)],
    /// The CALM node this exemption stands for, when CALM draws it (the API's clients
    /// arrive through the ingress controller).
    pub calm_node: Option<&'static str>,
}

/// The four processes (the observability exemptions apply to them, not to the databases).
const PROCESSES: &[&str] = &[
    "api-gateway",
    "user-service",
    "task-service",
    "stats-service",
];

/// Every exemption the cluster needs, as the test knows them.
pub const EXEMPTIONS: &[Exemption] = &[
    Exemption {
        name: "exemption-dns",
        direction: Direction::Egress,
        workloads: Workloads::Every,
        namespace: "kube-system",
        ports: &[("UDP", 53), ("TCP", 53)],
        calm_node: None,
    },
    Exemption {
        name: "exemption-ingress-controller",
        direction: Direction::Ingress,
        workloads: Workloads::Only(&["api-gateway"]),
        namespace: "ingress-nginx",
        ports: &[("TCP", 8000)],
        calm_node: Some("api-client"),
    },
    Exemption {
        name: "exemption-otlp-export",
        direction: Direction::Egress,
        workloads: Workloads::Only(PROCESSES),
        namespace: "observability",
        ports: &[("TCP", 4318)],
        calm_node: Some("jaeger"),
    },
    Exemption {
        name: "exemption-metrics-scrape",
        direction: Direction::Ingress,
        workloads: Workloads::Only(PROCESSES),
        namespace: "observability",
        ports: &[("TCP", 9000), ("TCP", 9001), ("TCP", 9002), ("TCP", 9003)],
        calm_node: Some("prometheus"),
    },
];

/// The names of the NetworkPolicies in the one exemptions file.
pub fn exemptions_file_names() -> BTreeSet<String> {
    let path = phase_dir().join("k8s/base/network-policies/cluster-exemptions.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    parse_documents(&text)
        .iter()
        .filter_map(|doc| doc["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

/// Everything starts closed: a policy selects every pod, for ingress and egress, and
/// allows nothing.
pub fn check_default_deny(manifests: &Manifests) -> Problems {
    let denies_all = manifests.of_kind("NetworkPolicy").any(|policy| {
        let spec = &policy["spec"];
        let types: BTreeSet<&str> = spec["policyTypes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        spec["podSelector"]
            .as_object()
            .is_some_and(|s| s.is_empty())
            && types == BTreeSet::from(["Ingress", "Egress"])
            && spec.get("ingress").is_none()
            && spec.get("egress").is_none()
    });
    if denies_all {
        vec![]
    } else {
        vec![format!(
            "{} overlay: no default-deny NetworkPolicy (podSelector: {{}}, policyTypes: \
             [Ingress, Egress], no rules); without it every pod is open to everything the \
             other policies do not select",
            manifests.overlay
        )]
    }
}

/// The policies allow exactly CALM's edges between workloads, from both ends.
pub fn check_edges_match_calm(manifests: &Manifests, calm: &Value) -> Problems {
    let workloads = workloads(manifests);
    let expected: BTreeSet<Edge> = calm_connections(calm)
        .into_iter()
        .filter(|e| workloads.contains_key(&e.from) && workloads.contains_key(&e.to))
        .collect();
    let (allowances, mut problems) = allowances(manifests);
    for (direction, end) in [
        (Direction::Egress, "the caller's egress"),
        (Direction::Ingress, "the callee's ingress"),
    ] {
        let allowed = allowed_edges(&allowances, direction);
        for edge in allowed.difference(&expected) {
            problems.push(format!(
                "{} overlay: {end} allows {edge}, an edge CALM does not have",
                manifests.overlay
            ));
        }
        for edge in expected.difference(&allowed) {
            problems.push(format!(
                "{} overlay: CALM has the edge {edge}, which {end} does not allow",
                manifests.overlay
            ));
        }
    }
    problems
}

/// Traffic across the namespace's boundary comes only from the exemptions file, each one
/// a known exemption with a reason, allowing exactly what it is known for; and only the
/// gateway accepts traffic from outside on its API port.
pub fn check_exemptions(manifests: &Manifests, calm: &Value) -> Problems {
    let (allowances, mut problems) = allowances(manifests);
    let in_file = exemptions_file_names();
    let every: BTreeSet<String> = workloads(manifests).into_keys().collect();
    let crossing: BTreeSet<&str> = allowances
        .iter()
        .filter(|a| matches!(a.peer, Peer::Namespace(_)))
        .map(|a| a.policy.as_str())
        .collect();
    for policy in &crossing {
        if !in_file.contains(*policy) {
            problems.push(format!(
                "{} overlay: policy {policy} lets traffic cross the namespace's boundary, \
                 but is not in network-policies/cluster-exemptions.yaml (the one place for that)",
                manifests.overlay
            ));
        }
        if !EXEMPTIONS.iter().any(|known| known.name == *policy) {
            problems.push(format!(
                "{} overlay: policy {policy} is not a known cluster exemption; add it to the \
                 test's EXEMPTIONS with what it may allow, or remove it",
                manifests.overlay
            ));
        }
    }
    for known in EXEMPTIONS {
        let Some(policy) = manifests.get("NetworkPolicy", known.name) else {
            problems.push(format!(
                "{} overlay: the cluster exemption {} is missing",
                manifests.overlay, known.name
            ));
            continue;
        };
        let reason = policy["metadata"]["annotations"]["tasktracker.workshop/reason"]
            .as_str()
            .unwrap_or_default();
        if reason.trim().len() < 20 {
            problems.push(format!(
                "{} overlay: the cluster exemption {} gives no reason (annotation \
                 tasktracker.workshop/reason)",
                manifests.overlay, known.name
            ));
        }
        let targets: BTreeSet<String> = match known.workloads {
            Workloads::Every => every.clone(),
            Workloads::Only(names) => names.iter().map(|n| n.to_string()).collect(),
        };
        let wanted: BTreeSet<(Direction, String, Peer, String, u16)> = targets
            .iter()
            .flat_map(|workload| {
                known.ports.iter().map(move |(protocol, port)| {
                    (
                        known.direction,
                        workload.clone(),
                        Peer::Namespace(known.namespace.to_string()),
                        protocol.to_string(),
                        *port,
                    )
                })
            })
            .collect();
        let actual: BTreeSet<(Direction, String, Peer, String, u16)> = allowances
            .iter()
            .filter(|a| a.policy == known.name)
            .map(|a| {
                (
                    a.direction,
                    a.workload.clone(),
                    a.peer.clone(),
                    a.protocol.clone(),
                    a.port,
                )
            })
            .collect();
        if actual != wanted {
            let extra: Vec<_> = actual.difference(&wanted).collect();
            let missing: Vec<_> = wanted.difference(&actual).collect();
            problems.push(format!(
                "{} overlay: the cluster exemption {} must allow exactly what it is for; \
                 it also allows {extra:?} and lacks {missing:?}",
                manifests.overlay, known.name
            ));
        }
        // The CALM node this exemption stands for must be drawn, connected to the namespace.
        if let Some(node) = known.calm_node {
            let drawn = calm_connections(calm).into_iter().any(|e| {
                (e.from == node && every.contains(&e.to))
                    || (e.to == node && every.contains(&e.from))
            });
            if !drawn {
                problems.push(format!(
                    "{} overlay: the exemption {} stands for CALM's {node}, but CALM draws no \
                     connection between {node} and a workload of the namespace",
                    manifests.overlay, known.name
                ));
            }
        }
    }
    // Every CALM edge across the namespace's boundary is allowed by the exemption that
    // stands for its outside end.
    for edge in calm_connections(calm) {
        let (outside, workload, direction) =
            match (every.contains(&edge.from), every.contains(&edge.to)) {
                (false, true) => (&edge.from, &edge.to, Direction::Ingress),
                (true, false) => (&edge.to, &edge.from, Direction::Egress),
                _ => continue,
            };
        let Some(known) = EXEMPTIONS
            .iter()
            .find(|e| e.calm_node == Some(outside.as_str()))
        else {
            problems.push(format!(
                "{} overlay: CALM draws {edge} across the namespace's boundary, but no \
                 cluster exemption stands for {outside}",
                manifests.overlay
            ));
            continue;
        };
        let allowed = allowances.iter().any(|a| {
            a.policy == known.name
                && a.direction == direction
                && &a.workload == workload
                && a.port == edge.port
        });
        if !allowed {
            problems.push(format!(
                "{} overlay: CALM draws {edge}, which the exemption {} does not allow",
                manifests.overlay, known.name
            ));
        }
    }
    // Only the gateway accepts traffic from outside the namespace on an API port.
    let api_ports = api_ports(manifests);
    for a in &allowances {
        if a.direction == Direction::Ingress
            && matches!(a.peer, Peer::Namespace(_))
            && a.workload != "api-gateway"
            && api_ports.get(&a.workload) == Some(&a.port)
        {
            problems.push(format!(
                "{} overlay: policy {} lets {:?} reach {}'s API port {}; only the gateway \
                 accepts traffic from outside the namespace",
                manifests.overlay, a.policy, a.peer, a.workload, a.port
            ));
        }
    }
    problems
}

/// Each workload's API port: its container port named `http` (or `postgres`).
pub fn api_ports(manifests: &Manifests) -> BTreeMap<String, u16> {
    manifests
        .workloads()
        .filter_map(|doc| {
            let name = doc["metadata"]["name"].as_str()?.to_string();
            let port = doc["spec"]["template"]["spec"]["containers"][0]["ports"]
                .as_array()?
                .iter()
                .find(|p| matches!(p["name"].as_str(), Some("http" | "postgres")))?["containerPort"]
                .as_u64()?;
            Some((name, u16::try_from(port).ok()?))
        })
        .collect()
}

/// Every problem of the network of one overlay.
pub fn network_problems(manifests: &Manifests, calm: &Value) -> Problems {
    let mut problems = check_default_deny(manifests);
    problems.extend(check_edges_match_calm(manifests, calm));
    problems.extend(check_exemptions(manifests, calm));
    problems.sort();
    problems.dedup();
    problems
}
