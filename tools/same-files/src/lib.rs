//! The workshop keeps some files the same in several places on purpose: phase 02 carries
//! phase 01's configuration, the exercises start from copies of a phase or of the previous
//! exercise's solution. Nothing but this crate holds those copies together; before it, the
//! same fix was applied by hand in each phase, and one forgotten copy meant two phases quietly
//! disagreed.
//!
//! `docs/same-files.toml` lists every such copy as a group of files. Each group is either
//! byte-identical, or identical after the [`Normalisation`]s it declares (the lines that must
//! differ, such as an exercise's `#[path = ...]` into the phase it reuses). [`check`] reports a
//! group that has drifted, naming both files and the first line that differs in each.
//!
//! **When you change one file of a group, change them all**, then run
//! `cargo test -p same-files` (or `cargo run -p same-files` to see every group). Only copies
//! across places belong in the manifest: files identical within one phase are duplication to
//! remove, and files that differ on purpose are not listed.

use std::{
    collections::HashSet,
    fmt,
    path::{Path, PathBuf},
};

use serde::Deserialize;

/// Where the manifest lives, relative to the workspace root.
pub const MANIFEST: &str = "docs/same-files.toml";

/// The workspace root, which every path in the manifest is relative to.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The parsed `docs/same-files.toml`: its groups, in file order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(rename = "group", default)]
    pub groups: Vec<Group>,
}

/// Files that must stay the same. The first file is the original: the others are compared
/// with it, so a drift names the original and the copy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// A short label for reports.
    pub name: String,
    /// One line on why these files are copies rather than one file.
    #[serde(default)]
    pub why: Option<String>,
    /// What may differ; empty means byte-identical.
    #[serde(default)]
    pub normalise: Vec<Normalisation>,
    /// Paths relative to the workspace root.
    pub files: Vec<String>,
}

/// The few kinds of lines a copy may change. Each is named in the manifest, so a reader sees
/// what a group's comparison ignores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Normalisation {
    /// The `//!` lines at the top of the file: a crate root describes its own crate.
    LeadingDoc,
    /// Lines containing `#[path = `: an exercise compiles the phase's file in place.
    PathAttributes,
    /// Lines containing `sqlx::migrate!(`: an exercise points at the phase's migrations.
    MigrateMacro,
    /// Top-level `use` declarations (also over several lines) and blank lines: the same code
    /// reached through another crate or module path.
    Imports,
}

impl fmt::Display for Normalisation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LeadingDoc => "leading-doc",
            Self::PathAttributes => "path-attributes",
            Self::MigrateMacro => "migrate-macro",
            Self::Imports => "imports",
        })
    }
}

/// Why the manifest could not be read.
#[derive(Debug)]
pub enum LoadError {
    Read(PathBuf, std::io::Error),
    Parse(PathBuf, Box<toml::de::Error>),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(path, error) => write!(f, "cannot read {}: {error}", path.display()),
            Self::Parse(path, error) => {
                write!(f, "{} is not a valid manifest: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for LoadError {}

impl Manifest {
    pub fn parse(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let text =
            std::fs::read_to_string(path).map_err(|error| LoadError::Read(path.into(), error))?;
        Self::parse(&text).map_err(|error| LoadError::Parse(path.into(), Box::new(error)))
    }
}

/// One line of a file, numbered from 1 as an editor shows it; `None` text is the end of the
/// file (the other file goes on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub number: usize,
    pub text: Option<String>,
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(text) => write!(f, "{}: {text}", self.number),
            None => write!(f, "{}: <end of file>", self.number),
        }
    }
}

