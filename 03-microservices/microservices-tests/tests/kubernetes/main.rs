//! Fitness tests for phase 03 on Kubernetes (`03-microservices/k8s`): the manifests held to
//! the code, to compose and to the CALM document, with no cluster (there is none here).
//!
//! Every overlay is rendered with `kubectl kustomize` (`render`), then checked:
//! - `workloads`: the same services as compose and the Cargo binaries, with compose's ports,
//!   variables and images; liveness and readiness on the right paths; task-service scaled
//!   by an HPA with a PDB behind a headless Service; hardened containers; secret files
//!   git-ignored, with examples that hold no secret;
//! - `network`: a default deny, exactly CALM's edges allowed on both ends, and traffic
//!   across the namespace's boundary only from the known cluster exemptions;
//! - `compose_networks`: compose draws the same boundaries with networks (no kubectl
//!   needed): the gateway and stats-service share none with a database.
//!
//! Each check is a function returning problems. The tests run it on the real manifests,
//! expecting none, and on copies with a planted mistake (changed in the parsed documents),
//! expecting that mistake to be reported: a check that accepts everything cannot pass.
//! Schemas and the policy scan are `.ci/k8s.sh`'s half.

mod compose_networks;
mod network;
mod render;
mod workloads;

use serde_json::{Value, json};

use network::{Problems, calm_document, network_problems};
use render::{Manifests, overlays};
use workloads::workload_problems;

fn report(what: &str, problems: &Problems) -> String {
    let mut out = format!("{what}: {} problem(s)\n", problems.len());
    for problem in problems {
        out.push_str(&format!("  - {problem}\n"));
    }
    out
}

/// The local overlay, to plant mistakes in.
fn local() -> Option<Manifests> {
    overlays().map(|all| all[0].clone())
}

/// Runs `check` on a copy of the local overlay changed by `plant`, and asserts that the
/// problems name `expected`.
fn fails_on(
    check: impl Fn(&Manifests) -> Problems,
    mistake: &str,
    plant: impl FnOnce(&mut Manifests),
    expected: &str,
) {
    let Some(mut manifests) = local() else { return };
    assert!(
        check(&manifests).is_empty(),
        "the real manifests must pass first:\n{}",
        report("local", &check(&manifests))
    );
    plant(&mut manifests);
    let problems = check(&manifests);
    assert!(
        problems.iter().any(|p| p.contains(expected)),
        "planted mistake ({mistake}) not reported as {expected:?}:\n{}",
        report("local, broken", &problems)
    );
}

fn container<'a>(manifests: &'a mut Manifests, kind: &str, name: &str) -> &'a mut Value {
    &mut manifests.get_mut(kind, name)["spec"]["template"]["spec"]["containers"][0]
}

// =============================================================================================
// The real manifests
// =============================================================================================

/// `check` finds no problem in any overlay.
fn every_overlay_passes(check: impl Fn(&Manifests) -> Problems) {
    let Some(overlays) = overlays() else { return };
    for manifests in overlays {
        let problems = check(manifests);
        assert!(
            problems.is_empty(),
            "{}",
            report(manifests.overlay, &problems)
        );
    }
}

#[test]
fn every_overlay_runs_compose_services_with_their_ports_variables_and_probes() {
    every_overlay_passes(compose_check(workload_problems));
}

#[test]
fn every_overlays_network_policies_allow_exactly_calms_edges() {
    every_overlay_passes(calm_check(network_problems));
}

#[test]
fn secret_files_are_ignored_and_their_examples_hold_no_secret() {
    let problems = workloads::check_secret_files();
    assert!(problems.is_empty(), "{}", report("k8s", &problems));
}

// =============================================================================================
// Planted mistakes: each check must report them
// =============================================================================================

fn compose_check(check: fn(&Manifests, &Value) -> Problems) -> impl Fn(&Manifests) -> Problems {
    let compose = workloads::compose();
    move |manifests| check(manifests, &compose)
}

fn calm_check(check: fn(&Manifests, &Value) -> Problems) -> impl Fn(&Manifests) -> Problems {
    let calm = calm_document();
    move |manifests| check(manifests, &calm)
}

#[test]
fn a_missing_or_extra_workload_is_reported() {
    fails_on(
        compose_check(workloads::check_same_workloads),
        "stats-service's Deployment deleted",
        |m| {
            m.documents.retain(|d| {
                !(d["kind"] == "Deployment" && d["metadata"]["name"] == "stats-service")
            })
        },
        "are not compose's built services",
    );
    fails_on(
        compose_check(workloads::check_same_workloads),
        "a Deployment compose does not have",
        |m| {
            let mut extra = m
                .get("Deployment", "stats-service")
                .cloned()
                .unwrap_or_default();
            extra["metadata"]["name"] = json!("report-service");
            m.documents.push(extra);
        },
        "are not phase 03's Cargo binaries",
    );
}

