//! `workshop check`: the conformance suite against a phase or a URL.

use anyhow::bail;
use exercise_checker::Variant;

use crate::phases::{self, Launch, Phase, Profile, RunningPhase};

/// What `check` was asked to judge.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    Phase(Phase),
    Url(String),
    /// An exercise's starter (the learner's work) or its reference solution.
    Exercise(u32, Variant),
}

impl Target {
    pub fn parse(target: &str, number: Option<u32>, solution: bool) -> anyhow::Result<Self> {
        if target == "exercise" {
            let variant = if solution {
                Variant::Solution
            } else {
                Variant::Starter
            };
            return match number {
                Some(number) => Ok(Target::Exercise(number, variant)),
                None => bail!("which exercise? e.g. `workshop check exercise 3`"),
            };
        }
        if solution {
            bail!("--solution goes with `exercise N`, e.g. `workshop check exercise 3 --solution`");
        }
        if target.starts_with("http://") || target.starts_with("https://") {
            return Ok(Target::Url(target.trim_end_matches('/').to_string()));
        }
        target.parse().map(Target::Phase).map_err(|error: String| {
            anyhow::anyhow!("{error}, a URL such as http://localhost:8000, or `exercise N`")
        })
    }
}

/// Runs the suite and prints its report; true when every check passed.
pub async fn check(target: Target) -> anyhow::Result<bool> {
    let report = match target {
        Target::Url(base_url) => {
            let jwt_secret = std::env::var("JWT_SECRET").ok().filter(|s| !s.is_empty());
            conformance::run(&conformance::Config {
                base_url,
                jwt_secret,
                server_timing: None,
            })
            .await
        }
        Target::Phase(phase) => {
            phases::build(&[phase], Profile::Debug).await?;
            let data = tempfile::tempdir()?;
            let launch = Launch::private(Profile::Debug, data.path(), true)?;
            let running = RunningPhase::start(phase, &launch).await?;
            println!(
                "{phase} is running at {}; checking the contract...",
                running.base_url
            );
            let config = conformance::Config {
                base_url: running.base_url.clone(),
                jwt_secret: Some(launch.jwt_secret.clone()),
                server_timing: Some(server_timing(phase)),
            };
            let report = conformance::run(&config).await;
            running.stop().await;
            report
        }
        Target::Exercise(number, variant) => {
            let Some((_, folder, title)) = exercise_checker::EXERCISES
                .iter()
                .find(|(n, _, _)| *n == number)
            else {
                bail!("there is no exercise {number}; the exercises are 1 to 6");
            };
            println!(
                "Checking exercise {number}, \"{title}\" (exercises/{folder}/{}); the first run builds it, which takes a while...",
                variant.name()
            );
            let report = exercise_checker::check(number, variant)
                .await
                .map_err(anyhow::Error::msg)?;
            println!("{report}");
            return Ok(report.is_success());
        }
    };
    println!("{report}");
    Ok(report.is_success())
}

/// Every phase promises `Server-Timing` on every answer: its own entry first, and `db` in
/// the two phases whose one process has the database.
fn server_timing(phase: Phase) -> conformance::ServerTiming {
    conformance::ServerTiming::requiring(match phase {
        Phase::Monolith | Phase::ModularMonolith => &["app", "db"],
        Phase::Microservices => &["gateway"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!(
            Target::parse("02", None, false).unwrap(),
            Target::Phase(Phase::ModularMonolith)
        );
        assert_eq!(
            Target::parse("http://localhost:8000/", None, false).unwrap(),
            Target::Url("http://localhost:8000".into())
        );
        assert_eq!(
            Target::parse("exercise", Some(3), false).unwrap(),
            Target::Exercise(3, Variant::Starter)
        );
        assert_eq!(
            Target::parse("exercise", Some(3), true).unwrap(),
            Target::Exercise(3, Variant::Solution)
        );
        assert!(Target::parse("exercise", None, false).is_err());
        assert!(Target::parse("02", None, true).is_err());
        assert!(
            Target::parse("localhost:8000", None, false)
                .unwrap_err()
                .to_string()
                .contains("URL")
        );
    }
}
