//! Scratch copies of an exercise's crate, and bringing a reference solution into a starter.
//!
//! A wrong-answer fixture is applied to a copy of the starter, never to the learner's own
//! folder; a compile probe is added to a copy too. The copy lives in `exercises/.scratch/NN/`
//! (git ignores it): at the same depth as `exercises/NN-*/starter`, so every relative path in
//! the crate (`path = "../../../02-modular-monolith"`, `#[path = ...]`, `sqlx::migrate!`)
//! still points where it did. The copy is a workspace of its own (so the repository's
//! `Cargo.lock` never changes), with the repository's dependency versions and profiles, and it
//! builds into the repository's `target/`: every dependency is built once and shared, and only
//! the copy itself compiles again. Its binary gets its own name, so it never overwrites the
//! starter's.

use std::path::{Path, PathBuf};

use crate::kit::{self, Subject, Variant};

/// `exercises/.scratch/NN`: one scratch folder per exercise, reused from one fixture to the
/// next (fixtures of one exercise run one after another).
pub fn scratch_dir(number: u32) -> PathBuf {
    kit::workspace_root()
        .join("exercises/.scratch")
        .join(format!("{number:02}"))
}

/// What a scratch copy starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// The starter as committed.
    Starter,
    /// The starter with the reference solution brought in ([`solve_into`]).
    Solution,
}

/// A fresh scratch copy of exercise `number`'s committed starter (solved, for
/// [`Base::Solution`]), ready to be changed and then checked as `label`.
pub fn prepare(number: u32, base: Base, label: &str) -> Result<Subject, String> {
    let folder = crate::folder(number)?;
    let starter = kit::variant_dir(folder, Variant::Starter);
    let dir = scratch_dir(number);
    copy_crate(&starter, &dir)?;
    if base == Base::Solution {
        solve_into(number, &dir)?;
    }
    own_workspace(number, &dir, label)
}

/// A scratch copy of any crate folder of exercise `number` (the learner's starter, for a
/// compile probe), as it is now.
pub fn copy_of(number: u32, from: &Path, label: &str) -> Result<Subject, String> {
    let dir = scratch_dir(number);
    copy_crate(from, &dir)?;
    own_workspace(number, &dir, label)
}

/// Replaces `to` with a copy of the crate folder `from` (everything but `target/`).
pub fn copy_crate(from: &Path, to: &Path) -> Result<(), String> {
    if to.exists() {
        std::fs::remove_dir_all(to)
            .map_err(|error| format!("cannot empty {}: {error}", to.display()))?;
    }
    copy_tree(from, to)
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to)
        .map_err(|error| format!("cannot create {}: {error}", to.display()))?;
    let entries = std::fs::read_dir(from)
        .map_err(|error| format!("cannot read {}: {error}", from.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            if entry.file_name() != "target" {
                copy_tree(&path, &target)?;
            }
        } else {
            std::fs::copy(&path, &target)
                .map_err(|error| format!("cannot copy {}: {error}", path.display()))?;
        }
    }
    Ok(())
}

