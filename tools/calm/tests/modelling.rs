//! The phases read as one story: a node type means the same in every phase, a node keeps its
//! `unique-id` (and its type) from one phase to the next or names the id it had, and `calm diff`
//! lists what each phase adds, removes and changes. Each rule fails on a planted mistake.

mod support;

use calm::diff;
use calm::model::{Architecture, NodeType, RelationshipType};

/// What each node type means, as a rule on one document; the problems, one per line.
fn node_type_problems(doc: &Architecture) -> Vec<String> {
    let mut problems = Vec::new();
    for node in &doc.nodes {
        let id = &node.unique_id;
        let parts: Vec<&str> = doc
            .relationships
            .iter()
            .filter_map(|relationship| match &relationship.relationship_type {
                RelationshipType::ComposedOf(containment) if containment.container == *id => {
                    Some(containment.nodes.iter().map(String::as_str))
                }
                _ => None,
            })
            .flatten()
            .collect();
        let part_types: Vec<&NodeType> = parts
            .iter()
            .filter_map(|part| doc.node(part))
            .map(|part| &part.node_type)
            .collect();
        match &node.node_type {
            // The whole TaskTracker of a phase: it runs nothing itself and holds the services
            // and databases.
            NodeType::System => {
                if node.host_port().is_some() || node.cargo_bin().is_some() {
                    problems.push(format!(
                        "system `{id}` listens or runs a binary: that is a service"
                    ));
                }
                if !part_types.contains(&&NodeType::Service)
                    || part_types
                        .iter()
                        .any(|kind| !matches!(kind, NodeType::Service | NodeType::Database))
                {
                    problems.push(format!(
                        "system `{id}` is not composed of services and databases"
                    ));
                }
            }
            // One process: one of our binaries, or an image pulled as it is (Jaeger...).
            NodeType::Service
                if node.cargo_bin().is_none()
                    && node
                        .metadata
                        .as_ref()
                        .is_none_or(|metadata| !metadata.other.contains_key("image")) =>
            {
                problems.push(format!(
                    "service `{id}` names no binary (metadata.cargo-bin) and no image (metadata.image)"
                ));
            }
            NodeType::Service
                if part_types
                    .iter()
                    .any(|kind| **kind != NodeType::Other("module".into())) =>
            {
                problems.push(format!(
                    "service `{id}` is composed of something other than modules"
                ));
            }
            NodeType::Other(other) if other == "module" => {
                let in_service = doc
                    .composed_in(id)
                    .is_some_and(|container| container.node_type == NodeType::Service);
                if !in_service || node.cargo_package().is_none() {
                    problems.push(format!(
                        "module `{id}` is not a crate (metadata.cargo-package) inside a service"
                    ));
                }
            }
            _ => {}
        }
    }
    problems
}

#[test]
fn a_node_type_means_the_same_in_every_phase() {
    for spec in support::specs() {
        let problems = node_type_problems(&spec.doc);
        assert!(
            problems.is_empty(),
            "{}:\n{}",
            spec.phase,
            problems.join("\n")
        );
        assert!(
            spec.doc
                .nodes
                .iter()
                .any(|node| node.node_type == NodeType::System && node.unique_id == "tasktracker"),
            "{} has no system node `tasktracker`",
            spec.phase
        );
    }
}

#[test]
fn a_process_modelled_as_the_system_is_reported() {
    // Phase 02 as it was: the process itself was the `system`.
    let mut doc = support::spec("02-modular-monolith").doc;
    for node in &mut doc.nodes {
        if node.unique_id == "modular-monolith" {
            node.node_type = NodeType::System;
        }
    }
    let problems = node_type_problems(&doc);
    assert!(
        problems
            .iter()
            .any(|problem| problem.contains("system `modular-monolith` listens or runs a binary")),
        "{problems:?}"
    );
}

