//! The gateway on a random port, in front of three stub services.

use api_gateway::{
    config::{FromEnv, Settings},
    startup,
};
use service_kit::config::fixed;
use wiremock::MockServer;

pub const TOKEN: &str = "a-token-of-the-caller";

/// Stubs for user-, task- and stats-service, and the gateway in front of them.
pub struct Gateway {
    pub url: String,
    /// `http://<address>/metrics`, on the gateway's own metrics port.
    pub metrics_url: String,
    pub users: MockServer,
    pub tasks: MockServer,
    pub stats: MockServer,
}

/// The gateway with `extra` settings (`UPSTREAM_TIMEOUT_MS`, `RATE_LIMIT_*`...); rate
/// limiting is off unless `extra` turns it on.
pub async fn spawn_gateway(extra: &[(&str, &str)]) -> Gateway {
    let (users, tasks, stats) = (
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
    );
    let upstreams = [
        ("USER_SERVICE_URL", users.uri()),
        ("TASK_SERVICE_URL", tasks.uri()),
        ("STATS_SERVICE_URL", stats.uri()),
    ];
    // `extra` first: the first pair with a name wins.
    let mut pairs: Vec<(&str, &str)> = extra.to_vec();
    pairs.extend(upstreams.iter().map(|(name, url)| (*name, url.as_str())));
    pairs.extend([("PORT", "0"), ("RATE_LIMIT_PER_SECOND", "0")]);
    let settings = Settings::from_lookup(fixed(&pairs)).expect("valid settings");
    let application = startup::build(settings).await.expect("build");
    let metrics_url = format!(
        "http://{}/metrics",
        application.metrics_address().expect("a metrics address")
    );
    let url = application.spawn().expect("serve");
    Gateway {
        url,
        metrics_url,
        users,
        tasks,
        stats,
    }
}
