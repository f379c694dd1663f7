//! Latency summaries and rates.

use std::time::Duration;

/// Percentiles of a set of latencies, in milliseconds.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub(crate) struct Latencies {
    /// How many were measured.
    pub(crate) count: usize,
    /// The median.
    pub(crate) p50_ms: f64,
    /// The 99th percentile.
    pub(crate) p99_ms: f64,
    /// The largest.
    pub(crate) max_ms: f64,
}

impl Latencies {
    /// Summarizes `samples` (nearest-rank percentiles).
    pub(crate) fn of(mut samples: Vec<Duration>) -> Latencies {
        samples.sort_unstable();
        let at = |q: f64| -> f64 {
            if samples.is_empty() {
                return 0.0;
            }
            // Nearest rank: the smallest sample with at least q of them at or below it.
            let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
            ms(samples[rank - 1])
        };
        Latencies {
            count: samples.len(),
            p50_ms: at(0.5),
            p99_ms: at(0.99),
            max_ms: samples.last().copied().map_or(0.0, ms),
        }
    }
}

/// A duration in milliseconds.
pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `n` per second over `d`.
pub(crate) fn per_second(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples = (1..=100).map(Duration::from_millis).collect();
        let l = Latencies::of(samples);
        assert_eq!((l.count, l.p50_ms, l.p99_ms, l.max_ms), (100, 50.0, 99.0, 100.0));
        let one = Latencies::of(vec![Duration::from_millis(7)]);
        assert_eq!((one.p50_ms, one.p99_ms, one.max_ms), (7.0, 7.0, 7.0));
        assert_eq!(Latencies::of(Vec::new()).count, 0);
    }
}
