//! Prints the latest bench results as the Markdown tables of `BENCHMARKS.md`, with the ratios
//! computed from the same run: interleaved ratios (`target/criterion/paygate/`) and criterion's estimates.
//!
//! `cargo run -p benchmarks --bin report` (after `cargo bench -p benchmarks`).

use benchmarks::ops::{Api, Op};
use benchmarks::results::{self, Estimate};

fn us(ns: f64) -> String {
    format!("{:.1} µs", ns / 1_000.0)
}

fn per_s(ns: f64, per_iter: f64) -> String {
    format!("{:.0}", per_iter * 1e9 / ns)
}

fn pct(part: f64, whole: f64) -> String {
    format!("{:+.1} %", 100.0 * part / whole)
}

fn get(group: &str, function: &str) -> Option<Estimate> {
    let e = results::estimate(group, function);
    if e.is_none() {
        eprintln!("no estimate for {group}/{function} (bench not run yet?)");
    }
    e
}

fn command_output(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    println!("## Machine\n");
    println!("- `nproc`: {}", command_output("nproc", &[]));
    println!("- CPU: {cpu}");
    println!("- {}", command_output("rustc", &["--version"]));
    println!(
        "- load average at report time: {}",
        command_output("cat", &["/proc/loadavg"])
    );
    println!();
}

fn ratio(v: &serde_json::Value) -> String {
    match (v[0].as_f64(), v[1].as_f64(), v[2].as_f64()) {
        (Some(m), Some(lo), Some(hi)) => format!("**{m:.2}** [{lo:.2}–{hi:.2}]"),
        _ => "–".into(),
    }
}

fn diff(v: &serde_json::Value) -> String {
    match (v[0].as_f64(), v[1].as_f64(), v[2].as_f64()) {
        (Some(m), Some(lo), Some(hi)) => {
            format!("{:+.1} µs [{:+.1}–{:+.1}]", m / 1e3, lo / 1e3, hi / 1e3)
        }
        _ => "–".into(),
    }
}

fn ns(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// The paired (interleaved) ratios client/baseline per (API, call): (wall, CPU) medians.
fn requests() -> Vec<(f64, f64)> {
    println!("## 1. Per request: generated client vs hand-written baseline\n");
    let Some(paired) = results::read_extra("paired_requests") else {
        eprintln!("no paired request results (run the requests bench)");
        return Vec::new();
    };
    println!(
        "Interleaved measurement (median per call over {} rounds of {} calls per side; ratio = median of per-round ratios [interquartile range]).\n",
        paired["xpay_create"]["rounds"], paired["xpay_create"]["calls_per_block"]
    );
    println!(
        "| API | call | client | baseline | client req/s | baseline req/s | client/baseline (wall) | client − baseline (wall) | client CPU | baseline CPU | client/baseline (CPU) | client − baseline (CPU) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for op in Op::ALL {
        for api in Api::ALL {
            let p = &paired[format!("{}_{}", api.name(), op.name())];
            let (b, c) = (&p["variants"][0], &p["variants"][1]);
            if c.is_null() {
                continue;
            }
            ratios.push((ns(&c["ratio_wall"][0]), ns(&c["ratio_cpu"][0])));
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                api.name(),
                op.name(),
                us(ns(&c["wall_ns"])),
                us(ns(&b["wall_ns"])),
                per_s(ns(&c["wall_ns"]), 1.0),
                per_s(ns(&b["wall_ns"]), 1.0),
                ratio(&c["ratio_wall"]),
                diff(&c["diff_wall_ns"]),
                us(ns(&c["cpu_ns"])),
                us(ns(&b["cpu_ns"])),
                ratio(&c["ratio_cpu"]),
                diff(&c["diff_cpu_ns"]),
            );
        }
    }
    println!();
    if let Some(identity) = results::read_extra("identity") {
        println!(
            "Byte-identical requests and connection reuse checked at bench start: {}.\n",
            identity["identical"]
        );
    }
    ratios
}

