//! Static checks on how phase 03 ships in containers: `03-microservices/docker-compose.yml` and
//! the four Dockerfiles it builds. No Docker engine is needed: the files are parsed and checked
//! for the mistakes that make `docker compose up` fail, or worse, appear to work.
//!
//! The helpers are copied from phase 01's `tests/docker_compose.rs` (they were written to know
//! nothing about phase 01); what is new is at the end: the phase 03 bundle (a gateway, three
//! services, two databases `user-db` and `task-db`), a check that only the gateway publishes
//! a port, that task-service can be scaled (`--scale task-service=3`: no `container_name`,
//! no fixed host port), and that the shared `JWT_SECRET` is required from a git-ignored
//! `.env` whose committed `.env.example` holds no secret.
//!
//! Every check is a plain function over the parsed file (and, for compose, a service name) that
//! returns a list of problems, empty when all is well. The tests run them twice:
//! - on the real files, expecting no problem at all;
//! - on deliberately broken copies, expecting every planted mistake to be reported, so a check
//!   that silently accepts everything cannot go unnoticed.
//!
//! The helpers know nothing about phase 01 beyond the arguments they are given, so the compose
//! files of later phases (a gateway and several services) can be checked with the same functions.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_norway::Value;

/// What a check found wrong, one learner-readable sentence per problem.
type Problems = Vec<String>;

// =============================================================================================
// Compose file helpers
// =============================================================================================

fn parse_compose(yaml: &str) -> Value {
    serde_norway::from_str(yaml)
        .unwrap_or_else(|e| panic!("the compose file is not valid YAML: {e}"))
}

/// `services.<name>`, or a problem saying it is missing.
fn service<'a>(doc: &'a Value, name: &str) -> Result<&'a Value, String> {
    doc.get("services")
        .and_then(|services| services.get(name))
        .ok_or_else(|| format!("there is no service `{name}` under `services:`"))
}

/// Runs `check` on the service, or reports that the service is missing.
fn with_service(doc: &Value, name: &str, check: impl FnOnce(&Value) -> Problems) -> Problems {
    match service(doc, name) {
        Ok(svc) => check(svc),
        Err(problem) => vec![problem],
    }
}

/// A YAML scalar as the string Compose would see (`8000` and `"8000"` are the same to it).
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The service's `environment:`, in either of its two spellings:
/// a mapping (`KEY: value`) or a list (`- KEY=value`).
/// `None` as a value means "no value here": Compose then passes the variable through from the
/// shell that runs `docker compose`.
fn environment(svc: &Value) -> BTreeMap<String, Option<String>> {
    let mut env = BTreeMap::new();
    match svc.get("environment") {
        Some(Value::Mapping(map)) => {
            for (key, value) in map {
                if let Some(key) = scalar(key) {
                    env.insert(key, scalar(value));
                }
            }
        }
        Some(Value::Sequence(list)) => {
            for item in list.iter().filter_map(scalar) {
                match item.split_once('=') {
                    Some((key, value)) => env.insert(key.to_string(), Some(value.to_string())),
                    None => env.insert(item, None),
                };
            }
        }
        _ => {}
    }
    env
}

/// Every service in `names` exists.
fn check_services_exist(doc: &Value, names: &[&str]) -> Problems {
    names
        .iter()
        .filter_map(|name| service(doc, name).err())
        .collect()
}

/// One entry of `ports:`.
struct PortMapping {
    host_ip: Option<String>,
    /// `None`: Docker picks a random free host port.
    published: Option<String>,
    target: String,
}

/// The entries of `ports:`, in short (`"8000:8000"`) or long (`{target: 8000, published: 8000}`)
/// form; entries that cannot be understood are problems.
fn published_ports(svc: &Value, name: &str) -> (Vec<PortMapping>, Problems) {
    let mut ports = Vec::new();
    let mut problems = Vec::new();
    let Some(entries) = svc.get("ports").and_then(Value::as_sequence) else {
        return (ports, problems);
    };
    for entry in entries {
        match entry {
            Value::String(s) => {
                let s = s.trim_end_matches("/tcp");
                let parts: Vec<&str> = s.split(':').collect();
                let (host_ip, published, target) = match parts.as_slice() {
                    [target] => (None, None, target),
                    [published, target] => (None, Some(published), target),
                    [ip, published, target] => (Some(ip), Some(published), target),
                    _ => {
                        problems.push(format!("service `{name}`: cannot read the port entry {s:?}"));
                        continue;
                    }
                };
                ports.push(PortMapping {
                    host_ip: host_ip.map(|ip| ip.to_string()),
                    published: published.map(|p| p.to_string()),
                    target: target.to_string(),
                });
            }
            Value::Number(n) => problems.push(format!(
                "service `{name}`: the port entry {n} is a bare number; write ports as quoted strings \
                 such as \"8000:8000\" (unquoted, YAML may read `xx:yy` as a number in base 60)"
            )),
            Value::Mapping(_) => match entry.get("target").and_then(scalar) {
                Some(target) => ports.push(PortMapping {
                    host_ip: entry.get("host_ip").and_then(scalar),
                    published: entry.get("published").and_then(scalar),
                    target,
                }),
                None => problems.push(format!("service `{name}`: a long-form port entry has no `target`")),
            },
            _ => problems.push(format!("service `{name}`: cannot read a port entry")),
        }
    }
    (ports, problems)
}

