//! Shared pieces of the benches in `benches/` (see `BENCHMARKS.md` at the repository root):
//! the fixtures, the loopback server, the hand-written baselines, and the check that both
//! sides send byte-identical requests.

pub mod baseline;
pub mod fixtures;
pub mod identity;
pub mod ops;
pub mod paired;
pub mod results;
pub mod server;
pub mod setup;
pub mod webhooks;

/// The runtime the clients run on in every bench: one thread, so the server's thread has the
/// other core of a 2-core machine to itself.
pub fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the clients")
}

/// CPU time consumed so far by the calling thread (user + system), in nanoseconds.
///
/// The benches run the client on one thread and the server on another, so on a shared machine
/// this measures what a call costs the client even while other processes hold the cores and
/// stretch wall-clock times.
pub fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec, and CLOCK_THREAD_CPUTIME_ID exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    (ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64
}
