//! Black-box conformance suite for the TaskTracker HTTP API (`docs/api.md`).
//!
//! It talks to a running server over HTTP only, so the same checks judge every phase of the
//! workshop: the monolith, the modular monolith and the microservices behind their gateway.
//!
//! ```no_run
//! # async fn demo() {
//! let config = conformance::Config {
//!     base_url: "http://localhost:8000".to_owned(),
//!     jwt_secret: None,
//!     server_timing: None,
//! };
//! let report = conformance::run(&config).await;
//! print!("{report}");
//! assert!(report.is_success(), "{:?}", report.failures().collect::<Vec<_>>());
//! # }
//! ```
//!
//! Every run registers its own users (with a random suffix), so runs can repeat against the same
//! database and even run side by side.

mod checks;
mod http;
pub mod jwt;
pub mod report;
pub mod server_timing;

pub use report::{AreaReport, CheckResult, Outcome, Report};

/// Where the server under test is, and what the suite may know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// e.g. `http://localhost:8000` (a trailing slash is ignored).
    pub base_url: String,
    /// The server's `JWT_SECRET`. Only with it can the suite mint tokens the server would accept
    /// (to prove an *expired* one is refused); without it those checks are skipped.
    pub jwt_secret: Option<String>,
    /// Switches on the optional [`areas::SERVER_TIMING`] area; `None` leaves it out.
    pub server_timing: Option<ServerTiming>,
}

/// What the optional `server-timing` area holds a phase to: every answer of the run
/// carries a `Server-Timing` header that parses (see [`server_timing`]) and names every
/// metric in `required`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerTiming {
    /// The entries every answer must have: the process's own (`app`, `gateway`), and `db`
    /// where every answer has one.
    pub required: Vec<String>,
}

impl ServerTiming {
    pub fn requiring(names: &[&str]) -> Self {
        Self {
            required: names.iter().map(|name| (*name).to_owned()).collect(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            base_url: "http://localhost:8000".to_owned(),
            jwt_secret: None,
            server_timing: None,
        }
    }
}

/// The names of the report's areas, one per part of the contract. Stable, so tests can ask
/// `report.area(areas::STATS)`.
pub mod areas {
    /// Only present when the server could not be reached (or the client not built).
    pub const CONNECTION: &str = "connection";
    pub const HEALTH: &str = "health";
    pub const DOCS: &str = "docs";
    pub const REGISTER: &str = "register";
    pub const LOGIN: &str = "login";
    pub const TOKENS: &str = "tokens";
    pub const USERS_ME: &str = "users/me";
    pub const CREATE_TASK: &str = "create task";
    pub const GET_TASK: &str = "get task";
    pub const LIST_TASKS: &str = "list tasks";
    pub const STATS: &str = "stats";
    pub const UPDATE_TASK: &str = "update task";
    pub const STATUS: &str = "status";
    pub const TOGGLE: &str = "toggle";
    pub const DELETE: &str = "delete";
    pub const ISOLATION: &str = "isolation";
    pub const ERRORS: &str = "errors";

    /// Optional, last when asked for: `Server-Timing` on every answer of the run.
    pub const SERVER_TIMING: &str = "server-timing";

    /// Every area a run against a reachable server reports, in run order (then the
    /// optional areas that were asked for).
    pub const ALL: [&str; 16] = [
        HEALTH,
        DOCS,
        REGISTER,
        LOGIN,
        TOKENS,
        USERS_ME,
        CREATE_TASK,
        GET_TASK,
        LIST_TASKS,
        STATS,
        UPDATE_TASK,
        STATUS,
        TOGGLE,
        DELETE,
        ISOLATION,
        ERRORS,
    ];
}

/// Runs every check against the server at `config.base_url`. Never panics on what the server
/// answers: anything unexpected is a failed check in the report.
pub async fn run(config: &Config) -> Report {
    let base_url = config.base_url.trim_end_matches('/');
    let mut report = Report::new(base_url);
    let api = match http::Api::new(base_url) {
        Ok(api) => api,
        Err(message) => {
            let mut area = AreaReport::new(areas::CONNECTION);
            area.record("build an HTTP client", Err(message));
            report.push(area);
            return report;
        }
    };
    // One probe first: if nothing answers, say so once instead of failing every check.
    if let Err(message) = api.send(&http::Request::get("/health")).await {
        let mut area = AreaReport::new(areas::CONNECTION);
        area.record(
            "a server answers",
            Err(format!(
                "no server answering at {base_url}; start a phase first, e.g. `cargo run -p monolith`\n({message})"
            )),
        );
        report.mark_unreachable(area);
        return report;
    }
    checks::run_all(api, config, &mut report).await;
    report
}
