//! Fitness checks: does the CALM document describe the system that really runs?
//!
//! Each check compares the document with [`PhaseFacts`] (compose file, workspace, config
//! defaults) in both directions where that makes sense, so that neither a forgotten node nor a
//! forgotten service goes unnoticed. How nodes meet the facts:
//! - a node's `host`/`port` interface names its compose service and the port it listens on in
//!   the compose network;
//! - `metadata.cargo-bin` names the binary a service or system node runs;
//! - `metadata.cargo-package` names the crate a module node is (phase 02).

use std::collections::BTreeSet;

use crate::model::{Architecture, Node, NodeType};
use crate::problem::Problem;
use anyhow::Context;

use crate::system::{ComposeService, PROMETHEUS_CONFIG, PhaseFacts, scrape_targets};

/// The port PostgreSQL images listen on unless told otherwise.
const POSTGRES_PORT: u16 = 5432;

/// Runs every fitness check.
pub fn check(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    let mut problems = Vec::new();
    problems.extend(compose_services(doc, facts));
    problems.extend(binaries(doc, facts));
    problems.extend(images(doc, facts));
    problems.extend(ports(doc, facts));
    problems.extend(database_urls(doc, facts));
    problems.extend(upstream_urls(doc, facts));
    problems.extend(database_per_service(doc));
    problems.extend(modules(doc, facts));
    problems
}

/// A node that runs our code: a service or system node with a place to listen.
fn is_running_code(node: &Node) -> bool {
    matches!(node.node_type, NodeType::Service | NodeType::System) && node.host_port().is_some()
}

/// The image a third-party service runs as it is pulled (`metadata.image`): Jaeger, Prometheus
/// and Grafana run no binary of ours.
fn image(node: &Node) -> Option<&str> {
    node.metadata.as_ref()?.other.get("image")?.as_str()
}

/// The running node a node's connections count for: itself if it runs code, or the running node
/// it is a module of (`composed-of`), since a module's connections leave through its process.
fn running_owner<'a>(doc: &'a Architecture, node_id: &str) -> Option<&'a Node> {
    let node = doc.node(node_id)?;
    if is_running_code(node) {
        Some(node)
    } else {
        doc.container_of(node_id)
            .filter(|container| is_running_code(container))
    }
}

/// Service and database nodes must be deployed, so they need a host/port interface.
fn must_be_deployed(node: &Node) -> bool {
    matches!(node.node_type, NodeType::Service | NodeType::Database)
}

/// Every deployed node has a compose service named after its interface's host, and every compose
/// service has such a node.
pub fn compose_services(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    const CHECK: &str = "compose-services";
    let file = &facts.compose_file;
    let mut problems = Vec::new();
    for node in &doc.nodes {
        match node.host_port() {
            Some((host, _)) if !facts.compose.contains_key(host) => problems.push(Problem::new(
                CHECK,
                format!(
                    "node `{}` listens on host `{host}`, but {file} has no service `{host}`",
                    node.unique_id
                ),
            )),
            None if must_be_deployed(node) => problems.push(Problem::new(
                CHECK,
                format!(
                    "{} node `{}` has no interface with `host` and `port`, so it cannot be matched to a service in {file}",
                    node.node_type, node.unique_id
                ),
            )),
            _ => {}
        }
    }
    let hosts: BTreeSet<&str> = doc
        .nodes
        .iter()
        .filter_map(|node| Some(node.host_port()?.0))
        .collect();
    for service in facts.compose.keys() {
        if !hosts.contains(service.as_str()) {
            problems.push(Problem::new(
                CHECK,
                format!("{file} runs service `{service}`, but no CALM node has an interface on host `{service}`"),
            ));
        }
    }
    problems
}

/// Every node running our code names a binary of the phase's crates, and every binary of the
/// phase's crates belongs to a node.
pub fn binaries(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    const CHECK: &str = "binaries";
    let phase = &facts.phase;
    let mut problems = Vec::new();
    let mut claimed = BTreeSet::new();
    for node in doc
        .nodes
        .iter()
        .filter(|node| is_running_code(node) && image(node).is_none())
    {
        match node.cargo_bin() {
            None => problems.push(Problem::new(
                CHECK,
                format!("node `{}` does not say which binary it runs (`metadata.cargo-bin`)", node.unique_id),
            )),
            Some(binary) if facts.package_with_binary(binary).is_none() => {
                problems.push(Problem::new(
                    CHECK,
                    format!(
                        "node `{}` runs binary `{binary}`, but no crate under {phase}/ builds a binary of that name",
                        node.unique_id
                    ),
                ))
            }
            Some(binary) => {
                claimed.insert(binary);
            }
        }
    }
    for package in &facts.packages {
        for binary in &package.binaries {
            if !claimed.contains(binary.as_str()) {
                problems.push(Problem::new(
                    CHECK,
                    format!(
                        "crate `{}` builds binary `{binary}`, but no CALM node runs it (`metadata.cargo-bin`)",
                        package.name
                    ),
                ));
            }
        }
    }
    problems
}

