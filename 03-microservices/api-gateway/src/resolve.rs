//! How the gateway finds a service's instances: a DNS lookup per new connection, with the
//! answer rotated, so `docker compose up --scale task-service=3` spreads the load.
//!
//! On the Compose network, `task-service` resolves to one address per running replica.
//! reqwest's default resolver (`getaddrinfo`) SORTS those addresses (RFC 6724's "longest
//! matching prefix" rule, which glibc also applies to IPv4 on the same subnet), so every
//! new connection would start with the same replica. [`RoundRobin`] looks the name up
//! again for every new connection and rotates the answer by one each time, per name: the
//! 1st connection goes to the 1st address, the 2nd to the 2nd, ... If that address
//! refuses, the connector tries the next one, so a stopped replica is skipped.
//!
//! The lookup is per *connection*, not per request: see `state.rs` for how long a
//! connection is kept (and so how soon a new replica gets traffic). IP literals such as
//! `127.0.0.1` (the native set-up) are never looked up.
//!
//! Without Docker there is no name with several addresses, so the tests give the resolver
//! a fixed answer for one name instead ([`RoundRobin::with_fixed_hosts`], like a line of
//! `/etc/hosts`), and run the replicas on 127.0.0.1, .2 and .3
//! (`tests/api/replicas.rs`). The rotation and the connections are the real ones.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex},
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// A resolver that rotates each name's addresses by one on every lookup.
#[derive(Clone, Default)]
pub struct RoundRobin {
    turns: Arc<Mutex<HashMap<String, usize>>>,
    /// Names answered from this table instead of DNS.
    fixed_hosts: Arc<HashMap<String, Vec<IpAddr>>>,
}

impl RoundRobin {
    /// A resolver that answers `hosts`' names with their addresses, in that order, without
    /// asking DNS; every other name is looked up as usual.
    pub fn with_fixed_hosts(hosts: impl IntoIterator<Item = (String, Vec<IpAddr>)>) -> Self {
        Self {
            fixed_hosts: Arc::new(hosts.into_iter().collect()),
            ..Self::default()
        }
    }

    /// This lookup's turn for `host` (0, 1, 2, ...).
    fn turn(&self, host: &str) -> usize {
        let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
        let turn = turns.entry(host.to_string()).or_default();
        let this = *turn;
        *turn = turn.wrapping_add(1);
        this
    }
}

/// `addresses` rotated left by `turn` (modulo their number).
pub fn rotate(mut addresses: Vec<SocketAddr>, turn: usize) -> Vec<SocketAddr> {
    if !addresses.is_empty() {
        let by = turn % addresses.len();
        addresses.rotate_left(by);
    }
    addresses
}

impl Resolve for RoundRobin {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let turn = self.turn(&host);
        let fixed = self.fixed_hosts.get(&host).cloned();
        Box::pin(async move {
            // The port is the URL's: the connector sets it on every address.
            let addresses: Vec<SocketAddr> = match fixed {
                Some(ips) => ips.into_iter().map(|ip| SocketAddr::new(ip, 0)).collect(),
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            let addresses: Addrs = Box::new(rotate(addresses, turn).into_iter());
            Ok(addresses)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(last: u8) -> SocketAddr {
        SocketAddr::from(([172, 18, 0, last], 0))
    }

    #[test]
    fn each_turn_starts_with_the_next_address() {
        let replicas = vec![addr(3), addr(4), addr(5)];
        let firsts: Vec<SocketAddr> = (0..4)
            .map(|turn| rotate(replicas.clone(), turn)[0])
            .collect();
        assert_eq!(firsts, [addr(3), addr(4), addr(5), addr(3)]);
        // Every address is still there, so a refusing replica is skipped.
        assert_eq!(rotate(replicas.clone(), 1), [addr(4), addr(5), addr(3)]);
        assert!(rotate(vec![], 7).is_empty());
    }

    #[test]
    fn turns_are_counted_per_name() {
        let resolver = RoundRobin::default();
        assert_eq!(resolver.turn("task-service"), 0);
        assert_eq!(resolver.turn("user-service"), 0);
        assert_eq!(resolver.turn("task-service"), 1);
        assert_eq!(resolver.turn("task-service"), 2);
    }

    #[tokio::test]
    async fn it_resolves_real_names() {
        let name: Name = "localhost".parse().expect("a name");
        let addresses: Vec<SocketAddr> = RoundRobin::default()
            .resolve(name)
            .await
            .expect("localhost resolves")
            .collect();
        assert!(
            addresses.iter().all(|a| a.ip().is_loopback()),
            "{addresses:?}"
        );
        assert!(!addresses.is_empty());
    }
}
