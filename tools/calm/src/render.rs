//! Mermaid diagrams for people: a flowchart of the nodes and relationships, and a sequence
//! diagram per flow. GitHub and most Markdown viewers draw ```` ```mermaid ```` blocks.
//!
//! The output is deterministic (document order throughout), so a test can compare the committed
//! `calm-specs/README.md` with a fresh render.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::model::{Architecture, Direction, Flow, Node, NodeType, RelationshipType};

/// Where `render_readme_section` writes, between these two lines of `calm-specs/README.md`.
pub const BEGIN_MARKER: &str = "<!-- BEGIN GENERATED DIAGRAMS: `cargo run -p calm -- render` rewrites everything up to the END line -->";
pub const END_MARKER: &str = "<!-- END GENERATED DIAGRAMS -->";

/// `calm diff` between two consecutive phases, for the README.
pub struct PhaseDiff {
    pub before: String,
    pub after: String,
    pub report: String,
}

/// The generated part of the README: for each spec (file name, document), its diagrams; then
/// what each phase changes compared with the one before (`calm diff`).
pub fn readme_section(specs: &[(String, Architecture)], diffs: &[PhaseDiff]) -> String {
    let mut out = String::new();
    for (file_name, doc) in specs {
        let _ = writeln!(out, "### `{file_name}`\n");
        let _ = writeln!(out, "Nodes and relationships:\n");
        let _ = writeln!(out, "```mermaid\n{}```\n", flowchart(doc));
        let controls = controls_table(doc);
        if !controls.is_empty() {
            let _ = writeln!(
                out,
                "Controls (held to the code by the fitness check `controls`):\n"
            );
            let _ = writeln!(out, "{controls}");
        }
        for flow in &doc.flows {
            let _ = writeln!(out, "Flow `{}`: {}\n", flow.unique_id, flow.description);
            let _ = writeln!(out, "```mermaid\n{}```\n", sequence_diagram(doc, flow));
        }
    }
    for diff in diffs {
        let _ = writeln!(out, "### From `{}` to `{}`\n", diff.before, diff.after);
        let _ = writeln!(
            out,
            "`cargo run -p calm -- diff calm-specs/{} calm-specs/{}`:\n",
            diff.before, diff.after
        );
        let _ = writeln!(out, "```text\n{}```\n", diff.report);
    }
    out
}

/// Every control of `doc` as a Markdown table: id, where it sits, its inline config.
fn controls_table(doc: &Architecture) -> String {
    let mut rows = Vec::new();
    let mut add = |place: String, controls: &crate::model::Controls| {
        for (id, control) in controls {
            let config = control
                .requirements
                .iter()
                .filter_map(|requirement| requirement.config.as_ref())
                .map(|config| serde_json::Value::Object(config.clone()).to_string())
                .collect::<Vec<_>>()
                .join(" ");
            rows.push(format!(
                "| `{id}` | {place} | `{}` |",
                config.replace('|', "\\|")
            ));
        }
    };
    add("the whole system".to_owned(), &doc.controls);
    for node in &doc.nodes {
        add(format!("node `{}`", node.unique_id), &node.controls);
    }
    for relationship in &doc.relationships {
        add(
            format!("relationship `{}`", relationship.unique_id),
            &relationship.controls,
        );
    }
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "| control | on | config |\n|---|---|---|\n{}\n",
        rows.join("\n")
    )
}

/// Replaces what lies between the markers of `readme` with `section`.
pub fn splice_readme(readme: &str, section: &str) -> anyhow::Result<String> {
    let (before, rest) = readme
        .split_once(BEGIN_MARKER)
        .ok_or_else(|| anyhow::anyhow!("the README has no line {BEGIN_MARKER}"))?;
    let (_, after) = rest
        .split_once(END_MARKER)
        .ok_or_else(|| anyhow::anyhow!("the README has no line {END_MARKER}"))?;
    Ok(format!(
        "{before}{BEGIN_MARKER}\n\n{section}{END_MARKER}{after}"
    ))
}

/// The text currently between the markers, to compare with a fresh `readme_section`.
pub fn generated_part(readme: &str) -> Option<&str> {
    let (_, rest) = readme.split_once(BEGIN_MARKER)?;
    let (generated, _) = rest.split_once(END_MARKER)?;
    Some(generated.strip_prefix("\n\n").unwrap_or(generated))
}