/// The service publishes container port `target` on host port `published`.
fn check_publishes_port(doc: &Value, name: &str, published: u16, target: u16) -> Problems {
    with_service(doc, name, |svc| {
        let (ports, mut problems) = published_ports(svc, name);
        let (want_published, want_target) = (published.to_string(), target.to_string());
        let found = ports.iter().any(|p| {
            p.published.as_deref() == Some(want_published.as_str()) && p.target == want_target
        });
        if !found {
            let listed: Vec<String> = ports
                .iter()
                .map(|p| {
                    let ip = p
                        .host_ip
                        .as_deref()
                        .map(|ip| format!("{ip}:"))
                        .unwrap_or_default();
                    format!(
                        "{ip}{}:{}",
                        p.published.as_deref().unwrap_or("(random)"),
                        p.target
                    )
                })
                .collect();
            problems.push(format!(
                "service `{name}` must publish container port {target} on host port {published} \
                 (`ports: [\"{published}:{target}\"]`), otherwise http://localhost:{published} on \
                 your machine reaches nothing; found {listed:?}"
            ));
        }
        problems
    })
}

/// The service sets environment variable `key` to exactly `expected`.
fn check_env_equals(doc: &Value, name: &str, key: &str, expected: &str) -> Problems {
    with_service(doc, name, |svc| match environment(svc).get(key) {
        Some(Some(value)) if value == expected => vec![],
        Some(Some(value)) => vec![format!(
            "service `{name}`: environment {key} is {value:?} but must be {expected:?}{}",
            if key == "HOST" {
                " (inside a container a server on 127.0.0.1 is reachable only from that same \
                 container, so the published port would lead nowhere)"
            } else {
                ""
            }
        )],
        _ => vec![format!(
            "service `{name}`: environment {key} must be set to {expected:?}"
        )],
    })
}

/// Scheme and host of a URL like `postgres://user:password@host:5432/db`, without a URL crate.
fn scheme_and_host(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host_port.rsplit_once(':').map_or(host_port, |(h, _)| h);
    Some((scheme, host))
}

/// The service's DATABASE_URL uses `scheme` and points at `host` (normally another service's
/// name: on the Compose network every service is reachable under its name).
fn check_database_url(doc: &Value, name: &str, scheme: &str, host: &str) -> Problems {
    with_service(doc, name, |svc| {
        let env = environment(svc);
        let Some(Some(url)) = env.get("DATABASE_URL") else {
            return vec![format!(
                "service `{name}`: environment DATABASE_URL must be set, e.g. {scheme}://user:password@{host}:5432/dbname"
            )];
        };
        let Some((found_scheme, found_host)) = scheme_and_host(url) else {
            return vec![format!(
                "service `{name}`: DATABASE_URL {url:?} is not a URL like {scheme}://user:password@{host}/dbname"
            )];
        };
        let mut problems = Vec::new();
        if found_scheme != scheme {
            problems.push(format!(
                "service `{name}`: DATABASE_URL uses the scheme `{found_scheme}://` but must use `{scheme}://`"
            ));
        }
        if found_host != host {
            let hint = if matches!(found_host, "localhost" | "127.0.0.1" | "::1" | "[::1]") {
                " (inside a container, localhost is that container itself, not the database)"
            } else {
                ""
            };
            problems.push(format!(
                "service `{name}`: DATABASE_URL points at host `{found_host}` but must point at the \
                 service `{host}`{hint}"
            ));
        }
        problems
    })
}

/// The variable is not written into the (committed) compose file: it is absent, passed through,
/// empty, or a `${VAR}` interpolation without a non-empty fallback value.
fn check_secret_not_hard_coded(doc: &Value, name: &str, key: &str) -> Problems {
    with_service(doc, name, |svc| {
        let env = environment(svc);
        let Some(Some(value)) = env.get(key) else {
            return vec![];
        };
        if value.is_empty() {
            return vec![];
        }
        // `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`, `$NAME`
        let inner = value
            .strip_prefix("${")
            .and_then(|v| v.strip_suffix('}'))
            .filter(|v| !v.contains('}'))
            .or_else(|| {
                value.strip_prefix('$').filter(|v| {
                    !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                })
            });
        let Some(inner) = inner else {
            return vec![format!(
                "service `{name}`: {key} is hard-coded in the compose file, which is committed to git; \
                 write `{key}: ${{{key}:-}}` and put the real value in a git-ignored .env file"
            )];
        };
        let var_end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let rest = &inner[var_end..];
        let fallback = rest.strip_prefix(":-").or_else(|| rest.strip_prefix('-'));
        match fallback {
            Some(fallback) if !fallback.is_empty() => vec![format!(
                "service `{name}`: {key} falls back to the hard-coded value {fallback:?} when the variable \
                 is unset, so everyone who forgets the .env file shares one known secret; use `${{{key}:-}}`"
            )],
            _ => vec![],
        }
    })
}

