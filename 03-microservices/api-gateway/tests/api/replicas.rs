//! `docker compose up --scale task-service=3`, without Docker. On the Compose network one
//! name has an address per replica; here three stand-in replicas listen on 127.0.0.1, .2
//! and .3 (all loopback on Linux) on one port, and the gateway's resolver is told that
//! `task-service` has those three addresses. Everything else is the real thing: the
//! resolver's rotation, reqwest's connection pool and connector, real TCP.
//!
//! The stand-ins have no database. Real replicas share one PostgreSQL database: replicas
//! writing one SQLite file are not supported (one writer per process; see ADR 0016).
//!
//! macOS has only 127.0.0.1 on its loopback interface, so these tests run on Linux only.
#![cfg(target_os = "linux")]

use std::{
    collections::BTreeMap,
    net::{IpAddr, Ipv4Addr},
    time::Duration,
};

use api_gateway::{
    AppState, app,
    config::{FromEnv, Settings},
    resolve::RoundRobin,
    startup::{Application, SERVICE},
};
use axum::{Router, routing::get};
use service_kit::config::fixed;
use tokio::net::TcpListener;

/// How long a replica takes to answer: long enough that no connection is free again
/// while a burst of requests is in flight, so each request opens a connection of its own.
const ANSWER_DELAY: Duration = Duration::from_millis(300);

fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

/// Binds one listener per address in `up`, all on the same free port, and returns it.
async fn listen_on_one_port(up: &[IpAddr]) -> (u16, Vec<(IpAddr, TcpListener)>) {
    'port: for _ in 0..20 {
        let first = TcpListener::bind((up[0], 0)).await.expect("a free port");
        let port = first.local_addr().expect("an address").port();
        let mut listeners = vec![(up[0], first)];
        for &ip in &up[1..] {
            match TcpListener::bind((ip, port)).await {
                Ok(listener) => listeners.push((ip, listener)),
                Err(_) => continue 'port, // taken on this address: try another port
            }
        }
        return (port, listeners);
    }
    panic!("no port was free on every address of {up:?}");
}

/// Stand-in replicas of task-service, one per address in `up`, that answer
/// `GET /api/v1/tasks` with their own address; then the gateway, whose resolver answers
/// `task-service` with `listed` (which may name replicas that are not running).
async fn gateway_in_front_of(up: &[IpAddr], listed: &[IpAddr]) -> String {
    let (port, listeners) = listen_on_one_port(up).await;
    for (ip, listener) in listeners {
        let replica = Router::new().route(
            "/api/v1/tasks",
            get(move || async move {
                tokio::time::sleep(ANSWER_DELAY).await;
                ip.to_string()
            }),
        );
        tokio::spawn(async move { axum::serve(listener, replica).await });
    }
    let task_service = format!("http://task-service:{port}");
    let settings = Settings::from_lookup(fixed(&[
        ("TASK_SERVICE_URL", task_service.as_str()),
        ("PORT", "0"),
        ("RATE_LIMIT_PER_SECOND", "0"),
    ]))
    .expect("valid settings");
    let resolver = RoundRobin::with_fixed_hosts([("task-service".to_string(), listed.to_vec())]);
    let state = AppState::with_resolver(&settings, resolver).expect("the state");
    Application::bind(SERVICE, settings.listen, app(state))
        .await
        .expect("bind")
        .spawn()
        .expect("serve")
}

/// Sends `count` task-list requests through the gateway at once; counts the answers per
/// replica, and fails on any status but 200.
async fn burst(gateway: &str, count: usize) -> BTreeMap<String, usize> {
    let client = reqwest::Client::new();
    let requests = (0..count).map(|_| {
        let request = client.get(format!("{gateway}/api/v1/tasks")).send();
        async move {
            let answer = request.await.expect("the gateway answers");
            assert_eq!(answer.status(), 200);
            answer.text().await.expect("a body")
        }
    });
    let mut per_replica = BTreeMap::new();
    for replica in futures_util::future::join_all(requests).await {
        *per_replica.entry(replica).or_insert(0) += 1;
    }
    per_replica
}

#[tokio::test]
async fn a_burst_of_requests_is_spread_over_every_replica() {
    let replicas = [loopback(1), loopback(2), loopback(3)];
    let gateway = gateway_in_front_of(&replicas, &replicas).await;

    let per_replica = burst(&gateway, 6).await;

    let answered: Vec<&String> = per_replica.keys().collect();
    assert_eq!(
        answered,
        ["127.0.0.1", "127.0.0.2", "127.0.0.3"],
        "every replica gets some of the burst: {per_replica:?}"
    );
}

#[tokio::test]
async fn a_replica_that_is_down_is_skipped() {
    let listed = [loopback(1), loopback(2), loopback(3)];
    // 127.0.0.2 is listed but nothing listens there: its connections are refused.
    let gateway = gateway_in_front_of(&[loopback(1), loopback(3)], &listed).await;

    let per_replica = burst(&gateway, 6).await;

    let answered: Vec<&String> = per_replica.keys().collect();
    assert_eq!(answered, ["127.0.0.1", "127.0.0.3"], "{per_replica:?}");
    assert_eq!(per_replica.values().sum::<usize>(), 6);
}
