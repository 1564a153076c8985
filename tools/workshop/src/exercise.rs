//! `workshop exercise start|solve|diff|check N`: catch up, reset and compare, so a learner
//! who falls behind can continue.
//!
//! - `start N`: the starter as committed (from git), in place; what was there is kept first
//!   in `target/exercise-backups/`, so nothing a learner wrote is ever lost.
//! - `solve N`: the reference solution's source brought into the starter (backed up the same
//!   way). The starter keeps its package name, so `check exercise N` then judges it, and
//!   passes.
//! - `diff N`: the learner's starter against the solution (as it would be in the starter:
//!   same package name), file by file, as a unified diff.
//! - `check N`: the same as `workshop check exercise N`, which keeps working.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use exercise_checker::{
    Variant,
    kit::{self, variant_dir},
    scratch,
};

/// `exercises/NN-*/starter`.
fn starter(number: u32) -> anyhow::Result<PathBuf> {
    let folder = exercise_checker::folder(number).map_err(anyhow::Error::msg)?;
    Ok(variant_dir(folder, Variant::Starter))
}

/// Copies the starter to `target/exercise-backups/NN-<time>/` and says where.
fn back_up(number: u32, starter: &Path) -> anyhow::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let backup = kit::target_dir()
        .join("exercise-backups")
        .join(format!("{number:02}-{stamp}"));
    scratch::copy_crate(starter, &backup).map_err(anyhow::Error::msg)?;
    Ok(backup)
}

/// `git` in the repository root; its output, or what it said when it failed.
fn git(args: &[&str]) -> anyhow::Result<String> {
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(kit::workspace_root())
        .output()
        .context("cannot run git (the reset restores the starter from the repository's history)")?;
    if !output.status.success() {
        bail!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The starter as committed, in place; returns where the previous copy was backed up.
pub fn start(number: u32) -> anyhow::Result<PathBuf> {
    let starter = starter(number)?;
    let backup = back_up(number, &starter)?;
    let relative = starter
        .strip_prefix(kit::workspace_root())
        .unwrap_or(&starter)
        .to_string_lossy()
        .replace('\\', "/");
    // Files the learner added go (they are in the backup), and every committed file comes back.
    std::fs::remove_dir_all(&starter)
        .with_context(|| format!("cannot empty {}", starter.display()))?;
    git(&["checkout", "HEAD", "--", &relative])?;
    Ok(backup)
}

/// The reference solution in the starter, keeping the starter's package name; returns where the
/// previous copy was backed up.
pub fn solve(number: u32) -> anyhow::Result<PathBuf> {
    let starter = starter(number)?;
    let backup = back_up(number, &starter)?;
    scratch::solve_into(number, &starter).map_err(anyhow::Error::msg)?;
    Ok(backup)
}

/// The learner's starter against the solution, as a unified diff (empty when they agree).
pub fn diff(number: u32) -> anyhow::Result<String> {
    let starter = starter(number)?;
    let solved = tempfile::tempdir()?;
    let reference = solved.path().join("solution");
    scratch::copy_crate(&starter, &reference).map_err(anyhow::Error::msg)?;
    scratch::solve_into(number, &reference).map_err(anyhow::Error::msg)?;
    Ok(unified_diff(&reference, &starter))
}

/// Every file of either crate folder (`target/` skipped), compared: `--- solution`, `+++ yours`.
pub fn unified_diff(solution: &Path, yours: &Path) -> String {
    let mut relatives = std::collections::BTreeSet::new();
    for root in [solution, yours] {
        collect(root, root, &mut relatives);
    }
    let mut out = String::new();
    for relative in relatives {
        let read = |root: &Path| std::fs::read_to_string(root.join(&relative)).unwrap_or_default();
        let (old, new) = (read(solution), read(yours));
        if old == new {
            continue;
        }
        let diff = similar::TextDiff::from_lines(&old, &new);
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("solution/{relative}"),
                    &format!("yours/{relative}"),
                )
                .to_string(),
        );
    }
    out
}

fn collect(root: &Path, dir: &Path, found: &mut std::collections::BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if entry.file_name() != "target" {
                collect(root, &path, found);
            }
        } else if let Ok(relative) = path.strip_prefix(root) {
            found.insert(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_shows_what_differs_and_only_that() {
        let solution = tempfile::tempdir().unwrap();
        let yours = tempfile::tempdir().unwrap();
        for (root, body) in [(&solution, "pub mod tasks;\n"), (&yours, "mod tasks;\n")] {
            std::fs::create_dir_all(root.path().join("src")).unwrap();
            std::fs::write(root.path().join("src/lib.rs"), body).unwrap();
            std::fs::write(root.path().join("Cargo.toml"), "[package]\n").unwrap();
        }
        std::fs::write(yours.path().join("src/extra.rs"), "// mine\n").unwrap();
        let diff = unified_diff(solution.path(), yours.path());
        assert!(
            diff.contains("-pub mod tasks;") && diff.contains("+mod tasks;"),
            "{diff}"
        );
        assert!(diff.contains("+++ yours/src/extra.rs"), "{diff}");
        assert!(!diff.contains("Cargo.toml"), "{diff}");
    }

    #[test]
    fn an_unknown_exercise_is_refused() {
        assert!(solve(9).is_err());
        assert!(diff(0).is_err());
    }
}
