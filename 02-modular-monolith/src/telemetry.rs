//! Logging: `tracing` events, filtered by `RUST_LOG` (default `info`).

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Installs the global subscriber once; later calls (several tests in one process) are no-ops.
///
/// Colours only on a terminal: in a log file or a pipe the ANSI codes are noise to grep
/// through, and writing them cost about 12,000 instructions of every request's log line
/// (callgrind, `GET /api/v1/tasks/{id}` on phase 01).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(
            fmt::layer()
                .with_target(false)
                .with_ansi(std::io::stdout().is_terminal()),
        )
        .try_init();
}
