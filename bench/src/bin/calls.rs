//! Sends one measured call N times on one side, after a warm-up, for an instruction counter:
//! `valgrind --tool=callgrind` counts instructions, not seconds, so its figure does not move
//! with the machine's load (`bench/instructions.sh` runs it for every call and both sides).
//!
//! `calls <client|baseline> <xpay|xstak|collect|payfect> <create|retrieve> <calls>`: the script
//! runs it twice with different counts and divides the difference, so start-up, the first
//! connection and the server's set-up cancel out.

use benchmarks::ops::{self, Api, Op, Side};
use benchmarks::setup::Bench;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: calls <client|baseline> <xpay|xstak|collect|payfect> <create|retrieve> <calls>";
    let [side, api, op, n] = args.as_slice() else {
        panic!("{usage}");
    };
    let side = match side.as_str() {
        "client" => Side::Client,
        "baseline" => Side::Baseline,
        _ => panic!("{usage}"),
    };
    let api = *Api::ALL.iter().find(|a| a.name() == api).expect(usage);
    let op = *Op::ALL.iter().find(|o| o.name() == op).expect(usage);
    let n: usize = n.parse().expect(usage);
    let runtime = benchmarks::client_runtime();
    runtime.block_on(async {
        let bench = Bench::start().await;
        for _ in 0..n {
            ops::call(&bench, side, api, op)
                .await
                .expect("a measured call");
        }
    });
}
