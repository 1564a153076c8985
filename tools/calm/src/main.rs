//! `cargo run -p calm -- validate [FILES]` checks CALM documents offline (typed model, the
//! CLI's reference rules and the workshop's patterns); `cargo run -p calm -- diff A B` lists
//! what changed between two documents; `cargo run -p calm -- render` regenerates the diagrams
//! and phase diffs in `calm-specs/README.md`. The fitness checks against the code run in
//! `cargo test -p calm`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use calm::{
    Spec, diff, load_deployment_views, load_specs, patterns, problem, rendered_readme,
    repository_root, rules,
};

#[derive(Parser)]
#[command(about = "Validate and render the workshop's CALM 1.2 architecture documents")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse documents with the typed model and apply the reference rules.
    Validate {
        /// Spec files; all of calm-specs/*.architecture.json and calm-specs/deployments/ when none are given.
        files: Vec<PathBuf>,
    },
    /// List the nodes, relationships and controls added, removed or changed from BEFORE to AFTER.
    Diff { before: PathBuf, after: PathBuf },
    /// Rewrite the generated diagrams and phase diffs in calm-specs/README.md from every spec.
    Render,
}

fn main() -> anyhow::Result<ExitCode> {
    match Cli::parse().command {
        Command::Validate { files } => validate(files),
        Command::Diff { before, after } => {
            let (before, after) = (Spec::load(&before)?, Spec::load(&after)?);
            print!("{}", diff::report(&diff::diff(&before.raw, &after.raw)));
            Ok(ExitCode::SUCCESS)
        }
        Command::Render => {
            let root = repository_root();
            let readme =
                rendered_readme(&root, &load_specs(&root)?, &load_deployment_views(&root)?)?;
            let path = root.join("calm-specs/README.md");
            std::fs::write(&path, readme)?;
            println!("rendered {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Checks each file and reports all of them, so one broken spec does not hide another.
fn validate(files: Vec<PathBuf>) -> anyhow::Result<ExitCode> {
    let files = if files.is_empty() {
        let root = repository_root();
        let specs = load_specs(&root)?
            .into_iter()
            .chain(load_deployment_views(&root)?);
        specs.map(|spec| spec.path).collect()
    } else {
        files
    };
    let mut ok = true;
    for file in &files {
        let problems = match Spec::load(file) {
            Ok(spec) => {
                let mut problems = rules::check(&spec.doc);
                problems.extend(patterns::check(&spec.doc));
                problem::report(&problems)
            }
            Err(error) => format!("  - {error:#}"),
        };
        if problems.is_empty() {
            println!("ok: {}", file.display());
        } else {
            ok = false;
            println!("FAILED: {}\n{problems}", file.display());
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
