//! Assertions shared by every area. Each returns `Err(message)` saying what was expected and what
//! came back, so a check reads as a short list of expectations joined with `?`.

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use crate::http::Reply;

/// The result of one check: `Err` carries the failure message.
pub(crate) type Check = Result<(), String>;

pub(crate) const STATUSES: [&str; 3] = ["todo", "in_progress", "done"];
pub(crate) const PRIORITIES: [&str; 3] = ["low", "medium", "high"];

/// Fails with `message()` unless `condition` holds.
pub(crate) fn that(condition: bool, message: impl FnOnce() -> String) -> Check {
    if condition { Ok(()) } else { Err(message()) }
}

/// Passes when every one passes; otherwise fails with all their messages, one per line.
pub(crate) fn all(results: impl IntoIterator<Item = Check>) -> Check {
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    that(failures.is_empty(), || failures.join("\n"))
}

pub(crate) fn status(reply: &Reply, expected: u16) -> Check {
    status_in(reply, &[expected])
}

/// The status is one of `allowed` (where the contract leaves a choice, e.g. 400 or 422).
pub(crate) fn status_in(reply: &Reply, allowed: &[u16]) -> Check {
    that(allowed.contains(&reply.status), || {
        let allowed: Vec<String> = allowed.iter().map(u16::to_string).collect();
        format!(
            "expected {}, but {}",
            allowed.join(" or "),
            reply.describe()
        )
    })
}

/// A JSON answer with this status; returns the parsed body.
pub(crate) fn json(reply: &Reply, expected: u16) -> Result<Value, String> {
    status(reply, expected)?;
    that(reply.media_type() == "application/json", || {
        format!(
            "expected Content-Type application/json, but {}",
            reply.describe()
        )
    })?;
    reply.json()
}

/// An RFC 9457 problem with this status.
pub(crate) fn problem(reply: &Reply, expected: u16) -> Check {
    problem_in(reply, &[expected])
}

pub(crate) fn problem_in(reply: &Reply, allowed: &[u16]) -> Check {
    status_in(reply, allowed)?;
    reply.problem_violation().map_or(Ok(()), Err)
}

/// A 422 problem whose `errors` name exactly these fields, once each.
pub(crate) fn validation(reply: &Reply, fields: &[&str]) -> Check {
    problem(reply, 422)?;
    let body = reply.json()?;
    let Some(errors) = body.get("errors").and_then(Value::as_array) else {
        return Err(format!(
            "expected an `errors` array, but {}",
            reply.describe()
        ));
    };
    let mut named = Vec::new();
    for error in errors {
        let field = error.get("field").and_then(Value::as_str);
        let message = error.get("message").and_then(Value::as_str);
        match (field, message) {
            (Some(field), Some(_)) => named.push(field.to_owned()),
            _ => {
                return Err(format!(
                    "expected each entry of `errors` to be {{\"field\": string, \"message\": string}}, but {}",
                    reply.describe()
                ));
            }
        }
    }
    named.sort();
    let mut wanted: Vec<String> = fields.iter().map(|field| (*field).to_owned()).collect();
    wanted.sort();
    that(named == wanted, || {
        format!(
            "expected one `errors` entry for each of [{}], found [{}]: {}",
            wanted.join(", "),
            named.join(", "),
            reply.describe()
        )
    })
}

/// A 204-style answer: no body at all.
pub(crate) fn empty_body(reply: &Reply) -> Check {
    that(reply.body.is_empty(), || {
        format!("expected an empty body, but {}", reply.describe())
    })
}

/// Adds "what came back" to a message about a body's content.
pub(crate) fn in_reply(reply: &Reply) -> impl Fn(String) -> String + '_ {
    move |message| format!("{message}\n  in: {}", reply.describe())
}

pub(crate) fn field<'a>(object: &'a Value, key: &str) -> Result<&'a Value, String> {
    object
        .get(key)
        .ok_or_else(|| format!("expected a member `{key}`, it is missing"))
}

