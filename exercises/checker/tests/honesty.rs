//! Every checker is honest: it fails on the untouched starter (which must still build, so the
//! failure is about the exercise, not a broken starting point) and passes on the reference
//! solution, brought into a copy of the starter the way `workshop exercise solve N` brings it
//! into the learner's (same code, the starter's package name): so this also proves that
//! "solve, then check" passes, and "start" (the committed starter), then check, fails. Each
//! test builds and runs real processes, so they take a while.

use exercise_checker::{
    Variant, check, check_subject,
    kit::Outcome,
    scratch::{self, Base},
};

async fn assert_honest(number: u32) {
    let starter = check(number, Variant::Starter)
        .await
        .expect("the exercise exists");
    println!("{starter}");
    assert!(
        !starter.is_success(),
        "exercise {number}: the checker passes the untouched starter"
    );
    let build = starter
        .steps()
        .iter()
        .find(|step| step.name.ends_with("` builds"))
        .expect("the checker has a build step");
    assert!(
        matches!(build.outcome, Outcome::Done),
        "exercise {number}: the starter itself is broken (`{}` failed), so its failure proves nothing",
        build.name
    );
    let missing = starter
        .steps()
        .iter()
        .filter(|step| matches!(step.outcome, Outcome::Missing(_)))
        .count();
    assert!(
        missing > 0,
        "exercise {number}: the starter fails only by skipped steps, never by a real check"
    );

    let solved = scratch::prepare(number, Base::Solution, "starter + solve")
        .expect("the solution can be brought into a copy of the starter");
    let solution = check_subject(&solved).await.expect("the exercise exists");
    println!("{solution}");
    assert!(
        solution.is_success(),
        "exercise {number}: the checker fails the reference solution"
    );
    assert_eq!(
        starter.steps().len(),
        solution.steps().len(),
        "exercise {number}: starter and solution must be judged by the same steps"
    );
}

#[tokio::test]
async fn exercise_01_checker_is_honest() {
    assert_honest(1).await;
}

#[tokio::test]
async fn exercise_02_checker_is_honest() {
    assert_honest(2).await;
}

#[tokio::test]
async fn exercise_03_checker_is_honest() {
    assert_honest(3).await;
}

#[tokio::test]
async fn exercise_04_checker_is_honest() {
    assert_honest(4).await;
}

#[tokio::test]
async fn exercise_05_checker_is_honest() {
    assert_honest(5).await;
}

#[tokio::test]
async fn exercise_06_checker_is_honest() {
    assert_honest(6).await;
}

#[tokio::test]
async fn an_unknown_exercise_is_refused() {
    assert!(check(7, Variant::Starter).await.is_err());
}

#[test]
fn every_exercise_readme_links_the_previous_and_the_next() {
    let exercises = exercise_checker::EXERCISES;
    for (index, (number, folder, _)) in exercises.iter().enumerate() {
        let readme = exercise_checker::kit::workspace_root()
            .join("exercises")
            .join(folder)
            .join("README.md");
        let text = std::fs::read_to_string(&readme).expect("every exercise has a README");
        let neighbours = [index.checked_sub(1), Some(index + 1)];
        for neighbour in neighbours.into_iter().flatten() {
            if let Some((_, other, _)) = exercises.get(neighbour) {
                assert!(
                    text.contains(&format!("](../{other}/README.md)")),
                    "exercise {number}'s README does not link exercise {other}"
                );
            }
        }
        assert!(
            text.contains(&format!("exercise solve {number}")),
            "exercise {number}'s README does not show how to catch up"
        );
    }
}
