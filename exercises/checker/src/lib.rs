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
pub mod kit;

pub use kit::{Report, Variant};

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

/// Checks exercise `number`'s `variant`; `Err` when there is no such exercise.
pub async fn check(number: u32, variant: Variant) -> Result<Report, String> {
    Ok(match number {
        1 => exercise_01::check(variant).await,
        2 => exercise_02::check(variant).await,
        3 => exercise_03::check(variant).await,
        4 => exercise_04::check(variant).await,
        5 => exercise_05::check(variant).await,
        6 => exercise_06::check(variant).await,
        _ => {
            return Err(format!(
                "there is no exercise {number}; the exercises are 1 to {}",
                EXERCISES.len()
            ));
        }
    })
}
