//! `calm diff A B`: what changed between two architecture documents, such as two phases.
//!
//! Nodes and relationships are matched by `unique-id`. One that was renamed declares the id it
//! had before in `metadata.earlier-unique-id`, and is then paired with it (shown as
//! `new (was old)`) instead of being listed as removed and added. Controls are matched by where
//! they sit (the document, or a node, relationship or flow, through the same renames) and their
//! control id. For a changed element the diff names the keys that differ, and the old and new
//! value of the ones a reader scans for (`node-type`, `protocol`).
//!
//! The input is the raw JSON, so every key counts, including those the typed model ignores.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::{Map, Value};

/// What changed in one kind of element: one line per element, already worded.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The differences between two documents.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Diff {
    pub nodes: Changes,
    pub relationships: Changes,
    pub controls: Changes,
}

/// Keys whose old and new values are short enough to show in the diff.
const SHOWN_VALUES: [&str; 2] = ["node-type", "protocol"];
/// The metadata key that pairs a renamed element with its earlier id; not a change in itself.
const EARLIER_ID: &str = "earlier-unique-id";

/// Compares document `before` with document `after`.
pub fn diff(before: &Value, after: &Value) -> Diff {
    let nodes = elements(before, before, after, "nodes", describe_node);
    // A relationship whose ends were renamed is compared as if written with the new ids.
    let node_renames: BTreeMap<String, String> = nodes.renames.iter().cloned().collect();
    let before_renamed = renamed(before, &node_renames);
    let relationships = elements(
        before,
        &before_renamed,
        after,
        "relationships",
        describe_relationship,
    );
    let renames: BTreeMap<String, String> = nodes
        .renames
        .iter()
        .chain(&relationships.renames)
        .map(|(old, new)| (old.clone(), new.clone()))
        .collect();
    Diff {
        controls: controls(before, after, &renames),
        nodes: nodes.changes,
        relationships: relationships.changes,
    }
}

/// `value` with every string that is a key of `renames` replaced by its value.
fn renamed(value: &Value, renames: &BTreeMap<String, String>) -> Value {
    match value {
        Value::String(text) => Value::String(renames.get(text).unwrap_or(text).clone()),
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| renamed(item, renames)).collect())
        }
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, value)| {
                    let value = if key == "unique-id" || key == EARLIER_ID {
                        value.clone() // a relationship's own id is matched separately
                    } else {
                        renamed(value, renames)
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

struct Matched {
    changes: Changes,
    /// earlier id → new id, for the elements that were renamed.
    renames: Vec<(String, String)>,
}

fn elements(
    original_before: &Value,
    before: &Value,
    after: &Value,
    key: &str,
    describe: fn(&Map<String, Value>) -> String,
) -> Matched {
    let old = by_id(before, key);
    let new = by_id(after, key);
    let mut changes = Changes::default();
    let mut renames = Vec::new();
    let mut paired: BTreeSet<&str> = BTreeSet::new();
    for (id, element) in &new {
        let earlier = element
            .get("metadata")
            .and_then(|metadata| metadata.get(EARLIER_ID))
            .and_then(Value::as_str)
            .filter(|earlier| old.contains_key(earlier) && !new.contains_key(earlier));
        let (old_id, label) = match (old.contains_key(id), earlier) {
            (true, _) => (*id, format!("`{id}`")),
            (false, Some(earlier)) => {
                renames.push((earlier.to_owned(), (*id).to_owned()));
                (earlier, format!("`{id}` (was `{earlier}`)"))
            }
            (false, None) => {
                changes
                    .added
                    .push(format!("+ `{id}` {}", describe(element)));
                continue;
            }
        };
        paired.insert(old_id);
        let differences = differing_keys(old[old_id], element);
        if !differences.is_empty() || old_id != *id {
            let what = if differences.is_empty() {
                "renamed".to_owned()
            } else {
                differences.join(", ")
            };
            changes.changed.push(format!("~ {label}: {what}"));
        }
    }
    // A removed element is described as the earlier document wrote it.
    let written = by_id(original_before, key);
    for (id, element) in &old {
        if !paired.contains(id) {
            let element = written.get(id).unwrap_or(element);
            changes
                .removed
                .push(format!("- `{id}` {}", describe(element)));
        }
    }
    Matched { changes, renames }
}

/// The objects of `doc[key]` by their `unique-id`, in id order.
fn by_id<'a>(doc: &'a Value, key: &str) -> BTreeMap<&'a str, &'a Map<String, Value>> {
    doc.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|element| {
            let object = element.as_object()?;
            Some((object.get("unique-id")?.as_str()?, object))
        })
        .collect()
}

