//! Where a generated client's per-request cost goes, on one call (XPay platform
//! `get_checkout_session`, the largest reply): the hand-written baseline; the baseline's
//! request sent through the runtime's one call path (`paygate_runtime::send`: the client's
//! `prepare`, the retry loop, timeout, capped read, tracing span, one decode); then the full
//! generated client (parameter checks and request building on top). Client-thread CPU time.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use progenitor_client::OperationInfo;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};

use benchmarks::ops::{self, Api, Op, Side};
use benchmarks::setup::Bench;
use benchmarks::{client_runtime, fixtures, paired, results};
use xpay_client::platform::types::{CheckoutSession, ErrorResponse};

const INFO: OperationInfo = OperationInfo {
    operation_id: "get_checkout_session",
};

/// The baseline's request as a `reqwest::Request`.
fn request(bench: &Bench) -> reqwest::Request {
    bench
        .http
        .get(format!(
            "{}/checkout/sessions/{}",
            bench.server.base_url("xpay"),
            fixtures::XPAY_SESSION_ID
        ))
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header("api-version", HeaderValue::from_static("3.1.0"))
        .header(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {}", fixtures::XPAY_SECRET_KEY))
                .expect("header-safe"),
        )
        .build()
        .expect("a valid request")
}

/// The baseline's request, sent through the runtime's call path with the XPay client's
/// customizations, decoded once.
async fn through_runtime(bench: &Bench) -> CheckoutSession {
    let operations: &xpay_client::platform::Operations = &bench.clients.xpay;
    paygate_runtime::send::<CheckoutSession, ErrorResponse, _>(
        &bench.http,
        operations,
        request(bench),
        INFO,
    )
    .await
    .expect("the fixture decodes")
    .into_inner()
}

fn breakdown(c: &mut Criterion<common::ThreadCpu>) {
    let runtime = client_runtime();
    let bench = runtime.block_on(Bench::start());

    let mut group = c.benchmark_group("overhead_breakdown_cpu");
    group.throughput(Throughput::Elements(1));
    group.bench_function("1_baseline", |b| {
        b.to_async(&runtime).iter(|| async {
            ops::call(&bench, Side::Baseline, Api::Xpay, Op::Retrieve)
                .await
                .expect("baseline call");
        })
    });
    group.bench_function("2_runtime_send", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(through_runtime(&bench).await) })
    });
    group.bench_function("3_generated_client", |b| {
        b.to_async(&runtime).iter(|| async {
            ops::call(&bench, Side::Client, Api::Xpay, Op::Retrieve)
                .await
                .expect("client call");
        })
    });
    group.finish();
}

/// The stages taking turns (see `benchmarks::paired`).
fn paired_breakdown(_: &mut Criterion<common::ThreadCpu>) {
    let runtime = client_runtime();
    let bench = runtime.block_on(Bench::start());
    let bench = &bench;
    let variants = [
        paired::Variant::new("1_baseline", move || {
            Box::pin(async move {
                ops::call(bench, Side::Baseline, Api::Xpay, Op::Retrieve)
                    .await
                    .expect("baseline call");
            })
        }),
        paired::Variant::new("2_runtime_send", move || {
            Box::pin(async move {
                black_box(through_runtime(bench).await);
            })
        }),
        paired::Variant::new("3_generated_client", move || {
            Box::pin(async move {
                ops::call(bench, Side::Client, Api::Xpay, Op::Retrieve)
                    .await
                    .expect("client call");
            })
        }),
    ];
    let blocks = runtime.block_on(paired::round_robin(&variants, 40, 50));
    let summary = paired::summary(&variants, &blocks, 50);
    println!("paired breakdown: {summary}");
    results::write_extra("paired_breakdown", &summary);
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(common::ThreadCpu::new());
    targets = paired_breakdown, breakdown
}
criterion_main!(benches);