/// A node names the image its compose service pulls (`metadata.image`), and the other way round;
/// our own services are built from source and name no image.
pub fn images(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    const CHECK: &str = "images";
    let file = &facts.compose_file;
    let mut problems = Vec::new();
    for node in doc.nodes.iter().filter(|node| is_running_code(node)) {
        let Some((host, _)) = node.host_port() else {
            continue;
        };
        let Some(service) = facts.compose.get(host) else {
            continue; // reported by compose-services
        };
        let id = &node.unique_id;
        match (image(node), service.image.as_deref()) {
            (Some(said), Some(pulled)) if said != pulled => problems.push(Problem::new(
                CHECK,
                format!("node `{id}` says image `{said}`, but service `{host}` in {file} runs `{pulled}`"),
            )),
            (Some(said), None) => problems.push(Problem::new(
                CHECK,
                format!("node `{id}` says image `{said}`, but service `{host}` in {file} is built from source"),
            )),
            (None, Some(pulled)) => problems.push(Problem::new(
                CHECK,
                format!("service `{host}` in {file} runs image `{pulled}`, but node `{id}` does not say so (`metadata.image`)"),
            )),
            _ => {}
        }
    }
    problems
}

/// Besides its API, a process of ours listens only on its metrics port: METRICS_PORT in compose,
/// or PORT + 1000 by default. /metrics is never on the API port.
fn metrics_interfaces(
    node: &Node,
    api_port: u16,
    service: &ComposeService,
    file: &str,
) -> Vec<Problem> {
    let metrics_port = match service.environment.get("METRICS_PORT") {
        Some(set) => set.parse().ok(),
        None => api_port.checked_add(1000),
    };
    node.interfaces
        .iter()
        .filter_map(|interface| Some((interface.unique_id(), interface.host_port()?.1)))
        .filter(|(_, port)| *port != api_port && Some(*port) != metrics_port)
        .map(|(interface, port)| {
            Problem::new(
                "ports",
                format!(
                    "node `{}` has interface `{interface}` on port {port}, but its service in {file} \
                     serves the API on {api_port} and /metrics on {}",
                    node.unique_id,
                    metrics_port.map_or("no valid METRICS_PORT".to_owned(), |port| port.to_string())
                ),
            )
        })
        .collect()
}

/// Each deployed node's interface port equals the port its compose service exposes and sets, and
/// for our own services also the `DEFAULT_PORT` in the code.
pub fn ports(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    const CHECK: &str = "ports";
    let file = &facts.compose_file;
    let mut problems = Vec::new();
    for node in &doc.nodes {
        let Some((host, port)) = node.host_port() else {
            continue;
        };
        let Some(service) = facts.compose.get(host) else {
            continue; // reported by compose-services
        };
        let id = &node.unique_id;
        if !service.container_ports.is_empty() && !service.container_ports.contains(&port) {
            problems.push(Problem::new(
                CHECK,
                format!(
                    "node `{id}` says port {port}, but service `{host}` in {file} exposes container port(s) {:?}",
                    service.container_ports
                ),
            ));
        }
        if let Some(set) = service.environment.get("PORT")
            && set.parse() != Ok(port)
        {
            problems.push(Problem::new(
                CHECK,
                format!(
                    "node `{id}` says port {port}, but service `{host}` in {file} sets PORT={set}"
                ),
            ));
        }
        if is_postgres(service) && port != POSTGRES_PORT {
            problems.push(Problem::new(
                CHECK,
                format!("node `{id}` says port {port}, but service `{host}` runs PostgreSQL, which listens on {POSTGRES_PORT}"),
            ));
        }
        if node.cargo_bin().is_some() {
            problems.extend(metrics_interfaces(node, port, service, file));
        }
        let Some(package) = node
            .cargo_bin()
            .and_then(|binary| facts.package_with_binary(binary))
        else {
            continue; // not our code, or reported by binaries
        };
        match package.default_port {
            Some(default) if default != port => problems.push(Problem::new(
                CHECK,
                format!(
                    "node `{id}` says port {port}, but crate `{}` defaults to DEFAULT_PORT = {default}",
                    package.name
                ),
            )),
            None => problems.push(Problem::new(
                CHECK,
                format!(
                    "crate `{}` (node `{id}`) has no `const DEFAULT_PORT` in its src/, so its default port cannot be compared",
                    package.name
                ),
            )),
            Some(_) => {}
        }
    }
    problems
}

