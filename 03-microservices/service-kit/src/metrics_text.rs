//! Reading `/metrics` back, for tests (feature `metrics-tests`): the text goes through a
//! Prometheus text-format parser (`openmetrics-parser`), so a test checks what Prometheus
//! would read, not the words in the text.

use openmetrics_parser::{PrometheusValue, prometheus::parse_prometheus};

/// The number in the one sample of `family` whose labels include every pair of `labels`:
/// a counter's or gauge's value, a histogram's count of observations; `None` when there is
/// no such sample. Panics when `text` does not parse or `labels` names several series.
pub fn sample(text: &str, family: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let exposition = parse_prometheus(text)
        .unwrap_or_else(|error| panic!("not the Prometheus text format ({error:?}):\n{text}"));
    let mut found = exposition
        .families
        .get(family)?
        .iter_samples()
        .filter(|sample| {
            sample.get_labelset().is_ok_and(|set| {
                labels
                    .iter()
                    .all(|(key, value)| set.get_label_value(key) == Some(*value))
            })
        });
    let sample = found.next()?;
    assert!(
        found.next().is_none(),
        "{family}{labels:?} names several series"
    );
    Some(match &sample.value {
        PrometheusValue::Counter(counter) => counter.value.as_f64(),
        PrometheusValue::Gauge(gauge) => gauge.as_f64(),
        PrometheusValue::Histogram(histogram) => histogram
            .buckets
            .iter()
            .find(|bucket| bucket.upper_bound == f64::INFINITY)
            .map_or(0.0, |bucket| bucket.count.as_f64()),
        other => panic!("{family}{labels:?} is {other:?}"),
    })
}
