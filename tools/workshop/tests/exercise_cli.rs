//! `workshop exercise start|solve|diff|check N` parse as learners type them.

use clap::Parser;
use workshop::cli::{Cli, Command, ExerciseAction};

fn parse(args: &[&str]) -> Result<Command, clap::Error> {
    Cli::try_parse_from(std::iter::once("workshop").chain(args.iter().copied()))
        .map(|cli| cli.command)
}

#[test]
fn the_exercise_commands_parse() {
    for (args, expected) in [
        (
            vec!["exercise", "start", "3"],
            ExerciseAction::Start { number: 3 },
        ),
        (
            vec!["exercise", "solve", "5"],
            ExerciseAction::Solve { number: 5 },
        ),
        (
            vec!["exercise", "diff", "1"],
            ExerciseAction::Diff { number: 1 },
        ),
        (
            vec!["exercise", "check", "2", "--solution"],
            ExerciseAction::Check {
                number: 2,
                solution: true,
            },
        ),
    ] {
        match parse(&args) {
            Ok(Command::Exercise { action }) => assert_eq!(action, expected, "{args:?}"),
            other => panic!("{args:?} parsed as {other:?}"),
        }
    }
    assert!(
        parse(&["exercise", "solve"]).is_err(),
        "the number is required"
    );
    assert!(parse(&["exercise", "finish", "3"]).is_err());
}

#[test]
fn the_old_check_form_still_parses() {
    assert!(matches!(
        parse(&["check", "exercise", "3"]),
        Ok(Command::Check {
            number: Some(3),
            solution: false,
            ..
        })
    ));
}