pub(crate) fn str_field<'a>(object: &'a Value, key: &str) -> Result<&'a str, String> {
    let value = field(object, key)?;
    value
        .as_str()
        .ok_or_else(|| format!("expected `{key}` to be a string, found {value}"))
}

pub(crate) fn int_field(object: &Value, key: &str) -> Result<i64, String> {
    let value = field(object, key)?;
    value
        .as_i64()
        .ok_or_else(|| format!("expected `{key}` to be an integer, found {value}"))
}

pub(crate) fn number_field(object: &Value, key: &str) -> Result<f64, String> {
    let value = field(object, key)?;
    value
        .as_f64()
        .ok_or_else(|| format!("expected `{key}` to be a number, found {value}"))
}

/// `key` holds an RFC 3339 date-time in UTC (`Z` or `+00:00`). Compared as instants, never as
/// strings, so `2030-01-01T00:00:00Z` equals `2030-01-01T00:00:00.000+00:00`.
pub(crate) fn utc_time(object: &Value, key: &str) -> Result<DateTime<FixedOffset>, String> {
    let text = str_field(object, key)?;
    let time = DateTime::parse_from_rfc3339(text).map_err(|error| {
        format!("expected `{key}` to be an RFC 3339 date-time ({error}), found {text:?}")
    })?;
    that(time.offset().local_minus_utc() == 0, || {
        format!("expected `{key}` in UTC (Z or +00:00), found {text:?}")
    })?;
    Ok(time)
}

/// `key` is present and either null or a UTC date-time.
fn nullable_utc_time(object: &Value, key: &str) -> Check {
    if field(object, key)?.is_null() {
        return Ok(());
    }
    utc_time(object, key).map(|_| ())
}

/// Every member a task has, typed as the contract says, owned by `owner_id`, and
/// `completed == (status == "done")`.
pub(crate) fn task_shape(task: &Value, owner_id: i64) -> Check {
    let id = int_field(task, "id")?;
    that(id > 0, || format!("expected a positive `id`, found {id}"))?;
    str_field(task, "title")?;
    let description = field(task, "description")?;
    that(description.is_string() || description.is_null(), || {
        format!("expected `description` to be a string or null, found {description}")
    })?;
    let status = str_field(task, "status")?;
    that(STATUSES.contains(&status), || {
        format!("expected `status` to be one of {STATUSES:?}, found {status:?}")
    })?;
    let priority = str_field(task, "priority")?;
    that(PRIORITIES.contains(&priority), || {
        format!("expected `priority` to be one of {PRIORITIES:?}, found {priority:?}")
    })?;
    nullable_utc_time(task, "due_date")?;
    let completed = field(task, "completed")?;
    that(completed.as_bool() == Some(status == "done"), || {
        format!(
            "expected `completed` to be {} for status {status:?}, found {completed}",
            status == "done"
        )
    })?;
    let owner = int_field(task, "owner_id")?;
    that(owner == owner_id, || {
        format!("expected `owner_id` {owner_id} (the caller), found {owner}")
    })?;
    utc_time(task, "created_at")?;
    utc_time(task, "updated_at")?;
    Ok(())
}

/// A task answer: JSON with this status and a well-formed task of `owner_id`.
pub(crate) fn task(reply: &Reply, expected: u16, owner_id: i64) -> Result<Value, String> {
    let task = json(reply, expected)?;
    task_shape(&task, owner_id).map_err(in_reply(reply))?;
    Ok(task)
}

