//! Fitness checks: does the CALM document describe the system that really runs?
//!
//! Each check compares the document with [`PhaseFacts`] (compose file, workspace, config
//! defaults) in both directions where that makes sense, so that neither a forgotten node nor a
//! forgotten service goes unnoticed. How nodes meet the facts:
//! - a node's `host`/`port` interface names its compose service and the port it listens on in
//!   the compose network;
//! - `metadata.cargo-bin` names the binary a service or system node runs;
//! - `metadata.cargo-package` names the crate a module node is (phase 02).
//!
//! The edges are held to the code as well as to compose: the modular monolith's in-process
//! `connects` to its seams (`seams`) and the modules that own a schema (`data-owners`); every
//! service's `connects` to the settings its binary reads and to the gateway's routing table
//! (`settings`, `routing-table`); a node without a database to deployments that give it none
//! (`no-database`); and each control's configuration to the values the code enforces
//! (`controls`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::model::{Architecture, Controls, Node, NodeType};
use crate::problem::Problem;
use anyhow::Context;

use crate::system::{
    BinaryFacts, ComposeService, ControlScope, PROMETHEUS_CONFIG, PhaseFacts, scrape_targets,
};

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
    problems.extend(seams(doc, facts));
    problems.extend(data_owners(doc, facts));
    problems.extend(settings(doc, facts));
    problems.extend(routing_table(doc, facts));
    problems.extend(no_database(doc, facts));
    problems.extend(controls(doc, facts));
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
        doc.composed_in(node_id)
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
        doc.composed_in(&node.unique_id)
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

/// A node inside a running node (`composed-of`): a module of the modular monolith.
fn is_module(doc: &Architecture, node: &Node) -> bool {
    !is_running_code(node)
        && doc
            .composed_in(&node.unique_id)
            .is_some_and(is_running_code)
}

/// The crate a module node is, if `node` is a module.
fn module_package<'a>(doc: &Architecture, node: &'a Node) -> Option<&'a str> {
    if is_module(doc, node) {
        node.cargo_package()
    } else {
        None
    }
}

/// Module crate name → its node, for the module nodes of `doc`.
fn module_nodes(doc: &Architecture) -> BTreeMap<&str, &Node> {
    doc.nodes
        .iter()
        .filter(|node| is_module(doc, node))
        .filter_map(|node| Some((node.cargo_package()?, node)))
        .collect()
}

/// Whether `node` or one of its modules connects to a database node.
fn has_database(doc: &Architecture, node: &Node) -> bool {
    doc.connections().any(|(_, connects)| {
        running_owner(doc, &connects.source.node)
            .is_some_and(|owner| owner.unique_id == node.unique_id)
            && doc
                .node(&connects.destination.node)
                .is_some_and(|target| target.node_type == NodeType::Database)
    })
}

/// The running nodes `node` (or its modules) connects to, by the binary they run, with the
/// relationship's id.
fn calls_to_binaries<'a>(doc: &'a Architecture, node: &Node) -> BTreeMap<&'a str, &'a str> {
    doc.connections()
        .filter(|(_, connects)| {
            running_owner(doc, &connects.source.node)
                .is_some_and(|owner| owner.unique_id == node.unique_id)
        })
        .filter_map(|(relationship, connects)| {
            let target = doc.node(&connects.destination.node)?;
            if target.unique_id == node.unique_id || !is_running_code(target) {
                return None;
            }
            Some((target.cargo_bin()?, relationship.unique_id.as_str()))
        })
        .collect()
}

