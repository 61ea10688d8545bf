//! Random bodies through the client, and random JSON texts through the signing step.

use super::*;

// ---------------------------------------------------------------- random bodies

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,16}",
        "[a-z0-9 ./:?=&%-]{0,24}",
        prop::sample::select(vec![
            "عائشہ",
            "کراچی",
            "💸🇵🇰",
            "a/b//c",
            "\"\\",
            "\u{2028}\u{2029}",
            "\u{0}\u{1f}\u{8}\u{c}\n\r\t",
            "\u{7f}\u{80}\u{9f}",
            "\u{feff}\u{fffd}\u{d7ff}\u{e000}",
            "</script>",
        ])
        .prop_map(str::to_owned),
    ]
}

/// Numbers as serde_json writes them: doubles in every magnitude (exponent forms included),
/// integers within 2^53, and some beyond it, which a double may not hold.
fn any_number() -> impl Strategy<Value = Value> {
    const SAFE: i64 = 1 << 53;
    prop_oneof![
        3 => (-SAFE..=SAFE).prop_map(Value::from),
        1 => (-1_000_000i64..1_000_000).prop_map(Value::from),
        2 => any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        2 => (-10_000i32..10_000, -30i32..30)
            .prop_map(|(m, e)| Value::from(f64::from(m) * 10f64.powi(e))),
        1 => prop::sample::select(vec![1e21, 1e20, 1e-7, 1e-6, 1.5e-7, 5.0, -0.0, 5e-324, f64::MAX])
            .prop_map(Value::from),
        1 => prop_oneof![any::<u64>().prop_map(Value::from), any::<i64>().prop_map(Value::from)],
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        4 => any_number(),
        3 => any_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((any_key(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Keys in random order, many of them integer-like (array indices up to 2^32 - 2, which
/// JavaScript lists first) or nearly so.
fn any_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z_]{1,10}",
        2 => "[0-9]{1,3}",
        1 => prop::sample::select(vec!["0", "4294967294", "4294967295", "01", "-1", "1.5", "1e3"])
            .prop_map(str::to_owned),
        1 => any::<u32>().prop_map(|n| n.to_string()),
        1 => any_text(),
    ]
}

fn any_amount() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        6 => (1i64..1_000_000_000_000, 0u32..=4).prop_map(|(m, s)| Decimal::new(m, s)),
        2 => (any::<i64>(), 0u32..=12).prop_map(|(m, s)| Decimal::new(m, s)),
        1 => (1i64..100, 15u32..=22)
            .prop_map(|(m, e)| Decimal::from_i128_with_scale(i128::from(m) * 10i128.pow(e), 0)),
        1 => prop::sample::select(vec!["5", "5.5", "0.1", "1234567.891", "1000000000000000000000"])
            .prop_map(|s| Decimal::from_str(s).expect("decimal")),
    ]
}

fn any_request() -> impl Strategy<Value = types::CheckoutRequest> {
    let customer = (
        any_text(),
        prop::option::of(any_text()),
        prop::option::of("03[0-9]{9}"),
        prop::option::of(prop::sample::select(vec!["Yes", "No"])),
    )
        .prop_map(|(name, email, phone, vip)| types::Customer {
            email,
            name,
            phone,
            previous_customer: vip.map(str::to_owned),
            vip_customer: vip.map(str::to_owned),
        });
    let shipping = prop::option::of((any_text(), any_text(), any_text()).prop_map(
        |(address1, city, zip)| types::Shipping {
            address1: Some(address1),
            city: Some(city),
            country: Some("Pakistan".into()),
            province: None,
            shipping_method: Some("Standard".into()),
            zip: Some(zip),
        },
    ));
    let metadata = prop::option::of(
        prop::collection::vec((any_key(), any_json()), 0..5)
            .prop_map(|kv| types::Metadata(kv.into_iter().collect())),
    );
    let url = "https://[a-z]{1,8}\\.pk(/[a-z0-9%.-]{0,6}){0,4}(\\?[a-z]=[a-z0-9/%]{0,8})?";
    let methods = prop::collection::vec(
        prop::sample::select(vec![
            "card",
            "easypaisa",
            "jazzcash",
            "googlepay",
            "dqr",
            "new_wallet",
        ])
        .prop_map(types::PaymentMethod::from),
        0..4,
    );
    (
        any_amount(),
        customer,
        shipping,
        metadata,
        url,
        url,
        methods,
    )
        .prop_map(
            |(amount, customer, shipping, metadata, success_url, failure_url, payment_methods)| {
                types::CheckoutRequest {
                    amount: JsonDecimal(amount),
                    currency: "PKR".into(),
                    customer,
                    failure_url,
                    metadata,
                    payment_methods,
                    shipping,
                    success_url,
                }
            },
        )
}

/// How many random cases to run: `XSTAK_INTEROP_CASES`, 300 by default.
fn random_cases() -> u32 {
    std::env::var("XSTAK_INTEROP_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300)
}

/// Counts of [`Sent`] outcomes, printed before anything is asserted.
#[derive(Default)]
struct Tally {
    accepted: u32,
    refused: u32,
    wrongly_refused: Vec<String>,
    mismatched: Vec<String>,
}

impl Tally {
    fn add(&mut self, sent: Sent) {
        match sent {
            Sent::Accepted => self.accepted += 1,
            Sent::Refused => self.refused += 1,
            Sent::WronglyRefused(why) => self.wrongly_refused.push(why),
            Sent::Mismatch(why) => self.mismatched.push(why),
        }
    }

    fn assert_clean(&self, what: &str) {
        let total = self.accepted
            + self.refused
            + self.wrongly_refused.len() as u32
            + self.mismatched.len() as u32;
        eprintln!(
            "{what}: {total} bodies: {} sent, {} refused with V8's agreement (a number it \
             changes), {} refused though representable, {} signature/byte mismatches",
            self.accepted,
            self.refused,
            self.wrongly_refused.len(),
            self.mismatched.len()
        );
        assert!(
            self.wrongly_refused.is_empty(),
            "refused bodies JavaScript carries: {:#?}",
            &self.wrongly_refused[..self.wrongly_refused.len().min(5)]
        );
        assert!(
            self.mismatched.is_empty(),
            "mismatches: {:#?}",
            &self.mismatched[..self.mismatched.len().min(5)]
        );
        // Both paths must be exercised.
        assert!(self.refused > 0, "no refusal exercised");
        assert!(self.accepted > 0, "nothing sent");
    }
}

#[test]
fn random_bodies_agree_with_node() {
    if skip() {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let server = NodeServer::start();
    let oracle = Mutex::new(Oracle::start());
    let client = client(&server.url);
    let tally = Mutex::new(Tally::default());
    let mut runner = TestRunner::new(Config {
        cases: random_cases(),
        failure_persistence: None,
        ..Config::default()
    });
    OLD_RULE_REFUSALS.store(0, Ordering::Relaxed);
    runner
        .run(&any_request(), |request| {
            let sent = rt.block_on(check(&client, &oracle, &request));
            tally.lock().expect("lock").add(sent);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "random checkout requests: the former rule (refuse what V8 rewrites) would have \
         refused {}",
        OLD_RULE_REFUSALS.load(Ordering::Relaxed)
    );
    tally
        .lock()
        .expect("lock")
        .assert_clean("random checkout requests");
}

// ---------------------------------------------------------------- random JSON texts

/// A JSON number spelled any way the grammar allows.
fn raw_number() -> impl Strategy<Value = String> {
    let spelled = (
        any::<bool>(),
        "0|[1-9][0-9]{0,9}",
        prop::option::of("[0-9]{1,9}"),
        prop::option::of("[eE][+-]?[0-9]{1,2}"),
    )
        .prop_map(|(negative, int, frac, exp)| {
            let sign = if negative { "-" } else { "" };
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            format!("{sign}{int}{frac}{}", exp.unwrap_or_default())
        });
    prop_oneof![
        3 => spelled,
        2 => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_flat_map(|f| prop::sample::select(vec![format!("{f:e}"), format!("{f:?}"), format!("{f:E}")])),
        2 => prop::sample::select(vec![
            "1e21", "1E21", "1e+21", "1e20", "1e-7", "0.0000001", "-0", "0.0", "-0.0e5", "5.0",
            "1e400", "-1e400", "1e-400", "9007199254740993", "9007199254740992",
            "0.10000000000000001", "123456789012345678901234567890", "5e-324", "2e-324",
            "1.7976931348623157e308", "0e99999999999999999999",
        ])
        .prop_map(str::to_owned),
    ]
}

/// A JSON string literal with the escapes `JSON.parse` accepts, lone surrogates included.
fn raw_string() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        "[a-z0-9 ]{1,4}",
        // Any printable text, minus what would end the string or start an escape.
        "\\PC{1,3}".prop_map(|s| s.replace(['"', '\\'], "x")),
        prop::sample::select(vec![
            r"\/",
            r"\u00e9",
            r"\ud800",
            r"\udc00",
            r"\udbff\udfff",
            r"\ud83d\ude00",
            r"\ud83d\ud83d",
            r"\u2028",
            "\u{2028}",
            "\u{2029}",
            r"\b\f\n\r\t",
            r#"\""#,
            r"\\",
            r"\u0000",
            r"\u001F",
            r"\u007f",
            "é",
            "😀",
            "\u{7f}",
            r"\uD834\uDD1E",
            r"\uFEFF",
            r"\u0037",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(part, 0..5).prop_map(|parts| format!("\"{}\"", parts.concat()))
}

fn raw_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z_]{1,4}".prop_map(|k| format!("\"{k}\"")),
        3 => (0u32..40).prop_map(|n| format!("\"{n}\"")),
        1 => prop::sample::select(vec![
            r#""4294967294""#, r#""4294967295""#, r#""01""#, r#""-1""#, r#""\u0037""#, r#""1\u0030""#,
        ])
        .prop_map(str::to_owned),
        1 => raw_string(),
    ]
}

