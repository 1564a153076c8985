//! Fitness tests: every spec in calm-specs/ describes the system its phase really runs.
//!
//! `every_spec_matches_its_phase` runs all checks for every spec that exists, so the specs of
//! phases 02 and 03 are held to their compose files and crates as soon as they are added. The
//! other tests plant one mistake each, on the spec side or on the system side, and expect the
//! named check to report it: a check that accepts everything cannot hide here.

#[path = "support/binaries.rs"]
mod binaries;
mod support;

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use calm::fitness;
use calm::model::{Architecture, RelationshipType};
use calm::problem::{Problem, report};
use calm::repository_root;
use calm::system::{BinaryFacts, ComposeService, Package, PhaseFacts};
use support::{assert_reported, connects, monolith_spec, node, relationship};

/// What every binary reads and enforces, observed once (support/binaries.rs).
fn binary_facts() -> BTreeMap<String, BinaryFacts> {
    static BINARIES: OnceLock<BTreeMap<String, BinaryFacts>> = OnceLock::new();
    BINARIES.get_or_init(binaries::all).clone()
}

/// A phase's facts, read once per phase: `cargo metadata` is the slow part.
fn facts(phase: &str) -> PhaseFacts {
    static FACTS: OnceLock<Mutex<BTreeMap<String, PhaseFacts>>> = OnceLock::new();
    let mut cache = FACTS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache
        .entry(phase.to_owned())
        .or_insert_with(|| {
            let mut facts =
                PhaseFacts::load(&repository_root(), phase).unwrap_or_else(|e| panic!("{e:#}"));
            facts.binaries = binary_facts();
            facts
        })
        .clone()
}

fn monolith_facts() -> PhaseFacts {
    facts("01-monolith")
}

/// All fitness problems of a (possibly altered) phase 01 spec against (possibly altered) facts.
fn check(doc: &Architecture, facts: &PhaseFacts) -> Vec<Problem> {
    fitness::check(doc, facts)
}

#[test]
fn every_spec_matches_its_phase() {
    for spec in support::specs() {
        let problems = fitness::check(&spec.doc, &facts(&spec.phase));
        assert!(
            problems.is_empty(),
            "{} disagrees with {}/ (fix the spec or the system):\n{}",
            spec.path.display(),
            spec.phase,
            report(&problems)
        );
    }
}

#[test]
fn phase_01_is_read_as_expected() {
    let facts = monolith_facts();
    assert_eq!(
        facts.compose.keys().collect::<Vec<_>>(),
        ["app", "db", "grafana", "jaeger", "prometheus"]
    );
    let app = &facts.compose["app"];
    assert_eq!(app.container_ports, [8000]);
    assert_eq!(app.environment["PORT"], "8000");
    let monolith = facts
        .package_with_binary("monolith")
        .expect("the monolith binary");
    assert_eq!(monolith.default_port, Some(8000));
}

// --- spec side ----------------------------------------------------------------------------------

#[test]
fn a_changed_port_in_the_spec_fails_the_ports_check() {
    let mut doc = monolith_spec().doc;
    let spec_json = serde_json::json!({"unique-id": "monolith-http", "host": "app", "port": 8080});
    doc.nodes[2].interfaces = vec![serde_json::from_value(spec_json).expect("an interface")];
    let problems = check(&doc, &monolith_facts());
    assert_reported(&problems, "ports", "exposes container port(s) [8000]");
    assert_reported(&problems, "ports", "sets PORT=8000");
    assert_reported(&problems, "ports", "defaults to DEFAULT_PORT = 8000");
}

#[test]
fn an_extra_service_node_fails_the_compose_and_binary_checks() {
    let mut doc = monolith_spec().doc;
    doc.nodes.push(node(serde_json::json!({
        "unique-id": "mailer-service", "node-type": "service", "name": "Mailer", "description": "x",
        "interfaces": [{"unique-id": "mailer-http", "host": "mailer", "port": 8005}],
        "metadata": {"cargo-bin": "mailer"}
    })));
    doc.relationships.push(connects(
        "monolith-to-mailer",
        "monolith-service",
        "mailer-service",
    ));
    let problems = check(&doc, &monolith_facts());
    assert_reported(&problems, "compose-services", "has no service `mailer`");
    assert_reported(&problems, "binaries", "runs binary `mailer`");
    assert_reported(&problems, "upstream-urls", "connects to mailer:8005");
}

