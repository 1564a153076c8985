//! A task-service client aimed at a stub, with short timeouts so failures are quick.

use std::time::Duration;

use service_kit::metrics::Metrics;
use stats_service::{clients::TaskServiceClient, config::TaskServiceSettings};

pub const TOKEN: &str = "a-token-of-the-caller";

/// Timeout 300 ms, `retries` retries, the circuit opening after `breaker_failures` failures.
pub fn client(url: &str, retries: usize, breaker_failures: u32) -> TaskServiceClient {
    client_with_breaker(url, retries, breaker_failures, Duration::from_secs(60))
}

/// As [`client`], with the circuit staying open for `breaker_open` once it opens.
pub fn client_with_breaker(
    url: &str,
    retries: usize,
    breaker_failures: u32,
    breaker_open: Duration,
) -> TaskServiceClient {
    TaskServiceClient::new(
        &TaskServiceSettings {
            url: url.to_string(),
            timeout: Duration::from_millis(300),
            retries,
            breaker_failures,
            breaker_open,
        },
        Metrics::new().outbound(),
    )
    .expect("a client")
}

/// A port nothing listens on.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}