fn ws() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", "", "", " ", "\n", "\t ", "\r\n"])
}

/// JSON texts with whitespace, duplicate keys, keys in any order and numbers and strings
/// spelled any valid way.
fn raw_json() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        3 => raw_number(),
        2 => raw_string(),
        1 => prop::sample::select(vec!["true", "false", "null"]).prop_map(str::to_owned),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec((ws(), inner.clone(), ws()), 0..5).prop_map(|items| {
                let items: Vec<String> = items
                    .into_iter()
                    .map(|(a, v, b)| format!("{a}{v}{b}"))
                    .collect();
                format!("[{}]", items.join(","))
            }),
            prop::collection::vec((ws(), raw_key(), ws(), inner, ws()), 0..6).prop_map(|kv| {
                let kv: Vec<String> = kv
                    .into_iter()
                    .map(|(a, k, b, v, c)| format!("{a}{k}{b}:{v}{c}"))
                    .collect();
                format!("{{{}}}", kv.join(","))
            }),
        ]
    })
}

/// The signing step alone, on texts serde_json would never write: V8's bytes and signature
/// exactly, or a refusal naming the first number V8 changes.
#[test]
fn random_json_texts_are_signed_as_v8_writes_them() {
    if skip() {
        return;
    }
    let oracle = Mutex::new(Oracle::start());
    let secret = HMAC_SECRET.into();
    let mut tally = Tally::default();
    let mut old_rule_refusals = 0;
    let mut runner = TestRunner::new(Config {
        cases: random_cases() * 3,
        failure_persistence: None,
        ..Config::default()
    });
    let texts = prop::collection::vec((ws(), raw_json(), ws()), runner.config().cases as usize);
    let tree = texts.new_tree(&mut runner).expect("strategy");
    for (before, text, after) in tree.current() {
        let text = format!("{before}{text}{after}");
        let (v8_bytes, v8_signature, changed) = ask_v8(&oracle, text.as_bytes());
        if !js::is_canonical(text.as_bytes()) {
            old_rule_refusals += 1;
        }
        let sent = match (
            signing::canonical_signed_body(&secret, text.as_bytes()),
            changed.first(),
        ) {
            (Ok(signed), None) => {
                if signed.body() == v8_bytes && signed.signature() == v8_signature {
                    Sent::Accepted
                } else {
                    Sent::Mismatch(format!(
                        "{text}\n  ours {}\n  V8   {}",
                        String::from_utf8_lossy(signed.body()),
                        String::from_utf8_lossy(&v8_bytes)
                    ))
                }
            }
            (Ok(_), Some(first)) => Sent::Mismatch(format!("{text}: sent, but V8 changes {first}")),
            (Err(e), Some(first)) if e.path() == first["path"].as_str() => Sent::Refused,
            (Err(e), first) => Sent::WronglyRefused(format!("{text}: {e} (V8 changes {first:?})")),
        };
        tally.add(sent);
    }
    eprintln!("random JSON texts: the former rule would have refused {old_rule_refusals}");
    tally.assert_clean("random JSON texts");
}
