//! Phase 03's system tests live in `tests/`: they start all four services as real processes
//! from their binaries and test them together through the gateway.
//! This library is empty on purpose.
