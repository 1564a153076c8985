//! The circuit breaker in front of task-service: `failsafe`'s state machine, plus the two
//! rules it does not keep on its own.
//!
//! `failsafe` counts failures and times the open state well, but:
//! - once the open period is over it is *half-open* and lets **every** call through until one
//!   of them answers, so a crowd of waiting requests hits a service that is still
//!   recovering, which is exactly what the open period was meant to spare it. Here exactly
//!   one call, the *trial*, goes through while half-open; every other call fails at once as
//!   if the circuit were still open, until the trial's outcome closes or re-opens it;
//! - its `call_with` records an error that its predicate calls "not a failure" as a
//!   **success**, and a success closes the circuit. Here the caller says, per call, whether
//!   the answer was usable ([`Permit::record`]); anything else is a failure.
//!
//! A call that began while the circuit was closed may end while it is half-open. Its
//! outcome is then ignored: only the trial decides.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};
use std::time::Duration;

use failsafe::{
    Config, Instrument, StateMachine, backoff,
    failure_policy::{self, ConsecutiveFailures},
};
use service_kit::metrics::{BreakerState, OutboundMetrics};

type Machine = StateMachine<ConsecutiveFailures<backoff::Constant>, HalfOpenFlag>;

/// Cheap to clone: every clone is the same breaker.
#[derive(Clone)]
pub struct Breaker {
    machine: Machine,
    /// Whether the machine is half-open. `failsafe` does not say, but tells its instrument
    /// of every change, synchronously, inside the call that makes it.
    half_open: HalfOpenFlag,
    /// Whether the one trial call is under way.
    trial_running: Arc<AtomicBool>,
    /// Held while a call is let through or its outcome recorded (never across an `.await`),
    /// so that the machine's state and `half_open` are read as one.
    deciding: Arc<Mutex<()>>,
}

/// Mirrors "half-open" from the machine's notifications, and shows every change in the
/// `circuit_breaker_state` gauge of `/metrics`.
#[derive(Clone)]
struct HalfOpenFlag {
    half_open: Arc<AtomicBool>,
    metrics: OutboundMetrics,
    peer: &'static str,
}

impl HalfOpenFlag {
    fn get(&self) -> bool {
        self.half_open.load(Ordering::SeqCst)
    }

    fn set(&self, state: BreakerState) {
        self.half_open
            .store(state == BreakerState::HalfOpen, Ordering::SeqCst);
        self.metrics.breaker(self.peer, state);
    }
}

impl Instrument for HalfOpenFlag {
    fn on_call_rejected(&self) {}

    fn on_open(&self) {
        self.set(BreakerState::Open);
    }

    fn on_half_open(&self) {
        self.set(BreakerState::HalfOpen);
    }

    fn on_closed(&self) {
        self.set(BreakerState::Closed);
    }
}

/// Leave to make one call. Dropped without [`Permit::record`] (the caller gave up, say),
/// it records nothing, and a trial's place goes to the next call.
pub struct Permit {
    breaker: Breaker,
    trial: bool,
}

impl Breaker {
    /// `failures` failed calls in a row open the circuit for `open`. Its state shows in
    /// `metrics` under `peer`, closed from the start.
    pub fn new(
        failures: u32,
        open: Duration,
        metrics: OutboundMetrics,
        peer: &'static str,
    ) -> Self {
        let half_open = HalfOpenFlag {
            half_open: Arc::default(),
            metrics,
            peer,
        };
        half_open.set(BreakerState::Closed);
        let policy = failure_policy::consecutive_failures(failures, backoff::constant(open));
        Self {
            machine: Config::new()
                .failure_policy(policy)
                .instrument(half_open.clone())
                .build(),
            half_open,
            trial_running: Arc::default(),
            deciding: Arc::default(),
        }
    }

    /// Leave to call, or `None` when the call must fail fast: the circuit is open, or it
    /// is half-open and the trial call is already under way.
    pub fn permit(&self) -> Option<Permit> {
        let _deciding = self.deciding.lock().unwrap_or_else(|e| e.into_inner());
        // Moves an open circuit whose time is up to half-open (and tells `half_open`).
        if !self.machine.is_call_permitted() {
            return None;
        }
        let trial = self.half_open.get();
        if trial && self.trial_running.swap(true, Ordering::SeqCst) {
            return None;
        }
        Some(Permit {
            breaker: self.clone(),
            trial,
        })
    }
}

impl Permit {
    /// Records the call's outcome: `usable` only for an answer the caller could use.
    pub fn record(self, usable: bool) {
        let breaker = &self.breaker;
        let _deciding = breaker.deciding.lock().unwrap_or_else(|e| e.into_inner());
        // A call let through before the circuit went half-open does not decide for the trial.
        if !self.trial && breaker.half_open.get() {
            return;
        }
        if usable {
            breaker.machine.on_success();
        } else {
            breaker.machine.on_error();
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.trial {
            self.breaker.trial_running.store(false, Ordering::SeqCst);
        }
    }
}
