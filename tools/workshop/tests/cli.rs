//! Argument parsing: what learners type, and the mistakes they make.

use std::time::Duration;

use clap::Parser;
use workshop::{
    bench::Target,
    cli::{Cli, Command, parse_duration},
    phases::Phase,
};

fn parse(args: &[&str]) -> Result<Command, clap::Error> {
    Cli::try_parse_from(std::iter::once("workshop").chain(args.iter().copied()))
        .map(|cli| cli.command)
}

#[test]
fn up_defaults_to_phase_01() {
    assert!(matches!(
        parse(&["up"]).unwrap(),
        Command::Up {
            phase: Phase::Monolith,
            trace: false,
            port: 8000,
            data: None,
        }
    ));
    assert!(matches!(
        parse(&["up", "3"]).unwrap(),
        Command::Up {
            phase: Phase::Microservices,
            ..
        }
    ));
    let error = parse(&["up", "04"]).unwrap_err().to_string();
    assert!(error.contains("use 01, 02 or 03"), "{error}");
}

#[test]
fn up_takes_trace_a_port_and_a_data_folder() {
    match parse(&["up", "03", "--trace", "--port", "9100", "--data", "/tmp/x"]).unwrap() {
        Command::Up {
            phase,
            trace,
            port,
            data,
        } => {
            assert_eq!(phase, Phase::Microservices);
            assert!(trace);
            assert_eq!(port, 9100);
            assert_eq!(data.as_deref(), Some(std::path::Path::new("/tmp/x")));
        }
        other => panic!("{other:?}"),
    }
    // Phase 03 needs the port and the next three.
    for bad in ["0", "65533", "http"] {
        assert!(parse(&["up", "--port", bad]).is_err(), "{bad}");
    }
}

#[test]
fn bench_has_defaults_and_takes_lists() {
    match parse(&["bench"]).unwrap() {
        Command::Bench {
            phases,
            duration,
            concurrency,
            ..
        } => {
            assert_eq!(
                phases,
                Target::DEFAULT,
                "the ceiling first, then every phase"
            );
            assert_eq!(duration, Duration::from_secs(3));
            assert_eq!(concurrency, [1, 16]);
        }
        other => panic!("{other:?}"),
    }
    match parse(&[
        "bench",
        "--phases",
        "ceiling,01,03",
        "--duration",
        "500ms",
        "--concurrency",
        "1,8,64",
    ])
    .unwrap()
    {
        Command::Bench {
            phases,
            duration,
            concurrency,
            ..
        } => {
            assert_eq!(
                phases,
                [
                    Target::Ceiling,
                    Target::Phase(Phase::Monolith),
                    Target::Phase(Phase::Microservices)
                ]
            );
            assert_eq!(duration, Duration::from_millis(500));
            assert_eq!(concurrency, [1, 8, 64]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bench_targets_are_phases_or_the_ceiling() {
    match parse(&["bench", "--phases", "monolith,CEILING"]).unwrap() {
        Command::Bench { phases, .. } => {
            assert_eq!(phases, [Target::Phase(Phase::Monolith), Target::Ceiling]);
        }
        other => panic!("{other:?}"),
    }
    let error = parse(&["bench", "--phases", "01,roof"])
        .unwrap_err()
        .to_string();
    assert!(error.contains("use ceiling, 01, 02 or 03"), "{error}");
    // `up` and `check` still take phases only: the ceiling is no task manager.
    assert!(parse(&["up", "ceiling"]).is_err());
}

#[test]
fn durations_need_a_unit() {
    assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
    for bad in ["10", "0s", "fast", "5h", "s"] {
        assert!(parse_duration(bad).is_err(), "{bad:?}");
    }
    assert!(parse(&["bench", "--duration", "10"]).is_err());
}

#[test]
fn check_takes_a_phase_a_url_or_an_exercise() {
    assert!(matches!(
        parse(&["check", "02"]).unwrap(),
        Command::Check { .. }
    ));
    match parse(&["check", "exercise", "3"]).unwrap() {
        Command::Check {
            target,
            number,
            solution,
        } => assert_eq!(
            (target.as_str(), number, solution),
            ("exercise", Some(3), false)
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse(&["check", "exercise", "3", "--solution"]).unwrap(),
        Command::Check { solution: true, .. }
    ));
}
