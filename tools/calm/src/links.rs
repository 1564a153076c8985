//! Links between the decision records (`adr/`), the CALM specs and the code must resolve.
//!
//! An ADR links files and folders with relative Markdown links, and CALM elements as
//! `../calm-specs/01-monolith.architecture.json#monolith-service`. A spec links ADRs from its
//! `adrs` arrays. A renamed file or a removed node breaks such a link silently; this finds it.

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::Context;

use crate::model::Architecture;
use crate::problem::Problem;

const CHECK: &str = "links";

/// Checks every relative link in the Markdown file `file`.
pub fn check_markdown(file: &Path) -> anyhow::Result<Vec<Problem>> {
    let text =
        fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut problems = Vec::new();
    for target in markdown_links(&text) {
        problems.extend(check_link(file, &target)?);
    }
    Ok(problems)
}

/// Checks the links of a spec: the document's `adrs`, `metadata.adrs` of its nodes and
/// relationships, the pattern named by `metadata.pattern`, and every control's
/// `requirement-url` (and `config-url`).
pub fn check_spec(file: &Path, doc: &Architecture) -> anyhow::Result<Vec<Problem>> {
    let node_adrs = doc.nodes.iter().flat_map(|node| node.adrs());
    let relationship_adrs = doc
        .relationships
        .iter()
        .filter_map(|relationship| relationship.metadata.as_ref())
        .flat_map(|metadata| &metadata.adrs);
    let pattern = doc
        .metadata
        .as_ref()
        .and_then(|metadata| metadata.pattern.as_ref());
    let all_controls = std::iter::once(&doc.controls)
        .chain(doc.nodes.iter().map(|node| &node.controls))
        .chain(
            doc.relationships
                .iter()
                .map(|relationship| &relationship.controls),
        )
        .chain(doc.flows.iter().map(|flow| &flow.controls));
    let control_urls = all_controls
        .flat_map(|controls| controls.values())
        .flat_map(|control| &control.requirements)
        .flat_map(|requirement| {
            std::iter::once(&requirement.requirement_url).chain(&requirement.config_url)
        });
    let mut problems = Vec::new();
    for target in doc
        .adrs
        .iter()
        .chain(node_adrs)
        .chain(relationship_adrs)
        .chain(pattern)
        .chain(control_urls)
        .chain(
            doc.flows
                .iter()
                .filter_map(|flow| flow.requirement_url.as_ref()),
        )
    {
        problems.extend(check_link(file, target)?);
    }
    Ok(problems)
}

/// One link from `from`: web links are not followed, a path must exist, and a fragment on a CALM
/// spec must be the `unique-id` of one of its nodes, relationships or flows.
fn check_link(from: &Path, target: &str) -> anyhow::Result<Option<Problem>> {
    if target.contains("://") || target.starts_with("mailto:") || target.starts_with('#') {
        return Ok(None);
    }
    let (path, fragment) = match target.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (target, None),
    };
    let resolved = normalise(&from.parent().unwrap_or(Path::new(".")).join(path));
    let broken = |why: String| {
        Some(Problem::new(
            CHECK,
            format!("{}: link `{target}` {why}", from.display()),
        ))
    };
    if !resolved.exists() {
        return Ok(broken(format!(
            "points at {}, which does not exist",
            resolved.display()
        )));
    }
    let Some(id) = fragment.filter(|_| path.ends_with(".architecture.json")) else {
        return Ok(None);
    };
    let text = fs::read_to_string(&resolved)
        .with_context(|| format!("cannot read {}", resolved.display()))?;
    let doc =
        Architecture::from_json(&text).with_context(|| format!("in {}", resolved.display()))?;
    let known = doc
        .nodes
        .iter()
        .map(|node| &node.unique_id)
        .chain(
            doc.relationships
                .iter()
                .map(|relationship| &relationship.unique_id),
        )
        .chain(doc.flows.iter().map(|flow| &flow.unique_id))
        .any(|unique_id| unique_id == id);
    Ok(if known {
        None
    } else {
        broken(format!(
            "names `{id}`, which is no node, relationship or flow of that spec"
        ))
    })
}

/// `a/b/../c` → `a/c`, so messages show the path a reader would follow.
fn normalise(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir if normal.file_name().is_some() => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

/// The targets of inline links `[text](target)` outside fenced code blocks.
pub fn markdown_links(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut in_code_block = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code_block = !in_code_block;
            continue;
        }
        if in_code_block {
            continue;
        }
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else {
                break;
            };
            let target = after[..end].split_whitespace().next().unwrap_or_default();
            if !target.is_empty() {
                links.push(target.to_owned());
            }
            rest = &after[end..];
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_links_outside_code_blocks() {
        let text = "See [a](a.md) and [b](../b.json#node \"title\").\n```\n[no](c.md)\n```\n[d](https://x)";
        assert_eq!(
            markdown_links(text),
            ["a.md", "../b.json#node", "https://x"]
        );
    }

    #[test]
    fn normalises_parent_components() {
        assert_eq!(
            normalise(Path::new("/r/adr/../calm-specs/x")),
            Path::new("/r/calm-specs/x")
        );
    }
}
