//! The outcome of a run: checks grouped by contract area, printable for people and queryable
//! for tests ("did area X fail?").

use std::fmt;

/// What happened to one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server did what the contract says.
    Pass,
    /// The server did something else; the message says what was expected and what came back.
    Fail(String),
    /// The check could not run; the message says why (e.g. "needs --jwt-secret").
    Skip(String),
}

/// One named check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub name: String,
    pub outcome: Outcome,
}

/// The checks of one contract area (see [`crate::areas`]), in the order they ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaReport {
    name: String,
    checks: Vec<CheckResult>,
}

impl AreaReport {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            checks: Vec::new(),
        }
    }

    /// The area's name, one of [`crate::areas`].
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn checks(&self) -> &[CheckResult] {
        &self.checks
    }

    /// The check with this name, if it ran.
    pub fn check(&self, name: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|check| check.name == name)
    }

    pub fn push(&mut self, name: &str, outcome: Outcome) {
        self.checks.push(CheckResult {
            name: name.to_owned(),
            outcome,
        });
    }

    /// Records a check written as `Result`: `Ok` passes, `Err(message)` fails.
    pub fn record(&mut self, name: &str, result: Result<(), String>) {
        let outcome = match result {
            Ok(()) => Outcome::Pass,
            Err(message) => Outcome::Fail(message),
        };
        self.push(name, outcome);
    }

    /// Records a check that also produces something later checks need; returns it if the check
    /// passed.
    pub fn record_value<T>(&mut self, name: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => {
                self.push(name, Outcome::Pass);
                Some(value)
            }
            Err(message) => {
                self.push(name, Outcome::Fail(message));
                None
            }
        }
    }

    /// For a setup step (e.g. creating the task an area works on): records a failure only, since
    /// its success is not itself something the contract promises; returns the value if it worked.
    pub fn setup<T>(&mut self, name: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.push(name, Outcome::Fail(message));
                None
            }
        }
    }

    pub fn skip(&mut self, name: &str, reason: &str) {
        self.push(name, Outcome::Skip(reason.to_owned()));
    }

    pub fn passed(&self) -> usize {
        self.count(|outcome| matches!(outcome, Outcome::Pass))
    }

    pub fn failed(&self) -> usize {
        self.count(|outcome| matches!(outcome, Outcome::Fail(_)))
    }

    pub fn skipped(&self) -> usize {
        self.count(|outcome| matches!(outcome, Outcome::Skip(_)))
    }

    /// True when nothing in this area failed.
    pub fn is_success(&self) -> bool {
        self.failed() == 0
    }

    fn count(&self, matches: impl Fn(&Outcome) -> bool) -> usize {
        self.checks
            .iter()
            .filter(|check| matches(&check.outcome))
            .count()
    }
}

/// Everything one run found out about a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    base_url: String,
    areas: Vec<AreaReport>,
    unreachable: bool,
}

impl Report {
    pub fn new(base_url: &str) -> Self {
        Self {
            base_url: base_url.to_owned(),
            areas: Vec::new(),
            unreachable: false,
        }
    }