fn is_postgres(service: &ComposeService) -> bool {
    service
        .image
        .as_deref()
        .is_some_and(|image| image.starts_with("postgres"))
        && !service.environment.contains_key("PGPORT")
}

/// A `connects` from our code to a database matches a database URL in that service's compose
/// environment (same host and port), and every such URL has its `connects`.
pub fn database_urls(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    url_matches(
        doc,
        facts,
        "database-urls",
        &["postgres", "postgresql"],
        |node| node.node_type == NodeType::Database,
    )
}

/// A `connects` between two of our services matches an upstream URL (`http://host:port`) in the
/// caller's compose environment, and every such URL has its `connects`.
pub fn upstream_urls(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    url_matches(
        doc,
        facts,
        "upstream-urls",
        &["http", "https"],
        is_running_code,
    )
}

/// The shared half of `database_urls` and `upstream_urls`: for every node running our code,
/// the `host:port` it or its modules connect to (among nodes `is_target`) must equal the
/// `host:port` of the URLs with one of `schemes` in its compose environment.
fn url_matches(
    doc: &Architecture,
    facts: &PhaseFacts,
    check: &'static str,
    schemes: &[&str],
    is_target: impl Fn(&Node) -> bool,
) -> Vec<Problem> {
    let file = &facts.compose_file;
    let mut problems = Vec::new();
    for node in doc.nodes.iter().filter(|node| is_running_code(node)) {
        let Some(service) = node
            .host_port()
            .and_then(|(host, _)| facts.compose.get(host))
        else {
            continue; // reported by compose-services
        };
        let modelled: BTreeSet<(String, u16)> = doc
            .connections()
            .filter(|(_, connects)| {
                running_owner(doc, &connects.source.node)
                    .is_some_and(|owner| owner.unique_id == node.unique_id)
            })
            .filter_map(|(_, connects)| {
                let target = doc.node(&connects.destination.node)?;
                is_target(target).then(|| addresses(target, &connects.destination.interfaces))
            })
            .flatten()
            .map(|(host, port)| (host.to_owned(), port))
            .collect();
        let configured: BTreeSet<(String, u16)> = service
            .environment
            .values()
            .filter_map(|value| url_host_port(value, schemes))
            .filter(|(host, _)| facts.compose.contains_key(host))
            .collect();
        // Prometheus scrapes over HTTP: the targets in its configuration file are http
        // addresses it connects to, as a URL in a service's environment is.
        let scraped: BTreeSet<(String, u16)> = if schemes.contains(&"http") {
            match prometheus_scrape_targets(facts, service) {
                Ok(targets) => targets.into_iter().collect(),
                Err(error) => {
                    problems.push(Problem::new(check, format!("{error:#}")));
                    BTreeSet::new()
                }
            }
        } else {
            BTreeSet::new()
        };
        for (host, port) in scraped.difference(&modelled) {
            problems.push(Problem::new(
                check,
                format!(
                    "the Prometheus configuration that {file} mounts into node `{}` scrapes {host}:{port}, but the node has no `connects` to a node listening there",
                    node.unique_id
                ),
            ));
        }
        // The scraped addresses are accounted for; the environment's URLs are checked below.
        let modelled: BTreeSet<(String, u16)> = modelled.difference(&scraped).cloned().collect();
        for (host, port) in modelled.difference(&configured) {
            problems.push(Problem::new(
                check,
                format!(
                    "node `{}` connects to {host}:{port}, but its service in {file} has no {} URL for {host}:{port}",
                    node.unique_id, schemes[0]
                ),
            ));
        }
        for (host, port) in configured.difference(&modelled) {
            problems.push(Problem::new(
                check,
                format!(
                    "its service in {file} gives node `{}` a {} URL for {host}:{port}, but the node has no `connects` to a node listening there",
                    node.unique_id, schemes[0]
                ),
            ));
        }
    }
    problems
}

