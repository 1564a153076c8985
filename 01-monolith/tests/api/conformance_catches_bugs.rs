//! Placeholder, filled in once the conformance crate's API is final.