/// In the modular monolith, a `connects` between two modules is a seam call: the app
/// implements the one module's trait with the other's facade (`src/seams.rs`). A crate
/// dependency between modules for types alone is not a call and has no edge. Every in-process
/// edge has its seam and every seam its edge; the app's edges to its modules are the facades
/// it holds (`AppState`); and a module crate that depends on another without a seam must not
/// name that module's facade, which would be a call around the seams.
pub fn seams(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    const CHECK: &str = "seams";
    let modules = module_nodes(doc);
    if modules.is_empty() {
        return Vec::new();
    }
    let mut problems = Vec::new();
    let wired: BTreeSet<(&str, &str)> = facts
        .seams
        .iter()
        .filter(|seam| {
            modules.contains_key(seam.needs.as_str())
                && modules.contains_key(seam.provides.as_str())
        })
        .map(|seam| (seam.needs.as_str(), seam.provides.as_str()))
        .collect();
    let mut modelled = BTreeSet::new();
    for (relationship, connects) in doc.connections() {
        let (Some(source), Some(target)) = (
            doc.node(&connects.source.node),
            doc.node(&connects.destination.node),
        ) else {
            continue;
        };
        let (Some(needs), Some(provides)) =
            (module_package(doc, source), module_package(doc, target))
        else {
            continue;
        };
        modelled.insert((needs, provides));
        if !wired.contains(&(needs, provides)) {
            problems.push(Problem::new(
                CHECK,
                format!(
                    "`{}` connects module `{}` to `{}`, but {}/src/seams.rs wires no seam from crate `{needs}` to crate `{provides}` (a dependency for types is not a call)",
                    relationship.unique_id, source.unique_id, target.unique_id, facts.phase
                ),
            ));
        }
    }
    for seam in &facts.seams {
        if wired.contains(&(seam.needs.as_str(), seam.provides.as_str()))
            && !modelled.contains(&(seam.needs.as_str(), seam.provides.as_str()))
        {
            problems.push(Problem::new(
                CHECK,
                format!(
                    "{}/src/seams.rs answers {}::{} with {}::{} ({}), but no `connects` goes from `{}` to `{}`",
                    facts.phase,
                    seam.needs,
                    seam.trait_name,
                    seam.provides,
                    seam.facade,
                    seam.adapter,
                    modules[seam.needs.as_str()].unique_id,
                    modules[seam.provides.as_str()].unique_id
                ),
            ));
        }
    }
    // The app's own edges to its modules: the facades it holds.
    for app in doc.nodes.iter().filter(|node| is_running_code(node)) {
        let held: BTreeSet<&str> = facts
            .facades
            .keys()
            .map(String::as_str)
            .filter(|name| {
                modules.get(name).is_some_and(|module| {
                    running_owner(doc, &module.unique_id)
                        .is_some_and(|owner| owner.unique_id == app.unique_id)
                })
            })
            .collect();
        if held.is_empty() {
            continue;
        }
        let reached: BTreeSet<&str> = doc
            .connections()
            .filter(|(_, connects)| connects.source.node == app.unique_id)
            .filter_map(|(_, connects)| doc.node(&connects.destination.node))
            .filter(|target| is_module(doc, target))
            .filter_map(Node::cargo_package)
            .collect();
        for name in held.difference(&reached) {
            problems.push(Problem::new(
                CHECK,
                format!(
                    "the app holds {name}'s facade {} in AppState, but `{}` has no `connects` to `{}`",
                    facts.facades[*name], app.unique_id, modules[name].unique_id
                ),
            ));
        }
        for name in reached.difference(&held) {
            problems.push(Problem::new(
                CHECK,
                format!(
                    "`{}` connects to module `{}`, but the app holds no facade of crate `{name}` in AppState",
                    app.unique_id, modules[name].unique_id
                ),
            ));
        }
    }
    // A dependency between module crates without a seam is for types only.
    for package in facts
        .packages
        .iter()
        .filter(|package| modules.contains_key(package.name.as_str()))
    {
        for dependency in &package.path_dependencies {
            let Some(facade) = facts.facades.get(dependency) else {
                continue;
            };
            if !modules.contains_key(dependency.as_str())
                || wired.contains(&(package.name.as_str(), dependency.as_str()))
            {
                continue;
            }
            match crate::code::names_type(&package.dir.join("src"), facade) {
                Ok(false) => {}
                Ok(true) => problems.push(Problem::new(
                    CHECK,
                    format!(
                        "crate `{}` names `{dependency}`'s facade {facade}: a call between modules that no seam in src/seams.rs wires",
                        package.name
                    ),
                )),
                Err(error) => problems.push(Problem::new(CHECK, format!("{error:#}"))),
            }
        }
    }
    problems
}

