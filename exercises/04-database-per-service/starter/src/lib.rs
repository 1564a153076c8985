//! Exercise 04, "Database per service": the tasks module leaves the monolith with its data.
//!
//! The system is exercise 03's, plus a task service:
//!
//! | process | what it is | default port |
//! |---|---|---|
//! | `cargo run -p api-gateway` | phase 03's gateway: users → monolith, tasks → task service, stats → stats service | 8000 |
//! | `monolith` (this binary) | exercise 03's monolith: phase 02 + `/internal/v1/task-counts` | 8001 |
//! | `task-service` (this binary) | the tasks module over its OWN database ([`task_service`]) | 8002 |
//! | `cargo run -p stats-service` | phase 03's stats service, reading counts from `TASK_SERVICE_URL` | 8003 |

pub mod database;
pub mod task_service;

use std::process::ExitCode;

const USAGE: &str = "usage: <binary> <monolith|task-service>
  monolith      exercise 03's monolith (PORT 8001 by default)
  task-service  the tasks module as its own service, over its own database (PORT 8002)";

/// Runs the process the first command-line argument names.
pub fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    let outcome = match command.as_str() {
        "monolith" => service_kit::startup::run(exercise_03_solution::monolith::build),
        "task-service" => service_kit::startup::run(task_service::build),
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
