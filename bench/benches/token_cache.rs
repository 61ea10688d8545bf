//! The Collect token cache under a stampede: 1,000 concurrent calls find the token expired.
//!
//! Each timed batch first moves the client's clock past the token's expiry (and past FYATU's
//! refresh grace), then sends 1,000 `get_collection` calls at once. The server counts the
//! token requests (`/auth/token` + `/auth/refresh`) of every batch; single flight means 1.
//! The same batch on a warm token gives the added latency. A single call on an expired token
//! against a warm one gives the per-call figure.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use benchmarks::setup::Bench;
use benchmarks::{client_runtime, fixtures, paired, results};

const CALLS: usize = 1_000;

/// Far past `expiresIn` (86,400 s in the fixture) plus the 5-minute refresh grace.
fn expire(bench: &Bench) {
    bench
        .clients
        .collect_clock
        .advance(chrono::Duration::days(2));
}

async fn batch(bench: &Bench, calls: usize) -> Duration {
    let client = &bench.clients.collect;
    let started = Instant::now();
    let results = futures::future::join_all(
        (0..calls).map(|_| client.get_collection(fixtures::COLLECT_COLLECTION_ID)),
    )
    .await;
    let elapsed = started.elapsed();
    if let Some(Err(e)) = results.into_iter().find(Result::is_err) {
        panic!("collect get_collection failed: {e}");
    }
    elapsed
}

#[derive(Default)]
struct Counts {
    batches: u64,
    min: Option<u64>,
    max: Option<u64>,
    total: u64,
}

impl Counts {
    fn add(&mut self, tokens: u64) {
        self.batches += 1;
        self.total += tokens;
        self.min = Some(self.min.map_or(tokens, |m| m.min(tokens)));
        self.max = Some(self.max.map_or(tokens, |m| m.max(tokens)));
    }

    fn json(&self, calls: usize) -> serde_json::Value {
        serde_json::json!({
            "concurrent_calls": calls,
            "batches": self.batches,
            "token_requests_min": self.min,
            "token_requests_max": self.max,
            "token_requests_total": self.total,
        })
    }
}

fn token_cache(c: &mut Criterion) {
    let runtime = client_runtime();
    let bench = runtime.block_on(Bench::start());
    // Open the pool's connections once, so warm and expired batches both reuse them.
    runtime.block_on(batch(&bench, CALLS));

    // Filled inside the timed futures, read after the group.
    let stampede = RefCell::new(Counts::default());
    let single = RefCell::new(Counts::default());
    let mut group = c.benchmark_group("collect_token_cache");
    group.throughput(Throughput::Elements(CALLS as u64));
    group.bench_function("warm_1000", |b| {
        b.to_async(&runtime).iter_custom(|iters| {
            let bench = &bench;
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += batch(bench, CALLS).await;
                }
                total
            }
        })
    });
    group.bench_function("expired_1000", |b| {
        b.to_async(&runtime).iter_custom(|iters| {
            let bench = &bench;
            let stampede = &stampede;
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    expire(bench);
                    let before = bench.server.token_requests();
                    total += batch(bench, CALLS).await;
                    stampede
                        .borrow_mut()
                        .add(bench.server.token_requests() - before);
                }
                total
            }
        })
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("warm_1", |b| {
        b.to_async(&runtime).iter_custom(|iters| {
            let bench = &bench;
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += batch(bench, 1).await;
                }
                total
            }
        })
    });
    group.bench_function("expired_1", |b| {
        b.to_async(&runtime).iter_custom(|iters| {
            let bench = &bench;
            let single = &single;
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    expire(bench);
                    let before = bench.server.token_requests();
                    total += batch(bench, 1).await;
                    single
                        .borrow_mut()
                        .add(bench.server.token_requests() - before);
                }
                total
            }
        })
    });
    group.finish();

    let stampede = stampede.into_inner();
    let single = single.into_inner();
    println!(
        "collect token cache: {CALLS} concurrent calls on an expired token made {:?}..{:?} token requests per batch ({} batches)",
        stampede.min, stampede.max, stampede.batches
    );
    // A run filtered to other functions measured nothing here; keep the last real counts.
    if stampede.batches > 0 {
        results::write_extra(
            "token_cache",
            &serde_json::json!({
                "expired_1000": stampede.json(CALLS),
                "expired_1": single.json(1),
            }),
        );
    }
}

/// Warm and expired batches taking turns (see `benchmarks::paired`): the added latency holds
/// on a shared machine.
fn paired_token_cache(_: &mut Criterion) {
    let runtime = client_runtime();
    let bench = runtime.block_on(Bench::start());
    let bench = &bench;
    runtime.block_on(batch(bench, CALLS));
    let mut all = serde_json::Map::new();
    for (calls, rounds) in [(CALLS, 20), (1, 200)] {
        let variants = [
            paired::Variant::new("warm", move || {
                Box::pin(async move {
                    batch(bench, calls).await;
                })
            }),
            paired::Variant::new("expired", move || {
                Box::pin(async move {
                    expire(bench);
                    batch(bench, calls).await;
                })
            }),
        ];
        let before = bench.server.token_requests();
        let blocks = runtime.block_on(paired::round_robin(&variants, rounds, 1));
        let tokens = bench.server.token_requests() - before;
        let mut summary = paired::summary(&variants, &blocks, 1);
        let added: Vec<f64> = blocks[1]
            .wall_ns
            .iter()
            .zip(&blocks[0].wall_ns)
            .map(|(e, w)| e - w)
            .collect();
        let (median, q1, q3) = paired::median_iqr(&added);
        summary["added_wall_ns"] = serde_json::json!([median, q1, q3]);
        summary["token_requests"] = serde_json::json!(tokens);
        summary["expired_batches"] = serde_json::json!(rounds);
        println!("paired token cache, {calls} calls: {summary}");
        all.insert(format!("calls_{calls}"), summary);
    }
    results::write_extra("paired_token_cache", &serde_json::Value::Object(all));
}

criterion_group!(benches, paired_token_cache, token_cache);
criterion_main!(benches);
