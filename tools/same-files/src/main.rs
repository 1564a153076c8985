//! `cargo run -p same-files [-- ROOT]`: every group of `docs/same-files.toml`, checked, for a
//! human to read. ROOT is the checkout to check (this workspace by default, another one to
//! check an export or a worktree). Exits non-zero when a copy has drifted;
//! `cargo test -p same-files` fails the same way.

use std::{path::PathBuf, process::ExitCode};

use same_files::{MANIFEST, Manifest, check_group, workspace_root};

fn main() -> ExitCode {
    let root = std::env::args_os()
        .nth(1)
        .map_or_else(workspace_root, PathBuf::from);
    let manifest = match Manifest::load(&root.join(MANIFEST)) {
        Ok(manifest) => manifest,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let width = manifest
        .groups
        .iter()
        .map(|group| group.name.len())
        .max()
        .unwrap_or(0);
    let all = same_files::check(&root, &manifest);
    let mut rest = all.clone();
    let files: usize = manifest.groups.iter().map(|group| group.files.len()).sum();
    println!(
        "{MANIFEST}: {} groups, {files} files",
        manifest.groups.len()
    );
    for group in &manifest.groups {
        let own = check_group(&root, group);
        let compared = if group.normalise.is_empty() {
            "byte-identical".to_owned()
        } else {
            let names: Vec<String> = group.normalise.iter().map(ToString::to_string).collect();
            format!("same after {}", names.join(", "))
        };
        let status = if own.is_empty() { "ok   " } else { "DRIFT" };
        println!(
            "{status} {:width$}  {} files, {compared}",
            group.name,
            group.files.len()
        );
        for problem in &own {
            println!("      {}", problem.to_string().replace('\n', "\n      "));
        }
        rest.retain(|problem| !own.contains(problem));
    }
    // What no single group shows (two groups with one name).
    for problem in &rest {
        println!("{problem}");
    }
    if all.is_empty() {
        ExitCode::SUCCESS
    } else {
        println!(
            "\nWhen you change one file of a group, change them all (see docs/same-files.md)."
        );
        ExitCode::FAILURE
    }
}
