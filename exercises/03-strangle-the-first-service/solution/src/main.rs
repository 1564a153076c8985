//! `cargo run -p exercise-03-solution -- <monolith|stats-service|gateway>`: one binary, one
//! subcommand per process of the strangled system (see the exercise's README).

fn main() -> std::process::ExitCode {
    exercise_03_solution::main()
}