fn breakdown() {
    let Some(p) = results::read_extra("paired_breakdown") else {
        return;
    };
    let what = |name: &str| match name {
        "1_baseline" => "hand-written baseline",
        "2_runtime_send" => {
            "same request through `paygate_runtime::send` (prepare, retry loop, timeout, capped read, span, one decode)"
        }
        "3_generated_client" => "the generated builder and `send()`: the whole client",
        _ => "?",
    };
    println!("## 1c. Where the client's time goes (XPay `get_checkout_session`)\n");
    println!("Stages interleaved as above; ratios against the baseline.\n");
    println!("| stage | wall | CPU | vs baseline (wall) | vs baseline (CPU) | − baseline (CPU) |");
    println!("|---|---|---|---|---|---|");
    if let Some(variants) = p["variants"].as_array() {
        for v in variants {
            println!(
                "| {} | {} | {} | {} | {} | {} |",
                what(v["name"].as_str().unwrap_or("")),
                us(ns(&v["wall_ns"])),
                us(ns(&v["cpu_ns"])),
                ratio(&v["ratio_wall"]),
                ratio(&v["ratio_cpu"]),
                diff(&v["diff_cpu_ns"]),
            );
        }
    }
    println!();
}

fn decode() {
    println!("## 1b. Decoding the reply once (baseline) vs checked + decoded (client)\n");
    println!("| reply | once | checked + decoded | extra per request | extra / client request |");
    println!("|---|---|---|---|---|");
    for (api, op) in [
        (Api::Xpay, Op::Retrieve),
        (Api::Xstak, Op::Retrieve),
        (Api::Collect, Op::Create),
        (Api::Collect, Op::Retrieve),
        (Api::Payfect, Op::Retrieve),
    ] {
        let name = format!("{}_{}", api.name(), op.name());
        let (Some(once), Some(checked)) = (
            get("decode", &format!("{name}_once")),
            get("decode", &format!("{name}_checked")),
        ) else {
            continue;
        };
        let extra = checked.mean_ns - once.mean_ns;
        let request = get(
            &format!("request_{}", op.name()),
            &format!("{}_client", api.name()),
        );
        println!(
            "| {} {} | {} | {} | {} | {} |",
            api.name(),
            op.name(),
            us(once.mean_ns),
            us(checked.mean_ns),
            us(extra),
            request.map_or("–".into(), |r| pct(extra, r.mean_ns)),
        );
    }
    println!();
}

fn signing() {
    println!("## 2. XStak signing\n");
    let g = "xstak_signing";
    let creates = [
        ("client_signed_create", "client create (signed)"),
        ("baseline_signed_create", "baseline create, signed"),
        ("baseline_unsigned_create", "baseline create, unsigned"),
    ];
    if let Some(p) = results::read_extra("paired_signing") {
        println!("Interleaved creates (ratios against the baseline's signed create):\n");
        println!("| create | wall | CPU | ratio (wall) | ratio (CPU) | − signed baseline (CPU) |");
        println!("|---|---|---|---|---|---|");
        if let Some(variants) = p["variants"].as_array() {
            for v in variants {
                let name = v["name"].as_str().unwrap_or("");
                let what = creates
                    .iter()
                    .find(|(f, _)| *f == name)
                    .map_or(name, |(_, w)| w);
                println!(
                    "| {what} | {} | {} | {} | {} | {} |",
                    us(ns(&v["wall_ns"])),
                    us(ns(&v["cpu_ns"])),
                    ratio(&v["ratio_wall"]),
                    ratio(&v["ratio_cpu"]),
                    diff(&v["diff_cpu_ns"]),
                );
            }
        }
        println!();
    }
    println!("| work on the body ({} bytes) | time |", body_bytes());
    println!("|---|---|");
    for (f, what) in [
        (
            "hook_check_and_sign",
            "client hook: JS-canonical check + HMAC",
        ),
        ("hook_sign_only", "HMAC-SHA256 + hex only"),
        ("hook_check_only", "JS-canonical check only"),
        ("serialize_serde_json", "serialize: `serde_json::to_vec`"),
        (
            "serialize_js_canonical",
            "serialize: `to_value` + `js::stringify`",
        ),
        ("canonicalize_bytes", "`js::canonicalize(bytes)`"),
    ] {
        if let Some(e) = get(g, f) {
            println!("| {what} | {} |", us(e.mean_ns));
        }
    }
    println!();
    let paired_cpu = |name: &str| {
        results::read_extra("paired_signing").and_then(|p| {
            p["variants"].as_array().and_then(|vs| {
                vs.iter()
                    .find(|v| v["name"] == name)
                    .and_then(|v| v["cpu_ns"].as_f64())
            })
        })
    };
    let client_cpu = paired_cpu("client_signed_create").map(|mean_ns| Estimate {
        mean_ns,
        low_ns: mean_ns,
        high_ns: mean_ns,
        median_ns: mean_ns,
    });
    for (f, what) in [
        ("hook_check_and_sign", "check + HMAC"),
        ("hook_sign_only", "HMAC alone"),
    ] {
        if let (Some(work), Some(client)) = (get(g, f), client_cpu) {
            println!(
                "- {what} / client signed create (CPU): **{}** (goal < 2 %).",
                pct(work.mean_ns, client.mean_ns)
            );
        }
    }
    println!();
}

