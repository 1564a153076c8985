//! `/health` for the whole system: the gateway asks every service's `/health` at once.
//! All `ok` → 200 `"status": "ok"`; any other → 503 `"status": "degraded"`, and
//! `checks` says which service failed and how. The gateway itself keeps serving the
//! routes of the services that are up.

use std::{collections::BTreeMap, time::Duration};

use futures_util::future::join_all;
use service_kit::{health::Probe, server_timing};

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
    let answer = http
        .get(format!("{}/health", upstream.base_url))
        .timeout(timeout)
        .send()
        .await;
    if let Ok(answer) = &answer {
        server_timing::record_callee(upstream.name, answer.headers());
    }
    match answer {
        Ok(answer) if answer.status().is_success() => "ok".to_string(),
        Ok(answer) => format!("unhealthy: its /health answered {}", answer.status()),
        Err(error) if error.is_timeout() => format!("timed out after {timeout:?}"),
        Err(error) => format!("unreachable: {error}"),
    }
}