#[test]
fn a_service_node_without_an_interface_fails_the_compose_check() {
    let mut doc = monolith_spec().doc;
    doc.nodes[2].interfaces.clear();
    assert_reported(
        &check(&doc, &monolith_facts()),
        "compose-services",
        "node `monolith-service` has no interface",
    );
}

#[test]
fn two_services_on_one_database_fail_the_database_per_service_check() {
    let mut doc = monolith_spec().doc;
    doc.nodes.push(node(serde_json::json!({
        "unique-id": "stats-service", "node-type": "service", "name": "Stats", "description": "x",
        "interfaces": [{"unique-id": "stats-http", "host": "stats", "port": 8003}],
        "metadata": {"cargo-bin": "stats-service"}
    })));
    doc.relationships
        .push(connects("stats-to-db", "stats-service", "tasktracker-db"));
    assert_reported(
        &fitness::database_per_service(&doc),
        "database-per-service",
        "`tasktracker-db` is used by 2 services (monolith-service, stats-service)",
    );
}

#[test]
fn a_missing_database_connection_fails_the_database_url_check() {
    let mut doc = monolith_spec().doc;
    doc.relationships
        .retain(|relationship| relationship.unique_id != "monolith-to-db");
    assert_reported(
        &check(&doc, &monolith_facts()),
        "database-urls",
        "gives node `monolith-service` a postgres URL for db:5432",
    );
}

#[test]
fn a_module_without_its_crate_fails_the_modules_check() {
    let mut doc = monolith_spec().doc;
    doc.nodes.push(node(serde_json::json!({
        "unique-id": "billing-module", "node-type": "module", "name": "Billing", "description": "x",
        "metadata": {"cargo-package": "billing"}
    })));
    doc.relationships.push(relationship(serde_json::json!({
        "unique-id": "monolith-modules",
        "relationship-type": {"composed-of": {"container": "monolith-service", "nodes": ["billing-module"]}}
    })));
    let mut facts = monolith_facts();
    facts
        .packages
        .push(package("identity", "modules/identity", &[]));
    let problems = check(&doc, &facts);
    assert_reported(
        &problems,
        "modules",
        "is crate `billing`, but 01-monolith/modules/ has no crate",
    );
    assert_reported(
        &problems,
        "modules",
        "crate `identity` in 01-monolith/modules/ is not a module node",
    );
}

// --- system side -------------------------------------------------------------------------------

#[test]
fn a_changed_port_in_compose_fails_the_ports_check() {
    let mut facts = monolith_facts();
    let app = facts.compose.get_mut("app").expect("service app");
    app.container_ports = vec![9000];
    app.environment.insert("PORT".into(), "9000".into());
    let problems = check(&monolith_spec().doc, &facts);
    assert_reported(&problems, "ports", "exposes container port(s) [9000]");
    assert_reported(&problems, "ports", "sets PORT=9000");
}

#[test]
fn a_changed_default_port_in_the_code_fails_the_ports_check() {
    let mut facts = monolith_facts();
    for package in &mut facts.packages {
        package.default_port = Some(3000);
    }
    assert_reported(
        &check(&monolith_spec().doc, &facts),
        "ports",
        "defaults to DEFAULT_PORT = 3000",
    );
}

#[test]
fn a_compose_service_without_a_node_fails_the_compose_check() {
    let mut facts = monolith_facts();
    facts.compose.insert(
        "worker".into(),
        ComposeService {
            builds_from_source: true,
            ..ComposeService::default()
        },
    );
    assert_reported(
        &check(&monolith_spec().doc, &facts),
        "compose-services",
        "runs service `worker`, but no CALM node",
    );
}

#[test]
fn a_binary_without_a_node_fails_the_binary_check() {
    let mut facts = monolith_facts();
    facts
        .packages
        .push(package("worker", "worker", &["worker"]));
    assert_reported(
        &check(&monolith_spec().doc, &facts),
        "binaries",
        "builds binary `worker`, but no CALM node runs it",
    );
}