fn body_bytes() -> String {
    serde_json::from_slice::<xpay_client::xstak::types::CheckoutRequest>(
        benchmarks::fixtures::XSTAK_CREATE_REQUEST,
    )
    .ok()
    .and_then(|r| serde_json::to_vec(&r).ok())
    .map_or("?".into(), |b| b.len().to_string())
}

fn token_cache() {
    println!("## 3. Collect token cache\n");
    if let Some(p) = results::read_extra("paired_token_cache") {
        println!(
            "Warm and expired batches interleaved; \"added\" is the median over rounds of (expired − warm) within a round [IQR].\n"
        );
        println!(
            "| calls at once | warm token | expired token | added | token requests / expired batch |"
        );
        println!("|---|---|---|---|---|");
        for key in ["calls_1000", "calls_1"] {
            let r = &p[key];
            let (warm, expired) = (&r["variants"][0], &r["variants"][1]);
            if expired.is_null() {
                continue;
            }
            let added = &r["added_wall_ns"];
            let fmt = |ns: f64| {
                if ns.abs() >= 1e6 {
                    format!("{:.2} ms", ns / 1e6)
                } else {
                    us(ns)
                }
            };
            println!(
                "| {} | {} | {} | **{}** [{} – {}] | {} / {} |",
                key.trim_start_matches("calls_"),
                fmt(ns(&warm["wall_ns"])),
                fmt(ns(&expired["wall_ns"])),
                fmt(ns(&added[0])),
                fmt(ns(&added[1])),
                fmt(ns(&added[2])),
                r["token_requests"],
                r["expired_batches"],
            );
        }
        println!();
    }
    if let Some(counts) = results::read_extra("token_cache") {
        let b = &counts["expired_1000"];
        println!(
            "Criterion's expired batches: token requests per batch of 1,000 calls, counted by the server: min {}, max {}, over {} batches.\n",
            b["token_requests_min"], b["token_requests_max"], b["batches"]
        );
    }
}

fn webhooks() {
    println!("## 4. Webhook verification (signature + typed parse)\n");
    println!("| API | time per event | events/s |");
    println!("|---|---|---|");
    for api in Api::ALL {
        if let Some(e) = get("webhook_verify", api.name()) {
            println!(
                "| {} | {} | {} |",
                api.name(),
                us(e.mean_ns),
                per_s(e.mean_ns, 1.0)
            );
        }
    }
    println!();
}

fn build_time() {
    let Some(b) = results::read_extra("build_time") else {
        eprintln!("no build-time results (run bench/build-time.sh)");
        return;
    };
    println!("## 5. Build time (bench/build-time.sh)\n");
    println!("| crate | clean build | rebuild after touching its spec |");
    println!("|---|---|---|");
    if let Some(rows) = b["crates"].as_array() {
        for r in rows {
            println!(
                "| {} | {} s | {} s (touched `{}`) |",
                r["crate"].as_str().unwrap_or("?"),
                r["clean_s"],
                r["rebuild_s"],
                r["spec"].as_str().unwrap_or("?")
            );
        }
    }
    println!();
}

fn main() {
    machine();
    let ratios = requests();
    let wall = ratios.iter().map(|r| r.0).reduce(f64::max);
    let cpu = ratios.iter().map(|r| r.1).reduce(f64::max);
    if let (Some(wall), Some(cpu)) = (wall, cpu) {
        println!(
            "Worst client/baseline ratio: wall **{wall:.2}**, CPU **{cpu:.2}** (goal ≤ 1.05).\n"
        );
    }
    breakdown();
    decode();
    signing();
    token_cache();
    webhooks();
    build_time();
}
