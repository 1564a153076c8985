//! Turning measurements into something to read: a side-by-side table with the ratio to
//! the first phase and the share of the ceiling, and an SVG chart of p50/p99 latency per
//! phase and workload.

use std::fmt::Write;
use std::path::Path;

use plotters::prelude::*;

use super::{BenchResults, PhaseResult, Target, Workload};

/// The table, one block per workload, one row per phase and concurrency.
///
/// "vs first" divides a phase's requests per second by those of the first *phase* in the
/// run (the ceiling is not a phase). "of ceiling" divides them by the ceiling's task reads
/// at the same concurrency. The ceiling serves only the task read, so for every other
/// workload that is still the reference, and the table says so: there it reads as "how far
/// from the cheapest round trip axum can make", not as a like-for-like comparison.
pub fn render_table(results: &BenchResults) -> String {
    let mut out = String::new();
    let baseline = results
        .phases
        .iter()
        .find(|phase| phase.phase != Target::Ceiling);
    let ceiling = results
        .phases
        .iter()
        .find(|phase| phase.phase == Target::Ceiling);
    for workload in Workload::ALL {
        let _ = writeln!(out, "\n{}", workload.label());
        if ceiling.is_some() && workload != Workload::GetTask {
            let _ = writeln!(
                out,
                "  (of ceiling: against the ceiling's {}, the only route it serves)",
                Workload::GetTask.label()
            );
        }
        let _ = writeln!(
            out,
            "  {:<22} {:>5} {:>10} {:>9} {:>9} {:>9} {:>7} {:>9} {:>10}",
            "phase",
            "conc",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "errors",
            "vs first",
            "of ceiling"
        );
        for phase in &results.phases {
            for run in phase
                .runs
                .iter()
                .filter(|run| run.workload == workload.label())
            {
                let m = &run.measurement;
                let ratio = baseline
                    .filter(|_| phase.phase != Target::Ceiling)
                    .and_then(|base| rps_of(base, workload, run.concurrency))
                    .filter(|base| *base > 0.0)
                    .map(|base| format!("{:.2}x", m.requests_per_second / base))
                    .unwrap_or_else(|| "-".into());
                let of_ceiling = ceiling
                    .and_then(|top| rps_of(top, Workload::GetTask, run.concurrency))
                    .filter(|top| *top > 0.0)
                    .map(|top| format!("{:.1}%", 100.0 * m.requests_per_second / top))
                    .unwrap_or_else(|| "-".into());
                let _ = writeln!(
                    out,
                    "  {:<22} {:>5} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>7} {:>6} {:>9} {:>10}",
                    phase.phase.name(),
                    run.concurrency,
                    m.requests_per_second,
                    m.p50_ms,
                    m.p95_ms,
                    m.p99_ms,
                    m.errors,
                    m.shed,
                    ratio,
                    of_ceiling
                );
            }
        }
    }
    let _ = writeln!(out, "\nresources (all processes of the phase, whole run)");
    for phase in &results.phases {
        let _ = writeln!(
            out,
            "  {:<22} CPU {:>8} s   peak RSS {:>8} MiB",
            phase.phase.name(),
            phase
                .cpu_seconds
                .map(|s| format!("{s:.1}"))
                .unwrap_or_else(|| "n/a".into()),
            phase
                .peak_rss_mib
                .map(|m| format!("{m:.1}"))
                .unwrap_or_else(|| "n/a".into()),
        );
    }
    out
}

fn rps_of(phase: &PhaseResult, workload: Workload, concurrency: usize) -> Option<f64> {
    phase
        .runs
        .iter()
        .find(|run| run.workload == workload.label() && run.concurrency == concurrency)
        .map(|run| run.measurement.requests_per_second)
}

/// Where the bars start on the log axis: below any latency a request over TCP can have.
const FLOOR_MS: f64 = 0.01;

const PHASE_COLOURS: [RGBColor; 3] = [
    RGBColor(35, 87, 198),
    RGBColor(232, 140, 20),
    RGBColor(180, 35, 24),
];

