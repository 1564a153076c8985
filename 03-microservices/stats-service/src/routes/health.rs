//! `/health`: stats-service owns no database, so it is healthy whenever it answers. Whether
//! task-service is up is task-service's own `/health` (the gateway shows both); while it is
//! down, stats still answers, with stale statistics.

use std::collections::BTreeMap;

use service_kit::health::Probe;

use crate::{startup::SERVICE, state::AppState};

impl Probe for AppState {
    const SERVICE: &'static str = SERVICE;

    async fn checks(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }
}
