//! What each binary of the workshop reads and enforces, learned by calling its own code.
//!
//! Each binary's settings are read through a lookup that records every variable asked for
//! (`Settings::from_lookup`), so "stats-service reads `TASK_SERVICE_URL` and no `DATABASE_URL`"
//! is an observation, not a list kept here. The gateway's routing table is its own
//! `Upstream::all`. Every control's configuration is the value the code uses: its settings'
//! defaults, its constants, and the `Content-Type` of an error it answers. The JWT algorithm is
//! read from the source with `syn` (`calm::code::jwt_algorithms`), the shortest secret by
//! trying every length.
//!
//! What is written by hand here is only which Rust function reads which binary's settings,
//! and which kind of control each value is. A binary missing from [`all`] fails the fitness
//! test of the node that runs it.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::rc::Rc;

use axum::response::IntoResponse;
use calm::repository_root;
use calm::system::{BinaryFacts, CodeControl, ControlScope, Package, workspace_packages};
use serde_json::{Map, Value, json};
use service_kit::config::FromEnv;

/// A settings reader: what `Settings::from_lookup` is for one binary.
type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Every binary of the workshop's phases, by name.
pub fn all() -> BTreeMap<String, BinaryFacts> {
    let packages = workspace_packages(&repository_root()).unwrap_or_else(|e| panic!("{e:#}"));
    let mut binaries = BTreeMap::new();
    binaries.insert("monolith".to_owned(), monolith(&packages));
    binaries.insert("modular-monolith".to_owned(), modular_monolith(&packages));
    binaries.insert("api-gateway".to_owned(), api_gateway(&packages));
    binaries.insert("user-service".to_owned(), user_service(&packages));
    binaries.insert("task-service".to_owned(), task_service(&packages));
    binaries.insert("stats-service".to_owned(), stats_service(&packages));
    binaries
}

