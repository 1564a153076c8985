//! The observability half of the compose file: Jaeger receives every process's traces over
//! OTLP, Prometheus scrapes every process's metrics port, Grafana shows both. Parsed and checked
//! like the rest of the file, with no Docker engine.
//!
//! The same file in every phase (docs/same-files.toml): a phase only says which processes it
//! runs, in `super::OBSERVED`. The helpers (`service`, `environment`, `check_image`, ...) are
//! the phase's own, from the file that includes this one.

use super::*;

/// Images are pinned to a release: `latest` would change what `docker compose up` runs, one
/// day, without a commit. Jaeger v2's one image runs the all-in-one configuration by default.
const JAEGER_IMAGE: &str = "jaegertracing/jaeger:2.21.0";
const PROMETHEUS_IMAGE: &str = "prom/prometheus:v3.13.1";
const GRAFANA_IMAGE: &str = "grafana/grafana:12.4.0";

/// Where every process sends its spans: Jaeger's OTLP/HTTP receiver, by its service name.
const OTLP_ENDPOINT: &str = "http://jaeger:4318";
const PROMETHEUS_CONFIG: &str = "/etc/prometheus/prometheus.yml";
const GRAFANA_PROVISIONING: &str = "/etc/grafana/provisioning";
const GRAFANA_DASHBOARDS: &str = "/var/lib/grafana/dashboards";

/// One process of the phase, as the observability services must see it.
pub struct Observed {
    /// Its compose service: the host Prometheus scrapes.
    pub service: &'static str,
    /// Its package: the `service.name` its spans carry (OTEL_SERVICE_NAME), and the name of
    /// its Prometheus job, so traces and metrics name a process alike.
    pub package: &'static str,
    /// The port of its API, which Prometheus must NOT scrape.
    pub api_port: u16,
    /// METRICS_PORT: where it serves /metrics, and where Prometheus must scrape it.
    pub metrics_port: u16,
}

/// Every problem with Jaeger, Prometheus, Grafana and the processes' observability settings.
pub fn observability_problems(doc: &Value, compose_dir: &Path, observed: &[Observed]) -> Problems {
    let mut problems = check_services_exist(doc, &["jaeger", "prometheus", "grafana"]);
    for (name, image, ui_port, health_url) in [
        ("jaeger", JAEGER_IMAGE, 16686, "13133/status"),
        ("prometheus", PROMETHEUS_IMAGE, 9090, "9090/-/healthy"),
        ("grafana", GRAFANA_IMAGE, 3000, "3000/api/health"),
    ] {
        if service(doc, name).is_err() {
            continue;
        }
        problems.extend(check_image(doc, name, image));
        problems.extend(check_publishes_port(doc, name, ui_port, ui_port));
        problems.extend(check_published_on_loopback_only(doc, name));
        problems.extend(check_healthcheck(doc, name, "wget"));
        problems.extend(check_healthcheck_url(doc, name, health_url));
    }
    if service(doc, "grafana").is_ok() {
        problems.extend(check_depends_on_healthy(doc, "grafana", "prometheus"));
        problems.extend(check_grafana_provisioning(doc, compose_dir));
    }
    for process in observed {
        let name = process.service;
        let metrics_port = process.metrics_port.to_string();
        problems.extend(check_env_equals(doc, name, "METRICS_PORT", &metrics_port));
        problems.extend(check_env_equals(
            doc,
            name,
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            OTLP_ENDPOINT,
        ));
        problems.extend(check_env_equals(
            doc,
            name,
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            "http/protobuf",
        ));
        problems.extend(check_env_equals(
            doc,
            name,
            "OTEL_SERVICE_NAME",
            process.package,
        ));
        problems.extend(check_metrics_port_not_published(doc, process));
    }
    match mounted_file(doc, "prometheus", PROMETHEUS_CONFIG, compose_dir) {
        Ok(path) => match read_yaml(&path) {
            Ok(config) => problems.extend(check_scrape_configs(&config, observed)),
            Err(problem) => problems.push(problem),
        },
        Err(problem) => problems.push(problem),
    }
    problems
}

