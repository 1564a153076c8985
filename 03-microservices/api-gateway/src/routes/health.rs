//! `/health` for the whole system: the gateway asks every service's `/health` at once.
//! All `ok` → 200 `"status": "ok"`; any other → 503 `"status": "degraded"`, and
//! `checks` says which service failed and how. The gateway itself keeps serving the
//! routes of the services that are up.

use std::{collections::BTreeMap, time::Duration};

use axum::http::{HeaderMap, Method};
use futures_util::future::join_all;
use service_kit::{health::Probe, server_timing, telemetry};
use tracing::Instrument;

use crate::{proxy::Upstream, startup::SERVICE, state::AppState};

impl Probe for AppState {
    const SERVICE: &'static str = SERVICE;
    const FAILING_STATUS: &'static str = "degraded";

    async fn checks(&self) -> BTreeMap<String, String> {
        let probes = self.upstreams.iter().map(|upstream| async move {
            let check = probe(&self.http, upstream, self.health_timeout).await;
            (upstream.name.to_string(), check)
        });
        join_all(probes).await.into_iter().collect()
    }
}

async fn probe(http: &reqwest::Client, upstream: &Upstream, timeout: Duration) -> String {
    let call = telemetry::client_span(&Method::GET, upstream.name, "/health");
    let mut headers = HeaderMap::new();
    telemetry::inject_trace(&call, &mut headers);
    let answer = http
        .get(format!("{}/health", upstream.base_url))
        .headers(headers)
        .timeout(timeout)
        .send()
        .instrument(call.clone())
        .await;
    match &answer {
        Ok(answer) => telemetry::record_status(&call, answer.status()),
        Err(_) => telemetry::record_failure(&call),
    }
    if let Ok(answer) = &answer {
        server_timing::record_callee(upstream.name, answer.headers());
    }
    match answer {
        Ok(answer) if answer.status().is_success() => "ok".to_string(),
        Ok(answer) => format!("unhealthy: its /health answered {}", answer.status()),
        Err(error) if error.is_timeout() => format!("timed out after {timeout:?}"),
        Err(error) => {
            // Why goes to the log only: the error names the service's address.
            tracing::warn!(service = upstream.name, %error, "health probe failed");
            "unreachable".to_string()
        }
    }
}
