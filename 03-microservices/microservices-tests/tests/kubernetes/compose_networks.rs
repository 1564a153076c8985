//! compose draws the same boundaries as the NetworkPolicies, with the one tool it has:
//! networks. Two containers can connect only when they share a network, so
//! `03-microservices/docker-compose.yml` puts each database on a network of its own with
//! the one service that owns it, and the gateway and stats-service on neither.
//!
//! Networks are coarser than policies (no ports, no direction), so the checks are:
//! - every service names its networks (none is left on compose's implicit `default`);
//! - a database shares a network only with its owner, read from CALM (the one workload
//!   CALM connects to it), and its network is `internal` (no route out of the host);
//! - every CALM connection between two compose services is possible (they share a network).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::network::{Problems, calm_connections};

/// Each compose service's networks, as written (`networks:` as a list or a mapping).
pub fn networks(compose: &Value) -> BTreeMap<String, Option<BTreeSet<String>>> {
    compose["services"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, service)| {
            let names = match &service["networks"] {
                Value::Array(list) => Some(
                    list.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                ),
                Value::Object(map) => Some(map.keys().cloned().collect()),
                _ => None,
            };
            (name.clone(), names)
        })
        .collect()
}

/// `a` and `b` share a network.
fn reachable(networks: &BTreeMap<String, Option<BTreeSet<String>>>, a: &str, b: &str) -> bool {
    match (networks.get(a), networks.get(b)) {
        (Some(Some(x)), Some(Some(y))) => !x.is_disjoint(y),
        // Both on the implicit default network.
        (Some(None), Some(None)) => true,
        _ => false,
    }
}

pub fn check_compose_networks(compose: &Value, calm: &Value) -> Problems {
    let networks = networks(compose);
    let edges = calm_connections(calm);
    let mut problems = Vec::new();
    for (service, names) in &networks {
        if names.is_none() {
            problems.push(format!(
                "compose service `{service}` names no `networks:`, so it sits on the implicit \
                 `default` network with every other such service"
            ));
        }
    }
    let databases: BTreeSet<&String> = networks
        .keys()
        .filter(|name| {
            compose["services"][name.as_str()]["image"]
                .as_str()
                .is_some_and(|image| image.starts_with("postgres:"))
        })
        .collect();
    for database in &databases {
        let owners: BTreeSet<&str> = edges
            .iter()
            .filter(|e| &e.to == *database)
            .map(|e| e.from.as_str())
            .collect();
        for other in networks.keys().filter(|n| n != database) {
            if reachable(&networks, database, other) && !owners.contains(other.as_str()) {
                problems.push(format!(
                    "compose service `{other}` shares a network with `{database}`, which CALM \
                     connects only to {owners:?}"
                ));
            }
        }
        for network in networks
            .get(*database)
            .cloned()
            .flatten()
            .into_iter()
            .flatten()
        {
            if compose["networks"][&network]["internal"] != true {
                problems.push(format!(
                    "network `{network}` of `{database}` is not `internal: true`; a database \
                     needs no route out of the host"
                ));
            }
        }
    }
    for edge in &edges {
        let both_in_compose = networks.contains_key(&edge.from) && networks.contains_key(&edge.to);
        if both_in_compose && !reachable(&networks, &edge.from, &edge.to) {
            problems.push(format!(
                "CALM connects {edge}, but `{}` and `{}` share no compose network",
                edge.from, edge.to
            ));
        }
    }
    problems
}