/// Bind mounts of the service: (host path as written, path in the container).
fn bind_mounts(svc: &Value) -> Vec<(String, String)> {
    svc.get("volumes")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|mount| match mount {
            Value::String(s) => {
                let mut parts = s.split(':');
                let (source, target) = (parts.next()?, parts.next()?);
                Some((source.to_string(), target.to_string()))
            }
            _ => Some((
                mount.get("source").and_then(scalar)?,
                mount.get("target").and_then(scalar)?,
            )),
        })
        // A host path starts with . or /; anything else is a named volume.
        .filter(|(source, _)| source.starts_with('.') || source.starts_with('/'))
        .collect()
}

/// The host path that the service bind-mounts at `target`, resolved against the compose file's
/// folder as Compose does; a problem if there is none or it does not exist.
fn mounted_file(
    doc: &Value,
    name: &str,
    target: &str,
    compose_dir: &Path,
) -> Result<PathBuf, String> {
    let svc = service(doc, name)?;
    let Some((source, _)) = bind_mounts(svc).into_iter().find(|(_, to)| to == target) else {
        return Err(format!(
            "service `{name}` mounts nothing at {target}; bind-mount the file from the repository \
             (`volumes: [\"./file:{target}:ro\"]`), or the container starts with its image's default"
        ));
    };
    let path = compose_dir.join(&source);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "service `{name}` mounts `{source}` at {target}, but {} does not exist (relative paths \
             count from the compose file's folder)",
            path.display()
        ))
    }
}

fn read_yaml(path: &Path) -> Result<Value, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_norway::from_str(&text).map_err(|e| format!("{} is not valid YAML: {e}", path.display()))
}

/// An operator's tool is published on 127.0.0.1 only: reachable from this machine, not from
/// the network (Prometheus and Jaeger have no login at all).
fn check_published_on_loopback_only(doc: &Value, name: &str) -> Problems {
    with_service(doc, name, |svc| {
        let (ports, mut problems) = published_ports(svc, name);
        for port in ports.iter().filter(|p| p.published.is_some()) {
            if port.host_ip.as_deref() != Some("127.0.0.1") {
                problems.push(format!(
                    "service `{name}` publishes port {} on every network interface; write \
                     \"127.0.0.1:{}:{}\" so only this machine reaches the operator's tools",
                    port.target,
                    port.published.as_deref().unwrap_or_default(),
                    port.target
                ));
            }
        }
        problems
    })
}

/// The healthcheck asks the tool's own health endpoint (port and path), not just any URL.
fn check_healthcheck_url(doc: &Value, name: &str, port_and_path: &str) -> Problems {
    with_service(doc, name, |svc| match healthcheck_command(svc) {
        Some(command) if command.contains(&format!(":{port_and_path}")) => vec![],
        Some(command) => vec![format!(
            "service `{name}`: the healthcheck runs `{command}`, which does not ask the health \
             endpoint :{port_and_path}"
        )],
        // A missing healthcheck is already reported by check_healthcheck.
        None => vec![],
    })
}

/// /metrics is for Prometheus on the Compose network, never published to the host.
fn check_metrics_port_not_published(doc: &Value, process: &Observed) -> Problems {
    let name = process.service;
    with_service(doc, name, |svc| {
        let (ports, _) = published_ports(svc, name);
        if ports
            .iter()
            .any(|p| p.target == process.metrics_port.to_string())
        {
            vec![format!(
                "service `{name}` publishes its metrics port {}; metrics are scraped over the \
                 Compose network and are not for the machine's or the network's clients",
                process.metrics_port
            )]
        } else {
            vec![]
        }
    })
}

/// `host:port` targets of one scrape job, from `static_configs` and `dns_sd_configs`.
fn scrape_targets(job: &Value) -> Vec<(String, String)> {
    let mut targets = Vec::new();
    let configs = |key: &str| {
        job.get(key)
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default()
    };
    for config in configs("static_configs") {
        for target in config
            .get("targets")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(scalar)
        {
            let (host, port) = target.rsplit_once(':').unwrap_or((target.as_str(), ""));
            targets.push((host.to_string(), port.to_string()));
        }
    }
    for config in configs("dns_sd_configs") {
        let port = config.get("port").and_then(scalar).unwrap_or_default();
        for name in config
            .get("names")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(scalar)
        {
            targets.push((name, port.clone()));
        }
    }
    targets
}

