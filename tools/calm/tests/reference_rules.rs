//! Every spec passes the typed model and the CALM CLI's reference rules, and each rule catches
//! the mistake it exists for when that mistake is planted in a copy of the phase 01 spec.

mod support;

use calm::model::{Architecture, RelationshipType};
use calm::problem::report;
use calm::rules;
use support::{assert_reported, connects, monolith_spec, node};

#[test]
fn every_spec_passes_the_reference_rules() {
    let specs = support::specs();
    assert!(
        !specs.is_empty(),
        "calm-specs/ holds no *.architecture.json"
    );
    for spec in specs {
        let problems = rules::check(&spec.doc);
        assert!(
            problems.is_empty(),
            "{} breaks the CALM reference rules:\n{}",
            spec.path.display(),
            report(&problems)
        );
    }
}

#[test]
fn a_duplicate_unique_id_is_reported() {
    let mut doc = monolith_spec().doc;
    doc.relationships
        .push(connects("monolith-service", "api-client", "tasktracker-db"));
    assert_reported(
        &rules::check(&doc),
        "unique-ids",
        "`monolith-service` is used 2 times",
    );
}

#[test]
fn a_relationship_to_a_missing_node_is_reported() {
    let mut doc = monolith_spec().doc;
    doc.relationships
        .push(connects("to-nowhere", "monolith-service", "cache"));
    assert_reported(
        &rules::check(&doc),
        "relationship-references",
        "destination node `cache`",
    );
}

#[test]
fn a_missing_interface_is_reported() {
    let mut doc = monolith_spec().doc;
    for relationship in &mut doc.relationships {
        if let RelationshipType::Connects(connects) = &mut relationship.relationship_type {
            connects.destination.interfaces = vec!["grpc".into()];
        }
    }
    assert_reported(
        &rules::check(&doc),
        "relationship-references",
        "interface `grpc`",
    );
}

#[test]
fn a_flow_step_on_a_missing_relationship_is_reported() {
    let mut doc = monolith_spec().doc;
    doc.flows[0].transitions[0].relationship_unique_id = "client-to-gateway".into();
    assert_reported(
        &rules::check(&doc),
        "flow-references",
        "`client-to-gateway`",
    );
}

#[test]
fn a_repeated_sequence_number_is_reported() {
    let mut doc = monolith_spec().doc;
    doc.flows[0].transitions[1].sequence_number = 1;
    assert_reported(
        &rules::check(&doc),
        "flow-sequence-numbers",
        "two transitions numbered 1",
    );
}

#[test]
fn a_node_outside_every_relationship_is_reported() {
    let mut doc = monolith_spec().doc;
    doc.nodes.push(node(serde_json::json!({
        "unique-id": "forgotten-cache", "node-type": "database", "name": "Cache", "description": "x"
    })));
    assert_reported(
        &rules::check(&doc),
        "unreferenced-nodes",
        "`forgotten-cache`",
    );
}

#[test]
fn another_calm_version_is_reported() {
    let mut doc = monolith_spec().doc;
    doc.schema = "https://calm.finos.org/release/1.1/meta/calm.json".into();
    assert_reported(&rules::check(&doc), "schema-version", "release/1.1");
}

/// The typed model refuses what the schema refuses: values outside an enum, and unknown keys
/// in the objects the schema closes. The error names the JSON path.
#[test]
fn the_typed_model_refuses_what_the_schema_refuses() {
    let original = std::fs::read_to_string(monolith_spec().path).expect("readable spec");
    let cases = [
        (
            "\"protocol\": \"HTTP\"",
            "\"protocol\": \"HTTP/2\"",
            "relationships[1].protocol",
        ),
        (
            "\"sequence-number\": 1,",
            "\"sequence-number\": 1, \"step\": 1,",
            "",
        ),
        (
            "\"name\": \"Register and log in\"",
            "\"title\": \"Register\"",
            "flows[0]",
        ),
        (
            "\"connects\": {",
            "\"calls\": {",
            "relationships[1].relationship-type",
        ),
        (
            "\"direction\": \"destination-to-source\"",
            "\"direction\": \"back\"",
            "direction",
        ),
        ("\"adrs\": [", "\"decisions\": [", "decisions"),
    ];
    for (from, to, path) in cases {
        assert!(
            original.contains(from),
            "the spec no longer contains {from}"
        );
        let broken = original.replacen(from, to, 1);
        // Transitions are open in the schema: an extra key there must still parse.
        if to.contains("\"step\"") {
            assert!(
                Architecture::from_json(&broken).is_ok(),
                "transitions allow extra keys"
            );
            continue;
        }
        let error = Architecture::from_json(&broken)
            .map(|_| ())
            .expect_err(&format!("`{to}` must be refused"));
        assert!(
            error.to_string().contains(path),
            "the error for `{to}` should name `{path}`: {error}"
        );
    }
}