#[test]
fn an_upstream_url_without_a_connection_fails_the_upstream_check() {
    let mut facts = monolith_facts();
    facts
        .compose
        .insert("tasks".into(), ComposeService::default());
    let app = facts.compose.get_mut("app").expect("service app");
    app.environment
        .insert("TASK_SERVICE_URL".into(), "http://tasks:8002".into());
    assert_reported(
        &check(&monolith_spec().doc, &facts),
        "upstream-urls",
        "a http URL for tasks:8002, but the node has no `connects`",
    );
}

#[test]
fn a_database_url_to_another_host_fails_the_database_url_check() {
    let mut facts = monolith_facts();
    let app = facts.compose.get_mut("app").expect("service app");
    app.environment.insert(
        "DATABASE_URL".into(),
        "postgres://tasktracker:tasktracker@db:6543/tasktracker".into(),
    );
    let problems = check(&monolith_spec().doc, &facts);
    assert_reported(
        &problems,
        "database-urls",
        "connects to db:5432, but its service",
    );
    assert_reported(&problems, "database-urls", "a postgres URL for db:6543");
}

// --- the observability tools: third-party images, traces out, metrics scraped ---------------

/// The phase 01 spec with one node's `metadata.image` replaced (`None` removes it).
fn with_image(node_id: &str, image: Option<&str>) -> Architecture {
    let mut doc = monolith_spec().doc;
    let node = doc
        .nodes
        .iter_mut()
        .find(|node| node.unique_id == node_id)
        .expect("the node");
    let metadata = node.metadata.as_mut().expect("metadata");
    match image {
        Some(image) => metadata.other.insert("image".into(), image.into()),
        None => metadata.other.remove("image"),
    };
    doc
}

#[test]
fn a_node_naming_another_image_than_compose_fails_the_images_check() {
    let doc = with_image("jaeger", Some("jaegertracing/all-in-one:latest"));
    assert_reported(
        &check(&doc, &monolith_facts()),
        "images",
        "node `jaeger` says image `jaegertracing/all-in-one:latest`, but service `jaeger` in 01-monolith/docker-compose.yml runs `jaegertracing/jaeger:2.21.0`",
    );
}

#[test]
fn a_third_party_node_without_its_image_is_taken_for_our_code() {
    let problems = check(&with_image("prometheus", None), &monolith_facts());
    assert_reported(
        &problems,
        "images",
        "runs image `prom/prometheus:v3.13.1`, but node `prometheus` does not say so",
    );
    assert_reported(
        &problems,
        "binaries",
        "node `prometheus` does not say which binary it runs",
    );
}

#[test]
fn our_service_claiming_an_image_fails_the_images_check() {
    let doc = with_image("monolith-service", Some("tasktracker/monolith:1"));
    assert_reported(
        &check(&doc, &monolith_facts()),
        "images",
        "node `monolith-service` says image `tasktracker/monolith:1`, but service `app` in 01-monolith/docker-compose.yml is built from source",
    );
}

#[test]
fn a_forgotten_trace_export_fails_the_upstream_check() {
    let mut doc = monolith_spec().doc;
    doc.relationships
        .retain(|relationship| relationship.unique_id != "monolith-to-jaeger");
    assert_reported(
        &check(&doc, &monolith_facts()),
        "upstream-urls",
        "gives node `monolith-service` a http URL for jaeger:4318, but the node has no `connects`",
    );
}

#[test]
fn prometheus_scraping_the_api_port_fails_the_upstream_check() {
    let mut doc = monolith_spec().doc;
    for relationship in &mut doc.relationships {
        if relationship.unique_id == "prometheus-to-monolith"
            && let RelationshipType::Connects(connects) = &mut relationship.relationship_type
        {
            connects.destination.interfaces = vec!["monolith-http".into()];
        }
    }
    let problems = check(&doc, &monolith_facts());
    assert_reported(
        &problems,
        "upstream-urls",
        "node `prometheus` connects to app:8000, but its service",
    );
    assert_reported(
        &problems,
        "upstream-urls",
        "mounts into node `prometheus` scrapes app:9000, but the node has no `connects`",
    );
}

