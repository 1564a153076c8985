//! Which of the repository's crates an exercise's crate may depend on, read from
//! `cargo metadata` (so a renamed dependency, `package = "..."`, or a target-specific table
//! counts as what it is).
//!
//! A crate that holds the exercise's finished answer is not on the list: depending on it
//! would let the learner call the answer instead of writing it (phase 03's `stats-service`
//! for exercise 03's stats service, `task-service` for exercise 04, `stats-service` for
//! exercise 05's resilient client). Crates from crates.io
//! are always allowed: the answers are not published there.

use serde_json::Value;
use tokio::process::Command;

use crate::kit::{self, Subject};

/// The repository's crates exercise `number` may depend on (directly, by path).
pub fn allowed(number: u32) -> &'static [&'static str] {
    match number {
        1 | 2 => &["frontend"],
        3 => &[
            "modular-monolith",
            "shared-kernel",
            "identity",
            "tasks",
            "stats",
            "service-kit",
            // Its forwarding, reused; it routes nothing to a stats service of exercise 03's.
            "api-gateway",
            "frontend",
        ],
        4 => &[
            // Exercise 04 starts where exercise 03 ends.
            "exercise-03-solution",
            "modular-monolith",
            "shared-kernel",
            "identity",
            "tasks",
            "stats",
            "service-kit",
            "frontend",
        ],
        // Not `stats-service`: it holds the finished resilient client and adapter. The
        // exercise compiles the parts it shares (settings, `CallError`, the caller layer, the
        // router) in place, and no other file of it (see `exercise_05`).
        5 => &["stats", "shared-kernel", "service-kit"],
        6 => &["api-gateway", "service-kit", "frontend"],
        _ => &[],
    }
}

/// What `cargo metadata` says of the subject's package: the path dependencies that are not
/// on the exercise's list, and the targets it builds from anywhere but its own `src/` (a
/// `[lib]` or `[[bin]]` path into another crate, or a build script, which could compile or
/// copy the answer from anywhere).
#[derive(Debug, Default)]
pub struct Findings {
    pub dependencies: Vec<String>,
    pub targets: Vec<String>,
}

/// Everything [`Findings`] lists for the subject's package.
pub async fn findings(subject: &Subject) -> Result<Findings, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(["metadata", "--no-deps", "--format-version", "1"]);
    if let Some(manifest) = &subject.manifest {
        command.arg("--manifest-path").arg(manifest);
    }
    let output = command
        .current_dir(kit::workspace_root())
        .output()
        .await
        .map_err(|error| format!("cannot run cargo metadata: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo metadata` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("`cargo metadata` did not answer JSON: {error}"))?;
    let manifest = subject.dir.join("Cargo.toml");
    let manifest = manifest.canonicalize().unwrap_or(manifest);
    let package = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|package| {
            package["manifest_path"]
                .as_str()
                .is_some_and(|path| std::path::Path::new(path) == manifest)
        })
        .ok_or_else(|| format!("`cargo metadata` does not list {}", manifest.display()))?;
    let allowed = allowed(subject.number);
    let mut forbidden: Vec<String> = package["dependencies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|dependency| dependency["kind"] != "dev" && dependency.get("path").is_some())
        .filter_map(|dependency| dependency["name"].as_str())
        .filter(|name| !allowed.contains(name))
        .map(str::to_string)
        .collect();
    forbidden.sort();
    forbidden.dedup();
    let src = subject.dir.join("src");
    let src = src.canonicalize().unwrap_or(src);
    let targets = package["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|target| {
            let name = target["name"].as_str().unwrap_or("?");
            // Canonical, so `src/../../elsewhere.rs` is where it really is.
            let path = std::path::Path::new(target["src_path"].as_str()?);
            let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
            let build_script = target["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|kind| kind == "custom-build"));
            if build_script {
                Some(format!("a build script (`{}`)", path.display()))
            } else if !path.starts_with(&src) {
                Some(format!(
                    "the target `{name}` from `{}`, outside the crate's src/",
                    path.display()
                ))
            } else {
                None
            }
        })
        .collect();
    Ok(Findings {
        dependencies: forbidden,
        targets,
    })
}

/// A checker step: Ok when every path dependency is on the list, and every target is built
/// from the crate's own `src/`.
pub async fn dependencies_step(subject: &Subject) -> Result<(), String> {
    let findings = findings(subject).await?;
    let mut problems = Vec::new();
    if !findings.dependencies.is_empty() {
        problems.push(format!(
            "Cargo.toml depends on {}: not on exercise {}'s list of crates it may use ({}). That \
             crate holds a finished answer of this exercise; write the answer here instead",
            findings
                .dependencies
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", "),
            subject.number,
            allowed(subject.number).join(", ")
        ));
    }
    if !findings.targets.is_empty() {
        problems.push(format!(
            "Cargo.toml builds {}: every target of the exercise's crate is built from its own \
             src/, where the checker reads it",
            findings.targets.join(", ")
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
