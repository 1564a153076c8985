//! The command line, parsed with clap.

use std::{path::PathBuf, time::Duration};

use clap::{Parser, Subcommand};

use crate::{bench::Target, phases::Phase};

#[derive(Debug, Parser)]
#[command(
    name = "workshop",
    version,
    about = "Run, check and benchmark the phases of the TaskTracker workshop.",
    after_help = "Examples:\n  cargo run -p workshop -- up 01\n  cargo run -p workshop -- check 03\n  cargo run -p workshop -- check http://localhost:8000\n  cargo run -p workshop -- bench --phases 01,03 --duration 5s"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build and start a phase natively on SQLite, on port 8000 (and 8001-8003 for 03).
    #[command(
        after_help = "Examples:\n  workshop up                # phase 01\n  workshop up 03             # gateway and three services\n  workshop up 03 --trace     # and a waterfall of every request's spans\n  workshop up 02 --port 9000\n\nStops everything on Ctrl-C. Refuses to start when a port it needs is taken."
    )]
    Up {
        /// 01, 02 or 03.
        #[arg(default_value = "01")]
        phase: Phase,
        /// Receive the phase's OpenTelemetry spans here and print a waterfall per request
        /// (process, span, start and duration, indented under its parent).
        #[arg(long)]
        trace: bool,
        /// The public port; phase 03's services take the next three.
        #[arg(long, default_value_t = 8000, value_parser = clap::value_parser!(u16).range(1..=65532))]
        port: u16,
        /// Where the SQLite files go (default: target/workshop-data/<phase>).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Run the conformance suite against a phase (started on free ports) or a running URL.
    #[command(
        after_help = "Examples:\n  workshop check 02\n  workshop check http://localhost:8000\n  JWT_SECRET=... workshop check http://localhost:8000   # adds the expired-token checks\n  workshop check exercise 3               # your work in exercises/03-*/starter\n  workshop check exercise 3 --solution    # the reference solution"
    )]
    Check {
        /// 01, 02, 03, a base URL such as http://localhost:8000, or `exercise`.
        target: String,
        /// With `exercise`: which exercise to check.
        number: Option<u32>,
        /// With `exercise`: check the reference solution instead of your starter.
        #[arg(long)]
        solution: bool,
    },
    /// Measure the same workloads on each phase (release builds, SQLite, seeded data).
    #[command(
        after_help = "Examples:\n  workshop bench\n  workshop bench --phases ceiling,01,03 --duration 10s --concurrency 1,16,64 --out bench-results\n\nThe ceiling is a bare axum route (tools/ceiling: no auth, no database) that serves only the\ntask read; each table shows every phase as a percentage of it."
    )]
    Bench {
        /// Which phases, comma-separated; `ceiling` is the bare-axum reference.
        #[arg(long, value_delimiter = ',', default_value = "ceiling,01,02,03")]
        phases: Vec<Target>,
        /// How long each workload runs at each concurrency (e.g. 3s, 500ms, 1m).
        #[arg(long, value_parser = parse_duration, default_value = "3s")]
        duration: Duration,
        /// Concurrent clients, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,16")]
        concurrency: Vec<usize>,
        /// Where to write results.json and latency.svg.
        #[arg(long, default_value = "bench-results")]
        out: PathBuf,
    },
    /// Catch up, reset and compare an exercise: start, solve, diff, check.
    #[command(
        after_help = "Examples:\n  workshop exercise start 3    # exercise 3's starter as committed (yours is backed up first)\n  workshop exercise solve 3    # the reference solution in your starter (backed up first)\n  workshop exercise diff 3     # your starter against the solution\n  workshop exercise check 3    # the same as `workshop check exercise 3`"
    )]
    Exercise {
        #[command(subcommand)]
        action: ExerciseAction,
    },
    /// List what each phase 03 service adds to its phase 02 module (03-microservices/README.md).
    #[command(
        after_help = "Examples:\n  workshop extraction            # is the README's report current?\n  workshop extraction --write    # rewrite it"
    )]
    Extraction {
        /// Rewrite the report in 03-microservices/README.md instead of only checking it.
        #[arg(long)]
        write: bool,
    },
}

/// `500ms`, `3s`, `2m`.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let (number, unit) = raw
        .find(|c: char| !c.is_ascii_digit())
        .map(|split| raw.split_at(split))
        .ok_or_else(|| format!("{raw:?} needs a unit: ms, s or m (e.g. 3s)"))?;
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{raw:?} does not start with a number"))?;
    let duration = match unit {
        "ms" => Duration::from_millis(value),
        "s" => Duration::from_secs(value),
        "m" => Duration::from_secs(value * 60),
        _ => return Err(format!("unknown unit {unit:?} in {raw:?}: use ms, s or m")),
    };
    if duration.is_zero() {
        return Err("the duration must be longer than zero".into());
    }
    Ok(duration)
}

/// `workshop exercise <action> N`.
#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum ExerciseAction {
    /// Reset exercises/NN-*/starter to the starter as committed (your copy is backed up
    /// under target/exercise-backups/ first).
    Start { number: u32 },
    /// Bring the reference solution's source into your starter, keeping its package name
    /// (your copy is backed up first), so that `check` passes.
    Solve { number: u32 },
    /// Your starter against the reference solution, as a unified diff.
    Diff { number: u32 },
    /// Check your starter (or, with --solution, the reference solution).
    Check {
        number: u32,
        #[arg(long)]
        solution: bool,
    },
}
