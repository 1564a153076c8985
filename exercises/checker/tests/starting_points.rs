//! Each exercise starts from a known point. When a phase changes, the copies in the
//! exercises must change with it, or learners start from something that no longer exists.
//! These tests compare every copied file with its original, ignoring only the lines that
//! must differ (module paths into the phase, migration folders, crate names and the doc
//! comments at the top of `lib.rs`/`main.rs`, which the tests skip entirely). Files an
//! exercise compiles in place with `#[path]` (phase 01's, or exercise 01's solution in
//! exercise 02) are the originals themselves, so only the local copies need guarding.

use std::path::{Path, PathBuf};

use exercise_checker::kit::workspace_root;

/// Lines that legitimately differ between a copy and its original.
fn comparable(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| !line.contains("#[path = ") && !line.contains("sqlx::migrate!("))
        .collect()
}

/// Every `.rs` file under `copy/src` that has a namesake under `original/src` must match it,
/// except `lib.rs` and `main.rs` (they name the exercise). Returns how many files matched.
fn assert_copies_match(copy: &Path, original: &Path) -> usize {
    let mut compared = 0;
    for (path, text) in exercise_checker::kit::sources(&copy.join("src")) {
        let relative: PathBuf = path
            .strip_prefix(copy.join("src"))
            .expect("a file under src")
            .to_path_buf();
        if relative == Path::new("lib.rs") || relative == Path::new("main.rs") {
            continue;
        }
        let Ok(original_text) = std::fs::read_to_string(original.join("src").join(&relative))
        else {
            continue;
        };
        assert_eq!(
            comparable(&text),
            comparable(&original_text),
            "{} has drifted from {}: copy the original's change into it",
            path.display(),
            original.join("src").join(&relative).display()
        );
        compared += 1;
    }
    compared
}

#[test]
fn exercise_01_starts_from_phase_01_as_it_is() {
    let root = workspace_root();
    let compared = assert_copies_match(
        &root.join("exercises/01-find-the-seams/starter"),
        &root.join("01-monolith"),
    );
    assert!(compared >= 6, "only {compared} files compared");
}

#[test]
fn exercise_02_starts_where_exercise_01_ends() {
    let root = workspace_root();
    let compared = assert_copies_match(
        &root.join("exercises/02-own-your-data/starter"),
        &root.join("exercises/01-find-the-seams/solution"),
    );
    assert!(compared >= 6, "only {compared} files compared");
}
