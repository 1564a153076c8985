//! The load generator: `concurrency` tasks send one request after another for a fixed
//! time, each recording every latency in an HDR histogram (exact percentiles at any
//! scale, constant memory). Anything but a 2xx answer counts as an error, except a 503 with
//! `Retry-After`: that is a server shedding load on purpose (a full hashing queue, say),
//! which the report shows apart, as "shed".

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use reqwest::{Client, Method, StatusCode, header::RETRY_AFTER};
use serde::Serialize;

/// One kind of request to repeat.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub token: Option<String>,
    /// JSON body, if any.
    pub body: Option<serde_json::Value>,
}

/// What one workload at one concurrency achieved.
#[derive(Clone, Debug, Serialize)]
pub struct Measurement {
    pub requests: u64,
    pub errors: u64,
    /// 503 answers with `Retry-After`: refused on purpose, not failed. Not in `errors`.
    pub shed: u64,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Runs `request` from `concurrency` tasks for `duration`.
pub async fn run(
    client: &Client,
    request: &Request,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Measurement> {
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let client = client.clone();
            let request = request.clone();
            tokio::spawn(async move { worker(client, request, deadline).await })
        })
        .collect();
    let mut latencies = new_histogram()?;
    let mut errors = 0;
    let mut shed = 0;
    for worker in workers {
        let counted = worker.await??;
        latencies.add(counted.latencies)?;
        errors += counted.errors;
        shed += counted.shed;
    }
    let seconds = started.elapsed().as_secs_f64();
    let requests = latencies.len();
    let ms = |micros: u64| micros as f64 / 1000.0;
    Ok(Measurement {
        requests,
        errors,
        shed,
        seconds,
        requests_per_second: requests as f64 / seconds,
        p50_ms: ms(latencies.value_at_quantile(0.50)),
        p95_ms: ms(latencies.value_at_quantile(0.95)),
        p99_ms: ms(latencies.value_at_quantile(0.99)),
        max_ms: ms(latencies.max()),
    })
}

/// What one worker saw.
struct Counted {
    latencies: Histogram<u64>,
    errors: u64,
    shed: u64,
}

/// How one answer counts.
enum Outcome {
    Success,
    Shed,
    Error,
}

async fn worker(client: Client, request: Request, deadline: Instant) -> anyhow::Result<Counted> {
    let mut counted = Counted {
        latencies: new_histogram()?,
        errors: 0,
        shed: 0,
    };
    while Instant::now() < deadline {
        let mut builder = client.request(request.method.clone(), &request.url);
        if let Some(token) = &request.token {
            builder = builder.bearer_auth(token);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let sent = Instant::now();
        let outcome = match builder.send().await {
            Ok(response) => {
                let status = response.status();
                let retry_after = response.headers().contains_key(RETRY_AFTER);
                // Read the whole body: a request is done when its answer has arrived.
                match (response.bytes().await.is_ok(), status) {
                    (true, status) if status.is_success() => Outcome::Success,
                    (true, StatusCode::SERVICE_UNAVAILABLE) if retry_after => Outcome::Shed,
                    _ => Outcome::Error,
                }
            }
            Err(_) => Outcome::Error,
        };
        let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
        counted.latencies.saturating_record(micros.max(1));
        match outcome {
            Outcome::Success => {}
            Outcome::Shed => counted.shed += 1,
            Outcome::Error => counted.errors += 1,
        }
    }
    Ok(counted)
}

/// 1 µs to 60 s at 3 significant digits.
fn new_histogram() -> anyhow::Result<Histogram<u64>> {
    Ok(Histogram::new_with_bounds(1, 60_000_000, 3)?)
}
