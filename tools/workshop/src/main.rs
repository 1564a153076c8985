//! `cargo run -p workshop -- <up|check|bench> ...`; see `--help`.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::Parser;
use workshop::{
    bench::{self, BenchOptions},
    check::{self, Target},
    cli::{Cli, Command, ExerciseAction},
    phases::{self, Launch, Logs, Phase, Ports, Profile, RunningPhase},
    trace::{self, Receiver},
};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Up {
            phase,
            trace,
            port,
            data,
        } => up(phase, trace, port, data).await.map(|()| true),
        Command::Check {
            target,
            number,
            solution,
        } => match Target::parse(&target, number, solution) {
            Ok(target) => check::check(target).await,
            Err(error) => Err(error),
        },
        Command::Bench {
            phases,
            duration,
            concurrency,
            out,
        } => run_bench(BenchOptions {
            phases,
            duration,
            concurrency,
            out,
        })
        .await
        .map(|()| true),
        Command::Exercise { action } => exercise(action).await,
        Command::Extraction { write } => extraction(write),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// `workshop exercise start|solve|diff|check N`.
async fn exercise(action: ExerciseAction) -> anyhow::Result<bool> {
    match action {
        ExerciseAction::Start { number } => {
            let backup = workshop::exercise::start(number)?;
            println!(
                "Exercise {number}'s starter is as committed again; your previous copy is in {}.\nRun `cargo run -p workshop -- check exercise {number}` to see the plan.",
                backup.display()
            );
            Ok(true)
        }
        ExerciseAction::Solve { number } => {
            let backup = workshop::exercise::solve(number)?;
            println!(
                "Exercise {number}'s starter now holds the reference solution; your previous copy is in {}.",
                backup.display()
            );
            Ok(true)
        }
        ExerciseAction::Diff { number } => {
            let diff = workshop::exercise::diff(number)?;
            if diff.is_empty() {
                println!("Your starter and the reference solution are the same.");
            } else {
                print!("{diff}");
            }
            Ok(true)
        }
        ExerciseAction::Check { number, solution } => {
            let variant = if solution {
                exercise_checker::Variant::Solution
            } else {
                exercise_checker::Variant::Starter
            };
            check::check(Target::Exercise(number, variant)).await
        }
    }
}

/// Prints the extraction report; checks (or with `write`, rewrites) the README's copy.
fn extraction(write: bool) -> anyhow::Result<bool> {
    let root = phases::workspace_root();
    print!("{}", workshop::extraction::report(&root)?);
    let current = workshop::extraction::check_or_write(&root, write)?;
    if current {
        println!("\n{} is current.", workshop::extraction::README);
    } else {
        println!(
            "\n{} is out of date: run `cargo run -p workshop -- extraction --write`.",
            workshop::extraction::README
        );
    }
    Ok(current)
}

async fn up(phase: Phase, trace: bool, port: u16, data: Option<PathBuf>) -> anyhow::Result<()> {
    let ports = Ports::from_edge(port);
    phases::ensure_ports_free(phase, &ports)?;
    // Like the phases themselves: a secret that is set but too short is an error, not ignored.
    let jwt_secret = match std::env::var("JWT_SECRET").ok().filter(|s| !s.is_empty()) {
        Some(secret) if secret.len() < 32 => {
            anyhow::bail!(
                "JWT_SECRET must be at least 32 bytes (it has {}); unset it to generate one",
                secret.len()
            )
        }
        Some(secret) => secret,
        None => {
            println!(
                "JWT_SECRET is not set: generated one for this run, shared by all of the phase's processes."
            );
            phases::generate_secret()
        }
    };
    phases::build(&[phase], Profile::Debug).await?;
    let data_dir = data.unwrap_or_else(|| {
        phases::workspace_root()
            .join("target")
            .join("workshop-data")
            .join(phase.name())
    });
    std::fs::create_dir_all(&data_dir)?;
    let receiver = if trace {
        Some(Receiver::start().await?)
    } else {
        None
    };
    let launch = Launch {
        profile: Profile::Debug,
        ports,
        data_dir,
        jwt_secret,
        rate_limit: true,
        logs: Logs::Prefixed,
        traces_to: receiver.as_ref().map(Receiver::endpoint),
    };
    let mut running = RunningPhase::start(phase, &launch).await?;
    println!("\n{phase} is up:");
    println!("  web app   {}/", running.base_url);
    println!("  API docs  {}/docs", running.base_url);
    println!("  health    {}/health", running.base_url);
    if let Some(receiver) = &receiver {
        println!(
            "  traces    received at {}; a waterfall per request follows",
            receiver.endpoint()
        );
        // The start-up's own health checks are not what the learner asked to see.
        receiver.clear();
    }
    println!("Press Ctrl-C to stop.\n");
    let waterfalls = async {
        match &receiver {
            Some(receiver) => print_waterfalls(receiver).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => println!("\nstopping {phase}..."),
        exited = running.wait_any_exit() => println!("\n{exited}; stopping the rest of {phase}..."),
        () = waterfalls => {}
    }
    running.stop().await;
    Ok(())
}

/// A trace is drawn once no span of it has arrived for this long: every process has sent
/// its part by then (each sends every `TRACE_EXPORT_DELAY_MS`).
const TRACE_SETTLED_AFTER: Duration = Duration::from_millis(4 * phases::TRACE_EXPORT_DELAY_MS);

/// Prints each trace as a waterfall once it has settled; runs until the phase stops.
async fn print_waterfalls(receiver: &Receiver) {
    let mut every = tokio::time::interval(Duration::from_millis(100));
    loop {
        every.tick().await;
        for spans in receiver.take_settled(TRACE_SETTLED_AFTER) {
            println!("{}", trace::waterfall(&spans));
        }
    }
}

async fn run_bench(options: BenchOptions) -> anyhow::Result<()> {
    let results = bench::bench(&options).await?;
    std::fs::create_dir_all(&options.out)?;
    let json = options.out.join("results.json");
    std::fs::write(&json, serde_json::to_string_pretty(&results)?)?;
    let svg = options.out.join("latency.svg");
    bench::render_svg(&results, &svg)?;
    println!("{}", bench::render_table(&results));
    println!(
        "\nmachine: {}; each run {} s after a 1 s warm-up",
        results.machine, results.duration_seconds
    );
    println!("wrote {} and {}", json.display(), svg.display());
    Ok(())
}
