//! A small HTTP layer over `reqwest`: requests described as plain data (so they can be retried
//! after a 429 and printed in failure messages), replies captured whole (status, headers, body
//! text), and a log of every answer that breaks a run-wide rule (no 5xx, errors as problem+json).

use std::sync::Mutex;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde_json::Value;

/// How many times a request rate-limited with 429 is retried before the 429 is reported.
const MAX_RETRIES: u32 = 5;
/// Upper bound on one `Retry-After` wait, so a misconfigured server cannot stall the run.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// How much of a body a failure message quotes.
const EXCERPT_CHARS: usize = 240;

/// What a request carries as its body.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Empty,
    /// Serialised with `Content-Type: application/json`.
    Json(Value),
    /// `application/x-www-form-urlencoded`, the OAuth2 password-grant shape.
    Form(Vec<(String, String)>),
    /// Exact bytes with an exact (or no) content type, for malformed-input checks.
    Raw {
        content_type: Option<String>,
        bytes: Vec<u8>,
    },
}

/// One request, as data.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    method: Method,
    path: String,
    authorization: Option<String>,
    body: Body,
}

impl Request {
    /// `path` starts with `/` and may carry a query string; it is shown as-is in messages.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            authorization: None,
            body: Body::Empty,
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    pub fn put(path: impl Into<String>) -> Self {
        Self::new(Method::PUT, path)
    }

    pub fn patch(path: impl Into<String>) -> Self {
        Self::new(Method::PATCH, path)
    }

    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.authorization(&format!("Bearer {token}"))
    }

    /// Any `Authorization` value, for the wrong-scheme checks.
    pub fn authorization(mut self, value: &str) -> Self {
        self.authorization = Some(value.to_owned());
        self
    }

    pub fn json(mut self, value: Value) -> Self {
        self.body = Body::Json(value);
        self
    }

    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let pairs = pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        self.body = Body::Form(pairs);
        self
    }

    pub fn raw(mut self, content_type: Option<&str>, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Body::Raw {
            content_type: content_type.map(str::to_owned),
            bytes: bytes.into(),
        };
        self
    }
}

