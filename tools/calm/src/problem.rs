//! What every check returns: a list of problems, each naming the check that found it.
//!
//! Checks never stop at the first problem, so one run shows everything that is wrong, and a
//! test can assert that a planted mistake is reported *by the check meant to catch it*.

use std::fmt;

/// One thing wrong, in a sentence a learner can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The check's name, e.g. `unique-ids` or `compose-services`.
    pub check: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(check: &'static str, message: impl Into<String>) -> Self {
        Self {
            check,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.check, self.message)
    }
}

/// All problems, one per line, for error messages and test failures.
pub fn report(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|problem| format!("  - {problem}"))
        .collect::<Vec<_>>()
        .join("\n")
}