/// The service runs exactly `expected` (e.g. a pinned major version, never `latest`).
fn check_image(doc: &Value, name: &str, expected: &str) -> Problems {
    with_service(doc, name, |svc| {
        match svc.get("image").and_then(Value::as_str) {
            Some(image) if image == expected => vec![],
            Some(image) => vec![format!(
                "service `{name}`: image is `{image}` but must be `{expected}`"
            )],
            None => vec![format!(
                "service `{name}`: no `image:`; it must be `{expected}`"
            )],
        }
    })
}

/// The healthcheck command as one string, whichever of its forms was written.
fn healthcheck_command(svc: &Value) -> Option<String> {
    match svc.get("healthcheck")?.get("test")? {
        Value::String(s) => Some(s.clone()),
        Value::Sequence(items) => Some(
            items
                .iter()
                .filter_map(scalar)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    }
}

/// The service has an enabled healthcheck whose command runs `tool`, with explicit timings.
fn check_healthcheck(doc: &Value, name: &str, tool: &str) -> Problems {
    with_service(doc, name, |svc| {
        let Some(healthcheck) = svc.get("healthcheck") else {
            return vec![format!(
                "service `{name}` has no healthcheck: without one Compose cannot tell when it is ready, \
                 and `depends_on: {{{name}: {{condition: service_healthy}}}}` can never be met; \
                 add `healthcheck: {{test: [\"CMD\", \"{tool}\", ...]}}`"
            )];
        };
        if healthcheck.get("disable").and_then(Value::as_bool) == Some(true) {
            return vec![format!("service `{name}`: the healthcheck is disabled")];
        }
        let mut problems = Vec::new();
        match healthcheck_command(svc) {
            Some(command) if command.split_whitespace().next() == Some("NONE") => problems.push(
                format!("service `{name}`: the healthcheck test is NONE (disabled)"),
            ),
            Some(command) if command.contains(tool) => {}
            Some(command) => problems.push(format!(
                "service `{name}`: the healthcheck runs `{command}` but should run `{tool}`"
            )),
            None => problems.push(format!(
                "service `{name}`: the healthcheck has no `test:` command"
            )),
        }
        for timing in ["interval", "timeout", "retries", "start_period"] {
            if healthcheck.get(timing).is_none() {
                problems.push(format!(
                    "service `{name}`: the healthcheck sets no `{timing}`; the defaults (30s interval, \
                     no start period) make start-up slow or flaky, so set all of interval, timeout, \
                     retries and start_period"
                ));
            }
        }
        problems
    })
}

/// A `pg_isready` healthcheck connects over TCP (`-h`/`--host`). Without it pg_isready uses the
/// Unix socket, where the postgres image's temporary set-up server already answers "ready"
/// while the database is still being created: the app then starts and loses its connections.
fn check_pg_isready_over_tcp(doc: &Value, name: &str) -> Problems {
    with_service(doc, name, |svc| {
        let Some(command) = healthcheck_command(svc).filter(|c| c.contains("pg_isready")) else {
            return vec![];
        };
        let over_tcp = command.split_whitespace().any(|word| {
            word == "-h" || word.starts_with("--host") || (word.starts_with("-h") && word.len() > 2)
        });
        if over_tcp {
            vec![]
        } else {
            vec![format!(
                "service `{name}`: `{command}` checks the Unix socket, which answers during the image's \
                 first-start initialisation too; add `-h 127.0.0.1` so it reports ready only once \
                 PostgreSQL accepts TCP connections"
            )]
        }
    })
}

/// `name` waits for `dependency` to be healthy (long-form depends_on), not merely started.
fn check_depends_on_healthy(doc: &Value, name: &str, dependency: &str) -> Problems {
    with_service(doc, name, |svc| {
        let waits_healthy = format!(
            "write the long form `depends_on: {{{dependency}: {{condition: service_healthy}}}}` so `{name}` \
             starts only once `{dependency}` passes its healthcheck"
        );
        match svc.get("depends_on") {
            None => vec![format!(
                "service `{name}` does not depend on `{dependency}`; {waits_healthy}"
            )],
            Some(Value::Sequence(list)) => {
                if list.iter().any(|d| d.as_str() == Some(dependency)) {
                    vec![format!(
                        "service `{name}`: the short form `depends_on: [{dependency}]` only waits for the \
                         container to START, not for it to be ready; {waits_healthy}"
                    )]
                } else {
                    vec![format!(
                        "service `{name}` does not depend on `{dependency}`; {waits_healthy}"
                    )]
                }
            }
            Some(deps) => match deps.get(dependency) {
                None => vec![format!(
                    "service `{name}` does not depend on `{dependency}`; {waits_healthy}"
                )],
                Some(dep) => match dep.get("condition").and_then(Value::as_str) {
                    Some("service_healthy") => vec![],
                    condition => vec![format!(
                        "service `{name}`: depends_on `{dependency}` has condition `{}`, which does not wait \
                         for `{dependency}` to be ready; {waits_healthy}",
                        condition.unwrap_or("(none)")
                    )],
                },
            },
        }
    })
}

/// `volume` is declared under the top-level `volumes:` and the service mounts it at `target`.
fn check_named_volume(doc: &Value, name: &str, volume: &str, target: &str) -> Problems {
    let mut problems = Vec::new();
    if doc
        .get("volumes")
        .and_then(|v| v.as_mapping())
        .is_none_or(|v| !v.contains_key(volume))
    {
        problems.push(format!(
            "the named volume `{volume}` is not declared at the top level; add a top-level \
             `volumes:` section listing `{volume}:` (Compose refuses undeclared named volumes)"
        ));
    }
    problems.extend(with_service(doc, name, |svc| {
        let mounts: Vec<(String, String)> = svc
            .get("volumes")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(|mount| match mount {
                Value::String(s) => {
                    let mut parts = s.split(':');
                    Some((parts.next()?.to_string(), parts.next().unwrap_or_default().to_string()))
                }
                _ => Some((mount.get("source").and_then(scalar)?, mount.get("target").and_then(scalar)?)),
            })
            .collect();
        if mounts.iter().any(|(source, to)| source == volume && to == target) {
            return vec![];
        }
        let at_target: Vec<&String> = mounts.iter().filter(|(_, to)| to == target).map(|(s, _)| s).collect();
        let detail = match at_target.first() {
            Some(source) => format!(
                "it mounts `{source}` there instead (a path is a bind mount of a host folder, not the named volume)"
            ),
            None => "without it the data lives in the container and is lost when the container is re-created".to_string(),
        };
        vec![format!(
            "service `{name}` must mount the named volume `{volume}` at {target} \
             (`volumes: [\"{volume}:{target}\"]`); {detail}"
        )]
    }));
    problems
}

/// Where the service's `build:` points: (context directory, Dockerfile), relative paths resolved
/// against the compose file's directory as Compose does.
fn build_paths(doc: &Value, name: &str, compose_dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let svc = service(doc, name)?;
    let (context, dockerfile) = match svc.get("build") {
        Some(Value::String(context)) => (context.clone(), "Dockerfile".to_string()),
        Some(build @ Value::Mapping(_)) => (
            build
                .get("context")
                .and_then(scalar)
                .unwrap_or_else(|| ".".to_string()),
            build
                .get("dockerfile")
                .and_then(scalar)
                .unwrap_or_else(|| "Dockerfile".to_string()),
        ),
        _ => {
            return Err(format!(
                "service `{name}` has no `build:` section, so Compose cannot build its image"
            ));
        }
    };
    let context = compose_dir.join(context);
    let dockerfile = context.join(dockerfile);
    Ok((context, dockerfile))
}

/// The build context is the Cargo workspace root (every phase builds from there with
/// `--locked`), and the Dockerfile exists.
fn check_build(doc: &Value, name: &str, compose_dir: &Path) -> Problems {
    let (context, dockerfile) = match build_paths(doc, name, compose_dir) {
        Ok(paths) => paths,
        Err(problem) => return vec![problem],
    };
    if !context.is_dir() {
        return vec![format!(
            "service `{name}`: the build context {} does not exist (relative paths count from the compose file's folder)",
            context.display()
        )];
    }
    let mut problems = Vec::new();
    let is_workspace_root = fs::read_to_string(context.join("Cargo.toml"))
        .is_ok_and(|t| t.contains("[workspace]"))
        && context.join("Cargo.lock").is_file();
    if !is_workspace_root {
        problems.push(format!(
            "service `{name}`: the build context {} is not the Cargo workspace root (Cargo.toml with \
             [workspace] plus Cargo.lock); the Dockerfile needs the whole workspace to build",
            context.display()
        ));
    }
    if !dockerfile.is_file() {
        problems.push(format!(
            "service `{name}`: the Dockerfile {} does not exist (`dockerfile:` counts from the build context)",
            dockerfile.display()
        ));
    }
    problems
}

// =============================================================================================
// Dockerfile helpers
// =============================================================================================

/// One Dockerfile instruction, continuation lines joined.
#[derive(Debug)]
struct Instruction {
    /// Upper-cased: `FROM`, `RUN`, ...
    keyword: String,
    /// Everything after the keyword.
    args: String,
    /// 1 for the instructions of the first `FROM` stage, 2 for the second, ... (0 before any FROM).
    stage: usize,
}

/// Enough of the Dockerfile syntax for these checks: comments, `\` continuations, stages.
/// (Heredocs, `RUN <<EOF`, are not understood.)
fn parse_dockerfile(text: &str) -> Vec<Instruction> {
    let mut instructions = Vec::new();
    let mut stage = 0;
    let mut pending = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(start) => {
                pending.push_str(start);
                pending.push(' ');
                continue;
            }
            None => pending.push_str(trimmed),
        }
        let full = std::mem::take(&mut pending);
        let (keyword, args) = full
            .split_once(char::is_whitespace)
            .unwrap_or((full.as_str(), ""));
        let keyword = keyword.to_ascii_uppercase();
        if keyword == "FROM" {
            stage += 1;
        }
        instructions.push(Instruction {
            keyword,
            args: args.trim().to_string(),
            stage,
        });
    }
    instructions
}