/// For consecutive phases: nodes of the same id keep their type, and a declared earlier id
/// exists in the phase before (and is gone from the phase after).
fn story_problems(before: &Architecture, after: &Architecture) -> Vec<String> {
    let mut problems = Vec::new();
    for node in &after.nodes {
        if let Some(old) = before.node(&node.unique_id)
            && old.node_type != node.node_type
        {
            problems.push(format!(
                "`{}` is a {} before and a {} after: a node keeps its type, or gets a new id",
                node.unique_id, old.node_type, node.node_type
            ));
        }
        if let Some(earlier) = node.earlier_unique_id() {
            if before.node(earlier).is_none() {
                problems.push(format!(
                    "`{}` says it was `{earlier}`, which the phase before does not have",
                    node.unique_id
                ));
            }
            if after.node(earlier).is_some() {
                problems.push(format!(
                    "`{}` says it was `{earlier}`, which is still there: that is a new node, not a rename",
                    node.unique_id
                ));
            }
        }
    }
    problems
}

#[test]
fn each_phase_adds_to_the_one_before() {
    let specs = support::specs();
    for pair in specs.windows(2) {
        let problems = story_problems(&pair[0].doc, &pair[1].doc);
        assert!(
            problems.is_empty(),
            "{} -> {}:\n{}",
            pair[0].phase,
            pair[1].phase,
            problems.join("\n")
        );
    }
}

#[test]
fn a_renamed_node_without_its_earlier_id_or_with_a_wrong_one_is_reported() {
    let before = support::spec("02-modular-monolith").doc;
    let mut after = support::spec("03-microservices").doc;
    for node in &mut after.nodes {
        if node.unique_id == "user-service"
            && let Some(metadata) = node.metadata.as_mut()
        {
            metadata.earlier_unique_id = Some("identity".into());
        }
        if node.unique_id == "api-client" {
            node.node_type = NodeType::Other("browser".into());
        }
    }
    let problems = story_problems(&before, &after);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("says it was `identity`")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`api-client` is a actor before and a browser after")),
        "{problems:?}"
    );
}

#[test]
fn calm_diff_pairs_renamed_nodes_and_lists_controls() {
    let (one, two, three) = (
        support::spec("01-monolith").raw,
        support::spec("02-modular-monolith").raw,
        support::spec("03-microservices").raw,
    );
    let report = diff::report(&diff::diff(&one, &two));
    assert!(
        report.contains("~ `modular-monolith` (was `monolith-service`)"),
        "{report}"
    );
    assert!(report.contains("+ `stats-module` (module)"), "{report}");
    assert!(!report.contains("- `monolith-service`"), "{report}");
    let report = diff::report(&diff::diff(&two, &three));
    let user_service = report
        .lines()
        .find(|line| line.contains("~ `user-service` (was `identity-module`): "))
        .unwrap_or_else(|| panic!("user-service paired with identity-module:\n{report}"));
    assert!(
        user_service.contains("node-type module → service"),
        "{report}"
    );
    assert!(
        report.contains("+ `api-gateway` (service · api-gateway:8000)"),
        "{report}"
    );
    assert!(
        report.contains("- `modular-monolith` (service · app:8000)"),
        "{report}"
    );
    assert!(
        report.contains("+ `resilient-calls` on relationship `stats-to-task-service`"),
        "{report}"
    );
    assert!(
        report.contains("- `rate-limit` on node `modular-monolith`"),
        "{report}"
    );
}

#[test]
fn phase_03_models_the_failure_of_task_service() {
    let doc = support::spec("03-microservices").doc;
    let flow = doc
        .flows
        .iter()
        .find(|flow| flow.unique_id == "flow-task-service-down")
        .expect("the failure flow");
    let used: Vec<&str> = flow
        .transitions
        .iter()
        .map(|transition| transition.relationship_unique_id.as_str())
        .collect();
    for relationship in [
        "client-to-gateway",
        "gateway-to-stats-service",
        "stats-to-task-service",
    ] {
        assert!(used.contains(&relationship), "the flow uses {relationship}");
    }
    assert!(
        !used.contains(&"task-service-to-task-db"),
        "task-service is down: nothing reaches its database"
    );
}
