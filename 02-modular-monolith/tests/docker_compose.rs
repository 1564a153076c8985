//! Static checks on how phase 02 ships in containers: `02-modular-monolith/docker-compose.yml`
//! and the `02-modular-monolith/Dockerfile` it builds. (Copied from phase 01 and adapted:
//! copying across phases is how each phase stays readable on its own.) No Docker engine is needed: both files are parsed and
//! checked for the mistakes that make `docker compose up` fail, or worse, appear to work.
//!
//! Every check is a plain function over the parsed file (and, for compose, a service name) that
//! returns a list of problems, empty when all is well. The tests run them twice:
//! - on the real files, expecting no problem at all;
//! - on deliberately broken copies, expecting every planted mistake to be reported, so a check
//!   that silently accepts everything cannot go unnoticed.
//!
//! The helpers know nothing about phase 02 beyond the arguments they are given, so the compose
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
fn check_dockerfile_exposes(instructions: &[Instruction], port: u16) -> Problems {
    let want = port.to_string();
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

// =============================================================================================
// Observability: Jaeger, Prometheus and Grafana (the same checks in every phase)
// =============================================================================================

#[path = "docker_compose/observability.rs"]
mod observability;

/// The processes that send traces to Jaeger and are scraped by Prometheus.
const OBSERVED: [observability::Observed; 1] = [observability::Observed {
    service: "app",
    package: "modular-monolith",
    api_port: 8000,
    metrics_port: 9000,
}];

// =============================================================================================
// The checks this phase must pass, bundled so they can run on the real files and on broken copies
// =============================================================================================

/// Exactly one service runs PostgreSQL: in phase 02 the modules share one database server and
/// one database, each module in its own schema (created by the module's migrations).
fn check_one_shared_database(doc: &Value) -> Problems {
    let databases: Vec<String> = doc
        .get("services")
        .and_then(Value::as_mapping)
        .map(|services| {
            services
                .iter()
                .filter(|(_, svc)| {
                    svc.get("image")
                        .and_then(scalar)
                        .is_some_and(|image| image.starts_with("postgres"))
                })
                .filter_map(|(name, _)| scalar(name))
                .collect()
        })
        .unwrap_or_default();
    if databases.len() == 1 {
        vec![]
    } else {
        vec![format!(
            "phase 02 runs ONE PostgreSQL shared by every module (a schema per module, created by \
             each module's migrations); found {} database service(s) {databases:?}. A database per \
             module is phase 03's design",
            databases.len()
        )]
    }
}

fn phase02_compose_problems(doc: &Value, compose_dir: &Path) -> Problems {
    [
        check_one_shared_database(doc),
        check_services_exist(doc, &["app", "db"]),
        check_publishes_port(doc, "app", 8000, 8000),
        check_database_url(doc, "app", "postgres", "db"),
        check_env_equals(doc, "app", "HOST", "0.0.0.0"),
        check_secret_not_hard_coded(doc, "app", "JWT_SECRET"),
        check_depends_on_healthy(doc, "app", "db"),
        check_build(doc, "app", compose_dir),
        check_image(doc, "db", "postgres:16"),
        check_healthcheck(doc, "db", "pg_isready"),
        check_pg_isready_over_tcp(doc, "db"),
        check_named_volume(doc, "db", "pgdata", "/var/lib/postgresql/data"),
    ]
    .concat()
}

fn phase02_dockerfile_problems(dockerfile: &str) -> Problems {
    let instructions = parse_dockerfile(dockerfile);
    [
        check_dockerfile_multi_stage(&instructions),
        check_dockerfile_exposes(&instructions, 8000),
        check_dockerfile_non_root(&instructions),
        check_dockerfile_builds_package(&instructions, "modular-monolith"),
        check_dockerfile_env(&instructions, "HOST", "0.0.0.0"),
        check_dockerfile_env(&instructions, "PORT", "8000"),
        check_dockerfile_healthcheck_tools(&instructions),
    ]
    .concat()
}

fn phase_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn report(file: &str, problems: &[String]) -> String {
    let mut out = format!("{file} has {} problem(s):\n", problems.len());
    for problem in problems {
        out.push_str(&format!("  - {problem}\n"));
    }
    out
}

/// `problems` contains one mentioning every fragment in `needles`; otherwise fail and show all.
#[track_caller]
fn assert_reported(problems: &[String], needles: &[&str]) {
    assert!(
        problems
            .iter()
            .any(|p| needles.iter().all(|n| p.contains(n))),
        "expected a problem mentioning {needles:?}, but the checks reported:\n{}",
        problems
            .iter()
            .map(|p| format!("  - {p}\n"))
            .collect::<String>()
    );
}

// =============================================================================================
// Tests on the real files
// =============================================================================================

#[test]
fn compose_file_runs_the_app_against_a_healthy_postgres() {
    let path = phase_dir().join("docker-compose.yml");
    let yaml =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let problems = phase02_compose_problems(&parse_compose(&yaml), &phase_dir());
    assert!(
        problems.is_empty(),
        "{}",
        report("02-modular-monolith/docker-compose.yml", &problems)
    );
}

#[test]
fn dockerfile_that_compose_builds_is_multi_stage_and_runs_unprivileged() {
    let doc = parse_compose(&fs::read_to_string(phase_dir().join("docker-compose.yml")).unwrap());
    let (_, dockerfile) =
        build_paths(&doc, "app", &phase_dir()).unwrap_or_else(|problem| panic!("{problem}"));
    let text = fs::read_to_string(&dockerfile).unwrap_or_else(|e| {
        panic!(
            "cannot read the Dockerfile compose builds, {}: {e}",
            dockerfile.display()
        )
    });
    let problems = phase02_dockerfile_problems(&text);
    assert!(
        problems.is_empty(),
        "{}",
        report("02-modular-monolith/Dockerfile", &problems)
    );
}

// =============================================================================================
// Tests proving the checks catch mistakes
// =============================================================================================

#[test]
fn a_database_per_module_is_reported() {
    let doc = parse_compose(
        "services:\n  app:\n    build: .\n  identity-db:\n    image: postgres:16\n  tasks-db:\n    image: postgres:16\n",
    );
    assert_reported(
        &check_one_shared_database(&doc),
        &[
            "ONE PostgreSQL",
            "found 2 database service(s)",
            "identity-db",
        ],
    );
}

/// Every line here is a classic mistake.
const BROKEN_COMPOSE: &str = r#"
services:
  app:
    build:
      context: ../no-such-folder
      dockerfile: 02-modular-monolith/Dockerfile
    ports:
      - "8080:8000"
    environment:
      DATABASE_URL: mysql://tasktracker:tasktracker@localhost:5432/tasktracker
      HOST: 127.0.0.1
      JWT_SECRET: my-super-secret-key-that-is-32-bytes-long
    depends_on:
      db:
        condition: service_started
  db:
    image: postgres:latest
    volumes:
      - ./pgdata:/var/lib/postgresql/data
"#;

#[test]
fn checks_report_every_mistake_in_a_broken_compose_file() {
    let doc = parse_compose(BROKEN_COMPOSE);
    let dir = phase_dir();

    assert_reported(
        &check_publishes_port(&doc, "app", 8000, 8000),
        &["publish container port 8000 on host port 8000", "8080:8000"],
    );
    assert_reported(
        &check_database_url(&doc, "app", "postgres", "db"),
        &["scheme `mysql://`"],
    );
    assert_reported(
        &check_database_url(&doc, "app", "postgres", "db"),
        &["host `localhost`", "localhost is that container itself"],
    );
    assert_reported(
        &check_env_equals(&doc, "app", "HOST", "0.0.0.0"),
        &["HOST is \"127.0.0.1\""],
    );
    assert_reported(
        &check_secret_not_hard_coded(&doc, "app", "JWT_SECRET"),
        &["JWT_SECRET is hard-coded"],
    );
    assert_reported(
        &check_depends_on_healthy(&doc, "app", "db"),
        &["condition `service_started`"],
    );
    assert_reported(
        &check_build(&doc, "app", &dir),
        &["build context", "does not exist"],
    );
    assert_reported(
        &check_image(&doc, "db", "postgres:16"),
        &["`postgres:latest`"],
    );
    assert_reported(
        &check_healthcheck(&doc, "db", "pg_isready"),
        &["no healthcheck", "service_healthy"],
    );
    assert_reported(
        &check_named_volume(&doc, "db", "pgdata", "/var/lib/postgresql/data"),
        &["not declared at the top level"],
    );
    assert_reported(
        &check_named_volume(&doc, "db", "pgdata", "/var/lib/postgresql/data"),
        &["mounts `./pgdata` there instead"],
    );

    // The bundle sees all of it too (11 planted mistakes, some checks report more than one).
    let all = phase02_compose_problems(&doc, &dir);
    assert!(all.len() >= 11, "{}", report("BROKEN_COMPOSE", &all));
}

/// Other spellings of other mistakes: list-form environment, short-form depends_on, a secret
/// with a hard-coded fallback, a socket-only pg_isready, missing healthcheck timings,
/// a missing service.
const BROKEN_COMPOSE_OTHER_SPELLINGS: &str = r#"
services:
  app:
    build: .
    ports:
      - "8000"
      - 9000
    environment:
      - DATABASE_URL=postgres://tasktracker@db/tasktracker
      - JWT_SECRET=${JWT_SECRET:-changeme-changeme-changeme-changeme}
    depends_on:
      - db
  database:
    image: postgres:16
    healthcheck:
      test: pg_isready -U tasktracker
volumes:
  pgdata:
"#;

#[test]
fn checks_report_mistakes_in_other_spellings() {
    let doc = parse_compose(BROKEN_COMPOSE_OTHER_SPELLINGS);
    let dir = phase_dir();

    assert_reported(
        &check_services_exist(&doc, &["app", "db"]),
        &["no service `db`"],
    );
    assert_reported(
        &check_publishes_port(&doc, "app", 8000, 8000),
        &["(random):8000"],
    );
    assert_reported(
        &check_publishes_port(&doc, "app", 8000, 8000),
        &["9000 is a bare number"],
    );
    assert_reported(
        &check_env_equals(&doc, "app", "HOST", "0.0.0.0"),
        &["HOST must be set"],
    );
    assert_reported(
        &check_secret_not_hard_coded(&doc, "app", "JWT_SECRET"),
        &["falls back to the hard-coded value"],
    );
    assert_reported(
        &check_depends_on_healthy(&doc, "app", "db"),
        &["short form", "only waits for the container to START"],
    );
    assert_reported(
        &check_build(&doc, "app", &dir),
        &["not the Cargo workspace root"],
    );
    let wrong_dockerfile = parse_compose(
        "services:\n  app:\n    build:\n      context: ..\n      dockerfile: Dockerfile\n",
    );
    assert_reported(
        &check_build(&wrong_dockerfile, "app", &dir),
        &["the Dockerfile", "does not exist"],
    );
    assert_reported(
        &check_build(
            &parse_compose("services:\n  app:\n    image: x\n"),
            "app",
            &dir,
        ),
        &["no `build:` section"],
    );
    assert_reported(
        &check_pg_isready_over_tcp(&doc, "database"),
        &["add `-h 127.0.0.1`"],
    );
    assert_reported(
        &check_healthcheck(&doc, "database", "pg_isready"),
        &["no `start_period`"],
    );
    assert_reported(
        &check_named_volume(&doc, "database", "pgdata", "/var/lib/postgresql/data"),
        &["lost when the container is re-created"],
    );
    assert_reported(
        &check_image(&doc, "db", "postgres:16"),
        &["no service `db`"],
    );

    // The DATABASE_URL itself is fine here: scheme and host are right.
    assert_eq!(
        check_database_url(&doc, "app", "postgres", "db"),
        Problems::new()
    );
}

/// Valid spellings the checks must accept, so they do not push learners to one style.
const GOOD_COMPOSE_OTHER_SPELLINGS: &str = r#"
services:
  app:
    build:
      context: ..
      dockerfile: 02-modular-monolith/Dockerfile
    ports:
      - target: 8000
        published: 8000
    environment:
      - DATABASE_URL=postgres://u:p@db:5432/tasktracker?sslmode=disable
      - HOST=0.0.0.0
      - JWT_SECRET
    depends_on:
      db:
        condition: service_healthy
        restart: true
  db:
    image: postgres:16
    healthcheck:
      test: ["CMD-SHELL", "pg_isready --host=localhost -U tasktracker -d tasktracker"]
      interval: 2s
      timeout: 2s
      retries: 30
      start_period: 1m
    volumes:
      - type: volume
        source: pgdata
        target: /var/lib/postgresql/data
volumes:
  pgdata: {}
"#;

#[test]
fn checks_accept_other_valid_spellings() {
    let problems =
        phase02_compose_problems(&parse_compose(GOOD_COMPOSE_OTHER_SPELLINGS), &phase_dir());
    assert!(
        problems.is_empty(),
        "{}",
        report("GOOD_COMPOSE_OTHER_SPELLINGS", &problems)
    );

    // A secret taken from the environment without fallback, or explicitly required, is fine.
    for secret in [
        "${JWT_SECRET}",
        "$JWT_SECRET",
        "${JWT_SECRET:?set JWT_SECRET in .env}",
        "${JWT_SECRET:-}",
        "''",
    ] {
        let doc = parse_compose(&format!(
            "services:\n  app:\n    environment:\n      JWT_SECRET: {secret}\n"
        ));
        assert_eq!(
            check_secret_not_hard_coded(&doc, "app", "JWT_SECRET"),
            Problems::new(),
            "for {secret}"
        );
    }
}

/// A single-stage image that builds the whole workspace and runs it as root.
const BROKEN_DOCKERFILE: &str = r#"
FROM rust:1-bookworm
WORKDIR /src
COPY . .
RUN cargo build
ENV HOST=127.0.0.1
EXPOSE 8080
HEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1
CMD ["/src/target/debug/modular-monolith"]
"#;

#[test]
fn checks_report_every_mistake_in_a_broken_dockerfile() {
    let instructions = parse_dockerfile(BROKEN_DOCKERFILE);

    assert_reported(
        &check_dockerfile_multi_stage(&instructions),
        &["1 FROM stage(s)"],
    );
    assert_reported(
        &check_dockerfile_multi_stage(&instructions),
        &["ships the whole Rust toolchain"],
    );
    assert_reported(
        &check_dockerfile_exposes(&instructions, 8000),
        &["EXPOSE 8000"],
    );
    assert_reported(
        &check_dockerfile_non_root(&instructions),
        &["no USER instruction", "runs as root"],
    );
    assert_reported(
        &check_dockerfile_builds_package(&instructions, "modular-monolith"),
        &["-p modular-monolith"],
    );
    assert_reported(
        &check_dockerfile_env(&instructions, "HOST", "0.0.0.0"),
        &["`ENV HOST=127.0.0.1`"],
    );
    assert_reported(
        &check_dockerfile_env(&instructions, "PORT", "8000"),
        &["must set `ENV PORT=8000`"],
    );
    assert_reported(
        &check_dockerfile_healthcheck_tools(&instructions),
        &["calls `curl`"],
    );

    let all = phase02_dockerfile_problems(BROKEN_DOCKERFILE);
    assert!(all.len() >= 8, "{}", report("BROKEN_DOCKERFILE", &all));
}

#[test]
fn checks_report_root_user_and_missing_build_flags() {
    let dockerfile = r#"
FROM rust:1-bookworm AS build
RUN cargo build \
    -p modular-monolith
FROM debian:bookworm-slim
# a comment inside the stage
ENV HOST 0.0.0.0
ENV PORT=8000
USER root
"#;
    let instructions = parse_dockerfile(dockerfile);
    assert_reported(
        &check_dockerfile_non_root(&instructions),
        &["as root (`USER root`)"],
    );
    assert_reported(
        &check_dockerfile_builds_package(&instructions, "modular-monolith"),
        &["lacks `--release`"],
    );
    assert_reported(
        &check_dockerfile_builds_package(&instructions, "modular-monolith"),
        &["lacks `--locked`"],
    );
    // Line continuations, the old `ENV KEY value` form, and multiple stages are understood.
    assert_eq!(check_dockerfile_multi_stage(&instructions), Problems::new());
    assert_eq!(
        check_dockerfile_env(&instructions, "HOST", "0.0.0.0"),
        Problems::new()
    );

    let uid_zero = parse_dockerfile("FROM rust:1 AS b\nFROM debian:bookworm-slim\nUSER 0:0\n");
    assert_reported(
        &check_dockerfile_non_root(&uid_zero),
        &["as root (`USER 0:0`)"],
    );
}
