//! Which of the repository's crates an exercise's crate may depend on, read from
//! `cargo metadata` (so a renamed dependency, `package = "..."`, or a target-specific table
//! counts as what it is).
//!
//! A crate that holds the exercise's finished answer is not on the list: depending on it
//! would let the learner call the answer instead of writing it (phase 03's `stats-service`
//! for exercise 03's stats service, `task-service` for exercise 04). Crates from crates.io
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
        // `stats-service` holds the finished resilient client as well as the settings and the
        // caller layer the exercise reuses: see INSTRUCTORS.md, "shortcuts still open".
        5 => &["stats", "shared-kernel", "service-kit", "stats-service"],
        6 => &["api-gateway", "service-kit", "frontend"],
        _ => &[],
    }
}

/// The path dependencies of the subject's package that are not on the exercise's list.
pub async fn forbidden_dependencies(subject: &Subject) -> Result<Vec<String>, String> {
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
    Ok(forbidden)
}

/// A checker step: Ok when every path dependency is on the list.
pub async fn dependencies_step(subject: &Subject) -> Result<(), String> {
    let forbidden = forbidden_dependencies(subject).await?;
    if forbidden.is_empty() {
        return Ok(());
    }
    Err(format!(
        "Cargo.toml depends on {}: not on exercise {}'s list of crates it may use ({}). That \
         crate holds a finished answer of this exercise; write the answer here instead",
        forbidden
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", "),
        subject.number,
        allowed(subject.number).join(", ")
    ))
}