/// The variables `read` asks for when nothing is set.
fn variables_read<S, E>(read: impl Fn(Lookup<'_>) -> Result<S, E>) -> BTreeSet<String> {
    let asked = Rc::new(RefCell::new(BTreeSet::new()));
    let recorder = {
        let asked = Rc::clone(&asked);
        move |name: &str| {
            asked.borrow_mut().insert(name.to_owned());
            None
        }
    };
    let _ = read(&recorder);
    asked.take()
}

/// The shortest `JWT_SECRET` the settings accept.
fn min_secret_bytes<S, E>(read: impl Fn(Lookup<'_>) -> Result<S, E>) -> Option<usize> {
    (1..=256).find(|length| {
        let secret = "k".repeat(*length);
        read(&|name: &str| (name == "JWT_SECRET").then(|| secret.clone())).is_ok()
    })
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn control(scope: ControlScope, config: Value) -> CodeControl {
    CodeControl {
        scope,
        config: object(config),
    }
}

/// The source folders of `package` and every workspace crate it depends on, transitively.
fn source_dirs(packages: &[Package], package: &str) -> Vec<PathBuf> {
    let mut seen = BTreeSet::new();
    let mut queue = vec![package.to_owned()];
    while let Some(name) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(found) = packages.iter().find(|candidate| candidate.name == name) {
            queue.extend(found.path_dependencies.iter().cloned());
        }
    }
    packages
        .iter()
        .filter(|candidate| seen.contains(&candidate.name))
        .map(|candidate| candidate.dir.join("src"))
        .collect()
}

/// `jwt-authentication`, for a binary that reads `JWT_SECRET`.
fn jwt<S, E>(
    packages: &[Package],
    package: &str,
    read: impl Fn(Lookup<'_>) -> Result<S, E>,
) -> CodeControl {
    let algorithms = calm::code::jwt_algorithms(&source_dirs(packages, package))
        .unwrap_or_else(|e| panic!("{e:#}"));
    control(
        ControlScope::Node,
        json!({
            "algorithms": algorithms,
            "secret-variable": "JWT_SECRET",
            "min-secret-bytes": min_secret_bytes(read),
        }),
    )
}

/// `problem-details`: the media type of an error answer, as the code sends it.
fn problem_details(error: impl IntoResponse) -> CodeControl {
    let response = error.into_response();
    let media_type = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    control(ControlScope::Document, json!({"media-type": media_type}))
}

fn body_limit(max_bytes: usize) -> CodeControl {
    control(ControlScope::Node, json!({"max-bytes": max_bytes}))
}

/// `rate-limit`: `per_second` and `burst` per client IP, or off.
fn rate_limit(per_client_ip: Option<(u32, u32)>) -> CodeControl {
    control(
        ControlScope::Node,
        match per_client_ip {
            Some((per_second, burst)) => {
                json!({"key": "client-ip", "per-second": per_second, "burst": burst})
            }
            None => json!({"off": true}),
        },
    )
}

/// A binary's facts: the variables `read` asks for, `controls`, and `jwt-authentication` when
/// it reads `JWT_SECRET` (a binary that checks tokens needs the key).
fn facts<S, E>(
    packages: &[Package],
    package: &str,
    read: impl Fn(Lookup<'_>) -> Result<S, E> + Copy,
    controls: Vec<(&str, CodeControl)>,
) -> BinaryFacts {
    let variables = variables_read(read);
    let mut controls: BTreeMap<String, CodeControl> = controls
        .into_iter()
        .map(|(id, control)| (id.to_owned(), control))
        .collect();
    if variables.contains("JWT_SECRET") {
        controls.insert(
            "jwt-authentication".to_owned(),
            jwt(packages, package, read),
        );
    }
    BinaryFacts {
        variables,
        routes_to: BTreeSet::new(),
        controls,
    }
}

/// Milliseconds as a JSON number.
fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn monolith(packages: &[Package]) -> BinaryFacts {
    use monolith::config::{RateLimit, Settings};
    let read = |lookup: Lookup<'_>| Settings::from_lookup(lookup);
    let defaults = read(&|_| None).expect("phase 01 runs with no settings");
    let limit = match defaults.rate_limit {
        RateLimit::PerClientIp { per_second, burst } => Some((per_second, burst)),
        RateLimit::Off => None,
    };
    facts(
        packages,
        "monolith",
        read,
        vec![
            ("rate-limit", rate_limit(limit)),
            ("body-limit", body_limit(monolith::routes::MAX_BODY_BYTES)),
            (
                "problem-details",
                problem_details(monolith::error::ApiError::MethodNotAllowed),
            ),
        ],
    )
}

fn modular_monolith(packages: &[Package]) -> BinaryFacts {
    use modular_monolith::config::{RateLimit, Settings};
    let read = |lookup: Lookup<'_>| Settings::from_lookup(lookup);
    let defaults = read(&|_| None).expect("phase 02 runs with no settings");
    let limit = match defaults.rate_limit {
        RateLimit::PerClientIp { per_second, burst } => Some((per_second, burst)),
        RateLimit::Off => None,
    };
    facts(
        packages,
        "modular-monolith",
        read,
        vec![
            ("rate-limit", rate_limit(limit)),
            (
                "body-limit",
                body_limit(modular_monolith::routes::MAX_BODY_BYTES),
            ),
            (
                "problem-details",
                problem_details(shared_kernel::ApiError::MethodNotAllowed),
            ),
        ],
    )
}

/// What every phase 03 service shares through service-kit: the body limit and the errors.
fn service_kit_controls() -> Vec<(&'static str, CodeControl)> {
    vec![
        (
            "body-limit",
            body_limit(service_kit::routing::MAX_BODY_BYTES),
        ),
        (
            "problem-details",
            problem_details(service_kit::ApiError::MethodNotAllowed),
        ),
    ]
}

fn api_gateway(packages: &[Package]) -> BinaryFacts {
    use api_gateway::config::Settings;
    use service_kit::config::RateLimit;
    let read = |lookup: Lookup<'_>| Settings::from_lookup(lookup);
    let defaults = read(&|_| None).expect("the gateway runs with no settings");
    let routes_to: BTreeSet<String> = api_gateway::proxy::Upstream::all(&defaults.upstreams)
        .iter()
        .map(|upstream| upstream.name.to_owned())
        .collect();
    let limit = match defaults.rate_limit {
        RateLimit::PerClientIp { per_second, burst } => Some((per_second, burst)),
        RateLimit::Off => None,
    };
    let mut controls = service_kit_controls();
    controls.push(("rate-limit", rate_limit(limit)));
    controls.push((
        "upstream-timeout",
        control(
            ControlScope::Calls(routes_to.clone()),
            json!({"timeout-ms": millis(defaults.upstream_timeout)}),
        ),
    ));
    BinaryFacts {
        routes_to,
        ..facts(packages, "api-gateway", read, controls)
    }
}

fn user_service(packages: &[Package]) -> BinaryFacts {
    let read = |lookup: Lookup<'_>| user_service::config::Settings::from_lookup(lookup);
    facts(packages, "user-service", read, service_kit_controls())
}

fn task_service(packages: &[Package]) -> BinaryFacts {
    let read = |lookup: Lookup<'_>| task_service::config::Settings::from_lookup(lookup);
    facts(packages, "task-service", read, service_kit_controls())
}

fn stats_service(packages: &[Package]) -> BinaryFacts {
    let read = |lookup: Lookup<'_>| stats_service::config::Settings::from_lookup(lookup);
    let defaults = read(&|_| None).expect("stats-service runs with no settings");
    let calls = &defaults.task_service;
    let mut controls = service_kit_controls();
    controls.push((
        "resilient-calls",
        control(
            ControlScope::Calls(BTreeSet::from(["task-service".to_owned()])),
            json!({
                "timeout-ms": millis(calls.timeout),
                "retries": calls.retries,
                "breaker-failures": calls.breaker_failures,
                "breaker-open-ms": millis(calls.breaker_open),
            }),
        ),
    ));
    facts(packages, "stats-service", read, controls)
}
