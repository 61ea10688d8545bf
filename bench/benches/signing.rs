//! XStak request signing: what signing costs per create.
//!
//! The XStak client has no switch to send unsigned requests (XStak rejects them), so its
//! overhead is measured three ways in one run:
//! - the client's signed create against the hand-written baseline's signed and unsigned
//!   creates (same server, same bytes);
//! - the work the client's request hook adds for the signature, alone: the JS-canonical check
//!   of the body (`signing::check_body`) and the HMAC (`signing::sign`), on the exact bytes sent;
//! - JS-canonical serialization against plain `serde_json`: the client serializes the body once
//!   with `serde_json` and checks it canonically; the alternative would serialize through a
//!   `serde_json::Value` and `js::stringify`.

mod common;

use std::hint::black_box;

use criterion::measurement::Measurement;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use benchmarks::ops::{self, Api, Op, Side};
use benchmarks::setup::Bench;
use benchmarks::{client_runtime, fixtures, paired, results};
use paygate_runtime::{SecretString, js};
use xpay_client::xstak::signing;

fn creates(c: &mut Criterion) {
    measure_creates(c, "xstak_signing");
}

/// The same three creates taking turns (see `benchmarks::paired`), for ratios that hold on a
/// shared machine.
fn paired_creates(_: &mut Criterion) {
    let runtime = client_runtime();
    let bench = runtime.block_on(Bench::start());
    let mut unsigned = bench.clone();
    unsigned.baselines.xstak.sign = false;
    let variant = |name, b: &'static Bench, side| {
        paired::Variant::new(name, move || {
            Box::pin(async move {
                if let Err(e) = ops::call(b, side, Api::Xstak, Op::Create).await {
                    panic!("{e}");
                }
            })
        })
    };
    // Leaked: the variants' futures borrow the fixtures for the rest of this short process.
    let (signed, unsigned): (&'static Bench, &'static Bench) =
        (Box::leak(Box::new(bench)), Box::leak(Box::new(unsigned)));
    let variants = [
        variant("baseline_signed_create", signed, Side::Baseline),
        variant("baseline_unsigned_create", unsigned, Side::Baseline),
        variant("client_signed_create", signed, Side::Client),
    ];
    let blocks = runtime.block_on(paired::round_robin(&variants, 60, 50));
    let summary = paired::summary(&variants, &blocks, 50);
    println!("paired xstak signing: {summary}");
    results::write_extra("paired_signing", &summary);
}

fn creates_cpu(c: &mut Criterion<common::ThreadCpu>) {
    measure_creates(c, "xstak_signing_cpu");
}

fn measure_creates<M: Measurement>(c: &mut Criterion<M>, group_name: &str) {
    let runtime = client_runtime();
    let bench = runtime.block_on(Bench::start());
    let mut unsigned = bench.clone();
    unsigned.baselines.xstak.sign = false;
    for b in [&bench, &unsigned] {
        if let Err(e) = runtime.block_on(ops::call(b, Side::Baseline, Api::Xstak, Op::Create)) {
            panic!("{e}");
        }
    }

    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Elements(1));
    let cases = [
        ("client_signed_create", &bench, Side::Client),
        ("baseline_signed_create", &bench, Side::Baseline),
        ("baseline_unsigned_create", &unsigned, Side::Baseline),
    ];
    for (name, b, side) in cases {
        group.bench_function(name, |bencher| {
            bencher.to_async(&runtime).iter(|| async move {
                if let Err(e) = ops::call(b, side, Api::Xstak, Op::Create).await {
                    panic!("{e}");
                }
            })
        });
    }
    group.finish();
}

fn hook_work(c: &mut Criterion) {
    let request: xpay_client::xstak::types::CheckoutRequest =
        serde_json::from_slice(fixtures::XSTAK_CREATE_REQUEST).expect("xstak request fixture");
    // The bytes the generated code puts in the request (reqwest's `.json` is `serde_json::to_vec`).
    let body = serde_json::to_vec(&request).expect("the request serializes");
    signing::check_body(&body).expect("the fixture body is JS-canonical");
    let secret = SecretString::from(fixtures::XSTAK_API_HMAC_SECRET);

    let mut group = c.benchmark_group("xstak_signing");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("hook_check_and_sign", |b| {
        b.iter(|| {
            let checked = signing::check_body(black_box(&body));
            (black_box(checked), black_box(signing::sign(&secret, &body)))
        })
    });
    group.bench_function("hook_sign_only", |b| {
        b.iter(|| black_box(signing::sign(&secret, black_box(&body))))
    });
    group.bench_function("hook_check_only", |b| {
        b.iter(|| black_box(signing::check_body(black_box(&body))))
    });
    group.bench_function("serialize_serde_json", |b| {
        b.iter(|| black_box(serde_json::to_vec(black_box(&request))))
    });
    group.bench_function("serialize_js_canonical", |b| {
        b.iter(|| {
            let value = serde_json::to_value(black_box(&request)).expect("serializes");
            black_box(js::stringify(&value))
        })
    });
    group.bench_function("canonicalize_bytes", |b| {
        b.iter(|| black_box(js::canonicalize(black_box(&body))))
    });
    group.finish();
}

criterion_group!(wall, paired_creates, creates, hook_work);
criterion_group! {
    name = cpu;
    config = Criterion::default().with_measurement(common::ThreadCpu::new());
    targets = creates_cpu
}
criterion_main!(wall, cpu);