/// Prometheus has one job per process, named after its package, scraping its compose service's
/// METRICS_PORT at /metrics, and scrapes nothing that is not one of the processes.
fn check_scrape_configs(config: &Value, observed: &[Observed]) -> Problems {
    let mut problems = Vec::new();
    let jobs: Vec<&Value> = config
        .get("scrape_configs")
        .and_then(Value::as_sequence)
        .map(|jobs| jobs.iter().collect())
        .unwrap_or_default();
    for process in observed {
        let (name, job_wanted) = (process.service, process.package);
        let Some(job) = jobs.iter().find(|job| job_name(job) == job_wanted) else {
            problems.push(format!(
                "prometheus.yml has no scrape job `{job_wanted}`; each process has a job named after \
                 its package, so the `job` label tells the processes apart"
            ));
            continue;
        };
        if let Some(path) = job.get("metrics_path").and_then(scalar)
            && path != "/metrics"
        {
            problems.push(format!(
                "prometheus.yml: job `{job_wanted}` scrapes {path}, but the processes serve /metrics"
            ));
        }
        let targets = scrape_targets(job);
        let (want, api) = (
            process.metrics_port.to_string(),
            process.api_port.to_string(),
        );
        if !targets
            .iter()
            .any(|(host, port)| host == name && *port == want)
        {
            let detail = if targets.iter().any(|(_, port)| *port == api) {
                format!(
                    "it scrapes the API port {api}, where /metrics is not served (it would also \
                     show metrics to the API's clients)"
                )
            } else {
                format!("its targets are {targets:?}")
            };
            problems.push(format!(
                "prometheus.yml: job `{job_wanted}` must scrape `{name}:{want}` (METRICS_PORT); {detail}"
            ));
        }
    }
    for job in &jobs {
        for (host, port) in scrape_targets(job) {
            if !observed.iter().any(|process| process.service == host) {
                problems.push(format!(
                    "prometheus.yml: job `{}` scrapes `{host}:{port}`, and `{host}` is none of this \
                     phase's processes",
                    job_name(job)
                ));
            }
        }
    }
    problems
}

fn job_name(job: &Value) -> String {
    job.get("job_name").and_then(scalar).unwrap_or_default()
}

/// Grafana's environment, which its provisioning files read as `$NAME` or `${NAME}`.
struct GrafanaEnvironment(BTreeMap<String, Option<String>>);

impl GrafanaEnvironment {
    /// `${NAME}` or `$NAME` replaced by the variable's value, as Grafana does when it reads the
    /// file; an unset variable becomes empty, as in Grafana.
    fn expand(&self, value: &str) -> String {
        let name = value
            .strip_prefix("${")
            .and_then(|rest| rest.strip_suffix('}'))
            .or_else(|| value.strip_prefix('$'));
        match name {
            Some(name) => self.0.get(name).cloned().flatten().unwrap_or_default(),
            None => value.to_string(),
        }
    }
}

