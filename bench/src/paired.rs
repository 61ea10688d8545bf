//! Interleaved (paired) measurement, for ratios that survive a shared machine.
//!
//! Criterion measures one function after another, so load from other processes that comes and
//! goes between two functions skews their ratio. Here the variants take turns in short blocks
//! (round robin, the starting variant rotating every round), so each round sees nearly the same
//! machine; the ratio reported is the median over rounds of (variant / reference) within a
//! round, with its interquartile range.

use std::time::Instant;

use futures::future::LocalBoxFuture;

/// One contender: a name and a call to repeat.
pub struct Variant<'a> {
    pub name: &'static str,
    pub run: Box<dyn Fn() -> LocalBoxFuture<'a, ()> + 'a>,
}

impl<'a> Variant<'a> {
    pub fn new(name: &'static str, run: impl Fn() -> LocalBoxFuture<'a, ()> + 'a) -> Self {
        Variant {
            name,
            run: Box::new(run),
        }
    }
}

/// Per-call means of every block a variant ran, in nanoseconds.
#[derive(Debug, Clone, Default)]
pub struct Blocks {
    pub wall_ns: Vec<f64>,
    pub cpu_ns: Vec<f64>,
}

/// Runs `rounds` rounds; in each, every variant makes `calls` calls in a row.
pub async fn round_robin(variants: &[Variant<'_>], rounds: usize, calls: usize) -> Vec<Blocks> {
    let mut blocks = vec![Blocks::default(); variants.len()];
    for round in 0..rounds {
        for k in 0..variants.len() {
            let i = (round + k) % variants.len();
            let cpu = crate::thread_cpu_ns();
            let wall = Instant::now();
            for _ in 0..calls {
                (variants[i].run)().await;
            }
            let wall = wall.elapsed().as_nanos() as f64;
            let cpu = crate::thread_cpu_ns().saturating_sub(cpu) as f64;
            blocks[i].wall_ns.push(wall / calls as f64);
            blocks[i].cpu_ns.push(cpu / calls as f64);
        }
    }
    blocks
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// Median and interquartile range of `values`.
pub fn median_iqr(values: &[f64]) -> (f64, f64, f64) {
    let s = sorted(values.to_vec());
    (quantile(&s, 0.5), quantile(&s, 0.25), quantile(&s, 0.75))
}

/// Per-round ratios `a[i] / b[i]`.
pub fn ratios(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(a, b)| a / b).collect()
}

/// Per-round differences `a[i] - b[i]`.
pub fn differences(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(a, b)| a - b).collect()
}

/// A JSON summary: per variant the median per-call wall and CPU time, and against the first
/// variant the median per-round ratio and difference, each with its interquartile range.
pub fn summary(variants: &[Variant<'_>], blocks: &[Blocks], calls: usize) -> serde_json::Value {
    let reference = &blocks[0];
    let entries: Vec<serde_json::Value> = variants
        .iter()
        .zip(blocks)
        .map(|(v, b)| {
            let (wall, _, _) = median_iqr(&b.wall_ns);
            let (cpu, _, _) = median_iqr(&b.cpu_ns);
            let (rw, rw_lo, rw_hi) = median_iqr(&ratios(&b.wall_ns, &reference.wall_ns));
            let (rc, rc_lo, rc_hi) = median_iqr(&ratios(&b.cpu_ns, &reference.cpu_ns));
            let (dw, dw_lo, dw_hi) = median_iqr(&differences(&b.wall_ns, &reference.wall_ns));
            let (dc, dc_lo, dc_hi) = median_iqr(&differences(&b.cpu_ns, &reference.cpu_ns));
            serde_json::json!({
                "name": v.name,
                "wall_ns": wall,
                "cpu_ns": cpu,
                "ratio_wall": [rw, rw_lo, rw_hi],
                "ratio_cpu": [rc, rc_lo, rc_hi],
                "diff_wall_ns": [dw, dw_lo, dw_hi],
                "diff_cpu_ns": [dc, dc_lo, dc_hi],
            })
        })
        .collect();
    serde_json::json!({
        "reference": variants.first().map(|v| v.name),
        "rounds": reference.wall_ns.len(),
        "calls_per_block": calls,
        "variants": entries,
    })
}
