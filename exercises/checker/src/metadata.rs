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

use crate::{
    kit::{self, Subject},
    syntax,
};

/// The step every checker takes before it builds anything.
pub const STEP: &str =
    "the crate uses no crate or file that holds the answer (Cargo.toml, `#[path]`, `include!`)";

/// The files from outside its own `src/` that exercise `number`'s crate may compile in place
/// (`#[path]`, `include!`), relative to the repository; one ending in `/` is a folder. What an
/// exercise shares with a phase, never a finished answer: exercises 1 and 2 compile phase
/// 01's files (and exercise 2 exercise 1's solved stats service, its starting point);
/// exercise 5 phase 03's settings, `CallError`, caller layer and router, never the client
/// (`clients/task_service.rs`, `clients/breaker.rs`) or the adapter (`seams.rs`).
pub fn shared_in_place(number: u32) -> &'static [&'static str] {
    match number {
        1 => &["01-monolith/src/"],
        2 => &[
            "01-monolith/src/",
            "exercises/01-find-the-seams/solution/src/services/stats.rs",
        ],
        5 => &[
            "03-microservices/stats-service/src/clients/call_error.rs",
            "03-microservices/stats-service/src/caller.rs",
            "03-microservices/stats-service/src/config.rs",
            "03-microservices/stats-service/src/routes/mod.rs",
        ],
        _ => &[],
    }
}

/// Every file the subject compiles from outside its own `src/` that exercise `number` does
/// not share: where it is named, and what it is.
pub fn files_not_shared(subject: &Subject) -> Result<Vec<String>, String> {
    let files = syntax::read_crate(&subject.dir)?;
    let root = kit::workspace_root();
    let src = subject.dir.join("src");
    let src = src.canonicalize().unwrap_or(src);
    let shared = shared_in_place(subject.number);
    Ok(syntax::compiled_files(&subject.dir, &files)
        .into_iter()
        .filter(|file| {
            let relative = file
                .target
                .strip_prefix(&root)
                .map(|path| path.to_string_lossy().replace('\\', "/"));
            !file.target.starts_with(&src)
                && !relative.is_ok_and(|relative| {
                    shared.iter().any(|shared| {
                        relative == *shared
                            || (shared.ends_with('/') && relative.starts_with(shared))
                    })
                })
        })
        .map(|file| {
            let target = file.target.strip_prefix(&root).unwrap_or(&file.target);
            format!("{}: `{}`", file.named_at, target.display())
        })
        .collect())
}

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
    let not_shared = files_not_shared(subject)?;
    if !not_shared.is_empty() {
        problems.push(format!(
            "the crate compiles in place (`#[path]`, `include!`) a file that is neither its own \
             (src/) nor one of the files exercise {} shares with the phases ({}); a finished \
             answer is what this exercise asks you to write:\n  {}",
            subject.number,
            match shared_in_place(subject.number) {
                [] => "none".to_string(),
                shared => shared.join(", "),
            },
            not_shared.join("\n  ")
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
