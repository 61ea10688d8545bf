//! The honesty check of the baseline: for every measured call, the generated client and the
//! hand-written code must put the same request on the wire (method, target, headers in the same
//! order with the same values, body byte for byte), and must reuse their pooled connection.
//! Idempotency keys are fresh UUIDs on both sides, so only their presence and shape are
//! compared.

use crate::ops::{self, Api, Op, Side};
use crate::server::Captured;
use crate::setup::Bench;

/// Calls per side and operation: enough to see whether the connection is reused.
const CALLS: usize = 3;

/// Headers whose value is a fresh UUID per call on both sides.
const PER_CALL_UUID: &[&str] = &["idempotency-key", "x-idempotency-key"];

/// One compared call pair.
#[derive(Debug, Clone)]
pub struct Compared {
    pub api: Api,
    pub op: Op,
    pub client: Captured,
    pub baseline: Captured,
}

/// Sends every measured call a few times per side and compares what the server received. `Err`
/// lists every difference.
pub async fn check(bench: &Bench) -> Result<Vec<Compared>, String> {
    // The Collect client authenticates on its first call; do it outside the capture.
    bench
        .clients
        .collect
        .authenticate()
        .await
        .map_err(|e| format!("collect authenticate: {e}"))?;
    let mut compared = Vec::new();
    let mut problems = Vec::new();
    for api in Api::ALL {
        for op in Op::ALL {
            let mut pair = Vec::new();
            for side in [Side::Client, Side::Baseline] {
                bench.server.start_capture();
                for _ in 0..CALLS {
                    if let Err(e) = ops::call(bench, side, api, op).await {
                        problems.push(e.to_string());
                    }
                }
                let captured = bench.server.take_captured();
                let what = format!("{} {} {}", side.name(), api.name(), op.name());
                if captured.len() != CALLS {
                    problems.push(format!(
                        "{what}: the server saw {} requests for {CALLS} calls",
                        captured.len()
                    ));
                }
                // Sequential calls must reuse one pooled connection, on both sides alike.
                if captured
                    .windows(2)
                    .any(|w| w[0].peer_port != w[1].peer_port)
                {
                    let ports: Vec<u16> = captured.iter().map(|c| c.peer_port).collect();
                    problems.push(format!(
                        "{what}: sequential calls did not reuse their connection (client ports {ports:?})"
                    ));
                }
                pair.push(captured.into_iter().next());
            }
            if let [Some(client), Some(baseline)] = [pair[0].take(), pair[1].take()] {
                let what = format!("{} {}", api.name(), op.name());
                problems.extend(differences(&what, &client, &baseline));
                compared.push(Compared {
                    api,
                    op,
                    client,
                    baseline,
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(compared)
    } else {
        Err(problems.join("\n"))
    }
}

/// Every way `baseline` differs from `client`.
pub fn differences(what: &str, client: &Captured, baseline: &Captured) -> Vec<String> {
    let mut out = Vec::new();
    if client.method != baseline.method {
        out.push(format!(
            "{what}: method {} vs {}",
            client.method, baseline.method
        ));
    }
    if client.target != baseline.target {
        out.push(format!(
            "{what}: target {} vs {}",
            client.target, baseline.target
        ));
    }
    let names = |c: &Captured| c.headers.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    if names(client) != names(baseline) {
        out.push(format!(
            "{what}: header order/names differ\n  client:   {:?}\n  baseline: {:?}",
            names(client),
            names(baseline)
        ));
    }
    for (name, value) in &client.headers {
        let other = baseline
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v);
        let same = match other {
            None => false,
            Some(other) if PER_CALL_UUID.contains(&name.as_str()) => {
                is_uuid(value) && is_uuid(other)
            }
            Some(other) => other == value,
        };
        if !same {
            out.push(format!(
                "{what}: header {name}: {:?} vs {:?}",
                String::from_utf8_lossy(value),
                other.map(|v| String::from_utf8_lossy(v).into_owned())
            ));
        }
    }
    if client.body != baseline.body {
        out.push(format!(
            "{what}: bodies differ\n  client:   {}\n  baseline: {}",
            String::from_utf8_lossy(&client.body),
            String::from_utf8_lossy(&baseline.body)
        ));
    }
    out
}

fn is_uuid(value: &[u8]) -> bool {
    std::str::from_utf8(value).is_ok_and(|s| uuid::Uuid::parse_str(s).is_ok())
}
