//! A criterion measurement of the client thread's CPU time, shared by the benches that send
//! requests. See `benchmarks::thread_cpu_ns`.

use criterion::measurement::{Measurement, ValueFormatter, WallTime};

/// CPU time of the measuring thread (the client's single-threaded runtime), in nanoseconds;
/// formatted like wall time.
pub struct ThreadCpu {
    wall: WallTime,
}

impl ThreadCpu {
    pub fn new() -> Self {
        ThreadCpu { wall: WallTime }
    }
}

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        benchmarks::thread_cpu_ns()
    }

    fn end(&self, started: u64) -> u64 {
        benchmarks::thread_cpu_ns().saturating_sub(started)
    }

    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }

    fn zero(&self) -> u64 {
        0
    }

    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}