/// Each member of `expected` matches the task: titles compared trimmed (servers store them
/// trimmed), date-times compared as instants, everything else exactly.
pub(crate) fn task_fields(task: &Value, expected: &Value) -> Check {
    let Some(expected) = expected.as_object() else {
        return Err("expected task fields must be an object".to_owned());
    };
    for (key, want) in expected {
        let got = field(task, key)?;
        let same = match (key.as_str(), want, got) {
            ("title", Value::String(want), Value::String(got)) => want.trim() == got.trim(),
            ("due_date" | "created_at" | "updated_at", Value::String(_), Value::String(_)) => {
                utc_time(task, key)? == parse_time(want)?
            }
            _ => want == got,
        };
        that(same, || {
            format!("expected `{key}` to be {want}, found {got}")
        })?;
    }
    Ok(())
}

/// A date-time the suite itself wrote (any offset).
fn parse_time(value: &Value) -> Result<DateTime<FixedOffset>, String> {
    let text = value.as_str().unwrap_or_default();
    DateTime::parse_from_rfc3339(text)
        .map_err(|error| format!("bad expected date-time {text:?}: {error}"))
}

/// The members of a user object and their types; never anything about the password.
pub(crate) fn user_shape(user: &Value) -> Check {
    let id = int_field(user, "id")?;
    that(id > 0, || format!("expected a positive `id`, found {id}"))?;
    str_field(user, "email")?;
    str_field(user, "username")?;
    let full_name = field(user, "full_name")?;
    that(full_name.is_string() || full_name.is_null(), || {
        format!("expected `full_name` to be a string or null, found {full_name}")
    })?;
    let active = field(user, "is_active")?;
    that(active == &Value::Bool(true), || {
        format!("expected `is_active` to be true, found {active}")
    })?;
    utc_time(user, "created_at")?;
    let leaks = secret_keys(user);
    that(leaks.is_empty(), || {
        format!("a user object must never carry password data, found members {leaks:?}")
    })
}

/// Keys anywhere in `value` that mention a password or a hash.
fn secret_keys(value: &Value) -> Vec<String> {
    match value {
        Value::Object(object) => object
            .iter()
            .flat_map(|(key, value)| {
                let lower = key.to_ascii_lowercase();
                let own =
                    (lower.contains("password") || lower.contains("hash")).then(|| key.clone());
                own.into_iter().chain(secret_keys(value))
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(secret_keys).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task_json() -> Value {
        json!({
            "id": 7, "title": "Buy milk", "description": null, "status": "done",
            "priority": "medium", "due_date": "2030-01-01T10:00:00+00:00", "completed": true,
            "owner_id": 3, "created_at": "2026-11-22T10:00:00Z", "updated_at": "2026-11-22T10:00:00.5Z"
        })
    }

    #[test]
    fn a_valid_task_passes_and_completed_must_follow_status() {
        assert_eq!(task_shape(&task_json(), 3), Ok(()));
        assert!(task_shape(&task_json(), 4).is_err(), "wrong owner");
        let mut inconsistent = task_json();
        inconsistent["completed"] = json!(false);
        assert!(task_shape(&inconsistent, 3).is_err());
        let mut local_time = task_json();
        local_time["created_at"] = json!("2026-11-22T10:00:00+02:00");
        assert!(
            task_shape(&local_time, 3).is_err(),
            "timestamps must be UTC"
        );
    }

    #[test]
    fn fields_compare_titles_trimmed_and_times_as_instants() {
        let expected = json!({ "title": "  Buy milk ", "due_date": "2030-01-01T12:00:00+02:00" });
        assert_eq!(task_fields(&task_json(), &expected), Ok(()));
        assert!(task_fields(&task_json(), &json!({ "status": "todo" })).is_err());
        assert!(task_fields(&task_json(), &json!({ "due_date": null })).is_err());
    }

    #[test]
    fn password_members_are_found_at_any_depth() {
        let user =
            json!({ "id": 1, "profile": { "password_hash": "x" }, "items": [{ "Hash": 1 }] });
        let mut found = secret_keys(&user);
        found.sort();
        assert_eq!(found, vec!["Hash".to_owned(), "password_hash".to_owned()]);
        assert!(secret_keys(&json!({ "id": 1, "email": "a@b.c" })).is_empty());
    }
}