/// Grafana gets its data sources and dashboards from files: Prometheus and Jaeger by their
/// service names (written in the file, or in Grafana's environment that the file reads), and
/// the dashboard folder its provider reads.
fn check_grafana_provisioning(doc: &Value, compose_dir: &Path) -> Problems {
    let mut problems = Vec::new();
    let grafana_env =
        GrafanaEnvironment(service(doc, "grafana").map(environment).unwrap_or_default());
    match mounted_file(doc, "grafana", GRAFANA_PROVISIONING, compose_dir) {
        Ok(dir) => {
            let files = |sub: &str| -> Vec<Value> {
                fs::read_dir(dir.join(sub))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|entry| entry.path())
                    .filter(|path| path.extension().is_some_and(|e| e == "yml" || e == "yaml"))
                    .filter_map(|path| read_yaml(&path).ok())
                    .collect()
            };
            let sources: Vec<(String, String)> = files("datasources")
                .iter()
                .flat_map(|file| {
                    file.get("datasources")
                        .and_then(Value::as_sequence)
                        .cloned()
                        .unwrap_or_default()
                })
                .filter_map(|source| {
                    let url = source.get("url").and_then(scalar)?;
                    Some((
                        source.get("type").and_then(scalar)?,
                        grafana_env.expand(&url),
                    ))
                })
                .collect();
            for (kind, url) in [
                ("prometheus", "http://prometheus:9090"),
                ("jaeger", "http://jaeger:16686"),
            ] {
                if !sources.iter().any(|(k, u)| k == kind && u == url) {
                    problems.push(format!(
                        "Grafana's provisioned data sources have no `{kind}` at {url}; found {sources:?}"
                    ));
                }
            }
            let provider_paths: Vec<String> = files("dashboards")
                .iter()
                .flat_map(|file| {
                    file.get("providers")
                        .and_then(Value::as_sequence)
                        .cloned()
                        .unwrap_or_default()
                })
                .filter_map(|provider| provider.get("options")?.get("path").and_then(scalar))
                .collect();
            if !provider_paths.iter().any(|path| path == GRAFANA_DASHBOARDS) {
                problems.push(format!(
                    "Grafana's dashboard provider reads {provider_paths:?}, not {GRAFANA_DASHBOARDS} \
                     where the dashboards are mounted"
                ));
            }
        }
        Err(problem) => problems.push(problem),
    }
    match mounted_file(doc, "grafana", GRAFANA_DASHBOARDS, compose_dir) {
        Ok(dir) => {
            let dashboards: Vec<PathBuf> = fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|e| e == "json"))
                .collect();
            if dashboards.is_empty() {
                problems.push(format!("{} holds no dashboard (.json)", dir.display()));
            }
            for path in dashboards {
                let parsed = fs::read_to_string(&path)
                    .ok()
                    .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
                if parsed.is_none_or(|dashboard| dashboard.get("panels").is_none()) {
                    problems.push(format!(
                        "{} is not a Grafana dashboard (JSON with `panels`)",
                        path.display()
                    ));
                }
            }
        }
        Err(problem) => problems.push(problem),
    }
    problems
}

// =============================================================================================
// Tests
// =============================================================================================

#[test]
fn compose_file_sends_every_process_s_traces_to_jaeger_and_metrics_to_prometheus() {
    let path = phase_dir().join("docker-compose.yml");
    let yaml =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let problems = observability_problems(&parse_compose(&yaml), &phase_dir(), &super::OBSERVED);
    assert!(
        problems.is_empty(),
        "{}",
        report("docker-compose.yml (observability)", &problems)
    );
}

/// Two processes: `web` (API 8000, metrics 9000) and `worker` (API 8001, metrics 9001).
const PLANTED: [Observed; 2] = [
    Observed {
        service: "web",
        package: "web",
        api_port: 8000,
        metrics_port: 9000,
    },
    Observed {
        service: "worker",
        package: "worker",
        api_port: 8001,
        metrics_port: 9001,
    },
];

/// Every line is a classic mistake: floating tags, tools on every interface, no or wrong
/// healthchecks, a process sending traces to its own localhost, a metrics port that is the
/// API port or published, a missing Prometheus configuration, Grafana not waiting.
const BROKEN_COMPOSE: &str = r#"
services:
  web:
    ports: ["8000:8000", "9000:9000"]
    environment:
      METRICS_PORT: "8000"
      OTEL_EXPORTER_OTLP_ENDPOINT: http://localhost:4318
      OTEL_EXPORTER_OTLP_PROTOCOL: grpc
  worker:
    environment:
      METRICS_PORT: "9001"
      OTEL_EXPORTER_OTLP_ENDPOINT: http://jaeger:4318
      OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf
      OTEL_SERVICE_NAME: worker
  jaeger:
    image: jaegertracing/all-in-one:latest
    ports: ["16686:16686"]
  prometheus:
    image: prom/prometheus
    ports: ["127.0.0.1:9090:9090"]
    healthcheck:
      test: ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:9090/"]
      interval: 10s
      timeout: 3s
      retries: 5
      start_period: 10s
  grafana:
    image: grafana/grafana:12.4.0
    ports: ["127.0.0.1:3000:3000"]
    depends_on: [prometheus]
"#;

