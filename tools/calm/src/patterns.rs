//! The workshop's CALM patterns, checked through the typed model.
//!
//! `calm-specs/patterns/*.pattern.json` are JSON schemas; CI validates the documents against
//! them with the official CALM meta-schemas (`tools/calm/schema/check.sh`), which live outside
//! the repository. The same constraints are written here so that `cargo test` checks them in
//! every clone, meta-schemas or not. Which pattern applies to which document is decided by the
//! document's content, never by its metadata, in both places: deleting `metadata.pattern`
//! switches nothing off.
//!
//! | pattern | applies to | constraints |
//! |---|---|---|
//! | [`ENTRY_POINT`] | every phase | one node listens on port 8000; the API client connects to and interacts with that node only |
//! | [`MICROSERVICES`] | every document running more than one of our binaries | a service `api-gateway` with an interface; the API client interacts with it only; at least two databases |

use std::collections::BTreeSet;

use crate::model::{Architecture, Node, NodeType, RelationshipType};
use crate::problem::Problem;

/// The port every phase serves the API on (docs/api.md).
pub const ENTRY_PORT: u16 = 8000;
/// The actor that uses the public API. Other actors (an operator) are other nodes.
pub const API_CLIENT: &str = "api-client";
/// The gateway every microservices architecture puts in front of its services (ADR 0009).
pub const API_GATEWAY: &str = "api-gateway";

/// A pattern: its file under `calm-specs/patterns/` and its check.
pub struct Pattern {
    pub file: &'static str,
    pub check: fn(&Architecture) -> Vec<Problem>,
}

pub const ENTRY_POINT: Pattern = Pattern {
    file: "entry-point.pattern.json",
    check: entry_point,
};

pub const MICROSERVICES: Pattern = Pattern {
    file: "microservices.pattern.json",
    check: microservices,
};

/// The patterns `doc` must satisfy. Kept in step with `applicable_patterns` in
/// `tools/calm/schema/validate.py`, which picks the JSON schemas by the same rule.
pub fn applicable(doc: &Architecture) -> Vec<&'static Pattern> {
    let mut patterns = vec![&ENTRY_POINT];
    if runs_several_binaries(doc) {
        patterns.push(&MICROSERVICES);
    }
    patterns
}

/// Every applicable pattern's problems.
pub fn check(doc: &Architecture) -> Vec<Problem> {
    applicable(doc)
        .into_iter()
        .flat_map(|pattern| (pattern.check)(doc))
        .collect()
}

/// More than one service node names a binary of ours (`metadata.cargo-bin`): the
/// architecture is distributed, whatever its metadata says.
pub fn runs_several_binaries(doc: &Architecture) -> bool {
    doc.nodes
        .iter()
        .filter(|node| node.node_type == NodeType::Service && node.cargo_bin().is_some())
        .count()
        > 1
}

/// The nodes with an interface on [`ENTRY_PORT`].
fn entry_points(doc: &Architecture) -> Vec<&Node> {
    doc.nodes
        .iter()
        .filter(|node| {
            node.interfaces
                .iter()
                .filter_map(|interface| interface.host_port())
                .any(|(_, port)| port == ENTRY_PORT)
        })
        .collect()
}

