//! `/health`: is this service, and its database, usable right now?

use std::collections::BTreeMap;

use service_kit::health::Probe;

use crate::{startup::SERVICE, state::AppState};

impl Probe for AppState {
    const SERVICE: &'static str = SERVICE;

    async fn checks(&self) -> BTreeMap<String, String> {
        BTreeMap::from([("database".to_string(), self.database.health().await)])
    }
}
