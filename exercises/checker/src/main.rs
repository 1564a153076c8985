//! `exercise-checker N [starter|solution]`: checks one exercise and prints what is done and
//! what is missing. Exits 0 only when every step is done.

use std::process::ExitCode;

use exercise_checker::Variant;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: exercise-checker <1-6> [starter|solution]   (default: starter, your work)";
    let Some(number) = args.first().and_then(|n| n.parse::<u32>().ok()) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let variant = match args.get(1).map(|v| v.parse::<Variant>()) {
        None => Variant::Starter,
        Some(Ok(variant)) => variant,
        Some(Err(error)) => {
            eprintln!("{error}\n{usage}");
            return ExitCode::from(2);
        }
    };
    match exercise_checker::check(number, variant).await {
        Ok(report) => {
            println!("{report}");
            if report.is_success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(2)
        }
    }
}
