//! Known-wrong answers: every fixture under `exercises/checker/fixtures/` is applied to a
//! scratch copy of its exercise's starter, and the checker must reject it at the stated step,
//! with the stated words. One test per exercise, fixtures in sequence in one scratch folder,
//! so the dependencies build once and only the copy recompiles. The check runs in quick mode:
//! the static steps (manifest, syntax) come before the build and it stops at the first
//! missing step, so most fixtures rejected by a static step are never built, and none starts
//! a process after its rejection. Fast enough for `cargo test --workspace`.
//!
//! Also: INSTRUCTORS.md quotes each fixture's message word for word, so what the guide says
//! the checker catches is exactly what a fixture proves.

use std::time::Instant;

use exercise_checker::{check_subject, fixtures};

async fn rejects_every_fixture_of(number: u32) {
    let fixtures: Vec<_> = fixtures::all()
        .expect("the fixtures can be read")
        .into_iter()
        .filter(|fixture| fixture.exercise == number)
        .collect();
    assert!(
        fixtures.len() >= 3,
        "exercise {number} needs at least three known-wrong answers, it has {}",
        fixtures.len()
    );
    let mut failures = Vec::new();
    for fixture in &fixtures {
        let started = Instant::now();
        let mut subject = fixture.apply().expect("the fixture applies");
        subject.quick = true;
        let report = check_subject(&subject).await.expect("the exercise exists");
        println!(
            "fixture {} ({:.0?}): {}\n{report}\n",
            fixture.name,
            started.elapsed(),
            fixture.mistake
        );
        if let Err(error) = fixture.judge(&report) {
            failures.push(error);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test]
async fn exercise_01_rejects_its_wrong_answers() {
    rejects_every_fixture_of(1).await;
}

#[tokio::test]
async fn exercise_02_rejects_its_wrong_answers() {
    rejects_every_fixture_of(2).await;
}

#[tokio::test]
async fn exercise_03_rejects_its_wrong_answers() {
    rejects_every_fixture_of(3).await;
}

#[tokio::test]
async fn exercise_04_rejects_its_wrong_answers() {
    rejects_every_fixture_of(4).await;
}

#[tokio::test]
async fn exercise_05_rejects_its_wrong_answers() {
    rejects_every_fixture_of(5).await;
}

#[tokio::test]
async fn exercise_06_rejects_its_wrong_answers() {
    rejects_every_fixture_of(6).await;
}

#[test]
fn the_instructor_guide_quotes_every_fixture() {
    let guide = std::fs::read_to_string(
        exercise_checker::kit::workspace_root().join("exercises/INSTRUCTORS.md"),
    )
    .expect("INSTRUCTORS.md exists");
    let guide = guide.split_whitespace().collect::<Vec<_>>().join(" ");
    let missing: Vec<String> = fixtures::all()
        .expect("the fixtures can be read")
        .iter()
        .filter(|fixture| !guide.contains(&fixture.message))
        .map(|fixture| format!("{}: {:?}", fixture.name, fixture.message))
        .collect();
    assert!(
        missing.is_empty(),
        "INSTRUCTORS.md does not quote these fixtures' messages:\n{}",
        missing.join("\n")
    );
}
