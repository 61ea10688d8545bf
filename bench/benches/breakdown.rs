//! Where a generated client's per-request cost goes, on one call (XPay platform
//! `get_checkout_session`, the largest reply): the hand-written baseline, then the same request
//! sent through the shared runtime's `execute` (retry loop, timeout, capped read, tracing span)
//! without and with the reply check, then the full generated client. Client-thread CPU time.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use progenitor_client::{ClientHooks, OperationInfo, ResponseValue};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};

use benchmarks::ops::{self, Api, Op, Side};
use benchmarks::setup::Bench;
use benchmarks::{client_runtime, fixtures, paired, results};
use paygate_runtime::Transport;
use xpay_client::platform::types::CheckoutSession;

const INFO: OperationInfo = OperationInfo {
    operation_id: "get_checkout_session",
};

fn no_check(_: &str, _: u16, _: &[u8]) -> Option<Result<(), String>> {
    Some(Ok(()))
}

/// What the generated `check_response` does for this operation's 200.
fn type_check(_: &str, _: u16, body: &[u8]) -> Option<Result<(), String>> {
    Some(
        serde_json::from_slice::<CheckoutSession>(body)
            .map(drop)
            .map_err(|e| e.to_string()),
    )
}

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

/// The baseline's request, sent through `paygate_runtime::execute`, then decoded once more as
/// the generated code does.
async fn through_runtime(
    bench: &Bench,
    transport: &Transport,
    check: paygate_runtime::CheckFn,
) -> CheckoutSession {
    let response = paygate_runtime::execute(&bench.http, transport, request(bench), &INFO, check)
        .await
        .expect("execute never fails");
    assert_eq!(response.status(), 200, "the bench server answers 200");
    let body = response.bytes().await.expect("an in-memory body");
    serde_json::from_slice(&body).expect("the fixture decodes")
}

fn breakdown(c: &mut Criterion<common::ThreadCpu>) {
    let runtime = client_runtime();
    let bench = runtime.block_on(Bench::start());
    let transport = Transport::new("xpay");

    let mut group = c.benchmark_group("overhead_breakdown_cpu");
    group.throughput(Throughput::Elements(1));
    group.bench_function("1_baseline", |b| {
        b.to_async(&runtime).iter(|| async {
            ops::call(&bench, Side::Baseline, Api::Xpay, Op::Retrieve)
                .await
                .expect("baseline call");
        })
    });
    group.bench_function("2_runtime_execute_no_check", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(through_runtime(&bench, &transport, no_check).await) })
    });
    group.bench_function("3_runtime_execute_checked", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(through_runtime(&bench, &transport, type_check).await) })
    });
    // The client's own hooks on the baseline's request: `exec` only, then `pre` + `exec`.
    let operations: &xpay_client::platform::Operations = &bench.clients.xpay;
    group.bench_function("4_client_hooks_exec", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = operations
                .exec(request(&bench), &INFO)
                .await
                .expect("exec never fails");
            black_box(
                ResponseValue::<CheckoutSession>::from_response::<()>(response)
                    .await
                    .expect("the fixture decodes"),
            )
        })
    });
    group.bench_function("5_client_hooks_pre_exec", |b| {
        b.to_async(&runtime).iter(|| async {
            let mut request = request(&bench);
            operations
                .pre::<()>(&mut request, &INFO)
                .await
                .expect("pre succeeds");
            let response = operations
                .exec(request, &INFO)
                .await
                .expect("exec never fails");
            black_box(
                ResponseValue::<CheckoutSession>::from_response::<()>(response)
                    .await
                    .expect("the fixture decodes"),
            )
        })
    });
    group.bench_function("6_generated_client", |b| {
        b.to_async(&runtime).iter(|| async {
            ops::call(&bench, Side::Client, Api::Xpay, Op::Retrieve)
                .await
                .expect("client call");
        })
    });
    group.finish();
}

async fn client_hooks(bench: &Bench, with_pre: bool) {
    let operations: &xpay_client::platform::Operations = &bench.clients.xpay;
    let mut request = request(bench);
    if with_pre {
        operations
            .pre::<()>(&mut request, &INFO)
            .await
            .expect("pre succeeds");
    }
    let response = operations
        .exec(request, &INFO)
        .await
        .expect("exec never fails");
    black_box(
        ResponseValue::<CheckoutSession>::from_response::<()>(response)
            .await
            .expect("the fixture decodes"),
    );
}

/// The stages taking turns (see `benchmarks::paired`).
fn paired_breakdown(_: &mut Criterion<common::ThreadCpu>) {
    let runtime = client_runtime();
    let bench = runtime.block_on(Bench::start());
    let transport = Transport::new("xpay");
    let (bench, transport) = (&bench, &transport);
    let variants = [
        paired::Variant::new("1_baseline", move || {
            Box::pin(async move {
                ops::call(bench, Side::Baseline, Api::Xpay, Op::Retrieve)
                    .await
                    .expect("baseline call");
            })
        }),
        paired::Variant::new("2_runtime_execute_no_check", move || {
            Box::pin(async move {
                black_box(through_runtime(bench, transport, no_check).await);
            })
        }),
        paired::Variant::new("3_runtime_execute_checked", move || {
            Box::pin(async move {
                black_box(through_runtime(bench, transport, type_check).await);
            })
        }),
        paired::Variant::new("4_client_hooks_exec", move || {
            Box::pin(client_hooks(bench, false))
        }),
        paired::Variant::new("5_client_hooks_pre_exec", move || {
            Box::pin(client_hooks(bench, true))
        }),
        paired::Variant::new("6_generated_client", move || {
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
