//! `workshop check`: the conformance suite against a phase or a URL.

use anyhow::bail;

use crate::phases::{self, Launch, Phase, Profile, RunningPhase};

/// What `check` was asked to judge.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    Phase(Phase),
    Url(String),
    Exercise(u32),
}

impl Target {
    pub fn parse(target: &str, number: Option<u32>) -> anyhow::Result<Self> {
        if target == "exercise" {
            return match number {
                Some(number) => Ok(Target::Exercise(number)),
                None => bail!("which exercise? e.g. `workshop check exercise 3`"),
            };
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
            };
            let report = conformance::run(&config).await;
            running.stop().await;
            report
        }
        Target::Exercise(number) => {
            let exercises = phases::workspace_root().join("exercises");
            if !exercises.exists() {
                bail!(
                    "there are no exercises in this checkout yet ({} is missing), so exercise {number} cannot be checked",
                    exercises.display()
                );
            }
            bail!("exercise {number} has no checker in this version of the workshop tool")
        }
    };
    println!("{report}");
    Ok(report.is_success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!(
            Target::parse("02", None).unwrap(),
            Target::Phase(Phase::ModularMonolith)
        );
        assert_eq!(
            Target::parse("http://localhost:8000/", None).unwrap(),
            Target::Url("http://localhost:8000".into())
        );
        assert_eq!(
            Target::parse("exercise", Some(3)).unwrap(),
            Target::Exercise(3)
        );
        assert!(Target::parse("exercise", None).is_err());
        assert!(
            Target::parse("localhost:8000", None)
                .unwrap_err()
                .to_string()
                .contains("URL")
        );
    }
}
