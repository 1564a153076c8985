//! The workshop's deliberate copies agree, and the check really catches a copy that does not:
//! each failure test plants the drift in a temporary copy of a real group and asserts the exact
//! report.

use std::path::Path;

use same_files::{Group, Line, MANIFEST, Manifest, Normalisation, Problem, check, workspace_root};

fn manifest() -> Manifest {
    Manifest::load(&workspace_root().join(MANIFEST)).expect("the manifest loads")
}

/// A real group of the manifest, its files copied under a fresh root.
fn copy_of(name: &str) -> (tempfile::TempDir, Manifest) {
    let mut manifest = manifest();
    manifest.groups.retain(|group| group.name == name);
    assert_eq!(manifest.groups.len(), 1, "no group `{name}` in {MANIFEST}");
    let root = tempfile::tempdir().expect("a temporary directory");
    for file in &manifest.groups[0].files {
        let target = root.path().join(file);
        std::fs::create_dir_all(target.parent().expect("a parent")).expect("a folder");
        std::fs::copy(workspace_root().join(file), target).expect("the file copies");
    }
    (root, manifest)
}

/// Replaces line `number` (from 1) of `file`, returning the line it replaced.
fn edit_line(root: &Path, file: &str, number: usize, text: &str) -> String {
    let path = root.join(file);
    let content = std::fs::read_to_string(&path).expect("the copy reads");
    let mut lines: Vec<&str> = content.split('\n').collect();
    let old = std::mem::replace(&mut lines[number - 1], text).to_owned();
    std::fs::write(&path, lines.join("\n")).expect("the copy writes");
    old
}

fn group(name: &str, files: &[&str]) -> Group {
    Group {
        name: name.into(),
        why: None,
        normalise: Vec::new(),
        files: files.iter().map(|file| file.to_string()).collect(),
    }
}

#[test]
fn every_group_of_the_manifest_is_still_the_same() {
    let problems = check(&workspace_root(), &manifest());
    let report: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        problems.is_empty(),
        "copies have drifted; when you change one file of a group, change them all \
         ({MANIFEST}, docs/same-files.md):\n{}",
        report.join("\n")
    );
}

/// The guard this manifest replaced compared every file of these starters with its original
/// automatically; this keeps a new starter file from going unguarded. `main.rs` names its
/// own package, so it differs on purpose.
#[test]
fn every_file_of_the_first_two_starters_is_held_to_its_original() {
    let listed: Vec<String> = manifest()
        .groups
        .into_iter()
        .flat_map(|group| group.files)
        .collect();
    for starter in [
        "exercises/01-find-the-seams/starter/src",
        "exercises/02-own-your-data/starter/src",
    ] {
        let mut unlisted = Vec::new();
        let mut folders = vec![workspace_root().join(starter)];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("the starter reads") {
                let path = entry.expect("an entry").path();
                let file = path
                    .strip_prefix(workspace_root())
                    .expect("under the root")
                    .to_string_lossy()
                    .replace('\\', "/");
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|ext| ext == "rs")
                    && !file.ends_with("/main.rs")
                    && !listed.contains(&file)
                {
                    unlisted.push(file);
                }
            }
        }
        assert!(
            unlisted.is_empty(),
            "not in {MANIFEST}: {unlisted:?}; list each with its original"
        );
    }
}

#[test]
fn a_planted_edit_fails_naming_both_files_and_the_first_differing_line() {
    let (root, manifest) = copy_of("telemetry");
    let original = "01-monolith/src/telemetry.rs";
    let copy = "03-microservices/service-kit/src/telemetry.rs";
    assert_eq!(
        manifest.groups[0].files.first().map(String::as_str),
        Some(original)
    );
    assert!(manifest.groups[0].files.iter().any(|file| file == copy));
    assert!(
        check(root.path(), &manifest).is_empty(),
        "the copies agree before the edit"
    );

    let old = edit_line(root.path(), copy, 5, "// planted drift");

    let problems = check(root.path(), &manifest);
    assert_eq!(
        problems,
        [Problem::Drift {
            group: "telemetry".into(),
            original: original.into(),
            copy: copy.into(),
            original_line: Line {
                number: 5,
                text: Some(old.clone()),
            },
            copy_line: Line {
                number: 5,
                text: Some("// planted drift".into()),
            },
        }]
    );
    assert_eq!(
        problems[0].to_string(),
        format!(
            "`telemetry`: {copy} has drifted from {original}\n    {original}:5: {old}\n    {copy}:5: // planted drift"
        )
    );
}