/// The top-level keys whose values differ (metadata's earlier id aside), with old and new
/// values for the short ones.
fn differing_keys(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<String> {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter(|key| *key != "unique-id")
        .filter(|key| without_earlier_id(old.get(*key)) != without_earlier_id(new.get(*key)))
        .map(|key| match (old.get(key), new.get(key)) {
            (Some(Value::String(was)), Some(Value::String(is)))
                if SHOWN_VALUES.contains(&key.as_str()) =>
            {
                format!("{key} {was} → {is}")
            }
            (None, Some(_)) => format!("{key} added"),
            (Some(_), None) => format!("{key} removed"),
            _ => key.clone(),
        })
        .collect()
}

fn without_earlier_id(value: Option<&Value>) -> Option<Value> {
    let mut value = value.cloned()?;
    if let Value::Object(object) = &mut value {
        object.remove(EARLIER_ID);
        if object.is_empty() {
            return None; // metadata that only paired the rename
        }
    }
    Some(value)
}

/// `(service · user-service:8001)`
fn describe_node(node: &Map<String, Value>) -> String {
    let node_type = node.get("node-type").and_then(Value::as_str).unwrap_or("?");
    let place = node
        .get("interfaces")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|interface| {
            let host = interface.get("host")?.as_str()?;
            let port = interface.get("port")?.as_u64()?;
            Some(format!(" · {host}:{port}"))
        })
        .unwrap_or_default();
    format!("({node_type}{place})")
}

/// `(connects api-gateway → user-service, HTTP)`
fn describe_relationship(relationship: &Map<String, Value>) -> String {
    let Some(Value::Object(kind)) = relationship.get("relationship-type") else {
        return "(?)".into();
    };
    let Some((name, body)) = kind.iter().next() else {
        return "(?)".into();
    };
    let text = |value: Option<&Value>| value.and_then(Value::as_str).unwrap_or("?").to_owned();
    let list = |value: Option<&Value>| {
        value
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let ends = match name.as_str() {
        "connects" => format!(
            "{} → {}",
            text(body.pointer("/source/node")),
            text(body.pointer("/destination/node"))
        ),
        "interacts" => format!("{} → {}", text(body.get("actor")), list(body.get("nodes"))),
        "composed-of" | "deployed-in" => format!(
            "{} ⊃ {}",
            text(body.get("container")),
            list(body.get("nodes"))
        ),
        _ => String::new(),
    };
    let protocol = relationship
        .get("protocol")
        .and_then(Value::as_str)
        .map(|protocol| format!(", {protocol}"))
        .unwrap_or_default();
    format!("({name} {ends}{protocol})")
}

/// Every control of a document by (where it sits, control id). `renames` maps a before-document
/// id to its after-document id, so a control on a renamed node is compared, not re-added.
fn all_controls<'a>(
    doc: &'a Value,
    renames: &BTreeMap<String, String>,
) -> BTreeMap<(String, String), &'a Value> {
    let mut found = BTreeMap::new();
    let mut add = |place: String, controls: Option<&'a Value>| {
        for (id, control) in controls.and_then(Value::as_object).into_iter().flatten() {
            found.insert((place.clone(), id.clone()), control);
        }
    };
    add("the document".to_owned(), doc.get("controls"));
    for (key, what) in [
        ("nodes", "node"),
        ("relationships", "relationship"),
        ("flows", "flow"),
    ] {
        for element in doc.get(key).and_then(Value::as_array).into_iter().flatten() {
            let Some(id) = element.get("unique-id").and_then(Value::as_str) else {
                continue;
            };
            let id = renames.get(id).map_or(id, String::as_str);
            add(format!("{what} `{id}`"), element.get("controls"));
        }
    }
    found
}