/// The instructions of the last stage: what actually ends up in the image that runs.
fn final_stage(instructions: &[Instruction]) -> impl Iterator<Item = &Instruction> {
    let last = instructions.iter().map(|i| i.stage).max().unwrap_or(0);
    instructions.iter().filter(move |i| i.stage == last)
}

/// At least two stages, and the last one is not the Rust toolchain image.
fn check_dockerfile_multi_stage(instructions: &[Instruction]) -> Problems {
    let froms: Vec<&Instruction> = instructions
        .iter()
        .filter(|i| i.keyword == "FROM")
        .collect();
    let mut problems = Vec::new();
    if froms.len() < 2 {
        problems.push(format!(
            "the Dockerfile has {} FROM stage(s) but needs at least 2: build in a Rust image, then copy only \
             the binary into a small runtime image (the Rust image is over a gigabyte)",
            froms.len()
        ));
    }
    if let Some(last) = froms.last().filter(|f| {
        f.args
            .split_whitespace()
            .next()
            .is_some_and(|i| i.starts_with("rust:"))
    }) {
        problems.push(format!(
            "the Dockerfile's final stage `FROM {}` ships the whole Rust toolchain; use a small runtime \
             image such as debian:bookworm-slim",
            last.args
        ));
    }
    problems
}