/// Brings exercise `number`'s reference solution into the crate at `dir` (a starter, or a copy
/// of one): its `src/` and its dependencies replace the starter's, and the names of the
/// solution's package and crate become the starter's, so the crate builds as the starter and
/// passes as the solution does.
pub fn solve_into(number: u32, dir: &Path) -> Result<(), String> {
    let folder = crate::folder(number)?;
    let solution = kit::variant_dir(folder, Variant::Solution);
    let (from_package, to_package) = (
        kit::package(number, Variant::Solution),
        kit::package(number, Variant::Starter),
    );
    let (from_crate, to_crate) = (from_package.replace('-', "_"), to_package.replace('-', "_"));
    let src = dir.join("src");
    if src.exists() {
        std::fs::remove_dir_all(&src)
            .map_err(|error| format!("cannot empty {}: {error}", src.display()))?;
    }
    copy_tree(&solution.join("src"), &src)?;
    for file in kit::sources(&src) {
        let (path, text) = file;
        if text.contains(&from_crate) {
            std::fs::write(&path, text.replace(&from_crate, &to_crate))
                .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        }
    }
    let manifest = std::fs::read_to_string(solution.join("Cargo.toml"))
        .map_err(|error| format!("cannot read the solution's Cargo.toml: {error}"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        manifest.replace(&from_package, &to_package),
    )
    .map_err(|error| format!("cannot write {}/Cargo.toml: {error}", dir.display()))
}

/// Makes the copy at `dir` a workspace of its own: the crate's manifest, then the repository's
/// `[workspace.*]` tables and profiles (its paths made relative to the copy), a binary named
/// `exercise-NN-scratch`, and a copy of the repository's `Cargo.lock`.
fn own_workspace(number: u32, dir: &Path, label: &str) -> Result<Subject, String> {
    let root = kit::workspace_root();
    let manifest_path = dir.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|error| format!("cannot read {}: {error}", manifest_path.display()))?;
    let package = package_name(&manifest)
        .ok_or_else(|| format!("{} names no package", manifest_path.display()))?;
    let root_manifest = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|error| format!("cannot read the repository's Cargo.toml: {error}"))?;
    let shared = root_manifest
        .find("[workspace.package]")
        .map(|start| &root_manifest[start..])
        .ok_or("the repository's Cargo.toml has no [workspace.package]")?;
    let up = "../".repeat(
        dir.strip_prefix(&root)
            .map_or(3, |relative| relative.components().count()),
    );
    let shared = shared.replace("path = \"", &format!("path = \"{up}"));
    let binary = format!("exercise-{number:02}-scratch");
    // Our own binary name, so the starter's binary in target/debug is never overwritten.
    let manifest = manifest.replacen("[package]", "[package]\nautobins = false", 1);
    let mut text = format!(
        "# A scratch copy made by the exercise checker; it is rebuilt on every run.\n{manifest}\n\
         [[bin]]\nname = \"{binary}\"\npath = \"src/main.rs\"\n\n\
         [workspace]\nresolver = \"3\"\nmembers = [\".\"]\n\n{shared}\n"
    );
    // The phases' crates are members of the repository's workspace, where they get the members'
    // profile; here they are path dependencies, which `[profile.dev.package."*"]` would catch.
    // The same profile here means the same build: cargo reuses the repository's artifacts.
    for member in member_packages(&root) {
        if member != package {
            text.push_str(&format!(
                "[profile.dev.package.{member}]\ndebug = \"line-tables-only\"\n"
            ));
        }
    }
    std::fs::write(&manifest_path, text)
        .map_err(|error| format!("cannot write {}: {error}", manifest_path.display()))?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map_err(|error| format!("cannot copy Cargo.lock: {error}"))?;
    Ok(Subject {
        number,
        label: label.to_string(),
        dir: dir.to_path_buf(),
        package,
        binary,
        manifest: Some(manifest_path),
        quick: false,
    })
}

/// `name = "..."` of a manifest's `[package]` table.
fn package_name(manifest: &str) -> Option<String> {
    let table: toml::Table = toml::from_str(manifest).ok()?;
    table
        .get("package")?
        .get("name")?
        .as_str()
        .map(str::to_string)
}

/// The names of the repository's workspace members that are phase or tool crates (the
/// exercises' own packages excluded: a scratch copy never depends on them by name, except
/// exercise 04 on exercise 03's solution, which is listed too).
fn member_packages(root: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(root.join("Cargo.toml")) else {
        return Vec::new();
    };
    let Ok(table) = toml::from_str::<toml::Table>(&text) else {
        return Vec::new();
    };
    let members = table
        .get("workspace")
        .and_then(|workspace| workspace.get("members"))
        .and_then(|members| members.as_array())
        .cloned()
        .unwrap_or_default();
    let mut names = Vec::new();
    for member in members.iter().filter_map(|member| member.as_str()) {
        let folders: Vec<PathBuf> = if member.contains('*') {
            expand_glob(root, member)
        } else {
            vec![root.join(member)]
        };
        for folder in folders {
            if let Some(name) = std::fs::read_to_string(folder.join("Cargo.toml"))
                .ok()
                .and_then(|text| package_name(&text))
            {
                names.push(name);
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// `exercises/*/starter`: one `*`, a whole path component.
fn expand_glob(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let Some((before, after)) = pattern.split_once("/*") else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(root.join(before)) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|entry| entry.path().join(after.trim_start_matches('/')))
        .filter(|path| path.join("Cargo.toml").exists())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_are_read_from_manifests() {
        assert_eq!(
            package_name("[package]\nname = \"exercise-01-starter\"\nversion = \"0.1.0\"\n"),
            Some("exercise-01-starter".into())
        );
        let members = member_packages(&kit::workspace_root());
        for expected in ["modular-monolith", "service-kit", "exercise-03-solution"] {
            assert!(members.iter().any(|m| m == expected), "{members:?}");
        }
    }

    #[test]
    fn a_scratch_folder_sits_as_deep_as_a_starter() {
        let root = kit::workspace_root();
        let depth = |path: &Path| path.strip_prefix(&root).map(|p| p.components().count());
        let starter = kit::variant_dir("01-find-the-seams", Variant::Starter);
        assert_eq!(depth(&scratch_dir(1)), depth(&starter));
    }
}
