//! Time per request (and requests/s) of each client's create and retrieve calls against the
//! hand-written `reqwest` + `serde_json` baseline, on one loopback server, one connection pool,
//! the same payloads and byte-identical requests (checked before anything is timed).
//!
//! Also: the cost of decoding a reply once (the baseline) against twice (the runtime checks
//! the body against the spec's type before the generated code decodes it again).

mod common;

use std::hint::black_box;

use criterion::measurement::Measurement;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::de::DeserializeOwned;

use benchmarks::ops::{self, Api, Op, Side};
use benchmarks::setup::Bench;
use benchmarks::{client_runtime, fixtures, identity, paired, results};

use collect_client::types as collect;
use payfect_client::types as payfect;
use xpay_client::platform::types as platform;
use xpay_client::xstak::types as xstak;

/// Wall-clock time per request: what a caller waits, server and scheduling included.
fn requests(c: &mut Criterion) {
    measure_requests(c, "");
}

/// CPU time of the client thread per request: what the call costs the client, robust to other
/// load on a shared machine.
fn requests_cpu(c: &mut Criterion<common::ThreadCpu>) {
    measure_requests(c, "_cpu");
}

fn measure_requests<M: Measurement>(c: &mut Criterion<M>, suffix: &str) {
    let runtime = client_runtime();
    let bench = runtime.block_on(Bench::start());

    // The one-off honesty check: nothing is timed unless both sides send the same bytes.
    let compared = runtime
        .block_on(identity::check(&bench))
        .unwrap_or_else(|problems| panic!("client and baseline requests differ:\n{problems}"));
    results::write_extra(
        "identity",
        &serde_json::json!({
            "identical": true,
            "calls": compared
                .iter()
                .map(|c| serde_json::json!({
                    "api": c.api.name(),
                    "op": c.op.name(),
                    "method": c.client.method,
                    "target": c.client.target,
                    "headers": c.client.headers.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
                    "body_bytes": c.client.body.len(),
                }))
                .collect::<Vec<_>>(),
        }),
    );

    for op in Op::ALL {
        let mut group = c.benchmark_group(format!("request_{}{suffix}", op.name()));
        group.throughput(Throughput::Elements(1));
        for api in Api::ALL {
            for side in [Side::Client, Side::Baseline] {
                let bench = &bench;
                group.bench_function(format!("{}_{}", api.name(), side.name()), |b| {
                    b.to_async(&runtime).iter(|| async move {
                        if let Err(e) = ops::call(bench, side, api, op).await {
                            panic!("{e}");
                        }
                    })
                });
            }
        }
        group.finish();
    }
}

/// The ratios, measured interleaved (see `benchmarks::paired`): baseline and client take turns
/// in blocks of calls, so load from other processes hits both alike.
fn paired_requests(_: &mut Criterion) {
    const ROUNDS: usize = 60;
    const CALLS: usize = 50;
    let runtime = client_runtime();
    let bench = runtime.block_on(Bench::start());
    let bench = &bench;
    let mut all = serde_json::Map::new();
    for op in Op::ALL {
        for api in Api::ALL {
            let side = |name, side| {
                paired::Variant::new(name, move || {
                    Box::pin(async move {
                        if let Err(e) = ops::call(bench, side, api, op).await {
                            panic!("{e}");
                        }
                    })
                })
            };
            let variants = [
                side("baseline", Side::Baseline),
                side("client", Side::Client),
            ];
            let blocks = runtime.block_on(paired::round_robin(&variants, ROUNDS, CALLS));
            let summary = paired::summary(&variants, &blocks, CALLS);
            println!(
                "paired {} {}: client/baseline wall {}, CPU {}",
                api.name(),
                op.name(),
                summary["variants"][1]["ratio_wall"],
                summary["variants"][1]["ratio_cpu"]
            );
            all.insert(format!("{}_{}", api.name(), op.name()), summary);
        }
    }
    results::write_extra("paired_requests", &serde_json::Value::Object(all));
}

/// Decoding as the baseline does (once) and as a generated client does (the runtime's
/// `check_response` decodes into the same type and drops it, then the generated code decodes).
fn decode(c: &mut Criterion) {
    fn pair<T: DeserializeOwned>(c: &mut Criterion, api: Api, op: Op, body: &'static [u8]) {
        // The same function the generated `check_response` runs for a listed status.
        fn check<T: DeserializeOwned>(body: &[u8]) -> Result<(), String> {
            serde_json::from_slice::<T>(body)
                .map(drop)
                .map_err(|e| e.to_string())
        }
        serde_json::from_slice::<T>(body)
            .unwrap_or_else(|e| panic!("{} {} reply does not decode: {e}", api.name(), op.name()));
        let mut group = c.benchmark_group("decode");
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(format!("{}_{}_once", api.name(), op.name()), |b| {
            b.iter(|| black_box(serde_json::from_slice::<T>(black_box(body))))
        });
        group.bench_function(format!("{}_{}_checked", api.name(), op.name()), |b| {
            b.iter(|| {
                let checked = check::<T>(black_box(body));
                (
                    black_box(checked),
                    black_box(serde_json::from_slice::<T>(body)),
                )
            })
        });
        group.finish();
    }
    pair::<platform::CheckoutSession>(c, Api::Xpay, Op::Retrieve, fixtures::XPAY_SESSION_REPLY);
    pair::<xstak::PaymentIntentResponse>(c, Api::Xstak, Op::Retrieve, fixtures::XSTAK_INTENT_REPLY);
    pair::<collect::CheckoutSessionEnvelope>(
        c,
        Api::Collect,
        Op::Create,
        fixtures::COLLECT_CREATE_REPLY,
    );
    pair::<collect::CollectionEnvelope>(
        c,
        Api::Collect,
        Op::Retrieve,
        fixtures::COLLECT_COLLECTION_REPLY,
    );
    pair::<payfect::Checkout>(
        c,
        Api::Payfect,
        Op::Retrieve,
        fixtures::PAYFECT_CHECKOUT_REPLY,
    );
}

criterion_group!(wall, paired_requests, requests, decode);
criterion_group! {
    name = cpu;
    config = Criterion::default().with_measurement(common::ThreadCpu::new());
    targets = requests_cpu
}
criterion_main!(wall, cpu);