/// `EXPOSE` lists `port`.
fn check_dockerfile_exposes(instructions: &[Instruction], port: &str) -> Problems {
    let want = port;
    let exposed = instructions
        .iter()
        .filter(|i| i.keyword == "EXPOSE")
        .flat_map(|i| i.args.split_whitespace())
        .any(|p| p.trim_end_matches("/tcp") == want);
    if exposed {
        vec![]
    } else {
        vec![format!(
            "the Dockerfile must `EXPOSE {port}`, the port the app listens on"
        )]
    }
}

/// The final stage switches to a user other than root.
fn check_dockerfile_non_root(instructions: &[Instruction]) -> Problems {
    match final_stage(instructions).filter(|i| i.keyword == "USER").last() {
        None => vec![
            "the Dockerfile's final stage has no USER instruction, so the app runs as root; create an \
             unprivileged user and switch to it with `USER`"
                .to_string(),
        ],
        Some(user) => {
            let name = user.args.split(':').next().unwrap_or_default().trim();
            if name == "root" || name == "0" {
                vec![format!("the Dockerfile runs the app as root (`USER {}`); use an unprivileged user", user.args)]
            } else {
                vec![]
            }
        }
    }
}

/// A `RUN` builds `package` with `cargo build --release --locked -p <package>`.
fn check_dockerfile_builds_package(instructions: &[Instruction], package: &str) -> Problems {
    let builds: Vec<Vec<&str>> = instructions
        .iter()
        .filter(|i| i.keyword == "RUN" && i.args.contains("cargo build"))
        .map(|i| i.args.split_whitespace().collect())
        .collect();
    let selects_package = |words: &[&str]| {
        words
            .windows(2)
            .any(|w| matches!(w[0], "-p" | "--package") && w[1] == package)
            || words
                .iter()
                .any(|w| *w == format!("--package={package}") || *w == format!("-p{package}"))
    };
    let Some(build) = builds
        .iter()
        .find(|words| selects_package(words.as_slice()))
    else {
        return vec![format!(
            "the Dockerfile must build this phase's package: `RUN cargo build --release --locked -p {package}` \
             (without `-p` cargo builds the whole workspace, or the wrong binary)"
        )];
    };
    let mut problems = Vec::new();
    for (flag, why) in [
        (
            "--release",
            "an unoptimised debug build is many times slower",
        ),
        (
            "--locked",
            "without it cargo may pick newer dependency versions than Cargo.lock says",
        ),
    ] {
        if !build.contains(&flag) {
            problems.push(format!(
                "the Dockerfile's `cargo build -p {package}` lacks `{flag}`: {why}"
            ));
        }
    }
    problems
}

/// The variables an `ENV` instruction sets (`ENV A=1 B=2`, or the old `ENV A 1`).
fn env_pairs(args: &str) -> Vec<(String, String)> {
    let unquote = |s: &str| s.trim_matches('"').trim_matches('\'').to_string();
    if args
        .split_whitespace()
        .next()
        .is_some_and(|w| w.contains('='))
    {
        args.split_whitespace()
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_string(), unquote(v)))
            .collect()
    } else {
        args.split_once(char::is_whitespace)
            .map(|(k, v)| vec![(k.to_string(), unquote(v.trim()))])
            .unwrap_or_default()
    }
}

