//! The diagrams committed in calm-specs/README.md are a fresh render of the specs: a spec
//! changed without `cargo run -p calm -- render` fails here, with the command to run.

mod support;

use calm::render::generated_part;
use calm::{rendered_readme, repository_root};

#[test]
fn committed_diagrams_equal_a_fresh_render() {
    let root = repository_root();
    let committed = std::fs::read_to_string(root.join("calm-specs/README.md"))
        .expect("calm-specs/README.md exists");
    let fresh = rendered_readme(&root, &support::specs()).unwrap_or_else(|e| panic!("{e:#}"));
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
    for spec in support::specs() {
        assert!(generated.contains(&format!("### `{}`", spec.file_name())));
        for flow in &spec.doc.flows {
            assert!(generated.contains(&format!("Flow `{}`", flow.unique_id)));
        }
    }
    assert_eq!(
        generated.matches("```mermaid").count(),
        support::specs()
            .iter()
            .map(|spec| 1 + spec.doc.flows.len())
            .sum::<usize>(),
        "one flowchart per spec and one sequence diagram per flow"
    );
}