    /// The URL the run was aimed at.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn push(&mut self, area: AreaReport) {
        self.areas.push(area);
    }

    /// Marks the run as "nothing answered at all" (the binary exits with 2, not 1).
    pub fn mark_unreachable(&mut self, area: AreaReport) {
        self.unreachable = true;
        self.areas.push(area);
    }

    /// True when no server answered the first request; nothing else ran.
    pub fn server_unreachable(&self) -> bool {
        self.unreachable
    }

    pub fn areas(&self) -> &[AreaReport] {
        &self.areas
    }

    /// The results of one area, e.g. `report.area(areas::STATS)`.
    pub fn area(&self, name: &str) -> Option<&AreaReport> {
        self.areas.iter().find(|area| area.name == name)
    }

    /// Every failed check as `(area, check, message)`, in run order.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.areas.iter().flat_map(|area| {
            area.checks.iter().filter_map(|check| match &check.outcome {
                Outcome::Fail(message) => {
                    Some((area.name(), check.name.as_str(), message.as_str()))
                }
                _ => None,
            })
        })
    }

    pub fn passed(&self) -> usize {
        self.areas.iter().map(AreaReport::passed).sum()
    }

    pub fn failed(&self) -> usize {
        self.areas.iter().map(AreaReport::failed).sum()
    }

    pub fn skipped(&self) -> usize {
        self.areas.iter().map(AreaReport::skipped).sum()
    }

    /// True when the server answered, at least one check passed and none failed.
    /// (An empty report is not a success: it proves nothing.)
    pub fn is_success(&self) -> bool {
        !self.unreachable && self.failed() == 0 && self.passed() > 0
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "TaskTracker API conformance against {}", self.base_url)?;
        for area in &self.areas {
            writeln!(f)?;
            writeln!(
                f,
                "{} ({} passed, {} failed, {} skipped)",
                area.name,
                area.passed(),
                area.failed(),
                area.skipped()
            )?;
            for check in &area.checks {
                let (label, detail) = match &check.outcome {
                    Outcome::Pass => ("PASS", None),
                    Outcome::Fail(message) => ("FAIL", Some(message)),
                    Outcome::Skip(reason) => ("SKIP", Some(reason)),
                };
                writeln!(f, "  {label}  {}", check.name)?;
                if let Some(detail) = detail {
                    // Indent every line of the message under its check.
                    for line in detail.lines() {
                        writeln!(f, "        {line}")?;
                    }
                }
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed(),
            self.failed(),
            self.skipped()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let mut health = AreaReport::new("health");
        health.record("answers 200", Ok(()));
        health.record("says ok", Err("expected \"ok\"\ngot \"nope\"".to_owned()));
        let mut tokens = AreaReport::new("tokens");
        tokens.skip("expired token", "needs --jwt-secret");
        tokens.record("garbage token", Ok(()));
        let mut report = Report::new("http://localhost:8000");
        report.push(health);
        report.push(tokens);
        report
    }

    #[test]
    fn counts_per_area_and_in_total() {
        let report = sample();
        assert_eq!(
            (report.passed(), report.failed(), report.skipped()),
            (2, 1, 1)
        );
        let health = report.area("health").expect("area recorded");
        assert_eq!(
            (health.passed(), health.failed(), health.skipped()),
            (1, 1, 0)
        );
        assert!(!health.is_success());
        assert!(report.area("tokens").expect("area recorded").is_success());
        assert!(report.area("nope").is_none());
    }

    #[test]
    fn failures_name_area_check_and_message() {
        let report = sample();
        let failures: Vec<_> = report.failures().collect();
        assert_eq!(
            failures,
            vec![("health", "says ok", "expected \"ok\"\ngot \"nope\"")]
        );
        assert!(!report.is_success());
    }

    #[test]
    fn success_needs_a_pass_and_no_failure() {
        let mut ok = AreaReport::new("health");
        ok.record("answers 200", Ok(()));
        let mut report = Report::new("http://x");
        assert!(!report.is_success(), "an empty report proves nothing");
        report.push(ok);
        assert!(report.is_success());
        let mut unreachable = Report::new("http://x");
        unreachable.mark_unreachable(AreaReport::new("connection"));
        assert!(unreachable.server_unreachable());
        assert!(!unreachable.is_success());
    }

    #[test]
    fn display_lists_checks_and_ends_with_the_summary_line() {
        let text = sample().to_string();
        assert!(text.contains("  FAIL  says ok\n        expected \"ok\"\n        got \"nope\"\n"));
        assert!(text.contains("  SKIP  expired token\n        needs --jwt-secret\n"));
        assert!(text.contains("health (1 passed, 1 failed, 0 skipped)"));
        assert_eq!(text.lines().last(), Some("2 passed, 1 failed, 1 skipped"));
        assert!(text.ends_with('\n'));
    }
}