/// Only the modules whose schema the app migrates and attaches (`MODULE_SCHEMAS`) reach the
/// database; a module without one (stats, ADR 0008) reads through another module's facade.
pub fn data_owners(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    const CHECK: &str = "data-owners";
    let modules = module_nodes(doc);
    let Some(owners) = &facts.data_modules else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (name, module) in &modules {
        let databases: Vec<(&str, &str)> = doc
            .connections()
            .filter(|(_, connects)| connects.source.node == module.unique_id)
            .filter(|(_, connects)| {
                doc.node(&connects.destination.node)
                    .is_some_and(|target| target.node_type == NodeType::Database)
            })
            .map(|(relationship, connects)| {
                (
                    relationship.unique_id.as_str(),
                    connects.destination.node.as_str(),
                )
            })
            .collect();
        let owns = owners.contains(*name);
        for (relationship, database) in &databases {
            if !owns {
                problems.push(Problem::new(
                    CHECK,
                    format!(
                        "`{relationship}` connects module `{}` to database `{database}`, but {}/src names no schema of crate `{name}` in MODULE_SCHEMAS: it owns no data",
                        module.unique_id, facts.phase
                    ),
                ));
            }
        }
        if owns && databases.is_empty() {
            problems.push(Problem::new(
                CHECK,
                format!(
                    "crate `{name}`'s schema is in MODULE_SCHEMAS, but module `{}` has no `connects` to a database",
                    module.unique_id
                ),
            ));
        }
    }
    problems
}

/// The facts about the binary `node` runs, or the problem that there are none.
fn binary_facts<'a>(
    facts: &'a PhaseFacts,
    node: &Node,
    check: &'static str,
    problems: &mut Vec<Problem>,
) -> Option<(&'a str, &'a BinaryFacts)> {
    let binary = node.cargo_bin()?;
    match facts.binaries.get_key_value(binary) {
        Some((name, binary_facts)) => Some((name.as_str(), binary_facts)),
        None => {
            problems.push(Problem::new(
                check,
                format!(
                    "nothing is known about what binary `{binary}` (node `{}`) reads: add it to tools/calm/tests/support/binaries.rs",
                    node.unique_id
                ),
            ));
            None
        }
    }
}

/// `TASK_SERVICE_URL` → `task-service`: the binary an upstream setting points at.
pub fn service_of_variable(variable: &str) -> Option<String> {
    let service = variable.strip_suffix("_SERVICE_URL")?;
    Some(format!(
        "{}-service",
        service.to_lowercase().replace('_', "-")
    ))
}

/// Each running node's `connects` to other services are exactly the `*_SERVICE_URL` settings
/// its binary reads, and it connects to a database exactly when its binary reads
/// `DATABASE_URL`. What a binary reads is observed by calling its settings code.
pub fn settings(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    const CHECK: &str = "settings";
    let mut problems = Vec::new();
    for node in doc.nodes.iter().filter(|node| is_running_code(node)) {
        let Some((binary, read)) = binary_facts(facts, node, CHECK, &mut problems) else {
            continue;
        };
        let id = &node.unique_id;
        let settings: BTreeMap<String, &str> = read
            .variables
            .iter()
            .filter_map(|variable| Some((service_of_variable(variable)?, variable.as_str())))
            .collect();
        let calls = calls_to_binaries(doc, node);
        for (service, relationship) in &calls {
            if !settings.contains_key(*service) {
                problems.push(Problem::new(
                    CHECK,
                    format!(
                        "`{relationship}` connects `{id}` to {service}, but binary `{binary}` reads no {}_SERVICE_URL",
                        service.trim_end_matches("-service").to_uppercase().replace('-', "_")
                    ),
                ));
            }
        }
        for (service, variable) in &settings {
            if !calls.contains_key(service.as_str()) {
                problems.push(Problem::new(
                    CHECK,
                    format!(
                        "binary `{binary}` reads {variable}, but node `{id}` has no `connects` to a node running `{service}`"
                    ),
                ));
            }
        }
        let reads_database = read.variables.contains("DATABASE_URL");
        match (reads_database, has_database(doc, node)) {
            (true, false) => problems.push(Problem::new(
                CHECK,
                format!("binary `{binary}` reads DATABASE_URL, but node `{id}` has no `connects` to a database"),
            )),
            (false, true) => problems.push(Problem::new(
                CHECK,
                format!("node `{id}` connects to a database, but binary `{binary}` reads no DATABASE_URL"),
            )),
            _ => {}
        }
    }
    problems
}

