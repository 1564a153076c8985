//! `cargo run -p conformance -- --base-url http://localhost:8000 [--jwt-secret S]`

use std::process::ExitCode;

use clap::Parser;

const EXAMPLES: &str = "\
Examples:
  # Start a phase in one terminal ...
  cargo run -p monolith
  # ... and judge it from another:
  cargo run -p conformance
  cargo run -p conformance -- --base-url http://127.0.0.1:8000
  # With the secret the server was started with, also check expired and minted tokens:
  cargo run -p conformance -- --jwt-secret 'the-same-JWT_SECRET-the-server-uses'
  JWT_SECRET='the-same-JWT_SECRET-the-server-uses' cargo run -p conformance
  # Against the microservices, through their gateway:
  CONFORMANCE_BASE_URL=http://localhost:8000 cargo run -p conformance
  # Also the optional Server-Timing area (phases 01 and 02: app,db; phase 03: gateway):
  cargo run -p conformance -- --server-timing app,db

Exit status: 0 every check passed, 1 some check failed, 2 no server answered.";

/// Black-box conformance suite for the TaskTracker HTTP API: runs every check of
/// docs/api.md against a running phase and prints a per-area report.
#[derive(Debug, Parser)]
#[command(version, after_help = EXAMPLES)]
struct Cli {
    /// Base URL of the phase under test (the monolith, or the gateway of the microservices).
    #[arg(
        long,
        env = "CONFORMANCE_BASE_URL",
        default_value = "http://localhost:8000"
    )]
    base_url: String,

    /// The server's JWT_SECRET. Enables the expired-token and minted-token checks, which are
    /// skipped without it.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,

    /// Also check the optional server-timing area: every answer carries a Server-Timing
    /// header that parses and names these entries (e.g. `app,db` for phases 01 and 02,
    /// `gateway` for phase 03). Give an empty value to require only that it parses.
    #[arg(long, value_delimiter = ',', num_args = 0..)]
    server_timing: Option<Vec<String>>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = conformance::Config {
        base_url: cli.base_url,
        jwt_secret: cli.jwt_secret.filter(|secret| !secret.is_empty()),
        server_timing: cli.server_timing.map(|names| conformance::ServerTiming {
            required: names.into_iter().filter(|name| !name.is_empty()).collect(),
        }),
    };
    let report = conformance::run(&config).await;
    print!("{report}");
    if report.server_unreachable() {
        eprintln!(
            "no server answering at {}; start a phase first, e.g. `cargo run -p monolith`",
            report.base_url()
        );
        ExitCode::from(2)
    } else if report.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
