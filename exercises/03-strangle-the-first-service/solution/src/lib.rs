//! Exercise 03, "Strangle the first service": the stats module leaves the modular monolith
//! and becomes its own process, and a gateway in front decides who answers what.
//!
//! Three processes, one binary (the first argument picks one):
//!
//! | subcommand | what it is | default port |
//! |---|---|---|
//! | `gateway` | the single entry point: routes each path prefix to its owner ([`gateway`]) | 8000 |
//! | `monolith` | phase 02's modular monolith, plus what the new service needs ([`monolith`]) | 8001 |
//! | `stats-service` | phase 02's `stats` module in its own process ([`stats_service`]) | 8003 |
//!
//! The modules themselves do not change: the stats module still reads counts through its
//! `TaskCounts` seam; only what is plugged in behind it does ([`task_counts`]).

pub mod gateway;
pub mod internal;
pub mod monolith;
pub mod stats_service;
pub mod task_counts;
pub mod wire;

use std::process::ExitCode;

const USAGE: &str = "usage: <binary> <monolith|stats-service|gateway>
  monolith       phase 02's modular monolith (PORT 8001 by default)
  stats-service  the stats module as its own service (PORT 8003, TASK_SERVICE_URL=http://127.0.0.1:8001)
  gateway        the entry point (PORT 8000, MONOLITH_URL=http://127.0.0.1:8001, STATS_SERVICE_URL=http://127.0.0.1:8003)";

/// Runs the process the first command-line argument names.
pub fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    let outcome = match command.as_str() {
        "monolith" => service_kit::startup::run(monolith::build),
        "stats-service" => service_kit::startup::run(stats_service::build),
        "gateway" => service_kit::startup::run(gateway::build),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
