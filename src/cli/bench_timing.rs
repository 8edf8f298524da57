//! Timing for the `bench` commands: a call timed in milliseconds, repeated runs with their
//! median, percentiles and worst, and the figure line that prints a median and a worst.

use std::time::Instant;

use crate::error::Result;

/// Milliseconds since `t0`.
pub fn ms_since(t0: Instant) -> f64 {
    t0.elapsed().as_secs_f64() * 1000.0
}

/// `f`'s result and how long it took, in milliseconds.
pub fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t0 = Instant::now();
    let out = f();
    (ms_since(t0), out)
}

/// Runs `f` `runs` times (it is given the run's number), timing each run; the times and the
/// last run's result. The first failure ends the runs.
pub fn repeat<T>(runs: usize, mut f: impl FnMut(usize) -> Result<T>) -> Result<(Runs, Option<T>)> {
    let mut ms = Vec::with_capacity(runs);
    let mut last = None;
    for i in 0..runs {
        let (t, out) = timed(|| f(i));
        last = Some(out?);
        ms.push(t);
    }
    Ok((Runs::new(ms), last))
}

/// The figures of repeated runs (milliseconds, or ratios), sorted. Every figure but `mean`
/// needs at least one run.
pub struct Runs(Vec<f64>);

impl Runs {
    pub fn new(mut ms: Vec<f64>) -> Runs {
        ms.sort_by(f64::total_cmp);
        Runs(ms)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The middle run (of an even number of runs, the later of the two middle ones).
    pub fn median(&self) -> f64 {
        self.0[self.0.len() / 2]
    }

    /// The run `p` per cent of the way up (`99`: the p99).
    pub fn percentile(&self, p: usize) -> f64 {
        let n = self.0.len();
        self.0[(n * p / 100).min(n - 1)]
    }

    pub fn min(&self) -> f64 {
        self.0[0]
    }

    /// The slowest run.
    pub fn max(&self) -> f64 {
        self.0[self.0.len() - 1]
    }

    pub fn mean(&self) -> f64 {
        self.0.iter().sum::<f64>() / self.0.len() as f64
    }
}

/// `  label         12.3 ms     45.6 ms`: the median and the worst of `t`, the label padded
/// to `width`.
pub fn median_worst(label: &str, width: usize, t: &Runs) -> String {
    format!(
        "  {label:<width$} {:>8.1} ms {:>8.1} ms",
        t.median(),
        t.max()
    )
}

/// The median of a few rounds' figures (of an even number, the mean of the two middle ones;
/// NaN for none).
pub fn median_of_rounds(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_of_runs() {
        let t = Runs::new(vec![5.0, 1.0, 4.0, 2.0, 3.0, 6.0]);
        assert_eq!((t.min(), t.median(), t.max()), (1.0, 4.0, 6.0));
        assert_eq!(t.percentile(99), 6.0);
        assert_eq!(t.percentile(50), 4.0);
        assert_eq!(t.mean(), 3.5);
        assert_eq!(median_of_rounds(&[3.0, 1.0, 2.0, 4.0]), 2.5);
        assert!(median_of_rounds(&[]).is_nan());
        assert_eq!(median_worst("x", 4, &t), "  x         4.0 ms      6.0 ms");
    }
}