/// The final stage sets `key` to `expected` with `ENV`.
fn check_dockerfile_env(instructions: &[Instruction], key: &str, expected: &str) -> Problems {
    let value = final_stage(instructions)
        .filter(|i| i.keyword == "ENV")
        .flat_map(|i| env_pairs(&i.args))
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .last();
    match value {
        Some(v) if v == expected => vec![],
        Some(v) => vec![format!(
            "the Dockerfile sets `ENV {key}={v}` but it must be `{key}={expected}`"
        )],
        None => vec![format!(
            "the Dockerfile's final stage must set `ENV {key}={expected}`"
        )],
    }
}

/// A `HEALTHCHECK` must not call curl or wget unless the final stage installs them: slim runtime
/// images have neither, and a healthcheck that cannot run marks a working app unhealthy.
fn check_dockerfile_healthcheck_tools(instructions: &[Instruction]) -> Problems {
    let stage: Vec<&Instruction> = final_stage(instructions).collect();
    let mut problems = Vec::new();
    for healthcheck in stage.iter().filter(|i| i.keyword == "HEALTHCHECK") {
        for tool in ["curl", "wget"] {
            let uses = healthcheck.args.contains(tool);
            let installed = stage
                .iter()
                .any(|i| i.keyword == "RUN" && i.args.contains("install") && i.args.contains(tool));
            if uses && !installed {
                problems.push(format!(
                    "the Dockerfile's HEALTHCHECK calls `{tool}`, which the final stage never installs; \
                     slim runtime images do not have it, so the check would always fail"
                ));
            }
        }
    }
    problems
}

/// The service publishes no port: it is reachable only over the Compose network.
fn check_publishes_nothing(doc: &Value, name: &str) -> Problems {
    with_service(doc, name, |svc| match svc.get("ports") {
        None => vec![],
        Some(_) => vec![format!(
            "service `{name}` publishes a port; only the gateway may be reachable from outside, \
             every other service is reached through it"
        )],
    })
}

/// The service can run as several replicas: no `container_name` (one name cannot be given to
/// two containers) and no fixed host port (two replicas cannot both bind host port 8002).
fn check_scalable(doc: &Value, name: &str) -> Problems {
    with_service(doc, name, |svc| {
        let mut problems = Vec::new();
        if let Some(container_name) = svc.get("container_name").and_then(scalar) {
            problems.push(format!(
                "service `{name}` sets `container_name: {container_name}`, so `docker compose up --scale \
                 {name}=3` fails (a container name is unique); leave the names to Compose"
            ));
        }
        let (ports, mut unreadable) = published_ports(svc, name);
        problems.append(&mut unreadable);
        for port in ports.iter().filter(|p| p.published.is_some()) {
            problems.push(format!(
                "service `{name}` publishes container port {} on the fixed host port {}, so a second \
                 replica cannot start (the host port is taken); reach it over the Compose network",
                port.target,
                port.published.as_deref().unwrap_or_default()
            ));
        }
        problems
    })
}

/// The service takes `key` from the environment Compose reads (`.env` or the shell) and
/// REFUSES to start without it: `${KEY:?message}`. For a secret several services must share,
/// an empty fallback is as bad as a hard-coded one: each service would generate its own key.
fn check_secret_required(doc: &Value, name: &str, key: &str) -> Problems {
    with_service(doc, name, |svc| match environment(svc).get(key) {
        Some(Some(value)) if value.starts_with(&format!("${{{key}:?")) && value.ends_with('}') => {
            vec![]
        }
        Some(Some(value)) => vec![format!(
            "service `{name}`: {key} is {value:?}; write `${{{key}:?set {key} in 03-microservices/.env}}` \
             so `docker compose up` stops when it is missing instead of every service inventing its own"
        )],
        _ => vec![format!(
            "service `{name}`: environment {key} must be set from .env: `{key}: ${{{key}:?...}}`"
        )],
    })
}

/// The committed `.env.example` lists every variable in `keys` and gives none of `secrets` a
/// value (a secret in a committed file is no secret).
fn check_env_example(text: &str, keys: &[&str], secrets: &[&str]) -> Problems {
    let assignments: BTreeMap<&str, &str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim(), value.trim()))
        .collect();
    let mut problems = Vec::new();
    for key in keys {
        if !assignments.contains_key(key) {
            problems.push(format!(
                ".env.example does not list {key}; write `{key}=` so `cp .env.example .env` shows what to set"
            ));
        }
    }
    for key in secrets {
        if let Some(value) = assignments.get(key).filter(|value| !value.is_empty()) {
            problems.push(format!(
                ".env.example gives {key} the value {value:?}; it is committed, so leave it empty \
                 (`{key}=`) and let each user generate their own"
            ));
        }
    }
    problems
}

/// `.env` (where the real secret goes) is ignored by git.
fn check_dotenv_ignored(gitignore: &str) -> Problems {
    let ignored = gitignore
        .lines()
        .map(str::trim)
        .any(|line| matches!(line, ".env" | "/.env" | "*.env" | "**/.env" | ".env*"));
    if ignored {
        vec![]
    } else {
        vec!["the repository's .gitignore does not ignore `.env`, so a real JWT_SECRET could be committed".to_string()]
    }
}

