//! Fitness tests: every spec in calm-specs/ describes the system its phase really runs.
//!
//! `every_spec_matches_its_phase` runs all checks for every spec that exists, so the specs of
//! phases 02 and 03 are held to their compose files and crates as soon as they are added. The
//! other tests plant one mistake each, on the spec side or on the system side, and expect the
//! named check to report it: a check that accepts everything cannot hide here.

mod support;

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use calm::fitness;
use calm::model::{Architecture, RelationshipType};
use calm::problem::{Problem, report};
use calm::repository_root;
use calm::system::{ComposeService, Package, PhaseFacts};
use support::{assert_reported, connects, monolith_spec, node, relationship};

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
            PhaseFacts::load(&repository_root(), phase).unwrap_or_else(|e| panic!("{e:#}"))
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
    }
}