#[test]
fn the_observability_checks_report_every_planted_mistake() {
    let problems = observability_problems(&parse_compose(BROKEN_COMPOSE), &phase_dir(), &PLANTED);
    let text = problems.join("\n");
    for needle in [
        "service `jaeger`: image is `jaegertracing/all-in-one:latest`",
        "service `prometheus`: image is `prom/prometheus`",
        "service `jaeger` publishes port 16686 on every network interface",
        "service `jaeger` has no healthcheck",
        "service `prometheus`: the healthcheck runs `CMD wget -q --spider http://127.0.0.1:9090/`, which does not ask",
        "service `grafana` has no healthcheck",
        "service `grafana`: the short form `depends_on: [prometheus]`",
        "service `grafana` mounts nothing at /etc/grafana/provisioning",
        "service `grafana` mounts nothing at /var/lib/grafana/dashboards",
        "service `web`: environment METRICS_PORT is \"8000\" but must be \"9000\"",
        "service `web`: environment OTEL_EXPORTER_OTLP_ENDPOINT is \"http://localhost:4318\"",
        "service `web`: environment OTEL_EXPORTER_OTLP_PROTOCOL is \"grpc\"",
        "service `web`: environment OTEL_SERVICE_NAME must be set to \"web\"",
        "service `web` publishes its metrics port 9000",
        "service `prometheus` mounts nothing at /etc/prometheus/prometheus.yml",
    ] {
        assert!(text.contains(needle), "expected {needle:?} among:\n{text}");
    }
    // `worker` is configured right: nothing is reported about it.
    assert!(!text.contains("`worker`"), "{text}");
}

#[test]
fn the_scrape_checks_report_a_wrong_port_a_missing_job_and_a_stray_target() {
    let config: Value = serde_norway::from_str(
        r#"
scrape_configs:
  - job_name: web
    static_configs:
      - targets: ["web:8000"]
  - job_name: workers
    metrics_path: /stats
    dns_sd_configs:
      - names: ["wrker"]
        type: A
        port: 9001
"#,
    )
    .unwrap();
    let text = check_scrape_configs(&config, &PLANTED).join("\n");
    for needle in [
        "job `web` must scrape `web:9000` (METRICS_PORT); it scrapes the API port 8000",
        "no scrape job `worker`",
        "job `workers` scrapes `wrker:9001`, and `wrker` is none of this phase's processes",
    ] {
        assert!(text.contains(needle), "expected {needle:?} among:\n{text}");
    }

    // Both spellings of a right job pass: a static target, or every address DNS gives a name.
    let good: Value = serde_norway::from_str(
        r#"
scrape_configs:
  - job_name: web
    metrics_path: /metrics
    static_configs:
      - targets: ["web:9000"]
  - job_name: worker
    dns_sd_configs:
      - names: ["worker"]
        type: A
        port: 9001
"#,
    )
    .unwrap();
    assert_eq!(check_scrape_configs(&good, &PLANTED), Problems::new());
}

#[test]
fn the_grafana_checks_report_a_missing_folder_and_a_data_source_on_localhost() {
    let doc = parse_compose(
        "services:\n  grafana:\n    volumes:\n      - ./no-such-folder:/etc/grafana/provisioning:ro\n      - grafana-data:/var/lib/grafana/dashboards\n",
    );
    let text = check_grafana_provisioning(&doc, &phase_dir()).join("\n");
    for needle in [
        "mounts `./no-such-folder` at /etc/grafana/provisioning, but",
        // A named volume is not the repository's dashboards.
        "mounts nothing at /var/lib/grafana/dashboards",
    ] {
        assert!(text.contains(needle), "expected {needle:?} among:\n{text}");
    }

    // The repository's provisioning, but Grafana told to find Prometheus on its own localhost
    // and not told where Jaeger is.
    let doc = parse_compose(
        r#"
services:
  grafana:
    environment:
      PROMETHEUS_URL: http://localhost:9090
    volumes:
      - ../observability/grafana/provisioning:/etc/grafana/provisioning:ro
      - ../observability/grafana/dashboards:/var/lib/grafana/dashboards:ro
"#,
    );
    let text = check_grafana_provisioning(&doc, &phase_dir()).join("\n");
    for needle in [
        "no `prometheus` at http://prometheus:9090; found [(\"prometheus\", \"http://localhost:9090\")",
        "no `jaeger` at http://jaeger:16686",
    ] {
        assert!(text.contains(needle), "expected {needle:?} among:\n{text}");
    }
}
