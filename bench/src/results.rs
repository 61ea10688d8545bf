//! Where results go: criterion writes its own under `target/criterion/`; the figures criterion
//! cannot hold (token requests counted, the byte-identity verdict) go next to them in
//! `target/criterion/paygate/`, and `cargo run -p benchmarks --bin report` reads both back.

use std::path::PathBuf;

/// The workspace's target directory, as cargo and criterion resolve it.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")))
}

/// Criterion's output directory (`CRITERION_HOME` overrides it, as in criterion).
pub fn criterion_dir() -> PathBuf {
    std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("criterion"))
}

fn extra_dir() -> PathBuf {
    criterion_dir().join("paygate")
}

/// Saves a figure criterion has no place for.
pub fn write_extra(name: &str, value: &serde_json::Value) {
    let dir = extra_dir();
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::write(
            dir.join(format!("{name}.json")),
            serde_json::to_vec_pretty(value).unwrap_or_default(),
        )
    });
    if let Err(e) = written {
        eprintln!("could not save {name} under {}: {e}", dir.display());
    }
}

/// A figure saved by [`write_extra`].
pub fn read_extra(name: &str) -> Option<serde_json::Value> {
    let bytes = std::fs::read(extra_dir().join(format!("{name}.json"))).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Criterion's latest estimate for `group/function`: (mean, its 95 % confidence interval) in
/// nanoseconds per iteration.
pub fn estimate(group: &str, function: &str) -> Option<Estimate> {
    let path = criterion_dir()
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let mean = &json["mean"];
    let median = &json["median"];
    Some(Estimate {
        mean_ns: mean["point_estimate"].as_f64()?,
        low_ns: mean["confidence_interval"]["lower_bound"].as_f64()?,
        high_ns: mean["confidence_interval"]["upper_bound"].as_f64()?,
        median_ns: median["point_estimate"].as_f64()?,
    })
}

/// One criterion estimate, in nanoseconds per iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub mean_ns: f64,
    pub low_ns: f64,
    pub high_ns: f64,
    pub median_ns: f64,
}