#[test]
fn a_port_or_variable_that_differs_from_compose_is_reported() {
    let check = || compose_check(workloads::check_ports_and_environment);
    fails_on(
        check(),
        "user-service's container port changed",
        |m| container(m, "Deployment", "user-service")["ports"][0]["containerPort"] = json!(8081),
        "user-service's container port `http` is Some(8081)",
    );
    fails_on(
        check(),
        "a variable misspelt",
        |m| {
            container(m, "Deployment", "api-gateway")["env"][2]["name"] = json!("USER_SERVICES_URL")
        },
        "api-gateway's variables",
    );
    fails_on(
        check(),
        "an upstream URL that differs from compose's",
        |m| {
            container(m, "Deployment", "stats-service")["env"][2]["value"] =
                json!("http://localhost:8002")
        },
        "stats-service's TASK_SERVICE_URL is \"http://localhost:8002\"",
    );
    fails_on(
        check(),
        "the shared secret written into the manifest",
        |m| {
            let env = container(m, "Deployment", "task-service")["env"]
                .as_array_mut()
                .expect("env");
            let secret = env
                .iter_mut()
                .find(|v| v["name"] == "JWT_SECRET")
                .expect("JWT_SECRET");
            *secret = json!({"name": "JWT_SECRET", "value": "0123456789abcdef0123456789abcdef"});
        },
        "task-service's JWT_SECRET is written in the manifest",
    );
    fails_on(
        check(),
        "the Service on another port",
        |m| m.get_mut("Service", "task-service")["spec"]["ports"][0]["port"] = json!(80),
        "Service task-service must serve port Some(8002)",
    );
}

#[test]
fn a_probe_on_the_wrong_path_is_reported() {
    let check = || compose_check(workloads::check_probes);
    fails_on(
        check(),
        "the gateway's readiness on /health (one service down would take the API out)",
        |m| {
            container(m, "Deployment", "api-gateway")["readinessProbe"]["httpGet"]["path"] =
                json!("/health")
        },
        "api-gateway's readinessProbe asks Some(\"/health\")",
    );
    fails_on(
        check(),
        "user-service's liveness on /health (a database outage would restart it in a loop)",
        |m| {
            container(m, "Deployment", "user-service")["livenessProbe"]["httpGet"]["path"] =
                json!("/health")
        },
        "user-service's livenessProbe asks Some(\"/health\")",
    );
    fails_on(
        check(),
        "task-service ready while its database is gone",
        |m| {
            container(m, "Deployment", "task-service")["readinessProbe"]["httpGet"]["path"] =
                json!("/health/live")
        },
        "task-service's readinessProbe asks Some(\"/health/live\")",
    );
}

#[test]
fn task_service_that_cannot_scale_is_reported() {
    fails_on(
        workloads::check_task_service_scales,
        "an HPA of one replica",
        |m| m.get_mut("HorizontalPodAutoscaler", "task-service")["spec"]["minReplicas"] = json!(1),
        "keeps 1 task-service replica",
    );
    fails_on(
        workloads::check_task_service_scales,
        "a ClusterIP Service",
        |m| {
            let spec = &mut m.get_mut("Service", "task-service")["spec"];
            spec.as_object_mut().expect("spec").remove("clusterIP");
        },
        "must be headless",
    );
    fails_on(
        workloads::check_task_service_scales,
        "a PDB that blocks every drain",
        |m| m.get_mut("PodDisruptionBudget", "task-service")["spec"]["minAvailable"] = json!(2),
        "the PDB's minAvailable Some(2)",
    );
    fails_on(
        workloads::check_task_service_scales,
        "replicas in the Deployment",
        |m| m.get_mut("Deployment", "task-service")["spec"]["replicas"] = json!(3),
        "sets replicas: 3",
    );
}

#[test]
fn an_unhardened_container_is_reported() {
    fails_on(
        workloads::check_hardening,
        "a writable root filesystem",
        |m| {
            container(m, "StatefulSet", "user-db")["securityContext"]["readOnlyRootFilesystem"] =
                json!(false)
        },
        "user-db lacks readOnlyRootFilesystem: true",
    );
    fails_on(
        workloads::check_hardening,
        "no memory limit",
        |m| {
            let limits = &mut container(m, "Deployment", "api-gateway")["resources"]["limits"];
            limits.as_object_mut().expect("limits").remove("memory");
        },
        "api-gateway has no limits.memory",
    );
}

