//! `cargo run -p calm -- validate [FILES]` checks CALM documents offline (typed model plus the
//! CLI's reference rules); `cargo run -p calm -- render` regenerates the diagrams in
//! `calm-specs/README.md`. The fitness checks against the code run in `cargo test -p calm`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use calm::{Spec, load_specs, problem, rendered_readme, repository_root, rules};

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
        /// Spec files; all of calm-specs/*.architecture.json when none are given.
        files: Vec<PathBuf>,
    },
    /// Rewrite the generated diagrams in calm-specs/README.md from every spec.
    Render,
}

fn main() -> anyhow::Result<ExitCode> {
    match Cli::parse().command {
        Command::Validate { files } => validate(files),
        Command::Render => {
            let root = repository_root();
            let readme = rendered_readme(&root, &load_specs(&root)?)?;
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
        let specs = load_specs(&repository_root())?;
        specs.into_iter().map(|spec| spec.path).collect()
    } else {
        files
    };
    let mut ok = true;
    for file in &files {
        let problems = match Spec::load(file) {
            Ok(spec) => problem::report(&rules::check(&spec.doc)),
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
