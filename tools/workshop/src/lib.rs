//! The workshop tool: one entry point to run, check and benchmark any phase.
//!
//! - `up`: build and start a phase on its documented ports, with its logs, until Ctrl-C;
//! - `check`: run the conformance suite against a phase it starts itself, or a URL;
//! - `bench`: measure the same workloads on each phase and compare them;
//! - `exercise`: catch up, reset and compare an exercise (start, solve, diff, check);
//! - `extraction`: the lines each phase 03 service adds to its phase 02 module;
//! - `up --trace`: the same, with an OTLP receiver here and a waterfall per request (`trace`).

pub mod bench;
pub mod check;
pub mod cli;
pub mod exercise;
pub mod extraction;
pub mod phases;
pub mod trace;