/// A left-to-right flowchart. Containers (`composed-of`, `deployed-in`) become subgraphs around
/// their nodes; `connects` are solid arrows labelled with their protocol; `interacts` dotted.
pub fn flowchart(doc: &Architecture) -> String {
    let mut out = String::from("flowchart LR\n");
    let mut drawn = BTreeSet::new();
    for node in &doc.nodes {
        if doc.container_of(&node.unique_id).is_none() {
            draw_node(doc, node, 1, &mut drawn, &mut out);
        }
    }
    for relationship in &doc.relationships {
        match &relationship.relationship_type {
            RelationshipType::Connects(connects) => {
                // In-process calls (between modules) have no protocol, and no label.
                let arrow = relationship
                    .protocol
                    .map_or_else(|| "-->".to_owned(), |protocol| format!("-->|{protocol}|"));
                let _ = writeln!(
                    out,
                    "    {} {arrow} {}",
                    mermaid_id(&connects.source.node),
                    mermaid_id(&connects.destination.node)
                );
            }
            RelationshipType::Interacts(interacts) => {
                for node in &interacts.nodes {
                    let _ = writeln!(
                        out,
                        "    {} -. interacts .-> {}",
                        mermaid_id(&interacts.actor),
                        mermaid_id(node)
                    );
                }
            }
            // Drawn as subgraphs above; options belong to patterns, not to a drawn architecture.
            RelationshipType::ComposedOf(_)
            | RelationshipType::DeployedIn(_)
            | RelationshipType::Options(_) => {}
        }
    }
    out
}

/// One node, or a subgraph when other nodes live inside it. `drawn` stops a node that sits in
/// two containers (or a containment cycle) from being drawn twice.
fn draw_node(
    doc: &Architecture,
    node: &Node,
    depth: usize,
    drawn: &mut BTreeSet<String>,
    out: &mut String,
) {
    if !drawn.insert(node.unique_id.clone()) {
        return;
    }
    let indent = "    ".repeat(depth);
    let id = mermaid_id(&node.unique_id);
    let label = node_label(node);
    let children: Vec<&Node> = doc
        .nodes
        .iter()
        .filter(|child| {
            doc.container_of(&child.unique_id)
                .is_some_and(|container| container.unique_id == node.unique_id)
        })
        .collect();
    if children.is_empty() {
        let (open, close) = match node.node_type {
            NodeType::Actor => ("((", "))"),
            NodeType::Database => ("[(", ")]"),
            _ => ("[", "]"),
        };
        let _ = writeln!(out, "{indent}{id}{open}\"{label}\"{close}");
    } else {
        let _ = writeln!(out, "{indent}subgraph {id}[\"{label}\"]");
        for child in children {
            draw_node(doc, child, depth + 1, drawn, out);
        }
        let _ = writeln!(out, "{indent}end");
    }
}

/// Name, type and (when deployed) where it listens: `Monolith<br/>service · app:8000`.
fn node_label(node: &Node) -> String {
    let place = node
        .host_port()
        .map(|(host, port)| format!(" · {host}:{port}"))
        .unwrap_or_default();
    format!("{}<br/>{}{place}", escape(&node.name), node.node_type)
}

/// A sequence diagram of one flow, steps in sequence-number order, each message prefixed with
/// its number. Replies (`destination-to-source`) are dashed arrows.
pub fn sequence_diagram(doc: &Architecture, flow: &Flow) -> String {
    let mut steps: Vec<_> = flow.transitions.iter().collect();
    steps.sort_by_key(|transition| transition.sequence_number);

    let mut messages = String::new();
    let mut participants: Vec<&str> = Vec::new();
    for transition in steps {
        let Some((from, to)) = doc
            .relationship(&transition.relationship_unique_id)
            .and_then(|relationship| ends(&relationship.relationship_type))
        else {
            continue; // a dangling reference: the reference rules report it
        };
        let (from, to, arrow) = match transition.direction {
            Direction::SourceToDestination => (from, to, "->>"),
            Direction::DestinationToSource => (to, from, "-->>"),
        };
        for participant in [from, to] {
            if !participants.contains(&participant) {
                participants.push(participant);
            }
        }
        let _ = writeln!(
            messages,
            "    {}{arrow}{}: {}. {}",
            mermaid_id(from),
            mermaid_id(to),
            transition.sequence_number,
            escape(&transition.description)
        );
    }

    let mut out = String::from("sequenceDiagram\n");
    for participant in participants {
        let name = doc.node(participant).map_or(participant, |node| &node.name);
        let keyword = match doc.node(participant).map(|node| &node.node_type) {
            Some(NodeType::Actor) => "actor",
            _ => "participant",
        };
        let _ = writeln!(
            out,
            "    {keyword} {} as {}",
            mermaid_id(participant),
            escape(name)
        );
    }
    out + &messages
}

/// The two ends a transition can travel between.
fn ends(relationship_type: &RelationshipType) -> Option<(&str, &str)> {
    match relationship_type {
        RelationshipType::Connects(connects) => {
            Some((&connects.source.node, &connects.destination.node))
        }
        RelationshipType::Interacts(interacts) => {
            Some((&interacts.actor, interacts.nodes.first()?))
        }
        RelationshipType::ComposedOf(containment) | RelationshipType::DeployedIn(containment) => {
            Some((&containment.container, containment.nodes.first()?))
        }
        RelationshipType::Options(_) => None,
    }
}

/// CALM ids may hold characters Mermaid reads as syntax (`-` starts an arrow in some places).
fn mermaid_id(unique_id: &str) -> String {
    unique_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Mermaid's entity codes for the characters that end a label or a message early.
fn escape(text: &str) -> String {
    text.replace('"', "#quot;").replace(';', "#59;")
}