#[test]
fn grafana_without_its_data_source_urls_fails_the_upstream_check() {
    let mut facts = monolith_facts();
    let grafana = facts.compose.get_mut("grafana").expect("service grafana");
    grafana.environment.remove("PROMETHEUS_URL");
    assert_reported(
        &check(&monolith_spec().doc, &facts),
        "upstream-urls",
        "node `grafana` connects to prometheus:9090, but its service in 01-monolith/docker-compose.yml has no http URL",
    );
}

#[test]
fn a_metrics_interface_off_the_metrics_port_fails_the_ports_check() {
    let mut facts = monolith_facts();
    let app = facts.compose.get_mut("app").expect("service app");
    app.environment.insert("METRICS_PORT".into(), "9100".into());
    assert_reported(
        &check(&monolith_spec().doc, &facts),
        "ports",
        "node `monolith-service` has interface `monolith-metrics` on port 9000, but its service in 01-monolith/docker-compose.yml serves the API on 8000 and /metrics on 9100",
    );
}

#[test]
fn a_scrape_target_without_a_connection_fails_the_upstream_check() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        "scrape_configs:\n  - job_name: monolith\n    static_configs:\n      - targets: [\"app:9000\", \"db:9187\"]\n",
    )
    .expect("write the configuration");
    let mut facts = monolith_facts();
    let prometheus = facts
        .compose
        .get_mut("prometheus")
        .expect("service prometheus");
    prometheus.bind_mounts = vec![(
        config.display().to_string(),
        "/etc/prometheus/prometheus.yml".into(),
    )];
    assert_reported(
        &check(&monolith_spec().doc, &facts),
        "upstream-urls",
        "mounts into node `prometheus` scrapes db:9187, but the node has no `connects`",
    );
}

#[test]
fn phase_03_every_process_is_scraped_and_exports_traces() {
    let doc = support::spec("03-microservices").doc;
    let facts = facts("03-microservices");
    let scraped = &facts.compose["prometheus"];
    assert!(
        scraped
            .bind_mounts
            .iter()
            .any(|(_, target)| target == "/etc/prometheus/prometheus.yml"),
        "{scraped:?}"
    );
    let mut without = doc.clone();
    without
        .relationships
        .retain(|relationship| relationship.unique_id != "prometheus-to-task-service");
    assert_reported(
        &check(&without, &facts),
        "upstream-urls",
        "scrapes task-service:9002, but the node has no `connects`",
    );
    assert!(
        check(&doc, &facts).is_empty(),
        "{}",
        report(&check(&doc, &facts))
    );
}

// --- phases 02 and 03: the same checks on their own specs -------------------------------------

#[test]
fn phase_02_a_module_missing_from_the_system_fails_the_modules_check() {
    let mut doc = support::spec("02-modular-monolith").doc;
    for relationship in &mut doc.relationships {
        if let RelationshipType::ComposedOf(containment) = &mut relationship.relationship_type {
            containment.nodes.retain(|node| node != "stats-module");
        }
    }
    assert_reported(
        &check(&doc, &facts("02-modular-monolith")),
        "modules",
        "crate `stats` in 02-modular-monolith/modules/ is not a module node",
    );
}

#[test]
fn phase_03_stats_on_the_tasks_database_fails_database_per_service() {
    let mut doc = support::spec("03-microservices").doc;
    doc.relationships
        .push(connects("stats-to-task-db", "stats-service", "task-db"));
    let problems = check(&doc, &facts("03-microservices"));
    assert_reported(
        &problems,
        "database-per-service",
        "`task-db` is used by 2 services (stats-service, task-service)",
    );
    assert_reported(
        &problems,
        "database-urls",
        "node `stats-service` connects to task-db:5432",
    );
}

#[test]
fn phase_03_a_forgotten_service_call_fails_the_upstream_check() {
    let mut doc = support::spec("03-microservices").doc;
    doc.relationships
        .retain(|relationship| relationship.unique_id != "stats-to-task-service");
    assert_reported(
        &check(&doc, &facts("03-microservices")),
        "upstream-urls",
        "gives node `stats-service` a http URL for task-service:8002",
    );
}

