//! Turning measurements into something to read: a side-by-side table with the ratio to
//! phase 01, and an SVG chart of p50/p99 latency per phase and workload.

use std::fmt::Write;
use std::path::Path;

use plotters::prelude::*;

use super::{BenchResults, PhaseResult, Workload};

/// The table, one block per workload, one row per phase and concurrency.
pub fn render_table(results: &BenchResults) -> String {
    let mut out = String::new();
    let baseline = results.phases.first();
    for workload in Workload::ALL {
        let _ = writeln!(out, "\n{}", workload.label());
        let _ = writeln!(
            out,
            "  {:<22} {:>5} {:>10} {:>9} {:>9} {:>9} {:>7} {:>9}",
            "phase", "conc", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "vs first"
        );
        for phase in &results.phases {
            for run in phase
                .runs
                .iter()
                .filter(|run| run.workload == workload.label())
            {
                let m = &run.measurement;
                let ratio = baseline
                    .and_then(|base| rps_of(base, workload, run.concurrency))
                    .filter(|base| *base > 0.0)
                    .map(|base| format!("{:.2}x", m.requests_per_second / base))
                    .unwrap_or_else(|| "-".into());
                let _ = writeln!(
                    out,
                    "  {:<22} {:>5} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>7} {:>9}",
                    phase.phase.name(),
                    run.concurrency,
                    m.requests_per_second,
                    m.p50_ms,
                    m.p95_ms,
                    m.p99_ms,
                    m.errors,
                    ratio
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
        let colour = PHASE_COLOURS[p % PHASE_COLOURS.len()];
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

    fn results() -> BenchResults {
        let phase = |phase, rps: f64| PhaseResult {
            phase,
            runs: Workload::ALL
                .iter()
                .map(|workload| WorkloadRun {
                    workload: workload.label(),
                    concurrency: 16,
                    measurement: Measurement {
                        requests: 1000,
                        errors: 0,
                        seconds: 1.0,
                        requests_per_second: rps,
                        p50_ms: 1000.0 / rps,
                        p95_ms: 2000.0 / rps,
                        p99_ms: 3000.0 / rps,
                        max_ms: 10.0,
                    },
                })
                .collect(),
            cpu_seconds: Some(1.5),
            peak_rss_mib: None,
        };
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
    fn the_chart_is_an_svg_with_every_phase() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("latency.svg");
        render_svg(&results(), &path).unwrap();
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("01-monolith") && svg.contains("03-microservices"));
    }
}