#[test]
fn a_planted_edit_behind_a_normalisation_reports_each_files_own_line() {
    let (root, manifest) = copy_of("exercise-01-lib");
    let original = "01-monolith/src/lib.rs";
    let copy = "exercises/01-find-the-seams/starter/src/lib.rs";
    let lines = |file: &str| -> Vec<String> {
        std::fs::read_to_string(root.path().join(file))
            .expect("the copy reads")
            .split('\n')
            .map(str::to_owned)
            .collect()
    };
    let line_of = |file: &str, text: &str| {
        1 + lines(file)
            .iter()
            .position(|line| line == text)
            .unwrap_or_else(|| panic!("{file} has no line `{text}`"))
    };

    // What the normalisations ignore may change freely: a `#[path]` and the crate's doc.
    let path_line = line_of(copy, "pub mod startup;") - 1;
    edit_line(root.path(), copy, path_line, "#[path = \"elsewhere.rs\"]");
    edit_line(root.path(), copy, 1, "//! Another crate's own words.");
    assert!(check(root.path(), &manifest).is_empty());

    // Anything else is a drift, reported at each file's own line: the copy's `#[path]` lines
    // push its `pub mod startup;` further down than the original's.
    let in_original = line_of(original, "pub mod startup;");
    let in_copy = line_of(copy, "pub mod startup;");
    assert_ne!(in_original, in_copy);
    edit_line(root.path(), copy, in_copy, "pub mod start_up;");
    assert_eq!(
        check(root.path(), &manifest)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [format!(
            "`exercise-01-lib`: {copy} has drifted from {original}\n    {original}:{in_original}: pub mod startup;\n    {copy}:{in_copy}: pub mod start_up;"
        )]
    );
}

#[test]
fn a_copy_cut_short_drifts_at_its_end() {
    let (root, manifest) = copy_of("configuration");
    let copy = "02-modular-monolith/src/config.rs";
    let text = std::fs::read_to_string(root.path().join(copy)).expect("reads");
    let lines: Vec<&str> = text.split('\n').collect();
    std::fs::write(root.path().join(copy), lines[..3].join("\n")).expect("writes");
    let problems = check(root.path(), &manifest);
    let [
        Problem::Drift {
            original_line,
            copy_line,
            ..
        },
    ] = problems.as_slice()
    else {
        panic!("expected one drift, got {problems:?}");
    };
    assert_eq!(
        (original_line, copy_line),
        (
            &Line {
                number: 4,
                text: Some(lines[3].to_owned()),
            },
            &Line {
                number: 4,
                text: None,
            }
        )
    );
}

#[test]
fn a_missing_file_fails() {
    let (root, manifest) = copy_of("password-hashing");
    let gone = "02-modular-monolith/modules/identity/src/auth/password.rs";
    std::fs::remove_file(root.path().join(gone)).expect("removes");
    assert_eq!(
        check(root.path(), &manifest),
        [Problem::Missing {
            group: "password-hashing".into(),
            file: gone.into(),
        }]
    );
}

#[test]
fn a_group_of_fewer_than_two_files_fails() {
    let (root, _) = copy_of("extractors");
    let alone = group("alone", &["01-monolith/src/extract.rs"]);
    let twice = group(
        "twice",
        &["01-monolith/src/extract.rs", "01-monolith/src/extract.rs"],
    );
    let manifest = Manifest {
        groups: vec![alone, twice],
    };
    assert_eq!(
        check(root.path(), &manifest),
        [
            Problem::TooFewFiles {
                group: "alone".into(),
                files: 1,
            },
            Problem::TooFewFiles {
                group: "twice".into(),
                files: 1,
            },
        ]
    );
}

#[test]
fn copies_within_one_place_are_not_manifest_entries() {
    let manifest = Manifest {
        groups: vec![group(
            "same-exercise",
            &[
                "exercises/01-find-the-seams/starter/src/state.rs",
                "exercises/01-find-the-seams/solution/src/state.rs",
            ],
        )],
    };
    assert!(
        check(&workspace_root(), &manifest).contains(&Problem::OnePlace {
            group: "same-exercise".into(),
            place: "exercises/01-find-the-seams".into(),
        })
    );
}

#[test]
fn normalisations_are_named_and_an_unknown_one_is_rejected() {
    let parsed = Manifest::parse(
        "[[group]]\nname = \"g\"\nnormalise = [\"leading-doc\", \"path-attributes\", \"migrate-macro\", \"imports\"]\nfiles = [\"a\", \"b\"]\n",
    )
    .expect("parses");
    assert_eq!(
        parsed.groups[0].normalise,
        [
            Normalisation::LeadingDoc,
            Normalisation::PathAttributes,
            Normalisation::MigrateMacro,
            Normalisation::Imports,
        ]
    );
    let error = Manifest::parse(
        "[[group]]\nname = \"g\"\nnormalise = [\"whitespace\"]\nfiles = [\"a\", \"b\"]\n",
    )
    .expect_err("an undeclared normalisation");
    assert!(error.to_string().contains("whitespace"), "{error}");
}
