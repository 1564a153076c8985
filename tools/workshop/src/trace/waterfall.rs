//! One trace drawn as a waterfall: a row per span, indented under its parent, with the
//! process that sent it, when it started (from the trace's first span) and how long it took.
//!
//! ```text
//! trace 4bf92f3577b34da6a3ce929d0e0e4736  GET /api/v1/stats  3.91 ms
//!   process        span                               start  duration
//!   api-gateway    GET /api/v1/stats                0.00 ms   3.91 ms  ██████████████████████████████
//!   api-gateway      GET stats-service              0.12 ms   3.70 ms   ████████████████████████████
//!   stats-service      GET /api/v1/stats            0.45 ms   3.20 ms     ████████████████████████
//! ```

use std::{collections::HashMap, fmt::Write as _};

use super::Span;

/// How many characters the longest bar has: the whole trace.
const BAR_WIDTH: usize = 30;

/// The waterfall of one trace's spans (all with the same trace id), as lines of text.
/// Spans whose parent is not among them (the trace's first span, or one whose parent's
/// process has not exported yet) are drawn at the left edge.
pub fn waterfall(spans: &[Span]) -> String {
    let Some(first) = spans.iter().min_by_key(|span| span.start_unix_nanos) else {
        return String::new();
    };
    let origin = first.start_unix_nanos;
    let end = spans
        .iter()
        .map(|span| span.end_unix_nanos)
        .max()
        .unwrap_or(origin);
    let total = end.saturating_sub(origin).max(1);

    let ids: HashMap<&str, &Span> = spans.iter().map(|s| (s.span_id.as_str(), s)).collect();
    let mut children: HashMap<Option<&str>, Vec<&Span>> = HashMap::new();
    for span in spans {
        let parent = span
            .parent_span_id
            .as_deref()
            .filter(|parent| ids.contains_key(parent));
        children.entry(parent).or_default().push(span);
    }
    for siblings in children.values_mut() {
        siblings.sort_by_key(|span| (span.start_unix_nanos, span.end_unix_nanos));
    }
    let mut rows: Vec<(usize, &Span)> = Vec::new();
    let mut stack: Vec<(usize, &Span)> = children
        .get(&None)
        .into_iter()
        .flatten()
        .rev()
        .map(|span| (0, *span))
        .collect();
    while let Some((depth, span)) = stack.pop() {
        rows.push((depth, span));
        if let Some(kids) = children.get(&Some(span.span_id.as_str())) {
            stack.extend(kids.iter().rev().map(|kid| (depth + 1, *kid)));
        }
    }

    let root = rows.first().map_or(first, |(_, span)| *span);
    let process_width = rows
        .iter()
        .map(|(_, s)| s.service.len())
        .max()
        .unwrap_or(0)
        .max(7);
    let name_width = rows
        .iter()
        .map(|(depth, s)| depth * 2 + s.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut text = String::new();
    let _ = writeln!(
        text,
        "trace {}  {}  {}",
        root.trace_id,
        root.name,
        millis(total)
    );
    let _ = writeln!(
        text,
        "  {:process_width$}  {:name_width$}  {:>10}  {:>10}",
        "process", "span", "start", "duration"
    );
    for (depth, span) in rows {
        let offset = span.start_unix_nanos.saturating_sub(origin);
        let duration = span.end_unix_nanos.saturating_sub(span.start_unix_nanos);
        let name = format!(
            "{}{}{}",
            "  ".repeat(depth),
            span.name,
            if span.failed { " !" } else { "" }
        );
        let _ = writeln!(
            text,
            "  {:process_width$}  {:name_width$}  {:>10}  {:>10}  {}",
            span.service,
            name,
            millis(offset),
            millis(duration),
            bar(offset, duration, total)
        );
    }
    text
}

fn millis(nanos: u64) -> String {
    format!("{:.2} ms", nanos as f64 / 1e6)
}

/// Spaces up to the span's start, then a block per 1/BAR_WIDTH of the trace (at least one).
fn bar(offset: u64, duration: u64, total: u64) -> String {
    let scale = |nanos: u64| (nanos as f64 / total as f64 * BAR_WIDTH as f64).round() as usize;
    let start = scale(offset).min(BAR_WIDTH - 1);
    let width = scale(duration).clamp(1, BAR_WIDTH - start);
    format!("{}{}", " ".repeat(start), "█".repeat(width))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::SpanKind;

    fn span(
        service: &str,
        id: &str,
        parent: Option<&str>,
        name: &str,
        start: u64,
        end: u64,
    ) -> Span {
        Span {
            trace_id: "ab".repeat(16),
            span_id: id.into(),
            parent_span_id: parent.map(str::to_string),
            name: name.into(),
            service: service.into(),
            kind: SpanKind::Internal,
            start_unix_nanos: start,
            end_unix_nanos: end,
            failed: false,
            attributes: Default::default(),
        }
    }

    /// Row lines (after the two header lines) as (process, indentation, name).
    fn rows(text: &str) -> Vec<(String, usize, String)> {
        let header = text.lines().nth(1).unwrap();
        let column = header.find("span").unwrap();
        text.lines()
            .skip(2)
            .map(|line| {
                let process = line.split_whitespace().next().unwrap().to_string();
                let cell = &line[column..];
                let name = cell.trim_start();
                let indent = cell.len() - name.len();
                (
                    process,
                    indent,
                    name.split("  ").next().unwrap().to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn children_are_indented_under_their_parent_in_start_order() {
        let ms = 1_000_000;
        let spans = [
            span(
                "task-service",
                "d",
                Some("c"),
                "GET /internal/v1/task-counts",
                3 * ms,
                4 * ms,
            ),
            span("api-gateway", "a", None, "GET /api/v1/stats", 0, 10 * ms),
            span(
                "stats-service",
                "c",
                Some("b"),
                "GET /api/v1/stats",
                2 * ms,
                9 * ms,
            ),
            span(
                "api-gateway",
                "b",
                Some("a"),
                "GET stats-service",
                ms,
                9 * ms,
            ),
            span("stats-service", "e", Some("c"), "folding", 5 * ms, 6 * ms),
        ];
        let text = waterfall(&spans);
        assert!(
            text.starts_with(&format!(
                "trace {}  GET /api/v1/stats  10.00 ms\n",
                "ab".repeat(16)
            )),
            "{text}"
        );
        let rows = rows(&text);
        let order: Vec<(&str, &str)> = rows
            .iter()
            .map(|(p, _, n)| (p.as_str(), n.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("api-gateway", "GET /api/v1/stats"),
                ("api-gateway", "GET stats-service"),
                ("stats-service", "GET /api/v1/stats"),
                ("task-service", "GET /internal/v1/task-counts"),
                ("stats-service", "folding"),
            ],
            "{text}"
        );
        let indents: Vec<usize> = rows.iter().map(|(_, i, _)| *i).collect();
        assert_eq!(indents, [0, 2, 4, 6, 6], "siblings share a depth\n{text}");
        assert!(
            text.contains("2.00 ms") && text.contains("7.00 ms"),
            "start and duration\n{text}"
        );
    }

    #[test]
    fn a_span_whose_parent_has_not_arrived_starts_at_the_left() {
        let spans = [span(
            "stats-service",
            "c",
            Some("missing"),
            "GET /api/v1/stats",
            5,
            9,
        )];
        let rows = rows(&waterfall(&spans));
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].2, "GET /api/v1/stats");
        assert!(waterfall(&[]).is_empty());
    }

    #[test]
    fn bars_are_placed_in_proportion() {
        assert_eq!(bar(0, 100, 100), "█".repeat(BAR_WIDTH));
        assert_eq!(
            bar(50, 50, 100),
            format!("{}{}", " ".repeat(15), "█".repeat(15))
        );
        assert_eq!(
            bar(99, 0, 100).trim_start(),
            "█",
            "a very short span still shows"
        );
    }
}