/// One entry point on port 8000, and the API client reaches nothing else (ADR 0009 for phase
/// 03; in phases 01 and 02 the one process is the entry point).
pub fn entry_point(doc: &Architecture) -> Vec<Problem> {
    const CHECK: &str = "pattern-entry-point";
    let mut problems = Vec::new();
    let entries = entry_points(doc);
    let entry = match entries.as_slice() {
        [entry] => Some(entry.unique_id.as_str()),
        [] => {
            problems.push(Problem::new(
                CHECK,
                format!("no node listens on port {ENTRY_PORT}, the API's entry point"),
            ));
            None
        }
        several => {
            let ids: Vec<&str> = several.iter().map(|node| node.unique_id.as_str()).collect();
            problems.push(Problem::new(
                CHECK,
                format!(
                    "{} nodes listen on port {ENTRY_PORT} ({}); there is one entry point",
                    ids.len(),
                    ids.join(", ")
                ),
            ));
            None
        }
    };
    if !doc
        .node(API_CLIENT)
        .is_some_and(|node| node.node_type == NodeType::Actor)
    {
        problems.push(Problem::new(
            CHECK,
            format!("there is no actor `{API_CLIENT}`"),
        ));
    }
    let mut connects_to_entry = false;
    for relationship in &doc.relationships {
        let id = &relationship.unique_id;
        match &relationship.relationship_type {
            RelationshipType::Connects(connects) if connects.source.node == API_CLIENT => {
                if Some(connects.destination.node.as_str()) == entry {
                    connects_to_entry = true;
                    if let Some(entry_node) = entry.and_then(|entry| doc.node(entry)) {
                        for interface in &connects.destination.interfaces {
                            let port = entry_node
                                .interfaces
                                .iter()
                                .find(|candidate| candidate.unique_id() == interface)
                                .and_then(|candidate| candidate.host_port())
                                .map(|(_, port)| port);
                            if port != Some(ENTRY_PORT) {
                                problems.push(Problem::new(
                                    CHECK,
                                    format!("`{id}` reaches `{}` on interface `{interface}`, not on port {ENTRY_PORT}", entry_node.unique_id),
                                ));
                            }
                        }
                    }
                } else {
                    problems.push(Problem::new(
                        CHECK,
                        format!(
                            "`{id}` connects the API client to `{}`, past the entry point{}",
                            connects.destination.node,
                            entry.map(|entry| format!(" `{entry}`")).unwrap_or_default()
                        ),
                    ));
                }
            }
            RelationshipType::Connects(connects) if connects.destination.node == API_CLIENT => {
                problems.push(Problem::new(
                    CHECK,
                    format!(
                        "`{id}` connects `{}` to the API client; answers travel back on the client's own connection",
                        connects.source.node
                    ),
                ));
            }
            RelationshipType::Interacts(interacts) if interacts.actor == API_CLIENT => {
                let others: Vec<&str> = interacts
                    .nodes
                    .iter()
                    .map(String::as_str)
                    .filter(|node| Some(*node) != entry)
                    .collect();
                if !others.is_empty() {
                    problems.push(Problem::new(
                        CHECK,
                        format!(
                            "`{id}` has the API client interact with {}, not only with the entry point",
                            others.join(", ")
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    if let Some(entry) = entry
        && !connects_to_entry
    {
        problems.push(Problem::new(
            CHECK,
            format!("no `connects` from the API client to the entry point `{entry}`"),
        ));
    }
    problems
}

/// The microservices pattern: an API gateway in front, and databases owned by services. That
/// one database belongs to one service needs the relationship graph: the fitness check
/// `database-per-service` holds it.
pub fn microservices(doc: &Architecture) -> Vec<Problem> {
    const CHECK: &str = "pattern-microservices";
    let mut problems = Vec::new();
    match doc.node(API_GATEWAY) {
        Some(node) if node.node_type == NodeType::Service && !node.interfaces.is_empty() => {}
        Some(node) => problems.push(Problem::new(
            CHECK,
            format!(
                "`{API_GATEWAY}` is a {} node{}; the pattern wants a service with an interface",
                node.node_type,
                if node.interfaces.is_empty() {
                    " without interfaces"
                } else {
                    ""
                }
            ),
        )),
        None => problems.push(Problem::new(
            CHECK,
            format!("there is no service `{API_GATEWAY}` in front of the services"),
        )),
    }
    let databases = doc
        .nodes
        .iter()
        .filter(|node| node.node_type == NodeType::Database)
        .count();
    if databases < 2 {
        problems.push(Problem::new(
            CHECK,
            format!(
                "{databases} database node(s); services that own data own one each, so at least two"
            ),
        ));
    }
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    for relationship in &doc.relationships {
        if let RelationshipType::Interacts(interacts) = &relationship.relationship_type
            && interacts.actor == API_CLIENT
        {
            reached.extend(interacts.nodes.iter().map(String::as_str));
        }
    }
    if reached != BTreeSet::from([API_GATEWAY]) {
        problems.push(Problem::new(
            CHECK,
            format!(
                "the API client interacts with [{}]; the pattern wants exactly [{API_GATEWAY}]",
                reached.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    problems
}
