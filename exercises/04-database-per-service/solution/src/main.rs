//! `cargo run -p exercise-04-solution -- <monolith|task-service>`: one binary, one
//! subcommand per process of this crate (see the exercise's README for the whole system).

fn main() -> std::process::ExitCode {
    exercise_04_solution::main()
}