/// A gateway's `connects` to services are exactly the services its routing table forwards to.
pub fn routing_table(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    const CHECK: &str = "routing-table";
    let mut problems = Vec::new();
    for node in doc.nodes.iter().filter(|node| is_running_code(node)) {
        let Some(read) = node
            .cargo_bin()
            .and_then(|binary| facts.binaries.get(binary))
        else {
            continue; // reported by `settings`
        };
        if read.routes_to.is_empty() {
            continue;
        }
        let calls = calls_to_binaries(doc, node);
        for (service, relationship) in &calls {
            if !read.routes_to.contains(*service) {
                problems.push(Problem::new(
                    CHECK,
                    format!(
                        "`{relationship}` connects `{}` to {service}, but its routing table forwards nothing there",
                        node.unique_id
                    ),
                ));
            }
        }
        for service in &read.routes_to {
            if !calls.contains_key(service.as_str()) {
                problems.push(Problem::new(
                    CHECK,
                    format!(
                        "the routing table of `{}` forwards to {service}, but the node has no `connects` to it",
                        node.unique_id
                    ),
                ));
            }
        }
    }
    problems
}

/// A value that points a process at a database, whatever the engine.
fn is_database_url(value: &str) -> bool {
    ["sqlite:", "postgres://", "postgresql://"]
        .iter()
        .any(|scheme| value.starts_with(scheme))
}

/// A node the document gives no database gets no database URL from any deployment either:
/// not `DATABASE_URL`, and no variable holding a database URL, SQLite included.
pub fn no_database(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    const CHECK: &str = "no-database";
    let file = &facts.compose_file;
    let mut problems = Vec::new();
    for node in doc
        .nodes
        .iter()
        .filter(|node| is_running_code(node) && !has_database(doc, node))
    {
        let Some((host, service)) = node
            .host_port()
            .and_then(|(host, _)| Some((host, facts.compose.get(host)?)))
        else {
            continue;
        };
        for (variable, value) in &service.environment {
            if variable == "DATABASE_URL" || is_database_url(value) {
                problems.push(Problem::new(
                    CHECK,
                    format!(
                        "node `{}` has no database, but service `{host}` in {file} sets {variable}={value}",
                        node.unique_id
                    ),
                ));
            }
        }
    }
    problems
}

/// The `config` of a control's first requirement that has one.
fn control_config<'a>(controls: &'a Controls, id: &str) -> Option<Option<&'a Map<String, Value>>> {
    let control = controls.get(id)?;
    Some(
        control
            .requirements
            .iter()
            .find_map(|requirement| requirement.config.as_ref()),
    )
}

/// How `declared` differs from what the code enforces, one phrase per key.
fn config_differences(declared: &Map<String, Value>, code: &Map<String, Value>) -> Vec<String> {
    let keys: BTreeSet<&String> = declared.keys().chain(code.keys()).collect();
    keys.into_iter()
        .filter_map(|key| match (declared.get(key), code.get(key)) {
            (Some(said), Some(is)) if said != is => Some(format!(
                "`{key}` is {said} in the document, {is} in the code"
            )),
            (None, Some(is)) => Some(format!("`{key}` is missing (the code has {is})")),
            (Some(said), None) => Some(format!("`{key}` ({said}) is nothing the code has")),
            _ => None,
        })
        .collect()
}

