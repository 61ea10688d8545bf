//! Webhook verification throughput (events/s) per API: each client's own verifier on a validly
//! signed delivery, signature check and typed parse included, as a receiver runs it.
//!
//! `xpay_v1_entries`: the cost of an `XPay-Signature` header as the number of `v1` entries
//! grows (1, the cap of 16, and a hostile 10,000 in a ~650 kB header, which is refused). The
//! HMAC is computed once per secret, so the cost must stay flat rather than grow with the
//! entries.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use paygate_runtime::{Clock, ManualClock};
use reqwest::header::{HeaderMap, HeaderValue};
use xpay_client::platform::webhook::{self, SIGNATURE_HEADER, Verifier};

use benchmarks::fixtures;
use benchmarks::ops::Api;
use benchmarks::webhooks::Deliveries;

fn webhooks(c: &mut Criterion) {
    let deliveries = Deliveries::new();
    let mut group = c.benchmark_group("webhook_verify");
    group.throughput(Throughput::Elements(1));
    for api in Api::ALL {
        if let Err(e) = deliveries.verify(api) {
            panic!("{} webhook refused: {e}", api.name());
        }
        group.bench_function(api.name(), |b| {
            b.iter(|| {
                if let Err(e) = deliveries.verify(black_box(api)) {
                    panic!("{} webhook refused: {e}", api.name());
                }
            })
        });
    }
    group.finish();
}

/// `t=<now>` and `n` `v1` entries, the last one valid.
fn header_with_entries(n: usize, now: i64, body: &[u8]) -> HeaderMap {
    let mut value = format!("t={now}");
    for i in 0..n - 1 {
        value.push_str(&format!(",v1={i:064x}"));
    }
    value.push_str(&format!(
        ",v1={}",
        webhook::signature(fixtures::XPAY_WEBHOOK_SECRET, now, body)
    ));
    let mut headers = HeaderMap::new();
    headers.insert(
        SIGNATURE_HEADER,
        HeaderValue::from_str(&value).expect("ascii"),
    );
    headers
}

fn xpay_v1_entries(c: &mut Criterion) {
    let now = chrono::Utc::now();
    let body = fixtures::XPAY_WEBHOOK;
    let verifier = Verifier::new(fixtures::XPAY_WEBHOOK_SECRET)
        .expect("a secret")
        .clock(Arc::new(ManualClock::new(now)) as Arc<dyn Clock>);
    let mut group = c.benchmark_group("xpay_v1_entries");
    for n in [1, webhook::MAX_SIGNATURES, 10_000] {
        let headers = header_with_entries(n, now.timestamp(), body);
        group.bench_with_input(BenchmarkId::from_parameter(n), &headers, |b, headers| {
            b.iter(|| {
                // Verified up to the cap, refused beyond it: either way, bounded work.
                let _ = black_box(verifier.verify(black_box(body), headers));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, webhooks, xpay_v1_entries);
criterion_main!(benches);