/// Where a `connects` arrives: the named interfaces of the target, or its first one.
fn addresses<'a>(target: &'a Node, interfaces: &[String]) -> Vec<(&'a str, u16)> {
    if interfaces.is_empty() {
        return target.host_port().into_iter().collect();
    }
    target
        .interfaces
        .iter()
        .filter(|interface| interfaces.iter().any(|id| id == interface.unique_id()))
        .filter_map(|interface| interface.host_port())
        .collect()
}

/// The scrape targets of the Prometheus configuration the service mounts, if it mounts one.
fn prometheus_scrape_targets(
    facts: &PhaseFacts,
    service: &ComposeService,
) -> anyhow::Result<Vec<(String, u16)>> {
    let Some((config, _)) = service
        .bind_mounts
        .iter()
        .find(|(_, target)| target == PROMETHEUS_CONFIG)
    else {
        return Ok(Vec::new());
    };
    // A relative bind mount counts from the compose file's folder, the phase folder.
    let path = crate::repository_root().join(&facts.phase).join(config);
    let yaml = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {}, which {} mounts at {PROMETHEUS_CONFIG}",
            path.display(),
            facts.compose_file
        )
    })?;
    scrape_targets(&yaml).with_context(|| format!("in {}", path.display()))
}

/// `scheme://user:password@host:port/path` → `(host, port)`, with the scheme's default port.
fn url_host_port(url: &str, schemes: &[&str]) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    if !schemes.contains(&scheme) {
        return None;
    }
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()?),
        None => (host_port, default_port(scheme)?),
    };
    Some((host.to_owned(), port))
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        "postgres" | "postgresql" => Some(POSTGRES_PORT),
        _ => None,
    }
}

/// No two nodes running our code connect to the same database node: each owns its data. A
/// module's connection counts for the process it is part of.
pub fn database_per_service(doc: &Architecture) -> Vec<Problem> {
    let mut problems = Vec::new();
    for database in doc
        .nodes
        .iter()
        .filter(|node| node.node_type == NodeType::Database)
    {
        let users: BTreeSet<&str> = doc
            .connections()
            .filter(|(_, connects)| connects.destination.node == database.unique_id)
            .filter_map(|(_, connects)| running_owner(doc, &connects.source.node))
            .map(|owner| owner.unique_id.as_str())
            .collect();
        if users.len() > 1 {
            problems.push(Problem::new(
                "database-per-service",
                format!(
                    "database `{}` is used by {} services ({}); each database belongs to one service",
                    database.unique_id,
                    users.len(),
                    users.into_iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    problems
}

/// The modules a running node is `composed-of` are exactly the crates in the phase's `modules/`
/// folder (phase 02: `identity`, `tasks`, `stats`). Phases without that folder have no modules.
pub fn modules(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    const CHECK: &str = "modules";
    let folder = format!("{}/modules/", facts.phase);
    let crates: BTreeSet<&str> = facts
        .packages
        .iter()
        .filter(|package| {
            package.dir.parent().and_then(|parent| parent.file_name()) == Some("modules".as_ref())
        })
        .map(|package| package.name.as_str())
        .collect();
    let module_nodes = doc.nodes.iter().filter(|node| {
        doc.container_of(&node.unique_id)
            .is_some_and(is_running_code)
    });

    let mut problems = Vec::new();
    let mut modelled = BTreeSet::new();
    for node in module_nodes {
        match node.cargo_package() {
            Some(name) if crates.contains(name) => {
                modelled.insert(name);
            }
            Some(name) => problems.push(Problem::new(
                CHECK,
                format!(
                    "module node `{}` is crate `{name}`, but {folder} has no crate of that name",
                    node.unique_id
                ),
            )),
            None => problems.push(Problem::new(
                CHECK,
                format!(
                    "module node `{}` does not say which crate it is (`metadata.cargo-package`)",
                    node.unique_id
                ),
            )),
        }
    }
    for name in crates.difference(&modelled) {
        problems.push(Problem::new(
            CHECK,
            format!(
                "crate `{name}` in {folder} is not a module node `composed-of` the running system"
            ),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_host_and_port() {
        let db = ["postgres", "postgresql"];
        assert_eq!(
            url_host_port("postgres://u:p@db:5432/tasktracker", &db),
            Some(("db".into(), 5432))
        );
        assert_eq!(
            url_host_port("postgresql://db/x", &db),
            Some(("db".into(), 5432))
        );
        assert_eq!(
            url_host_port("http://task-service:8002", &["http"]),
            Some(("task-service".into(), 8002))
        );
        assert_eq!(url_host_port("sqlite://x.db", &db), None);
        assert_eq!(url_host_port("info", &db), None);
    }
}