/// Something wrong with one group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A group needs two files to hold anything together.
    TooFewFiles {
        group: String,
        files: usize,
    },
    /// Copies within one phase or exercise are duplication to remove, not a manifest entry.
    OnePlace {
        group: String,
        place: String,
    },
    /// Two groups with one name make reports ambiguous.
    DuplicateName {
        group: String,
    },
    Missing {
        group: String,
        file: String,
    },
    /// `copy` no longer matches `original`; the lines are the first difference, each with its
    /// own file's line number (normalisations may drop different lines in each).
    Drift {
        group: String,
        original: String,
        copy: String,
        original_line: Line,
        copy_line: Line,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooFewFiles { group, files } => {
                write!(
                    f,
                    "`{group}`: lists {files} distinct file(s); a group needs at least two"
                )
            }
            Self::OnePlace { group, place } => write!(
                f,
                "`{group}`: every file is in {place}; copies within one place are duplication to remove, not manifest entries"
            ),
            Self::DuplicateName { group } => write!(f, "`{group}`: two groups have this name"),
            Self::Missing { group, file } => write!(f, "`{group}`: {file} does not exist"),
            Self::Drift {
                group,
                original,
                copy,
                original_line,
                copy_line,
            } => write!(
                f,
                "`{group}`: {copy} has drifted from {original}\n    {original}:{original_line}\n    {copy}:{copy_line}"
            ),
        }
    }
}

/// Every problem in the manifest, group by group; empty when all copies agree.
pub fn check(root: &Path, manifest: &Manifest) -> Vec<Problem> {
    let mut names = HashSet::new();
    let mut problems = Vec::new();
    for group in &manifest.groups {
        if !names.insert(group.name.as_str()) {
            problems.push(Problem::DuplicateName {
                group: group.name.clone(),
            });
        }
        problems.extend(check_group(root, group));
    }
    problems
}

/// The problems of one group: too few files, all in one place, missing files, and each copy
/// that differs from the original.
pub fn check_group(root: &Path, group: &Group) -> Vec<Problem> {
    let mut problems = Vec::new();
    let distinct: HashSet<&str> = group.files.iter().map(String::as_str).collect();
    if distinct.len() < 2 {
        problems.push(Problem::TooFewFiles {
            group: group.name.clone(),
            files: distinct.len(),
        });
    }
    let places: HashSet<&str> = group.files.iter().map(|file| place(file)).collect();
    if distinct.len() >= 2 && places.len() == 1 {
        problems.push(Problem::OnePlace {
            group: group.name.clone(),
            place: places.into_iter().next().unwrap_or_default().to_owned(),
        });
    }

    let mut texts = Vec::new();
    for file in &group.files {
        match std::fs::read(root.join(file)) {
            Ok(bytes) => texts.push((file, bytes)),
            Err(_) => problems.push(Problem::Missing {
                group: group.name.clone(),
                file: file.clone(),
            }),
        }
    }
    // Compare with the original when it exists; otherwise with the first file that does.
    if let Some(((original, original_bytes), copies)) = texts.split_first() {
        for (copy, copy_bytes) in copies {
            if group.normalise.is_empty() && original_bytes == copy_bytes {
                continue;
            }
            if let Some((original_line, copy_line)) =
                first_difference(original_bytes, copy_bytes, &group.normalise)
            {
                problems.push(Problem::Drift {
                    group: group.name.clone(),
                    original: original.to_string(),
                    copy: copy.to_string(),
                    original_line,
                    copy_line,
                });
            }
        }
    }
    problems
}

/// The phase or exercise a path belongs to: `01-monolith`, `exercises/02-own-your-data`; for
/// anything else its top folder.
pub fn place(file: &str) -> &str {
    let mut parts = file.splitn(3, '/');
    let first = parts.next().unwrap_or_default();
    match parts.next() {
        Some(exercise)
            if first == "exercises" && exercise.starts_with(|c: char| c.is_ascii_digit()) =>
        {
            &file[..first.len() + 1 + exercise.len()]
        }
        _ => first,
    }
}

