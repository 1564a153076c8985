//! The workshop's patterns, checked through the typed model: every spec satisfies the patterns
//! that apply to it, and every document in `tests/rejected/` (a spec with one planted mistake)
//! is rejected by the check it names. CI's schema step (`tools/calm/schema/check.sh`) rejects
//! the same documents with the patterns' JSON schemas, so a broken document fails in both places.

mod support;

use std::fs;
use std::path::PathBuf;

use calm::model::Architecture;
use calm::patterns;
use calm::problem::report;
use calm::repository_root;
use serde::Deserialize;
use serde_json::Value;

#[test]
fn every_spec_satisfies_its_patterns() {
    for spec in support::specs() {
        let problems = patterns::check(&spec.doc);
        assert!(
            problems.is_empty(),
            "{} breaks a pattern:\n{}",
            spec.path.display(),
            report(&problems)
        );
    }
}

#[test]
fn the_entry_point_pattern_applies_to_every_phase_and_microservices_to_phase_03() {
    for spec in support::specs() {
        let applied: Vec<&str> = patterns::applicable(&spec.doc)
            .iter()
            .map(|pattern| pattern.file)
            .collect();
        let expected: &[&str] = if spec.phase == "03-microservices" {
            &["entry-point.pattern.json", "microservices.pattern.json"]
        } else {
            &["entry-point.pattern.json"]
        };
        assert_eq!(applied, expected, "{}", spec.phase);
    }
}

#[test]
fn every_pattern_file_exists() {
    for pattern in [&patterns::ENTRY_POINT, &patterns::MICROSERVICES] {
        let path = repository_root()
            .join("calm-specs/patterns")
            .join(pattern.file);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str::<Value>(&text).expect("a pattern is JSON");
    }
}

/// One document of `tests/rejected/`: a spec, the changes that break it, and who rejects it.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Rejected {
    description: String,
    spec: String,
    /// The JSON-schema patterns that reject it in CI (read by validate.py).
    patterns: Vec<String>,
    /// The checks of `calm::patterns` that must report it here.
    rejected_by: Vec<String>,
    changes: Vec<Change>,
}

/// `set`, `remove` or `append` at `pointer`, inside the node or relationship named, or the
/// document itself. validate.py applies the same changes.
#[derive(Deserialize)]
struct Change {
    op: String,
    pointer: String,
    node: Option<String>,
    relationship: Option<String>,
    value: Option<Value>,
}

fn apply(document: &mut Value, change: &Change) {
    let target = match (&change.node, &change.relationship) {
        (Some(id), _) => element(document, "nodes", id),
        (_, Some(id)) => element(document, "relationships", id),
        _ => document,
    };
    let (parent, last) = change
        .pointer
        .rsplit_once('/')
        .expect("a pointer starts with /");
    let parent = if parent.is_empty() {
        target
    } else {
        target
            .pointer_mut(parent)
            .unwrap_or_else(|| panic!("{parent} exists"))
    };
    let value = || change.value.clone().expect("a value to set or append");
    match (change.op.as_str(), parent) {
        ("set", Value::Object(object)) => {
            object.insert(last.to_owned(), value());
        }
        ("set", Value::Array(array)) => array[last.parse::<usize>().expect("an index")] = value(),
        ("remove", Value::Object(object)) => {
            object.remove(last).expect("something to remove");
        }
        ("append", Value::Object(object)) => object
            .get_mut(last)
            .and_then(Value::as_array_mut)
            .expect("an array to append to")
            .push(value()),
        (op, _) => panic!("cannot {op} at {}", change.pointer),
    }
}

fn element<'a>(document: &'a mut Value, array: &str, id: &str) -> &'a mut Value {
    document[array]
        .as_array_mut()
        .and_then(|elements| {
            elements
                .iter_mut()
                .find(|element| element["unique-id"] == id)
        })
        .unwrap_or_else(|| panic!("no {array} element `{id}`"))
}

fn rejected_documents() -> Vec<(PathBuf, Rejected)> {
    let dir = repository_root().join("tools/calm/tests/rejected");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/rejected exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).expect("readable");
            let rejected =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, rejected)
        })
        .collect()
}

#[test]
fn every_rejected_document_is_rejected_by_the_typed_checks() {
    let documents = rejected_documents();
    assert!(documents.len() >= 5, "tests/rejected/ lost its documents");
    for (path, rejected) in documents {
        let mut document = support::spec(&rejected.spec).raw;
        for change in &rejected.changes {
            apply(&mut document, change);
        }
        let doc = Architecture::from_json(&document.to_string())
            .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
        let applied: Vec<&str> = patterns::applicable(&doc)
            .iter()
            .map(|pattern| pattern.file)
            .collect();
        for pattern in &rejected.patterns {
            assert!(
                applied.contains(&pattern.as_str()),
                "{}: pattern {pattern} does not apply to the broken document",
                path.display()
            );
        }
        let problems = patterns::check(&doc);
        for check in &rejected.rejected_by {
            assert!(
                problems.iter().any(|problem| problem.check == check),
                "{} should be rejected by `{check}` ({}), got:\n{}",
                path.display(),
                rejected.description,
                report(&problems)
            );
        }
    }
}