#[test]
fn phase_03_a_changed_service_port_in_compose_fails_the_ports_check() {
    let mut facts = facts("03-microservices");
    let tasks = facts
        .compose
        .get_mut("task-service")
        .expect("service task-service");
    tasks.environment.insert("PORT".into(), "9002".into());
    let problems = check(&support::spec("03-microservices").doc, &facts);
    assert_reported(
        &problems,
        "ports",
        "service `task-service` in 03-microservices/docker-compose.yml sets PORT=9002",
    );
}

/// A crate of the phase, at `<phase>/<folder>`.
fn package(name: &str, folder: &str, binaries: &[&str]) -> Package {
    Package {
        name: name.into(),
        dir: repository_root().join("01-monolith").join(folder),
        binaries: binaries.iter().map(|binary| (*binary).to_owned()).collect(),
        has_library: binaries.is_empty(),
        default_port: None,
        path_dependencies: Vec::new(),
    }
}

// --- edges held to the code ---------------------------------------------------------------------

fn modular_monolith() -> (Architecture, PhaseFacts) {
    (
        support::spec("02-modular-monolith").doc,
        facts("02-modular-monolith"),
    )
}

fn microservices() -> (Architecture, PhaseFacts) {
    (
        support::spec("03-microservices").doc,
        facts("03-microservices"),
    )
}