#[test]
fn a_committed_secret_in_an_example_is_reported() {
    let problems = workloads::secrets_in_example(
        "# comment\nJWT_SECRET=0123456789abcdef0123456789abcdef\nPOSTGRES_USER=tasks\n",
        "jwt-secret.env.example",
    );
    assert_eq!(
        problems,
        ["jwt-secret.env.example gives JWT_SECRET a value, and it is committed"]
    );
}

fn egress_rules<'a>(m: &'a mut Manifests, policy: &str) -> &'a mut Vec<Value> {
    m.get_mut("NetworkPolicy", policy)["spec"]["egress"]
        .as_array_mut()
        .expect("egress rules")
}

fn ingress_rules<'a>(m: &'a mut Manifests, policy: &str) -> &'a mut Vec<Value> {
    m.get_mut("NetworkPolicy", policy)["spec"]["ingress"]
        .as_array_mut()
        .expect("ingress rules")
}

fn to_pods(name: &str, port: u16) -> Value {
    json!({"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": name}}}],
           "ports": [{"protocol": "TCP", "port": port}]})
}

fn from_pods(name: &str, port: u16) -> Value {
    json!({"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": name}}}],
           "ports": [{"protocol": "TCP", "port": port}]})
}

#[test]
fn an_edge_calm_does_not_have_is_reported() {
    let check = || calm_check(network::check_edges_match_calm);
    fails_on(
        check(),
        "the gateway allowed to reach user-db (both ends)",
        |m| {
            egress_rules(m, "api-gateway").push(to_pods("user-db", 5432));
            ingress_rules(m, "user-db").push(from_pods("api-gateway", 5432));
        },
        "allows api-gateway -> user-db:5432, an edge CALM does not have",
    );
    fails_on(
        check(),
        "stats-service allowed to reach task-db (its egress only)",
        |m| egress_rules(m, "stats-service").push(to_pods("task-db", 5432)),
        "the caller's egress allows stats-service -> task-db:5432",
    );
    fails_on(
        check(),
        "a rule with no ports",
        |m| {
            egress_rules(m, "stats-service")[0]
                .as_object_mut()
                .expect("rule")
                .remove("ports");
        },
        "has no `ports`: it allows every port",
    );
}

#[test]
fn a_calm_edge_the_policies_do_not_allow_is_reported() {
    let check = || calm_check(network::check_edges_match_calm);
    fails_on(
        check(),
        "stats-service's egress to task-service removed",
        |m| egress_rules(m, "stats-service").clear(),
        "CALM has the edge stats-service -> task-service:8002, which the caller's egress does not allow",
    );
    fails_on(
        check(),
        "task-db's ingress on the wrong port",
        |m| ingress_rules(m, "task-db")[0]["ports"][0]["port"] = json!(5433),
        "CALM has the edge task-service -> task-db:5432, which the callee's ingress does not allow",
    );
    fails_on(
        check(),
        "a selector with a misspelt label",
        |m| {
            ingress_rules(m, "user-db")[0]["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] =
                json!("users-service")
        },
        "picks no workload",
    );
}

#[test]
fn an_edge_removed_from_calm_is_reported_as_extra() {
    // The other way round: the policies unchanged, CALM without an edge.
    let Some(manifests) = local() else { return };
    let mut calm = calm_document();
    calm["relationships"]
        .as_array_mut()
        .expect("relationships")
        .retain(|r| r["unique-id"] != "stats-to-task-service");
    let problems = network::check_edges_match_calm(&manifests, &calm);
    assert!(
        problems
            .iter()
            .any(|p| p
                .contains("allows stats-service -> task-service:8002, an edge CALM does not have")),
        "{}",
        report("local vs a CALM without stats-to-task-service", &problems)
    );
}

#[test]
fn no_default_deny_is_reported() {
    fails_on(
        network::check_default_deny,
        "default-deny removed",
        |m| {
            m.documents
                .retain(|d| d["metadata"]["name"] != "default-deny")
        },
        "no default-deny NetworkPolicy",
    );
}

#[test]
fn traffic_from_outside_except_through_a_known_exemption_is_reported() {
    let check = || calm_check(network::check_exemptions);
    // user-service's own policy opened to the ingress controller's namespace: two problems.
    let open_user_service = |m: &mut Manifests| {
        ingress_rules(m, "user-service").push(json!({
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
            "ports": [{"protocol": "TCP", "port": 8001}]}));
    };
    for expected in [
        "only the gateway accepts traffic from outside the namespace",
        "policy user-service lets traffic cross the namespace's boundary, but is not in network-policies/cluster-exemptions.yaml",
    ] {
        fails_on(
            check(),
            "user-service open to another namespace",
            open_user_service,
            expected,
        );
    }
    fails_on(
        check(),
        "an exemption without its reason",
        |m| {
            m.get_mut("NetworkPolicy", "exemption-dns")["metadata"]
                .as_object_mut()
                .expect("metadata")
                .remove("annotations");
        },
        "the cluster exemption exemption-dns gives no reason",
    );
    fails_on(
        check(),
        "the DNS exemption widened to every port",
        |m| {
            m.get_mut("NetworkPolicy", "exemption-dns")["spec"]["egress"][0]["ports"]
                .as_array_mut()
                .expect("ports")
                .push(json!({"protocol": "TCP", "port": 443}));
        },
        "the cluster exemption exemption-dns must allow exactly what it is for",
    );
    fails_on(
        check(),
        "an ipBlock",
        |m| {
            egress_rules(m, "api-gateway")
                .push(json!({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 443}]}))
        },
        "allows an ipBlock",
    );
    fails_on(
        check(),
        "a namespaceSelector that matches every namespace",
        |m| {
            m.get_mut("NetworkPolicy", "exemption-ingress-controller")["spec"]["ingress"][0]["from"]
                [0]["namespaceSelector"] = json!({});
        },
        "must name exactly one namespace",
    );
}

