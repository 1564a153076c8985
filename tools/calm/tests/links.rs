//! The decision records in adr/ follow one format, are all listed in adr/README.md, and every
//! link between ADRs, specs and code resolves, down to CALM node ids (`spec.json#node-id`).

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use calm::links::{check_markdown, check_spec};
use calm::problem::{Problem, report};
use calm::repository_root;

/// `adr/NNNN-*.md`, sorted.
fn adr_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(repository_root().join("adr"))
        .expect("adr/ exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            let name = path
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or_default();
            name.ends_with(".md") && name.as_bytes().first().is_some_and(u8::is_ascii_digit)
        })
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default()
}

#[test]
fn every_link_in_adrs_and_readmes_resolves() {
    let root = repository_root();
    let mut markdown = adr_files();
    markdown.push(root.join("adr/README.md"));
    markdown.push(root.join("calm-specs/README.md"));
    // The exercises link the ADRs that motivate them; a renamed ADR must not strand them.
    for exercise in ["README.md", "INSTRUCTORS.md"] {
        markdown.push(root.join("exercises").join(exercise));
    }
    for entry in fs::read_dir(root.join("exercises")).expect("exercises/") {
        let readme = entry
            .expect("an entry of exercises/")
            .path()
            .join("README.md");
        if readme.exists() {
            markdown.push(readme);
        }
    }
    let problems: Vec<Problem> = markdown
        .iter()
        .flat_map(|file| check_markdown(file).unwrap_or_else(|e| panic!("{e:#}")))
        .collect();
    assert!(problems.is_empty(), "broken links:\n{}", report(&problems));
}

#[test]
fn every_adr_and_requirement_link_in_the_specs_resolves() {
    let views =
        calm::load_deployment_views(&calm::repository_root()).unwrap_or_else(|e| panic!("{e:#}"));
    for spec in support::specs().into_iter().chain(views) {
        assert!(
            !spec.doc.adrs.is_empty(),
            "{} links no ADR",
            spec.path.display()
        );
        let problems = check_spec(&spec.path, &spec.doc).unwrap_or_else(|e| panic!("{e:#}"));
        assert!(
            problems.is_empty(),
            "broken ADR links:\n{}",
            report(&problems)
        );
    }
}

#[test]
fn adrs_are_numbered_in_one_format_and_indexed() {
    let files = adr_files();
    assert!(files.len() >= 13, "adr/ holds only {} records", files.len());
    let index = fs::read_to_string(repository_root().join("adr/README.md")).expect("adr/README.md");
    let sections = [
        "## Context",
        "## Decision",
        "## Alternatives considered",
        "## Consequences",
        "## Links",
    ];
    for (position, file) in files.iter().enumerate() {
        let name = file_name(file);
        let number = format!("{:04}", position + 1);
        assert!(
            name.starts_with(&format!("{number}-")),
            "{name}: expected number {number}"
        );
        let text = fs::read_to_string(file).expect("readable ADR");
        assert!(
            text.starts_with(&format!("# {number}. ")),
            "{name}: title must be `# {number}. ...`"
        );
        for field in ["- Status: ", "- Date: ", "- Governs: "] {
            assert!(text.contains(field), "{name}: missing the `{field}` line");
        }
        let mut last = 0;
        for section in sections {
            let at = text
                .find(section)
                .unwrap_or_else(|| panic!("{name}: missing `{section}`"));
            assert!(at > last, "{name}: `{section}` is out of order");
            last = at;
        }
        assert!(
            index.contains(&format!("]({name})")),
            "adr/README.md does not list {name}"
        );
    }
}

/// The link check itself notices a missing file and a missing CALM node.
#[test]
fn broken_links_are_reported() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let spec = repository_root().join("calm-specs/01-monolith.architecture.json");
    let adr = dir.path().join("0099-broken.md");
    fs::write(
        &adr,
        format!(
            "[gone](missing.md) [ok]({0}#monolith-service) [bad node]({0}#no-such-node) [web](https://example.com)",
            spec.display()
        ),
    )
    .expect("write");
    let problems = check_markdown(&adr).expect("readable");
    assert_eq!(problems.len(), 2, "{}", report(&problems));
    assert!(problems[0].message.contains("missing.md"));
    assert!(problems[1].message.contains("names `no-such-node`"));
}

#[test]
fn a_control_whose_requirement_page_is_missing_is_reported() {
    let mut spec = support::spec("01-monolith");
    let control = serde_json::json!({
        "description": "x",
        "requirements": [{"requirement-url": "requirements/no-such-page.md", "config": {}}]
    });
    spec.doc.controls.insert(
        "planted".into(),
        serde_json::from_value(control).expect("a control"),
    );
    let problems = check_spec(&spec.path, &spec.doc).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(
        problems
            .iter()
            .any(|problem| problem.message.contains("requirements/no-such-page.md")),
        "{}",
        report(&problems)
    );
}
