//! Consumer-driven contracts between the services, as fixture files in
//! `03-microservices/contracts/<provider>.json`.
//!
//! Each file lists the interactions consumers rely on: a request, and the response the
//! provider must give, after an optional `given` state. Both sides test against the SAME
//! file, read by this module:
//! - consumers (stats-service's task-service client, the gateway) load the interactions
//!   into wiremock stubs and check they cope with exactly those responses;
//! - the provider replays every request against the real service, set up as `given` says,
//!   and checks its response matches ([`matches`]).
//!
//! So if the provider changes what it answers, its replay test fails, and if a consumer
//! needs something new, it must be added to the file, where the provider test sees it.
//!
//! `{token}` in a header value stands for a valid token of the user the interaction is
//! about (user id 1 on the provider; any token a consumer sends).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

#[derive(Clone, Debug, Deserialize)]
pub struct Contract {
    pub provider: String,
    pub interactions: Vec<Interaction>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Interaction {
    pub description: String,
    /// Which consumers rely on it (`stats-service`, `api-gateway`).
    pub consumers: Vec<String>,
    /// The provider state to set up first, e.g. `{"tasks": [...]}` or `{"users": [...]}`.
    #[serde(default)]
    pub given: Value,
    pub request: ContractRequest,
    pub response: ContractResponse,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ContractRequest {
    pub method: String,
    /// Path and query, e.g. `/api/v1/tasks?status=done`.
    pub path: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<Value>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ContractResponse {
    pub status: u16,
    /// Headers the response must carry with exactly these values.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// What the body must contain, see [`matches`]; absent means "no body".
    pub body: Option<Value>,
}

impl Contract {
    /// Reads `03-microservices/contracts/<provider>.json`.
    pub fn load(provider: &str) -> Result<Self, String> {
        let path = format!(
            "{}/../contracts/{provider}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
    }

    /// The interactions `consumer` relies on.
    pub fn for_consumer<'a>(&'a self, consumer: &'a str) -> impl Iterator<Item = &'a Interaction> {
        self.interactions
            .iter()
            .filter(move |interaction| interaction.consumers.iter().any(|c| c == consumer))
    }
}

/// Whether `actual` honours `expected`: every member an expected object names must match
/// (a provider may add members, e.g. a problem's `detail`), arrays must hold matching
/// elements in any order (row order is not part of the contract), anything else must be
/// equal. The error says where the first difference is.
pub fn matches(expected: &Value, actual: &Value) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(expected), Value::Object(actual)) => {
            for (key, value) in expected {
                let found = actual
                    .get(key)
                    .ok_or_else(|| format!("member `{key}` is missing"))?;
                matches(value, found).map_err(|error| format!("{key}: {error}"))?;
            }
            Ok(())
        }
        (Value::Array(expected), Value::Array(actual)) => {
            if expected.len() != actual.len() {
                return Err(format!(
                    "expected {} elements, found {}",
                    expected.len(),
                    actual.len()
                ));
            }
            let mut unmatched: Vec<&Value> = actual.iter().collect();
            for element in expected {
                let position = unmatched
                    .iter()
                    .position(|candidate| matches(element, candidate).is_ok())
                    .ok_or_else(|| format!("no element matches {element}"))?;
                unmatched.remove(position);
            }
            Ok(())
        }
        _ if expected == actual => Ok(()),
        _ => Err(format!("expected {expected}, found {actual}")),
    }
}

/// Provider side: runs `check` on every interaction of `provider`'s contract (typically:
/// start a fresh service, set up `given`, [`replay`]) and panics listing every broken one.
pub async fn verify_provider<F, Fut>(provider: &str, mut check: F)
where
    F: FnMut(Interaction) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let contract = match Contract::load(provider) {
        Ok(contract) => contract,
        Err(error) => panic!("cannot read the contract: {error}"),
    };
    assert_eq!(contract.provider, provider);
    let mut failures = Vec::new();
    for interaction in contract.interactions {
        let description = interaction.description.clone();
        if let Err(error) = check(interaction).await {
            failures.push(format!("{description}: {error}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{provider} breaks its contract:\n{}",
        failures.join("\n")
    );
}

/// Provider side: sends the interaction's request to the real service at `base_url` and
/// checks its answer honours the contract. `token` replaces `{token}`.
pub async fn replay(base_url: &str, interaction: &Interaction, token: &str) -> Result<(), String> {
    let request = &interaction.request;
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|error| error.to_string())?;
    let mut outgoing =
        reqwest::Client::new().request(method, format!("{base_url}{}", request.path));
    for (name, value) in &request.headers {
        outgoing = outgoing.header(name, value.replace("{token}", token));
    }
    if let Some(body) = &request.body {
        outgoing = outgoing.body(body_bytes(body));
    }
    let answer = outgoing.send().await.map_err(|error| error.to_string())?;
    let expected = &interaction.response;
    if answer.status().as_u16() != expected.status {
        return Err(format!(
            "expected status {}, got {}",
            expected.status,
            answer.status()
        ));
    }
    for (name, value) in &expected.headers {
        let found = answer.headers().get(name).and_then(|v| v.to_str().ok());
        if found != Some(value.as_str()) {
            return Err(format!("expected header {name}: {value}, found {found:?}"));
        }
    }
    let bytes = answer.bytes().await.map_err(|error| error.to_string())?;
    match &expected.body {
        None if bytes.is_empty() => Ok(()),
        None => Err("expected no body".into()),
        Some(body) => {
            let actual: Value = serde_json::from_slice(&bytes)
                .map_err(|error| format!("the body is not JSON: {error}"))?;
            matches(body, &actual).map_err(|error| format!("body: {error}"))
        }
    }
}

/// Consumer side: a wiremock stub that answers the interaction's response to exactly the
/// interaction's request (`{token}` in it must be `token`), expected once.
pub async fn mount(server: &wiremock::MockServer, interaction: &Interaction, token: &str) {
    use wiremock::{Mock, ResponseTemplate, matchers};

    let request = &interaction.request;
    let (path, query) = request
        .path
        .split_once('?')
        .unwrap_or((request.path.as_str(), ""));
    let mut mock = Mock::given(matchers::method(request.method.as_str())).and(matchers::path(path));
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        mock = mock.and(matchers::query_param(name, value));
    }
    for (name, value) in &request.headers {
        mock = mock.and(matchers::header(
            name.as_str(),
            value.replace("{token}", token).as_str(),
        ));
    }
    if let Some(body) = &request.body {
        mock = mock.and(matchers::body_bytes(body_bytes(body)));
    }
    let expected = &interaction.response;
    let mut response = ResponseTemplate::new(expected.status);
    for (name, value) in &expected.headers {
        response = response.insert_header(name.as_str(), value.as_str());
    }
    if let Some(body) = &expected.body {
        response = response.set_body_bytes(body_bytes(body));
    }
    mock.respond_with(response)
        .expect(1)
        .named(interaction.description.as_str())
        .mount(server)
        .await;
}

/// A JSON string in a fixture is a raw body (a form); any other value is sent as JSON.
pub fn body_bytes(body: &Value) -> Vec<u8> {
    match body {
        Value::String(raw) => raw.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_match_on_the_members_the_contract_names() {
        assert!(
            matches(
                &json!({"status": 401}),
                &json!({"status": 401, "detail": "x"})
            )
            .is_ok()
        );
        assert!(matches(&json!({"status": 401}), &json!({"status": 404})).is_err());
        assert!(matches(&json!({"status": 401}), &json!({})).is_err());
    }

    #[test]
    fn arrays_match_in_any_order_but_not_in_any_length() {
        assert!(matches(&json!([1, 2]), &json!([2, 1])).is_ok());
        assert!(matches(&json!([1, 1]), &json!([1, 2])).is_err());
        assert!(matches(&json!([1]), &json!([1, 2])).is_err());
    }
}