#[test]
fn a_calm_edge_across_the_boundary_without_its_exemption_is_reported() {
    let Some(manifests) = local() else { return };
    // CALM draws a new outside dependency: task-service -> a cache in another namespace.
    let mut calm = calm_document();
    calm["nodes"].as_array_mut().expect("nodes").push(json!({
        "unique-id": "cache", "node-type": "service", "name": "Cache",
        "interfaces": [{"unique-id": "cache-redis", "host": "cache", "port": 6379}]}));
    calm["relationships"]
        .as_array_mut()
        .expect("relationships")
        .push(json!({
        "unique-id": "task-service-to-cache",
        "relationship-type": {"connects": {"source": {"node": "task-service"},
            "destination": {"node": "cache", "interfaces": ["cache-redis"]}}}}));
    let problems = network::check_exemptions(&manifests, &calm);
    assert!(
        problems.iter().any(|p| p.contains("CALM draws task-service -> cache:6379 across the namespace's boundary, but no cluster exemption stands for cache")),
        "{}",
        report("local vs a CALM with a cache", &problems)
    );

    // The policies lose the scrape of one process's metrics port.
    fails_on(
        calm_check(network::check_exemptions),
        "the metrics exemption narrowed to 9000-9002",
        |m| {
            m.get_mut("NetworkPolicy", "exemption-metrics-scrape")["spec"]["ingress"][0]["ports"]
                [0]["endPort"] = json!(9002)
        },
        "CALM draws prometheus -> stats-service:9003, which the exemption exemption-metrics-scrape does not allow",
    );
    // ... or open an API port to the observability namespace.
    fails_on(
        calm_check(network::check_exemptions),
        "the metrics exemption widened to user-service's API port",
        |m| {
            m.get_mut("NetworkPolicy", "exemption-metrics-scrape")["spec"]["ingress"][0]["ports"]
                .as_array_mut()
                .expect("ports")
                .push(json!({"protocol": "TCP", "port": 8001}));
        },
        "only the gateway accepts traffic from outside the namespace",
    );
}

// =============================================================================================
// compose's networks: the same boundaries
// =============================================================================================

#[test]
fn compose_networks_keep_the_gateway_and_stats_service_away_from_the_databases() {
    let problems =
        compose_networks::check_compose_networks(&workloads::compose(), &calm_document());
    assert!(
        problems.is_empty(),
        "{}",
        report("03-microservices/docker-compose.yml", &problems)
    );
}

#[test]
fn compose_network_mistakes_are_reported() {
    let calm = calm_document();
    let check = |plant: &dyn Fn(&mut Value), expected: &str| {
        let mut compose = workloads::compose();
        plant(&mut compose);
        let problems = compose_networks::check_compose_networks(&compose, &calm);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "expected {expected:?}:\n{}",
            report("a broken compose file", &problems)
        );
    };
    let networks_of = |compose: &Value, service: &str| -> Vec<Value> {
        compose["services"][service]["networks"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    check(
        &|c| {
            let mut list = networks_of(c, "api-gateway");
            list.push(json!("users-data"));
            c["services"]["api-gateway"]["networks"] = json!(list);
        },
        "compose service `api-gateway` shares a network with `user-db`",
    );
    check(
        &|c| {
            c["services"]["stats-service"]
                .as_object_mut()
                .expect("service")
                .remove("networks");
        },
        "compose service `stats-service` names no `networks:`",
    );
    check(
        &|c| c["networks"]["tasks-data"]["internal"] = json!(false),
        "network `tasks-data` of `task-db` is not `internal: true`",
    );
    check(
        &|c| c["services"]["task-service"]["networks"] = json!(["services"]),
        "CALM connects task-service -> task-db:5432, but `task-service` and `task-db` share no compose network",
    );
}