/// The ceiling is grey, so that each phase keeps its colour whether or not it was measured.
const CEILING_COLOUR: RGBColor = RGBColor(150, 150, 150);

fn colour_of(target: Target) -> RGBColor {
    match target {
        Target::Ceiling => CEILING_COLOUR,
        Target::Phase(phase) => {
            let index = crate::phases::Phase::ALL
                .iter()
                .position(|known| *known == phase)
                .unwrap_or(0);
            PHASE_COLOURS[index % PHASE_COLOURS.len()]
        }
    }
}

/// Grouped bars: for each workload, one pair of bars (p50 solid, p99 pale) per phase, at
/// the highest concurrency measured. The latency axis is logarithmic: a login (deliberately
/// slow password hashing) takes a hundred times longer than a read, and both must show.
pub fn render_svg(results: &BenchResults, path: &Path) -> anyhow::Result<()> {
    let concurrency = results
        .phases
        .iter()
        .flat_map(|phase| phase.runs.iter().map(|run| run.concurrency))
        .max()
        .unwrap_or(1);
    let bars: Vec<(usize, usize, f64, f64)> = Workload::ALL
        .iter()
        .enumerate()
        .flat_map(|(w, workload)| {
            results
                .phases
                .iter()
                .enumerate()
                .filter_map(move |(p, phase)| {
                    let run = phase.runs.iter().find(|run| {
                        run.workload == workload.label() && run.concurrency == concurrency
                    })?;
                    Some((w, p, run.measurement.p50_ms, run.measurement.p99_ms))
                })
        })
        .collect();
    let highest = bars.iter().map(|bar| bar.3).fold(1.0, f64::max) * 1.5;
    let group = results.phases.len().max(1) as f64 + 1.0;

    let root = SVGBackend::new(path, (1000, 520)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Latency per workload at concurrency {concurrency} (solid p50, pale p99)"),
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(
            0.0..Workload::ALL.len() as f64 * group,
            (FLOOR_MS..highest).log_scale(),
        )?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_desc("milliseconds (log scale)")
        .x_labels(Workload::ALL.len() * 4)
        .x_label_formatter(&|x| {
            let index = (x / group).floor() as usize;
            let middle = (index as f64 * group + group / 2.0 - x).abs() < 0.26;
            match Workload::ALL.get(index) {
                Some(workload) if middle => workload.label().to_string(),
                _ => String::new(),
            }
        })
        .draw()?;
    for (p, phase) in results.phases.iter().enumerate() {
        let colour = colour_of(phase.phase);
        let mine: Vec<_> = bars.iter().filter(|bar| bar.1 == p).collect();
        chart
            .draw_series(mine.iter().map(|(w, p, _, p99)| {
                let x = *w as f64 * group + 0.5 + *p as f64;
                Rectangle::new([(x, FLOOR_MS), (x + 0.9, *p99)], colour.mix(0.35).filled())
            }))?
            .label(phase.phase.name())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
        chart.draw_series(mine.iter().map(|(w, p, p50, _)| {
            let x = *w as f64 * group + 0.5 + *p as f64;
            Rectangle::new([(x, FLOOR_MS), (x + 0.9, *p50)], colour.filled())
        }))?;
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        bench::{Measurement, WorkloadRun},
        phases::Phase,
    };

    fn measured(workload: Workload, rps: f64) -> WorkloadRun {
        WorkloadRun {
            workload: workload.label(),
            concurrency: 16,
            measurement: Measurement {
                requests: 1000,
                errors: 0,
                shed: 0,
                seconds: 1.0,
                requests_per_second: rps,
                p50_ms: 1000.0 / rps,
                p95_ms: 2000.0 / rps,
                p99_ms: 3000.0 / rps,
                max_ms: 10.0,
            },
        }
    }

    fn phase(phase: Phase, rps: f64) -> PhaseResult {
        PhaseResult {
            phase: Target::Phase(phase),
            runs: Workload::ALL
                .iter()
                .map(|workload| measured(*workload, rps))
                .collect(),
            cpu_seconds: Some(1.5),
            peak_rss_mib: None,
        }
    }

    fn results() -> BenchResults {
        BenchResults {
            started_at: "2026-11-22T00:00:00Z".into(),
            machine: "test".into(),
            duration_seconds: 1.0,
            phases: vec![
                phase(Phase::Monolith, 1000.0),
                phase(Phase::Microservices, 500.0),
            ],
        }
    }

    /// As `workshop bench` runs by default: the ceiling first, measuring only task reads.
    fn results_with_ceiling() -> BenchResults {
        let mut results = results();
        results.phases.insert(
            0,
            PhaseResult {
                phase: Target::Ceiling,
                runs: vec![measured(Workload::GetTask, 4000.0)],
                cpu_seconds: Some(0.5),
                peak_rss_mib: Some(8.0),
            },
        );
        results
    }

    /// The rows of one workload's block, by the name in their first column.
    fn block(table: &str, workload: Workload) -> Vec<&str> {
        table
            .split("\n\n")
            .find(|block| block.trim_start().starts_with(workload.label()))
            .map(|block| block.lines().collect())
            .unwrap_or_default()
    }

    fn row<'t>(rows: &[&'t str], name: &str) -> Option<&'t str> {
        rows.iter()
            .copied()
            .find(|line| line.trim_start().starts_with(name))
    }

    #[test]
    fn the_table_compares_each_phase_with_the_first() {
        let table = render_table(&results());
        assert!(table.contains("GET /api/v1/stats"));
        assert!(
            table.contains("1.00x") && table.contains("0.50x"),
            "{table}"
        );
        assert!(
            table.contains("n/a"),
            "unknown memory is shown as n/a, not 0"
        );
    }

    #[test]
    fn every_table_shows_each_phase_as_a_share_of_the_ceiling() {
        let table = render_table(&results_with_ceiling());
        let reads = block(&table, Workload::GetTask);
        assert!(
            reads.iter().any(|line| line.contains("of ceiling")),
            "{table}"
        );
        // 1000 and 500 req/s against the ceiling's 4000: 25% and 12.5%.
        let monolith = row(&reads, "01-monolith").unwrap_or_default();
        assert!(
            monolith.trim_end().ends_with("1.00x      25.0%"),
            "{monolith:?}"
        );
        let microservices = row(&reads, "03-microservices").unwrap_or_default();
        assert!(
            microservices.trim_end().ends_with("0.50x      12.5%"),
            "{microservices:?}"
        );
        // The ceiling is its own reference, and not the first phase.
        let ceiling = row(&reads, "ceiling").unwrap_or_default();
        assert!(ceiling.trim_end().ends_with("-     100.0%"), "{ceiling:?}");

        // Other workloads: no ceiling row, the task-read ceiling as the reference, said so.
        let stats = block(&table, Workload::Stats);
        assert!(row(&stats, "ceiling").is_none(), "{table}");
        assert!(
            stats
                .iter()
                .any(|line| line.contains("against the ceiling's GET /api/v1/tasks/{id}")),
            "{table}"
        );
        let monolith = row(&stats, "01-monolith").unwrap_or_default();
        assert!(monolith.trim_end().ends_with("25.0%"), "{monolith:?}");
    }

    #[test]
    fn without_the_ceiling_the_column_says_so() {
        let table = render_table(&results());
        let reads = block(&table, Workload::GetTask);
        let monolith = row(&reads, "01-monolith").unwrap_or_default();
        assert!(
            monolith.trim_end().ends_with("1.00x          -"),
            "{monolith:?}"
        );
    }

    #[test]
    fn the_chart_is_an_svg_with_every_phase() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("latency.svg");
        render_svg(&results_with_ceiling(), &path).unwrap();
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("ceiling"));
        assert!(svg.contains("01-monolith") && svg.contains("03-microservices"));
    }
}
