//! Webhook verification throughput (events/s) per API: each client's own verifier on a validly
//! signed delivery, signature check and typed parse included, as a receiver runs it.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

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
                if let Err(e) = deliveries.verify(std::hint::black_box(api)) {
                    panic!("{} webhook refused: {e}", api.name());
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, webhooks);
criterion_main!(benches);