/// Compares one declared control with the code's; `place` names where it sits.
fn compare_control(
    controls: &Controls,
    id: &str,
    code: &Map<String, Value>,
    place: &str,
    binary: &str,
    problems: &mut Vec<Problem>,
) {
    const CHECK: &str = "controls";
    match control_config(controls, id) {
        None => problems.push(Problem::new(
            CHECK,
            format!("binary `{binary}` enforces `{id}`, but {place} declares no such control"),
        )),
        Some(None) => problems.push(Problem::new(
            CHECK,
            format!("control `{id}` on {place} has no inline `config` to compare with the code"),
        )),
        Some(Some(declared)) => {
            let differences = config_differences(declared, code);
            if !differences.is_empty() {
                problems.push(Problem::new(
                    CHECK,
                    format!(
                        "control `{id}` on {place} disagrees with binary `{binary}`: {}",
                        differences.join("; ")
                    ),
                ));
            }
        }
    }
}

/// Every control the code enforces is declared where it belongs with the configuration the
/// code has, and every declared control is one the code enforces there.
pub fn controls(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    const CHECK: &str = "controls";
    let mut problems = Vec::new();
    let mut declared_on_calls: BTreeSet<(&str, &str)> = BTreeSet::new();
    for node in doc.nodes.iter().filter(|node| is_running_code(node)) {
        let Some(read) = node
            .cargo_bin()
            .and_then(|binary| facts.binaries.get(binary))
        else {
            continue; // reported by `settings`
        };
        let binary = node.cargo_bin().unwrap_or_default();
        let id = &node.unique_id;
        for (control, enforced) in &read.controls {
            match &enforced.scope {
                ControlScope::Document => {
                    compare_control(
                        &doc.controls,
                        control,
                        &enforced.config,
                        "the document",
                        binary,
                        &mut problems,
                    );
                }
                ControlScope::Node => compare_control(
                    &node.controls,
                    control,
                    &enforced.config,
                    &format!("node `{id}`"),
                    binary,
                    &mut problems,
                ),
                ControlScope::Calls(targets) => {
                    let calls = calls_to_binaries(doc, node);
                    for target in targets {
                        let Some(relationship_id) = calls.get(target.as_str()) else {
                            continue; // a missing edge is reported by `settings`
                        };
                        declared_on_calls.insert((*relationship_id, control.as_str()));
                        if let Some(relationship) = doc.relationship(relationship_id) {
                            compare_control(
                                &relationship.controls,
                                control,
                                &enforced.config,
                                &format!("relationship `{relationship_id}`"),
                                binary,
                                &mut problems,
                            );
                        }
                    }
                }
            }
        }
        for control in node.controls.keys() {
            if read.controls.get(control).map(|enforced| &enforced.scope)
                != Some(&ControlScope::Node)
            {
                problems.push(Problem::new(
                    CHECK,
                    format!("node `{id}` declares control `{control}`, which binary `{binary}` does not enforce"),
                ));
            }
        }
    }
    for relationship in &doc.relationships {
        for control in relationship.controls.keys() {
            if !declared_on_calls.contains(&(relationship.unique_id.as_str(), control.as_str())) {
                problems.push(Problem::new(
                    CHECK,
                    format!(
                        "relationship `{}` declares control `{control}`, which its caller's binary does not enforce on that call",
                        relationship.unique_id
                    ),
                ));
            }
        }
    }
    // Our own processes; a pulled image (Jaeger...) promises nothing of ours.
    let running: Vec<&Node> = doc
        .nodes
        .iter()
        .filter(|node| is_running_code(node) && node.cargo_bin().is_some())
        .collect();
    for control in doc.controls.keys() {
        for node in &running {
            let enforced = node
                .cargo_bin()
                .and_then(|binary| facts.binaries.get(binary))
                .and_then(|read| read.controls.get(control));
            if !matches!(enforced, Some(enforced) if enforced.scope == ControlScope::Document) {
                problems.push(Problem::new(
                    CHECK,
                    format!(
                        "the document declares control `{control}` for the whole system, but node `{}`'s binary does not enforce it",
                        node.unique_id
                    ),
                ));
            }
        }
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