#[test]
fn phase_02_seams_and_data_owners_are_read_from_the_code() {
    let facts = facts("02-modular-monolith");
    let seams: Vec<(&str, &str, &str)> = facts
        .seams
        .iter()
        .map(|seam| {
            (
                seam.needs.as_str(),
                seam.trait_name.as_str(),
                seam.provides.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seams,
        [
            ("stats", "TaskCounts", "tasks"),
            ("tasks", "UserDirectory", "identity")
        ]
    );
    assert_eq!(
        facts.data_modules,
        Some(["identity", "tasks"].map(String::from).into())
    );
    assert_eq!(facts.facades["tasks"], "TasksApi");
    // stats depends on the tasks crate, but for types only: no seam goes that way round.
    let stats = facts
        .packages
        .iter()
        .find(|package| package.name == "stats")
        .expect("the stats crate");
    assert!(stats.path_dependencies.contains(&"tasks".to_owned()));
}

/// Drift from issue 18: a `connects` from the stats module to the database (ADR 0008).
#[test]
fn phase_02_the_stats_module_on_the_database_fails_data_owners() {
    let (mut doc, facts) = modular_monolith();
    doc.relationships
        .push(connects("stats-to-db", "stats-module", "tasktracker-db"));
    assert_reported(
        &check(&doc, &facts),
        "data-owners",
        "`stats-to-db` connects module `stats-module` to database `tasktracker-db`",
    );
}

#[test]
fn phase_02_an_edge_without_a_seam_and_a_seam_without_an_edge_fail() {
    let (mut doc, facts) = modular_monolith();
    doc.relationships
        .retain(|relationship| relationship.unique_id != "tasks-to-identity");
    doc.relationships.push(connects(
        "identity-to-tasks",
        "identity-module",
        "tasks-module",
    ));
    let problems = check(&doc, &facts);
    assert_reported(
        &problems,
        "seams",
        "answers tasks::UserDirectory with identity::IdentityApi (IdentityAsUserDirectory), but no `connects` goes from `tasks-module` to `identity-module`",
    );
    assert_reported(
        &problems,
        "seams",
        "wires no seam from crate `identity` to crate `tasks`",
    );
}

#[test]
fn phase_02_a_type_only_dependency_is_not_an_edge() {
    // stats depends on the tasks crate for TaskCount, TaskStatus, Priority: with the seam
    // gone from the code, the edge that remains is a type dependency drawn as a call.
    let (doc, mut facts) = modular_monolith();
    facts.seams.retain(|seam| seam.needs != "stats");
    assert_reported(
        &check(&doc, &facts),
        "seams",
        "`stats-to-tasks` connects module `stats-module` to `tasks-module`, but 02-modular-monolith/src/seams.rs wires no seam",
    );
}

#[test]
fn phase_02_a_module_naming_another_modules_facade_fails() {
    // Planted on the code side: were TaskCount the tasks facade, the stats crate (which names
    // it) would call the tasks module past the seams.
    let (doc, mut facts) = modular_monolith();
    facts.seams.retain(|seam| seam.needs != "stats");
    facts.facades.insert("tasks".into(), "TaskCount".into());
    assert_reported(
        &check(&doc, &facts),
        "seams",
        "crate `stats` names `tasks`'s facade TaskCount",
    );
}

#[test]
fn phase_02_an_app_edge_without_a_facade_fails() {
    let (doc, mut facts) = modular_monolith();
    facts.facades.remove("stats");
    assert_reported(
        &check(&doc, &facts),
        "seams",
        "connects to module `stats-module`, but the app holds no facade of crate `stats`",
    );
}

#[test]
fn phase_03_settings_and_routes_are_read_from_the_binaries() {
    let binaries = binary_facts();
    let stats = &binaries["stats-service"];
    assert!(stats.variables.contains("TASK_SERVICE_URL"));
    assert!(!stats.variables.contains("DATABASE_URL"));
    assert!(binaries["task-service"].variables.contains("DATABASE_URL"));
    assert_eq!(
        binaries["api-gateway"].routes_to,
        ["stats-service", "task-service", "user-service"]
            .map(String::from)
            .into()
    );
    assert!(!binaries["api-gateway"].variables.contains("JWT_SECRET"));
}

/// Drift from issue 18: a SQLite `DATABASE_URL` for stats-service, which owns no data.
#[test]
fn phase_03_a_sqlite_database_url_for_stats_fails_no_database() {
    let (doc, mut facts) = microservices();
    facts
        .compose
        .get_mut("stats-service")
        .expect("service stats-service")
        .environment
        .insert("DATABASE_URL".into(), "sqlite:///data/stats.sqlite3".into());
    assert_reported(
        &check(&doc, &facts),
        "no-database",
        "node `stats-service` has no database, but service `stats-service` in 03-microservices/docker-compose.yml sets DATABASE_URL=sqlite:",
    );
}

#[test]
fn phase_03_a_binary_that_reads_a_database_url_needs_its_database() {
    let (doc, mut facts) = microservices();
    facts
        .binaries
        .get_mut("stats-service")
        .expect("stats-service")
        .variables
        .insert("DATABASE_URL".into());
    assert_reported(
        &check(&doc, &facts),
        "settings",
        "binary `stats-service` reads DATABASE_URL, but node `stats-service` has no `connects` to a database",
    );
}

#[test]
fn phase_03_an_edge_without_its_setting_and_a_setting_without_its_edge_fail() {
    let (mut doc, mut facts) = microservices();
    doc.relationships.push(connects(
        "stats-to-user-service",
        "stats-service",
        "user-service",
    ));
    facts
        .binaries
        .get_mut("stats-service")
        .expect("stats-service")
        .variables
        .remove("TASK_SERVICE_URL");
    let problems = check(&doc, &facts);
    assert_reported(
        &problems,
        "settings",
        "`stats-to-user-service` connects `stats-service` to user-service, but binary `stats-service` reads no USER_SERVICE_URL",
    );
    assert_reported(
        &problems,
        "settings",
        "`stats-to-task-service` connects `stats-service` to task-service, but binary `stats-service` reads no TASK_SERVICE_URL",
    );
}

#[test]
fn phase_03_the_gateway_edges_are_its_routing_table() {
    let (mut doc, mut facts) = microservices();
    doc.relationships
        .retain(|relationship| relationship.unique_id != "gateway-to-stats-service");
    facts
        .binaries
        .get_mut("api-gateway")
        .expect("api-gateway")
        .routes_to
        .remove("user-service");
    let problems = check(&doc, &facts);
    assert_reported(
        &problems,
        "routing-table",
        "the routing table of `api-gateway` forwards to stats-service, but the node has no `connects` to it",
    );
    assert_reported(
        &problems,
        "routing-table",
        "`gateway-to-user-service` connects `api-gateway` to user-service, but its routing table forwards nothing there",
    );
    assert_reported(
        &problems,
        "settings",
        "binary `api-gateway` reads STATS_SERVICE_URL, but node `api-gateway` has no `connects`",
    );
}

#[test]
fn a_binary_nobody_observed_fails_the_settings_check() {
    let (doc, mut facts) = microservices();
    facts.binaries.remove("user-service");
    assert_reported(
        &check(&doc, &facts),
        "settings",
        "nothing is known about what binary `user-service` (node `user-service`) reads",
    );
}

// --- controls -------------------------------------------------------------------------------------

/// The first requirement's config of control `id` on node `node` of `doc`.
fn node_control_config<'a>(
    doc: &'a mut Architecture,
    node: &str,
    id: &str,
) -> &'a mut serde_json::Map<String, serde_json::Value> {
    doc.nodes
        .iter_mut()
        .find(|candidate| candidate.unique_id == node)
        .and_then(|node| node.controls.get_mut(id))
        .and_then(|control| control.requirements[0].config.as_mut())
        .unwrap_or_else(|| panic!("node `{node}` has control `{id}` with a config"))
}

