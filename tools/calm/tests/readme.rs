//! The diagrams and phase diffs committed in calm-specs/README.md are a fresh render of the
//! specs: a spec changed without `cargo run -p calm -- render` fails here, with the command to
//! run.

mod support;

use calm::render::generated_part;
use calm::{load_deployment_views, rendered_readme, repository_root};

#[test]
fn committed_diagrams_equal_a_fresh_render() {
    let root = repository_root();
    let committed = std::fs::read_to_string(root.join("calm-specs/README.md"))
        .expect("calm-specs/README.md exists");
    let views = load_deployment_views(&root).unwrap_or_else(|e| panic!("{e:#}"));
    let fresh =
        rendered_readme(&root, &support::specs(), &views).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(
        generated_part(&committed).is_some(),
        "calm-specs/README.md lost its BEGIN/END GENERATED DIAGRAMS markers"
    );
    assert!(
        committed == fresh,
        "the diagrams in calm-specs/README.md are out of date: run `cargo run -p calm -- render` and commit the result"
    );
}

#[test]
fn every_spec_and_flow_has_diagrams() {
    let readme = std::fs::read_to_string(repository_root().join("calm-specs/README.md"))
        .expect("calm-specs/README.md exists");
    let generated = generated_part(&readme).expect("markers");
    let views = load_deployment_views(&repository_root()).unwrap_or_else(|e| panic!("{e:#}"));
    let documents: Vec<calm::Spec> = support::specs().into_iter().chain(views).collect();
    for spec in &documents {
        assert!(generated.contains(&format!("### `{}`", spec.file_name())));
        for flow in &spec.doc.flows {
            assert!(generated.contains(&format!("Flow `{}`", flow.unique_id)));
        }
    }
    assert_eq!(
        generated.matches("```mermaid").count(),
        documents
            .iter()
            .map(|spec| 1 + spec.doc.flows.len())
            .sum::<usize>(),
        "one flowchart per document and one sequence diagram per flow"
    );
}

#[test]
fn the_phase_diffs_are_in_the_readme() {
    let readme = std::fs::read_to_string(repository_root().join("calm-specs/README.md"))
        .expect("calm-specs/README.md exists");
    let generated = generated_part(&readme).expect("markers");
    for (before, after) in [
        ("01-monolith", "02-modular-monolith"),
        ("02-modular-monolith", "03-microservices"),
    ] {
        let heading =
            format!("### From `{before}.architecture.json` to `{after}.architecture.json`");
        assert!(generated.contains(&heading), "missing: {heading}");
    }
}