// =============================================================================================
// Observability: Jaeger, Prometheus and Grafana (the same checks in every phase)
// =============================================================================================

mod observability;

/// The processes that send traces to Jaeger and are scraped by Prometheus.
const OBSERVED: [observability::Observed; 4] = [
    observability::Observed {
        service: "api-gateway",
        package: "api-gateway",
        api_port: 8000,
        metrics_port: 9000,
    },
    observability::Observed {
        service: "user-service",
        package: "user-service",
        api_port: 8001,
        metrics_port: 9001,
    },
    observability::Observed {
        service: "task-service",
        package: "task-service",
        api_port: 8002,
        metrics_port: 9002,
    },
    observability::Observed {
        service: "stats-service",
        package: "stats-service",
        api_port: 8003,
        metrics_port: 9003,
    },
];

// =============================================================================================
// The checks this phase must pass
// =============================================================================================

/// A service's database: its compose service and its named volume.
type Database = (&'static str, &'static str);

/// (compose service = package = binary, port, its database)
const SERVICES: [(&str, u16, Option<Database>); 4] = [
    ("api-gateway", 8000, None),
    ("user-service", 8001, Some(("user-db", "user-db-data"))),
    ("task-service", 8002, Some(("task-db", "task-db-data"))),
    ("stats-service", 8003, None),
];

fn phase03_compose_problems(doc: &Value, compose_dir: &Path) -> Problems {
    let mut problems = check_services_exist(
        doc,
        &[
            "api-gateway",
            "user-service",
            "task-service",
            "stats-service",
            "user-db",
            "task-db",
        ],
    );
    // `docker compose up --scale task-service=3` starts three of it.
    problems.extend(check_scalable(doc, "task-service"));
    problems.extend(check_publishes_port(doc, "api-gateway", 8000, 8000));
    for (url_key, host_port) in [
        ("USER_SERVICE_URL", "http://user-service:8001"),
        ("TASK_SERVICE_URL", "http://task-service:8002"),
        ("STATS_SERVICE_URL", "http://stats-service:8003"),
    ] {
        problems.extend(check_env_equals(doc, "api-gateway", url_key, host_port));
    }
    problems.extend(check_env_equals(
        doc,
        "stats-service",
        "TASK_SERVICE_URL",
        "http://task-service:8002",
    ));
    for (name, port, database) in SERVICES {
        problems.extend(check_build(doc, name, compose_dir));
        problems.extend(check_build_args(doc, name, port));
        problems.extend(check_env_equals(doc, name, "HOST", "0.0.0.0"));
        problems.extend(check_env_equals(doc, name, "PORT", &port.to_string()));
        if name != "api-gateway" {
            problems.extend(check_publishes_nothing(doc, name));
            problems.extend(check_depends_on_healthy(doc, "api-gateway", name));
            problems.extend(check_secret_not_hard_coded(doc, name, "JWT_SECRET"));
            problems.extend(check_secret_required(doc, name, "JWT_SECRET"));
        }
        if let Some((db, volume)) = database {
            problems.extend(check_database_url(doc, name, "postgres", db));
            problems.extend(check_depends_on_healthy(doc, name, db));
            problems.extend(check_image(doc, db, "postgres:16"));
            problems.extend(check_healthcheck(doc, db, "pg_isready"));
            problems.extend(check_pg_isready_over_tcp(doc, db));
            problems.extend(check_named_volume(
                doc,
                db,
                volume,
                "/var/lib/postgresql/data",
            ));
            problems.extend(check_publishes_nothing(doc, db));
        }
    }
    problems
}

/// The one Dockerfile every service is built from: the package and port are build arguments.
fn phase03_dockerfile_problems(dockerfile: &str) -> Problems {
    let instructions = parse_dockerfile(dockerfile);
    [
        check_dockerfile_multi_stage(&instructions),
        check_dockerfile_non_root(&instructions),
        check_dockerfile_builds_package(&instructions, "${SERVICE}"),
        check_dockerfile_env(&instructions, "HOST", "0.0.0.0"),
        check_dockerfile_env(&instructions, "PORT", "${PORT}"),
        check_dockerfile_healthcheck_tools(&instructions),
        check_dockerfile_exposes(&instructions, "${PORT}"),
    ]
    .concat()
}

/// The service's image is built with `args: {SERVICE: <its package>, PORT: <its port>}`.
fn check_build_args(doc: &Value, name: &str, port: u16) -> Problems {
    with_service(doc, name, |svc| {
        let args = svc.get("build").and_then(|build| build.get("args"));
        let arg = |key: &str| args.and_then(|args| args.get(key)).and_then(scalar);
        let mut problems = Vec::new();
        if arg("SERVICE").as_deref() != Some(name) {
            problems.push(format!(
                "service `{name}` must build its own package: `build: {{args: {{SERVICE: {name}}}}}`"
            ));
        }
        if arg("PORT") != Some(port.to_string()) {
            problems.push(format!(
                "service `{name}` must build with `args: {{PORT: \"{port}\"}}`, the port it listens on"
            ));
        }
        problems
    })
}

