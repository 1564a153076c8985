//! The reference rules the CALM CLI (`calm validate`) applies on top of the JSON schema.
//!
//! A schema can say "`source.node` is a string"; it cannot say "and a node with that id exists".
//! These rules do: together with the typed model they catch what `calm validate` would catch,
//! without needing the CLI or the network.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Architecture, CALM_1_2_SCHEMA, NodeInterface, RelationshipType};
use crate::problem::Problem;

/// Runs every reference rule on one document.
pub fn check(doc: &Architecture) -> Vec<Problem> {
    let mut problems = Vec::new();
    problems.extend(schema_version(doc));
    problems.extend(unique_ids(doc));
    problems.extend(relationship_references(doc));
    problems.extend(flow_references(doc));
    problems.extend(flow_sequence_numbers(doc));
    problems.extend(unreferenced_nodes(doc));
    problems
}

/// The document declares the CALM version these rules and the model are written for.
fn schema_version(doc: &Architecture) -> Vec<Problem> {
    if doc.schema == CALM_1_2_SCHEMA {
        Vec::new()
    } else {
        vec![Problem::new(
            "schema-version",
            format!(
                "`$schema` is {:?}, expected {CALM_1_2_SCHEMA:?}",
                doc.schema
            ),
        )]
    }
}

/// Every `unique-id` in the document (nodes, interfaces, relationships, flows) is used once.
fn unique_ids(doc: &Architecture) -> Vec<Problem> {
    let nodes = doc
        .nodes
        .iter()
        .map(|node| ("node", node.unique_id.as_str()));
    let interfaces = doc.nodes.iter().flat_map(|node| {
        node.interfaces
            .iter()
            .map(|interface| ("interface", interface.unique_id()))
    });
    let relationships = doc
        .relationships
        .iter()
        .map(|relationship| ("relationship", relationship.unique_id.as_str()));
    let flows = doc
        .flows
        .iter()
        .map(|flow| ("flow", flow.unique_id.as_str()));

    let mut seen: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (kind, id) in nodes.chain(interfaces).chain(relationships).chain(flows) {
        seen.entry(id).or_default().push(kind);
    }
    seen.into_iter()
        .filter(|(_, kinds)| kinds.len() > 1)
        .map(|(id, kinds)| {
            Problem::new(
                "unique-ids",
                format!(
                    "unique-id `{id}` is used {} times ({})",
                    kinds.len(),
                    kinds.join(", ")
                ),
            )
        })
        .collect()
}

/// Every node a relationship names exists, and so does every interface it names on that node.
fn relationship_references(doc: &Architecture) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut require_node = |relationship: &str, role: &str, node: &str| {
        if doc.node(node).is_none() {
            problems.push(Problem::new(
                "relationship-references",
                format!(
                    "relationship `{relationship}` names {role} node `{node}`, which does not exist"
                ),
            ));
        }
    };
    for relationship in &doc.relationships {
        let id = relationship.unique_id.as_str();
        match &relationship.relationship_type {
            RelationshipType::Interacts(interacts) => {
                require_node(id, "actor", &interacts.actor);
                interacts
                    .nodes
                    .iter()
                    .for_each(|node| require_node(id, "a", node));
            }
            RelationshipType::Connects(connects) => {
                require_node(id, "source", &connects.source.node);
                require_node(id, "destination", &connects.destination.node);
            }
            RelationshipType::DeployedIn(containment)
            | RelationshipType::ComposedOf(containment) => {
                require_node(id, "container", &containment.container);
                containment
                    .nodes
                    .iter()
                    .for_each(|node| require_node(id, "a", node));
            }
            RelationshipType::Options(decisions) => {
                for decision in decisions {
                    decision
                        .nodes
                        .iter()
                        .for_each(|node| require_node(id, "an option's", node));
                }
            }
        }
    }
    for (relationship, connects) in doc.connections() {
        for end in [&connects.source, &connects.destination] {
            problems.extend(missing_interfaces(doc, &relationship.unique_id, end));
        }
    }
    problems
}

/// The interfaces `end` names that its node does not have (nothing if the node itself is missing:
/// that is reported once, above).
fn missing_interfaces(doc: &Architecture, relationship: &str, end: &NodeInterface) -> Vec<Problem> {
    let Some(node) = doc.node(&end.node) else {
        return Vec::new();
    };
    end.interfaces
        .iter()
        .filter(|wanted| !node.interfaces.iter().any(|interface| interface.unique_id() == *wanted))
        .map(|wanted| {
            Problem::new(
                "relationship-references",
                format!(
                    "relationship `{relationship}` names interface `{wanted}` of node `{}`, which has no such interface",
                    node.unique_id
                ),
            )
        })
        .collect()
}

/// Every flow transition names an existing relationship.
fn flow_references(doc: &Architecture) -> Vec<Problem> {
    doc.flows
        .iter()
        .flat_map(|flow| {
            flow.transitions
                .iter()
                .filter(|transition| {
                    doc.relationship(&transition.relationship_unique_id)
                        .is_none()
                })
                .map(|transition| {
                    Problem::new(
                        "flow-references",
                        format!(
                            "flow `{}` step {} names relationship `{}`, which does not exist",
                            flow.unique_id,
                            transition.sequence_number,
                            transition.relationship_unique_id
                        ),
                    )
                })
        })
        .collect()
}

/// Within one flow, no two transitions share a sequence number.
fn flow_sequence_numbers(doc: &Architecture) -> Vec<Problem> {
    let mut problems = Vec::new();
    for flow in &doc.flows {
        let mut seen = BTreeSet::new();
        for transition in &flow.transitions {
            if !seen.insert(transition.sequence_number) {
                problems.push(Problem::new(
                    "flow-sequence-numbers",
                    format!(
                        "flow `{}` has two transitions numbered {}",
                        flow.unique_id, transition.sequence_number
                    ),
                ));
            }
        }
    }
    problems
}

/// Every node takes part in at least one relationship: a node nothing refers to is either
/// forgotten in the diagram or no longer part of the system.
fn unreferenced_nodes(doc: &Architecture) -> Vec<Problem> {
    let referenced: BTreeSet<&str> = doc
        .relationships
        .iter()
        .flat_map(|relationship| referenced_nodes(&relationship.relationship_type))
        .collect();
    doc.nodes
        .iter()
        .filter(|node| !referenced.contains(node.unique_id.as_str()))
        .map(|node| {
            Problem::new(
                "unreferenced-nodes",
                format!("node `{}` is not part of any relationship", node.unique_id),
            )
        })
        .collect()
}

/// The ids of every node a relationship mentions, in any role.
pub fn referenced_nodes(relationship_type: &RelationshipType) -> Vec<&str> {
    match relationship_type {
        RelationshipType::Interacts(interacts) => std::iter::once(&interacts.actor)
            .chain(&interacts.nodes)
            .map(String::as_str)
            .collect(),
        RelationshipType::Connects(connects) => {
            vec![
                connects.source.node.as_str(),
                connects.destination.node.as_str(),
            ]
        }
        RelationshipType::DeployedIn(containment) | RelationshipType::ComposedOf(containment) => {
            std::iter::once(&containment.container)
                .chain(&containment.nodes)
                .map(String::as_str)
                .collect()
        }
        RelationshipType::Options(decisions) => decisions
            .iter()
            .flat_map(|decision| decision.nodes.iter().map(String::as_str))
            .collect(),
    }
}
