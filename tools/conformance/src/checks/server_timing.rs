//! The optional `server-timing` area: every answer of the run carries a `Server-Timing`
//! header that parses, with the entries the phase promises. It is additive to the contract,
//! so a run checks it only when asked ([`crate::Config::server_timing`]); it runs last and
//! judges every answer the whole run received, plus a few of its own (the web app, a 401,
//! a 404 and a 405).

use std::collections::BTreeSet;

use super::Ctx;
use super::expect::Check;
use super::fixtures::TASKS;
use crate::ServerTiming;
use crate::areas;
use crate::http::{Answered, Request};
use crate::report::AreaReport;
use crate::server_timing::parse_fields;

/// How many offending answers a check quotes.
const QUOTED: usize = 10;

/// Every endpoint a run asks, by method and path template (`{id}`: a task id).
const ENDPOINTS: [(&str, &str); 15] = [
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/users/me"),
    ("POST", "/api/v1/tasks"),
    ("GET", "/api/v1/tasks"),
    ("GET", "/api/v1/tasks/{id}"),
    ("PUT", "/api/v1/tasks/{id}"),
    ("DELETE", "/api/v1/tasks/{id}"),
    ("PATCH", "/api/v1/tasks/{id}/status"),
    ("POST", "/api/v1/tasks/{id}/toggle"),
    ("GET", "/api/v1/stats"),
    ("GET", "/"),
];

/// The error statuses a run provokes; each must carry the header too, whoever answers it
/// (in phase 03 the gateway answers some of them itself).
const ERROR_STATUSES: [u16; 7] = [400, 401, 404, 405, 413, 415, 422];

pub(crate) async fn run(ctx: &Ctx, rule: &ServerTiming) -> AreaReport {
    let mut area = AreaReport::new(areas::SERVER_TIMING);
    let id = &ctx.run_id;
    for request in [
        Request::get("/"),
        Request::get(TASKS),                         // no token: 401
        Request::get(format!("/no-such-page-{id}")), // 404
        Request::delete(TASKS),                      // 405
    ] {
        if let Err(message) = ctx.api.send(&request).await {
            area.record("send the area's own requests", Err(message));
        }
    }
    let answers = ctx.api.answered();
    let judged: Vec<(&Answered, Result<Vec<String>, String>)> = answers
        .iter()
        .map(|answer| (answer, names(answer)))
        .collect();

    area.record(
        "every answer of this run carried a Server-Timing header",
        offenders(
            answers
                .iter()
                .filter(|answer| answer.server_timing.is_empty())
                .map(|answer| format!("{} had none", describe(answer))),
        ),
    );
    area.record(
        "every Server-Timing header parsed: metrics `name;dur=<ms>[;desc=\"…\"]`, each with one dur, names unique",
        offenders(judged.iter().filter_map(|(answer, names)| match names {
            Err(reason) if !answer.server_timing.is_empty() => {
                Some(format!("{}: {reason}", describe(answer)))
            }
            _ => None,
        })),
    );
    if !rule.required.is_empty() {
        area.record(
            &format!(
                "every Server-Timing header named {}",
                rule.required.join(", ")
            ),
            offenders(judged.iter().filter_map(|(answer, names)| {
                let names = names.as_ref().ok()?;
                let missing: Vec<&str> = rule
                    .required
                    .iter()
                    .filter(|required| !names.contains(required))
                    .map(String::as_str)
                    .collect();
                (!missing.is_empty()).then(|| {
                    format!(
                        "{} named {} but not {}",
                        describe(answer),
                        names.join(", "),
                        missing.join(", ")
                    )
                })
            })),
        );
    }
    let timed: Vec<&Answered> = judged
        .iter()
        .filter(|(_, names)| names.is_ok())
        .map(|(answer, _)| *answer)
        .collect();
    area.record(
        "every endpoint of the contract answered with a valid Server-Timing header",
        endpoints_covered(&timed),
    );
    area.record(
        &format!(
            "error answers too: {}",
            ERROR_STATUSES.map(|status| status.to_string()).join(", ")
        ),
        statuses_covered(&timed),
    );
    area
}

/// The metric names of an answer's header, or why it has none that parse.
fn names(answer: &Answered) -> Result<Vec<String>, String> {
    let metrics = parse_fields(answer.server_timing.iter().map(String::as_str))?;
    Ok(metrics.into_iter().map(|metric| metric.name).collect())
}

fn describe(answer: &Answered) -> String {
    format!("{} {} ({})", answer.method, answer.path, answer.status)
}

/// `/api/v1/tasks/17/status` → `/api/v1/tasks/{id}/status`.
fn template(path: &str) -> String {
    path.split('/')
        .enumerate()
        .map(|(index, segment)| {
            // ["", "api", "v1", "tasks", <id>, ...]
            if index == 4 && path.starts_with("/api/v1/tasks/") {
                "{id}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn endpoints_covered(timed: &[&Answered]) -> Check {
    let seen: BTreeSet<(String, String)> = timed
        .iter()
        .map(|answer| (answer.method.to_string(), template(&answer.path)))
        .collect();
    let missing: Vec<String> = ENDPOINTS
        .iter()
        .filter(|(method, path)| !seen.contains(&((*method).to_owned(), (*path).to_owned())))
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "no answer with a valid Server-Timing header to: {}",
            missing.join(", ")
        ))
    }
}

fn statuses_covered(timed: &[&Answered]) -> Check {
    let missing: Vec<String> = ERROR_STATUSES
        .iter()
        .filter(|status| !timed.iter().any(|answer| answer.status == **status))
        .map(u16::to_string)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "no {} answer of this run carried a valid Server-Timing header",
            missing.join(", no ")
        ))
    }
}

fn offenders(found: impl Iterator<Item = String>) -> Check {
    let found: Vec<String> = found.collect();
    if found.is_empty() {
        return Ok(());
    }
    let mut message = format!("{} answers broke it:", found.len());
    for offender in found.iter().take(QUOTED) {
        message.push_str("\n  ");
        message.push_str(offender);
    }
    if found.len() > QUOTED {
        message.push_str("\n  …");
    }
    Err(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_their_templates() {
        assert_eq!(
            template("/api/v1/tasks/17/status"),
            "/api/v1/tasks/{id}/status"
        );
        assert_eq!(template("/api/v1/tasks/17"), "/api/v1/tasks/{id}");
        assert_eq!(template("/api/v1/tasks"), "/api/v1/tasks");
        assert_eq!(template("/api/v1/users/me"), "/api/v1/users/me");
    }
}