fn phase_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn compose() -> Value {
    let path = phase_dir().join("docker-compose.yml");
    let yaml =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse_compose(&yaml)
}

fn report(file: &str, problems: &[String]) -> String {
    let mut out = format!("{file} has {} problem(s):\n", problems.len());
    for problem in problems {
        out.push_str(&format!("  - {problem}\n"));
    }
    out
}

// =============================================================================================
// Tests
// =============================================================================================

#[test]
fn compose_file_runs_the_gateway_and_services_each_with_its_own_healthy_database() {
    let problems = phase03_compose_problems(&compose(), &phase_dir());
    assert!(
        problems.is_empty(),
        "{}",
        report("03-microservices/docker-compose.yml", &problems)
    );
}

#[test]
fn the_dockerfile_compose_builds_is_multi_stage_and_runs_unprivileged() {
    let doc = compose();
    for (name, _, _) in SERVICES {
        let (_, dockerfile) =
            build_paths(&doc, name, &phase_dir()).unwrap_or_else(|problem| panic!("{problem}"));
        assert_eq!(
            dockerfile,
            phase_dir().join("../03-microservices/Dockerfile")
        );
    }
    let path = phase_dir().join("Dockerfile");
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let problems = phase03_dockerfile_problems(&text);
    assert!(
        problems.is_empty(),
        "{}",
        report("03-microservices/Dockerfile", &problems)
    );
}

/// Classic microservice mistakes: a service published to the host, an upstream URL on
/// localhost, a shared database, a gateway that does not wait for its services, a shared
/// secret with a fallback, and a task-service that cannot be scaled (a fixed container name
/// and host port).
const BROKEN_COMPOSE: &str = r#"
services:
  api-gateway:
    build: {context: .., dockerfile: 03-microservices/api-gateway/Dockerfile}
    ports: ["8000:8000"]
    environment:
      HOST: "0.0.0.0"
      PORT: "8000"
      USER_SERVICE_URL: http://localhost:8001
    depends_on: [user-service]
  user-service:
    build: {context: .., dockerfile: 03-microservices/user-service/Dockerfile}
    ports: ["8001:8001"]
    environment:
      DATABASE_URL: postgres://app:app@task-db:5432/app
      JWT_SECRET: ${JWT_SECRET:-a-secret-everyone-now-knows-32bytes}
  task-service:
    build: {context: .., dockerfile: 03-microservices/Dockerfile, args: {SERVICE: task-service, PORT: "8002"}}
    container_name: tasktracker-tasks
    ports: ["127.0.0.1:8002:8002"]
    environment:
      HOST: "0.0.0.0"
      PORT: "8002"
      JWT_SECRET: ${JWT_SECRET:-}
volumes: {}
"#;

#[test]
fn the_phase_checks_catch_classic_microservice_mistakes() {
    let problems = phase03_compose_problems(&parse_compose(BROKEN_COMPOSE), &phase_dir());
    let text = problems.join("\n");
    for needle in [
        "no service `stats-service`",
        "service `user-service` publishes a port",
        "USER_SERVICE_URL is \"http://localhost:8001\"",
        "short form `depends_on: [user-service]`",
        "host `task-db`",
        "falls back to the hard-coded value",
        "no service `user-db`",
        "no service `task-db`",
        "must build its own package",
        "sets `container_name: tasktracker-tasks`",
        "fixed host port 8002",
        "service `task-service`: JWT_SECRET is \"${JWT_SECRET:-}\"",
        "service `user-service`: JWT_SECRET is \"${JWT_SECRET:-a-secret",
    ] {
        assert!(text.contains(needle), "expected {needle:?} among:\n{text}");
    }
}

#[test]
fn the_shared_secret_comes_from_an_ignored_env_file_with_a_committed_example() {
    let path = phase_dir().join(".env.example");
    let example =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let gitignore = fs::read_to_string(phase_dir().join("../.gitignore")).unwrap_or_default();
    let problems = [
        check_env_example(&example, &["JWT_SECRET"], &["JWT_SECRET"]),
        check_dotenv_ignored(&gitignore),
    ]
    .concat();
    assert!(
        problems.is_empty(),
        "{}",
        report("03-microservices/.env.example", &problems)
    );
}

#[test]
fn the_env_file_checks_catch_a_committed_secret() {
    let problems = [
        check_env_example(
            "JWT_SECRET=0123456789abcdef0123456789abcdef\n",
            &["JWT_SECRET"],
            &["JWT_SECRET"],
        ),
        check_env_example(
            "# nothing here\nRUST_LOG=info\n",
            &["JWT_SECRET"],
            &["JWT_SECRET"],
        ),
        check_dotenv_ignored("/target\n*.sqlite3\n"),
    ]
    .concat();
    let text = problems.join("\n");
    for needle in [
        "gives JWT_SECRET the value \"0123456789abcdef",
        "does not list JWT_SECRET",
        "does not ignore `.env`",
    ] {
        assert!(text.contains(needle), "expected {needle:?} among:\n{text}");
    }
}