/// The first pair of lines where two files differ once normalised, or `None` when they agree.
fn first_difference(
    original: &[u8],
    copy: &[u8],
    normalise: &[Normalisation],
) -> Option<(Line, Line)> {
    let original_text = String::from_utf8_lossy(original);
    let copy_text = String::from_utf8_lossy(copy);
    let original_lines = comparable_lines(&original_text, normalise);
    let copy_lines = comparable_lines(&copy_text, normalise);
    let at = |lines: &[(usize, &str)], index: usize, text: &str| match lines.get(index) {
        Some(&(number, line)) => Line {
            number,
            text: Some(line.to_owned()),
        },
        None => Line {
            number: text.split('\n').count() + 1,
            text: None,
        },
    };
    let index = (0..original_lines.len().max(copy_lines.len())).find(|&index| {
        original_lines.get(index).map(|line| line.1) != copy_lines.get(index).map(|line| line.1)
    });
    match index {
        Some(index) => Some((
            at(&original_lines, index, &original_text),
            at(&copy_lines, index, &copy_text),
        )),
        // Same lines but different bytes: only possible when a file is not UTF-8.
        None if normalise.is_empty() && original != copy => Some((
            Line {
                number: 1,
                text: Some("<bytes differ outside UTF-8 text>".into()),
            },
            Line {
                number: 1,
                text: Some("<bytes differ outside UTF-8 text>".into()),
            },
        )),
        None => None,
    }
}

/// The lines a group compares, each with its line number in the file. Lines are split on `\n`
/// only, so a `\r` or a missing final newline is a difference like any other.
pub fn comparable_lines<'a>(text: &'a str, normalise: &[Normalisation]) -> Vec<(usize, &'a str)> {
    let has = |normalisation| normalise.contains(&normalisation);
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .peekable();
    if has(Normalisation::LeadingDoc) {
        while lines.next_if(|(_, line)| line.starts_with("//!")).is_some() {}
    }
    let mut kept = Vec::new();
    let mut in_use = false;
    for (number, line) in lines {
        if has(Normalisation::Imports) {
            if in_use || is_use_declaration(line) {
                in_use = !line.trim_end().ends_with(';');
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
        }
        if has(Normalisation::PathAttributes) && line.contains("#[path = ") {
            continue;
        }
        if has(Normalisation::MigrateMacro) && line.contains("sqlx::migrate!(") {
            continue;
        }
        kept.push((number, line));
    }
    kept
}

/// A top-level `use`, public or not; indented ones (inside a function or a `mod tests`) are
/// code like any other.
fn is_use_declaration(line: &str) -> bool {
    let rest = match line.strip_prefix("pub") {
        Some(rest) if rest.starts_with('(') => rest.split_once(") ").map_or("", |(_, rest)| rest),
        Some(rest) => rest.strip_prefix(' ').unwrap_or(""),
        None => line,
    };
    rest.starts_with("use ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_drops_use_declarations_over_several_lines_and_blank_lines() {
        let text = "use a::b;\npub(crate) use c::{\n    d,\n};\n\nfn f() {\n    use e;\n}\n";
        let lines = comparable_lines(text, &[Normalisation::Imports]);
        assert_eq!(lines, [(6, "fn f() {"), (7, "    use e;"), (8, "}")]);
    }

    #[test]
    fn leading_doc_drops_only_the_doc_lines_at_the_top() {
        let text = "//! one\n//! two\n\n//! three\n";
        let lines = comparable_lines(text, &[Normalisation::LeadingDoc]);
        assert_eq!(lines, [(3, ""), (4, "//! three"), (5, "")]);
    }

    #[test]
    fn a_place_is_a_phase_or_one_exercise() {
        assert_eq!(place("01-monolith/src/lib.rs"), "01-monolith");
        assert_eq!(
            place("exercises/01-find-the-seams/starter/src/lib.rs"),
            "exercises/01-find-the-seams"
        );
        assert_eq!(place("exercises/README.md"), "exercises");
    }

    #[test]
    fn a_missing_final_newline_is_a_drift_at_the_end_of_the_file() {
        let (original, copy) = first_difference(b"a\nb\n", b"a\nb", &[]).expect("a drift");
        assert_eq!(
            original,
            Line {
                number: 3,
                text: Some(String::new())
            }
        );
        assert_eq!(
            copy,
            Line {
                number: 3,
                text: None
            }
        );
    }
}