fn controls(before: &Value, after: &Value, renames: &BTreeMap<String, String>) -> Changes {
    let old = all_controls(before, renames);
    let new = all_controls(after, &BTreeMap::new());
    let mut changes = Changes::default();
    for ((place, id), control) in &new {
        match old.get(&(place.clone(), id.clone())) {
            None => changes.added.push(format!("+ `{id}` on {place}")),
            Some(was) if was != control => changes.changed.push(format!(
                "~ `{id}` on {place}: {}",
                differing_keys(
                    was.as_object().unwrap_or(&Map::new()),
                    control.as_object().unwrap_or(&Map::new())
                )
                .join(", ")
            )),
            Some(_) => {}
        }
    }
    for (place, id) in old.keys() {
        if !new.contains_key(&(place.clone(), id.clone())) {
            changes.removed.push(format!("- `{id}` on {place}"));
        }
    }
    changes
}

/// The diff as text: a section per kind of element, removed, added then changed. Nothing at
/// all prints `no differences`.
pub fn report(diff: &Diff) -> String {
    let mut out = String::new();
    for (title, changes) in [
        ("nodes", &diff.nodes),
        ("relationships", &diff.relationships),
        ("controls", &diff.controls),
    ] {
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}:");
        for line in changes
            .removed
            .iter()
            .chain(&changes.added)
            .chain(&changes.changed)
        {
            let _ = writeln!(out, "  {line}");
        }
    }
    if out.is_empty() {
        out.push_str("no differences\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc(nodes: Value, relationships: Value) -> Value {
        json!({"nodes": nodes, "relationships": relationships})
    }

    #[test]
    fn added_removed_changed_and_renamed_nodes() {
        let before = doc(
            json!([
                {"unique-id": "a", "node-type": "service", "name": "A"},
                {"unique-id": "b", "node-type": "module", "name": "B"},
                {"unique-id": "gone", "node-type": "database", "name": "G"}
            ]),
            json!([]),
        );
        let after = doc(
            json!([
                {"unique-id": "a", "node-type": "service", "name": "A2"},
                {"unique-id": "b2", "node-type": "service", "name": "B", "metadata": {"earlier-unique-id": "b"}},
                {"unique-id": "new", "node-type": "actor", "name": "N"}
            ]),
            json!([]),
        );
        let diff = diff(&before, &after);
        assert_eq!(diff.nodes.added, ["+ `new` (actor)"]);
        assert_eq!(diff.nodes.removed, ["- `gone` (database)"]);
        assert_eq!(
            diff.nodes.changed,
            [
                "~ `a`: name",
                "~ `b2` (was `b`): node-type module → service"
            ]
        );
    }

    #[test]
    fn controls_follow_renamed_nodes_and_report_changed_config() {
        let control = |burst: u32| json!({"rate-limit": {"description": "x", "requirements": [{"requirement-url": "r", "config": {"burst": burst}}]}});
        let before = doc(
            json!([{"unique-id": "app", "node-type": "service", "controls": control(400)}]),
            json!([]),
        );
        let after = doc(
            json!([{"unique-id": "gateway", "node-type": "service", "controls": control(500),
                    "metadata": {"earlier-unique-id": "app"}}]),
            json!([]),
        );
        let diff = diff(&before, &after);
        assert_eq!(
            diff.controls.changed,
            ["~ `rate-limit` on node `gateway`: requirements"]
        );
        assert!(diff.controls.added.is_empty() && diff.controls.removed.is_empty());
    }

    #[test]
    fn a_relationship_whose_ends_were_renamed_is_only_renamed() {
        let connects = |id: &str, to: &str| json!({"unique-id": id, "relationship-type": {"connects": {"source": {"node": "client"}, "destination": {"node": to}}}});
        let before = doc(
            json!([{"unique-id": "app", "node-type": "service"}]),
            json!([connects("client-to-app", "app")]),
        );
        let mut renamed_rel = connects("client-to-gateway", "gateway");
        renamed_rel["metadata"] = json!({"earlier-unique-id": "client-to-app"});
        let after = doc(
            json!([{"unique-id": "gateway", "node-type": "service", "metadata": {"earlier-unique-id": "app"}}]),
            json!([renamed_rel]),
        );
        let diff = diff(&before, &after);
        assert_eq!(
            diff.relationships.changed,
            ["~ `client-to-gateway` (was `client-to-app`): renamed"]
        );
    }

    #[test]
    fn a_document_against_itself_has_no_differences() {
        let same = doc(
            json!([{"unique-id": "a", "node-type": "service"}]),
            json!([]),
        );
        assert_eq!(report(&diff(&same, &same)), "no differences\n");
    }
}