#[test]
fn phase_03_a_breaker_threshold_the_code_does_not_have_fails_the_controls_check() {
    let (mut doc, facts) = microservices();
    let relationship = doc
        .relationships
        .iter_mut()
        .find(|relationship| relationship.unique_id == "stats-to-task-service")
        .expect("stats-to-task-service");
    let config = relationship
        .controls
        .get_mut("resilient-calls")
        .and_then(|control| control.requirements[0].config.as_mut())
        .expect("resilient-calls with a config");
    let code =
        facts.binaries["stats-service"].controls["resilient-calls"].config["breaker-failures"]
            .clone();
    let planted = code.as_u64().expect("a number") + 1;
    config.insert("breaker-failures".into(), planted.into());
    assert_reported(
        &check(&doc, &facts),
        "controls",
        &format!("`breaker-failures` is {planted} in the document, {code} in the code"),
    );
}

#[test]
fn phase_03_a_changed_default_in_the_code_fails_the_controls_check() {
    let (doc, mut facts) = microservices();
    let gateway = facts.binaries.get_mut("api-gateway").expect("api-gateway");
    let limit = gateway
        .controls
        .get_mut("rate-limit")
        .expect("the gateway limits the rate");
    limit.config.insert("burst".into(), 1.into());
    assert_reported(
        &check(&doc, &facts),
        "controls",
        "control `rate-limit` on node `api-gateway` disagrees with binary `api-gateway`: `burst` is 400 in the document, 1 in the code",
    );
}

#[test]
fn phase_03_a_missing_and_a_misplaced_control_fail_the_controls_check() {
    let (mut doc, facts) = microservices();
    let task_service = doc
        .nodes
        .iter_mut()
        .find(|node| node.unique_id == "task-service")
        .expect("task-service");
    let jwt = task_service
        .controls
        .remove("jwt-authentication")
        .expect("task-service checks tokens");
    doc.nodes
        .iter_mut()
        .find(|node| node.unique_id == "api-gateway")
        .expect("api-gateway")
        .controls
        .insert("jwt-authentication".into(), jwt);
    let problems = check(&doc, &facts);
    assert_reported(
        &problems,
        "controls",
        "binary `task-service` enforces `jwt-authentication`, but node `task-service` declares no such control",
    );
    assert_reported(
        &problems,
        "controls",
        "node `api-gateway` declares control `jwt-authentication`, which binary `api-gateway` does not enforce",
    );
}

#[test]
fn every_phase_a_changed_control_config_fails() {
    for phase in ["01-monolith", "02-modular-monolith", "03-microservices"] {
        let mut doc = support::spec(phase).doc;
        let entry = doc
            .nodes
            .iter()
            .find(|node| node.controls.contains_key("body-limit"))
            .map(|node| node.unique_id.clone())
            .unwrap_or_else(|| panic!("{phase} declares a body limit"));
        node_control_config(&mut doc, &entry, "body-limit").insert("max-bytes".into(), 1.into());
        assert_reported(
            &check(&doc, &facts(phase)),
            "controls",
            "`max-bytes` is 1 in the document, 65536 in the code",
        );
        let mut doc = support::spec(phase).doc;
        let problem_details = doc
            .controls
            .get_mut("problem-details")
            .and_then(|control| control.requirements[0].config.as_mut())
            .unwrap_or_else(|| panic!("{phase} declares problem-details"));
        problem_details.insert("media-type".into(), "application/json".into());
        assert_reported(
            &check(&doc, &facts(phase)),
            "controls",
            "`media-type` is \"application/json\" in the document, \"application/problem+json\" in the code",
        );
    }
}
