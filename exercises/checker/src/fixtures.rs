//! Known-wrong answers, kept as small patches: a fixture is a folder under
//! `exercises/checker/fixtures/` with a `fixture.toml`: which exercise, what it starts from
//! (the starter, or the starter with the reference solution brought in), the edits that make
//! the mistake (each replaces one exact piece of text in one file; a piece that is not found
//! is an error, so a fixture never silently stops applying), which step must reject it and
//! with which words. Whole new files, if any, sit under `files/`. Everything is applied to a
//! scratch copy of the starter (see [`crate::scratch`]).
//!
//! `tests/fixtures.rs` applies every fixture and proves the checker rejects it for the stated
//! reason; it also proves INSTRUCTORS.md quotes each fixture's message word for word, so the
//! instructor guide claims nothing a fixture does not prove.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{
    kit::{self, Outcome, Report, Subject},
    scratch::{self, Base},
};

/// One known-wrong answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// The folder's name.
    #[serde(skip)]
    pub name: String,
    #[serde(skip)]
    pub dir: PathBuf,
    pub exercise: u32,
    /// `starter` or `solution`: what the files are laid over.
    pub base: String,
    /// What the learner did, in a sentence.
    pub mistake: String,
    /// The beginning of the name of the step that must reject it.
    pub step: String,
    /// Words the step's message must contain (INSTRUCTORS.md quotes them).
    pub message: String,
    /// Files (relative to the crate) the fixture deletes, before laying its own over.
    #[serde(default)]
    pub remove: Vec<String>,
    /// The edits, in order.
    #[serde(default, rename = "edit")]
    pub edits: Vec<Edit>,
}

/// Replace the one occurrence of `find` in `file` with `replace`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    pub file: String,
    pub find: String,
    pub replace: String,
}

/// `exercises/checker/fixtures`.
pub fn fixtures_dir() -> PathBuf {
    kit::workspace_root().join("exercises/checker/fixtures")
}

/// Every fixture, sorted by folder name; a fixture that cannot be read is an error.
pub fn all() -> Result<Vec<Fixture>, String> {
    let mut fixtures = Vec::new();
    let entries = std::fs::read_dir(fixtures_dir())
        .map_err(|error| format!("cannot read {}: {error}", fixtures_dir().display()))?;
    for entry in entries.flatten() {
        let dir = entry.path();
        if !dir.is_dir() {
            continue;
        }
        let file = dir.join("fixture.toml");
        let text = std::fs::read_to_string(&file)
            .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
        let mut fixture: Fixture =
            toml::from_str(&text).map_err(|error| format!("{}: {error}", file.display()))?;
        fixture.name = entry.file_name().to_string_lossy().to_string();
        fixture.dir = dir;
        if !["starter", "solution"].contains(&fixture.base.as_str()) {
            return Err(format!(
                "{}: base must be `starter` or `solution`",
                file.display()
            ));
        }
        fixtures.push(fixture);
    }
    fixtures.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(fixtures)
}

impl Fixture {
    /// A scratch copy of the starter with this fixture applied, ready to be checked.
    pub fn apply(&self) -> Result<Subject, String> {
        let base = if self.base == "solution" {
            Base::Solution
        } else {
            Base::Starter
        };
        let subject = scratch::prepare(self.exercise, base, &format!("fixture {}", self.name))?;
        for relative in &self.remove {
            let path = subject.dir.join(relative);
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.map_err(|error| format!("{}: cannot remove {relative}: {error}", self.name))?;
        }
        let files = self.dir.join("files");
        if files.exists() {
            overlay(&files, &subject.dir)?;
        }
        for edit in &self.edits {
            let path = subject.dir.join(&edit.file);
            let text = std::fs::read_to_string(&path)
                .map_err(|error| format!("{}: cannot read {}: {error}", self.name, edit.file))?;
            if text.matches(&edit.find).count() != 1 {
                return Err(format!(
                    "{}: {} must hold exactly one {:?} (it holds {}); the fixture no longer fits the code",
                    self.name,
                    edit.file,
                    edit.find,
                    text.matches(&edit.find).count()
                ));
            }
            std::fs::write(&path, text.replacen(&edit.find, &edit.replace, 1))
                .map_err(|error| format!("{}: cannot write {}: {error}", self.name, edit.file))?;
        }
        Ok(subject)
    }

    /// Ok when `report` rejects the fixture with the stated step and words.
    pub fn judge(&self, report: &Report) -> Result<(), String> {
        if report.is_success() {
            return Err(format!(
                "fixture {} ({}) PASSED the checker:\n{report}",
                self.name, self.mistake
            ));
        }
        let step = report
            .steps()
            .iter()
            .find(|step| step.name.starts_with(&self.step))
            .ok_or_else(|| {
                format!(
                    "fixture {}: the checker has no step starting with {:?}:\n{report}",
                    self.name, self.step
                )
            })?;
        match &step.outcome {
            Outcome::Missing(message) if message.contains(&self.message) => Ok(()),
            Outcome::Missing(message) => Err(format!(
                "fixture {}: step {:?} failed, but its message lacks {:?}; it said:\n{message}",
                self.name, step.name, self.message
            )),
            other => Err(format!(
                "fixture {}: step {:?} was not rejected ({other:?}):\n{report}",
                self.name, step.name
            )),
        }
    }
}

/// Copies every file under `from` to the same place under `to`, replacing what is there.
fn overlay(from: &Path, to: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(from)
        .map_err(|error| format!("cannot read {}: {error}", from.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            std::fs::create_dir_all(&target)
                .map_err(|error| format!("cannot create {}: {error}", target.display()))?;
            overlay(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)
                .map_err(|error| format!("cannot copy {}: {error}", path.display()))?;
        }
    }
    Ok(())
}
