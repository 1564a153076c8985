//! The exercises' checkers. Each exercise has one module with
//! `pub async fn check(variant) -> Report`: it builds the learner's package (or the reference
//! solution), inspects its source files and runs it as a real process, and reports, step by
//! step, what is done and what is still missing.
//!
//! `cargo run -p workshop -- check exercise 3` and `cargo run -p exercise-checker -- 3` both end
//! up in [`check`]. The tests in `tests/honesty.rs` prove every checker fails on the untouched
//! starter and passes on the reference solution.

pub mod exercise_01;
pub mod exercise_02;
pub mod exercise_03;
pub mod exercise_04;
pub mod exercise_05;
pub mod exercise_06;
pub mod fixtures;
pub mod kit;
pub mod metadata;
pub mod probe;
pub mod scratch;
pub mod syntax;

pub use kit::{Report, Subject, Variant};

/// The exercises in the order of the migration path: number, folder under `exercises/`, title.
pub const EXERCISES: [(u32, &str, &str); 6] = [
    (1, "01-find-the-seams", "Find the seams"),
    (2, "02-own-your-data", "Give each module its own data"),
    (
        3,
        "03-strangle-the-first-service",
        "Strangle the first service",
    ),
    (4, "04-database-per-service", "Database per service"),
    (5, "05-survive-failure", "Survive failure"),
    (6, "06-protect-the-edge", "Protect the edge"),
];

/// The folder under `exercises/` of exercise `number`.
pub fn folder(number: u32) -> Result<&'static str, String> {
    EXERCISES
        .iter()
        .find(|(n, _, _)| *n == number)
        .map(|(_, folder, _)| *folder)
        .ok_or_else(|| {
            format!(
                "there is no exercise {number}; the exercises are 1 to {}",
                EXERCISES.len()
            )
        })
}

/// Checks exercise `number`'s `variant`; `Err` when there is no such exercise.
pub async fn check(number: u32, variant: Variant) -> Result<Report, String> {
    check_subject(&Subject::variant(number, variant)?).await
}

/// Checks any crate as exercise `subject.number`: a variant, or a scratch copy (a fixture).
pub async fn check_subject(subject: &Subject) -> Result<Report, String> {
    folder(subject.number)?;
    Ok(match subject.number {
        1 => exercise_01::check(subject).await,
        2 => exercise_02::check(subject).await,
        3 => exercise_03::check(subject).await,
        4 => exercise_04::check(subject).await,
        5 => exercise_05::check(subject).await,
        _ => exercise_06::check(subject).await,
    })
}