/// A whole answer: what was asked, and what came back.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub method: Method,
    pub path: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// A header's value, if present and readable as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The media type without parameters, lower-cased (`application/json; charset=utf-8` →
    /// `application/json`); empty when there is none.
    pub fn media_type(&self) -> String {
        self.header(CONTENT_TYPE.as_str())
            .and_then(|value| value.split(';').next())
            .map(|value| value.trim().to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// The body parsed as JSON; a non-JSON body is an error message, never a panic.
    pub fn json(&self) -> Result<Value, String> {
        serde_json::from_str(&self.body)
            .map_err(|error| format!("expected a JSON body ({error}), but {}", self.describe()))
    }

    /// `POST /api/v1/tasks answered 500 [text/plain] "oops"`: the part of every failure message
    /// that says what came back.
    pub fn describe(&self) -> String {
        let media_type = self.media_type();
        let media_type = if media_type.is_empty() {
            "no content type".to_owned()
        } else {
            media_type
        };
        format!(
            "{} {} answered {} [{media_type}] {}",
            self.method,
            self.path,
            self.status,
            excerpt(&self.body)
        )
    }

    /// Why this reply is not RFC 9457 problem details as the contract shapes them, if it is not:
    /// content type `application/problem+json` and string members `type`, `title`, `detail`
    /// plus a numeric `status` equal to the HTTP status.
    pub fn problem_violation(&self) -> Option<String> {
        let media_type = self.media_type();
        if media_type != "application/problem+json" {
            return Some(format!(
                "expected Content-Type application/problem+json, but {}",
                self.describe()
            ));
        }
        let body = match self.json() {
            Ok(Value::Object(body)) => body,
            Ok(_) => return Some(format!("expected a JSON object, but {}", self.describe())),
            Err(message) => return Some(message),
        };
        for member in ["type", "title", "detail"] {
            if !body.get(member).is_some_and(Value::is_string) {
                return Some(format!(
                    "expected a string member `{member}` in the problem, but {}",
                    self.describe()
                ));
            }
        }
        if body.get("status").and_then(Value::as_u64) != Some(u64::from(self.status)) {
            return Some(format!(
                "expected the problem's `status` to equal the HTTP status {}, but {}",
                self.status,
                self.describe()
            ));
        }
        None
    }
}

/// The start of a body, on one line, quoted.
fn excerpt(body: &str) -> String {
    if body.is_empty() {
        return "(empty body)".to_owned();
    }
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut shown: String = flat.chars().take(EXCERPT_CHARS).collect();
    if flat.chars().count() > EXCERPT_CHARS {
        shown.push('…');
    }
    format!("`{shown}`")
}

/// Answers that broke a rule holding for every request of the run.
#[derive(Debug, Default, Clone)]
pub(crate) struct Violations {
    /// `POST /x answered 500 ...`: a server error is never right for client input.
    pub server_errors: Vec<String>,
    /// Error answers (4xx/5xx) that are not problem details.
    pub not_problems: Vec<String>,
}

/// What the optional `server-timing` area needs to know of every answer of the run.
#[derive(Debug, Clone)]
pub(crate) struct Answered {
    pub method: Method,
    /// Without the query string.
    pub path: String,
    pub status: u16,
    /// Every `Server-Timing` field of the answer, in order (none: an empty list).
    pub server_timing: Vec<String>,
}

/// The client for one server; cheap to share behind an `Arc`.
pub(crate) struct Api {
    client: reqwest::Client,
    base_url: String,
    violations: Mutex<Violations>,
    answered: Mutex<Vec<Answered>>,
}

impl Api {
    pub fn new(base_url: &str) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|error| format!("could not build the HTTP client: {error}"))?;
        Ok(Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            violations: Mutex::new(Violations::default()),
            answered: Mutex::new(Vec::new()),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sends a request, waiting out 429s as `Retry-After` asks. `Err` means no HTTP answer came
    /// back at all (connection refused, timeout, ...), described for a failure message.
    pub async fn send(&self, request: &Request) -> Result<Reply, String> {
        let mut attempt = 0;
        loop {
            let reply = self.send_once(request).await?;
            if reply.status != 429 || attempt == MAX_RETRIES {
                self.note(&reply);
                return Ok(reply);
            }
            attempt += 1;
            tokio::time::sleep(retry_wait(&reply)).await;
        }
    }

    /// Every answer of the run so far (after 429 retries), in the order they came.
    pub fn answered(&self) -> Vec<Answered> {
        self.answered
            .lock()
            .map(|answered| answered.clone())
            .unwrap_or_default()
    }

    /// Everything noted so far that broke a run-wide rule.
    pub fn violations(&self) -> Violations {
        self.violations
            .lock()
            .map(|violations| violations.clone())
            .unwrap_or_default()
    }

    async fn send_once(&self, request: &Request) -> Result<Reply, String> {
        let url = format!("{}{}", self.base_url, request.path);
        let mut builder = self.client.request(request.method.clone(), &url);
        if let Some(authorization) = &request.authorization {
            builder = builder.header(AUTHORIZATION, authorization);
        }
        builder = match &request.body {
            Body::Empty => builder,
            Body::Json(value) => builder
                .header(CONTENT_TYPE, "application/json")
                .body(value.to_string()),
            Body::Form(pairs) => builder.form(pairs),
            Body::Raw {
                content_type,
                bytes,
            } => {
                let builder = match content_type {
                    Some(content_type) => builder.header(CONTENT_TYPE, content_type),
                    None => builder,
                };
                builder.body(bytes.clone())
            }
        };
        let failed = |error: reqwest::Error| {
            format!(
                "{} {} got no HTTP answer: {}",
                request.method,
                request.path,
                error_chain(&error)
            )
        };
        let response = builder.send().await.map_err(failed)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.map_err(failed)?;
        Ok(Reply {
            method: request.method.clone(),
            path: request.path.clone(),
            status,
            headers,
            body,
        })
    }

    fn note(&self, reply: &Reply) {
        if let Ok(mut answered) = self.answered.lock() {
            answered.push(Answered {
                method: reply.method.clone(),
                path: reply.path.split('?').next().unwrap_or_default().to_owned(),
                status: reply.status,
                server_timing: reply
                    .headers
                    .get_all("server-timing")
                    .iter()
                    .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                    .collect(),
            });
        }
        if reply.status < 400 {
            return;
        }
        let Ok(mut violations) = self.violations.lock() else {
            return;
        };
        if reply.status >= 500 {
            violations.server_errors.push(reply.describe());
        }
        if let Some(problem) = reply.problem_violation() {
            violations.not_problems.push(problem);
        }
    }
}

/// How long a 429 asks us to wait (`Retry-After` in seconds), within reason.
fn retry_wait(reply: &Reply) -> Duration {
    let seconds = reply
        .header(RETRY_AFTER.as_str())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .unwrap_or(1);
    Duration::from_secs(seconds.max(1)).min(MAX_RETRY_WAIT)
}

/// `reqwest` errors hide their cause (e.g. "connection refused") in the source chain.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn reply(status: u16, content_type: &str, body: &str) -> Reply {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(content_type) {
            headers.insert(CONTENT_TYPE, value);
        }
        Reply {
            method: Method::GET,
            path: "/x".to_owned(),
            status,
            headers,
            body: body.to_owned(),
        }
    }

    #[test]
    fn a_well_formed_problem_passes() {
        let body =
            r#"{"type":"about:blank","title":"Not Found","status":404,"detail":"no task 7"}"#;
        let problem = reply(404, "application/problem+json", body);
        assert_eq!(problem.problem_violation(), None);
    }

    #[test]
    fn problems_need_the_media_type_the_members_and_a_matching_status() {
        let body = r#"{"type":"t","title":"t","status":404,"detail":"d"}"#;
        assert!(
            reply(404, "application/json", body)
                .problem_violation()
                .is_some()
        );
        assert!(
            reply(400, "application/problem+json", body)
                .problem_violation()
                .is_some()
        );
        let no_detail = r#"{"type":"t","title":"t","status":404}"#;
        assert!(
            reply(404, "application/problem+json", no_detail)
                .problem_violation()
                .is_some()
        );
        assert!(
            reply(404, "application/problem+json", "<html>")
                .problem_violation()
                .is_some()
        );
    }

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        let mut limited = reply(429, "application/problem+json", "");
        assert_eq!(
            retry_wait(&limited),
            Duration::from_secs(1),
            "no header: 1 s"
        );
        limited
            .headers
            .insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_wait(&limited), Duration::from_secs(3));
        limited
            .headers
            .insert(RETRY_AFTER, HeaderValue::from_static("3600"));
        assert_eq!(retry_wait(&limited), MAX_RETRY_WAIT);
    }

    #[test]
    fn describe_quotes_a_short_single_line_excerpt() {
        let long = format!("line one\nline two {}", "x".repeat(1000));
        let text = reply(500, "text/plain; charset=utf-8", &long).describe();
        assert!(text.starts_with("GET /x answered 500 [text/plain] `line one line two"));
        assert!(text.ends_with("…`"));
        assert!(text.len() < 400);
        assert!(
            reply(204, "", "")
                .describe()
                .ends_with("[no content type] (empty body)")
        );
    }
}
