//! Shared by the test files: the repository's specs, and small builders for planted mistakes.

#![allow(dead_code)] // each test file uses a different part

use calm::model::{Node, Relationship};
use calm::problem::{Problem, report};
use calm::{Spec, load_specs, repository_root};

/// Every spec of the repository; a spec that does not parse fails the test right here.
pub fn specs() -> Vec<Spec> {
    load_specs(&repository_root()).unwrap_or_else(|error| panic!("{error:#}"))
}

/// The spec of `phase`, e.g. `03-microservices`.
pub fn spec(phase: &str) -> Spec {
    specs()
        .into_iter()
        .find(|spec| spec.phase == phase)
        .unwrap_or_else(|| panic!("calm-specs/{phase}.architecture.json exists"))
}

/// The phase 01 spec, which most planted-mistake tests start from.
pub fn monolith_spec() -> Spec {
    spec("01-monolith")
}

/// A node from JSON, so planted mistakes read like the spec they are planted in.
pub fn node(json: serde_json::Value) -> Node {
    serde_json::from_value(json).expect("a valid node")
}

pub fn relationship(json: serde_json::Value) -> Relationship {
    serde_json::from_value(json).expect("a valid relationship")
}

/// A `connects` relationship from `source` to `destination`.
pub fn connects(id: &str, source: &str, destination: &str) -> Relationship {
    relationship(serde_json::json!({
        "unique-id": id,
        "protocol": "HTTP",
        "relationship-type": {"connects": {"source": {"node": source}, "destination": {"node": destination}}}
    }))
}

/// Asserts that `check` reported a problem containing `needle`, and shows all problems if not.
pub fn assert_reported(problems: &[Problem], check: &str, needle: &str) {
    assert!(
        problems
            .iter()
            .any(|problem| problem.check == check && problem.message.contains(needle)),
        "expected a `{check}` problem mentioning {needle:?}, got:\n{}",
        report(problems)
    );
}
