//! Mistakes the types refuse before anything runs: each file in `tests/compile_fail/` must
//! fail to compile, with exactly the error in its `.stderr` file next to it.
//!
//! The fixtures are kept tiny and use only the id types, so the expected compiler output
//! names nothing but the fixture itself and does not shift when the application changes.
//! `UserId` is the shared kernel's and `TaskId` this module's; the fixture and its expected
//! errors are phase 01's, so both phases refuse the same mistake with the same words.
//! After a deliberate change (or a new Rust release rewording an error), regenerate the
//! expectations with `TRYBUILD=overwrite cargo test -p tasks --test compile_fail` and
//! review the `.stderr` diff.

#[test]
fn a_swapped_user_id_and_task_id_do_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}
