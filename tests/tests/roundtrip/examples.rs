//! The seeds' embedded JSON examples and the specs' component `example`s round trip.

use super::*;

/// The JSON objects embedded in a seed (docs pages as text). Curl bodies there carry trailing
/// commas, which are dropped; fragments that still do not parse (`{{x-api-key}}`) are skipped.
fn seed_objects(name: &str) -> Vec<Value> {
    let dir = root().join("../shared/seeds");
    let dir = if dir.exists() {
        dir
    } else {
        PathBuf::from("/work/shared/seeds")
    };
    let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let bytes: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != '{' {
            i += 1;
            continue;
        }
        let (mut depth, mut in_str, mut esc, mut j) = (0i32, false, false, i);
        while j < bytes.len() {
            let c = bytes[j];
            if in_str {
                match (esc, c) {
                    (true, _) => esc = false,
                    (false, '\\') => esc = true,
                    (false, '"') => in_str = false,
                    _ => {}
                }
            } else if c == '"' {
                in_str = true;
            } else if c == '{' {
                depth += 1;
            } else if c == '}' {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            j += 1;
        }
        let block: String = bytes[i..=j.min(bytes.len() - 1)].iter().collect();
        match serde_json::from_str::<Value>(&strip_trailing_commas(&block)) {
            Ok(v) if v.is_object() => {
                out.push(v);
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn strip_trailing_commas(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut in_str = false;
    let mut esc = false;
    for (i, &c) in chars.iter().enumerate() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
        } else if c == '"' {
            in_str = true;
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[test]
fn every_seed_example_round_trips_value_for_value() {
    let mut found = Vec::new();
    let mut seen = 0;
    // XStak's checkout page: the curl request body and the response.
    for (i, v) in seed_objects("000_eeb86649fcda5f2e.txt").iter().enumerate() {
        let label = format!("seed 000 object {i}");
        if v.get("success").is_some() {
            check(&label, v, rt::<xs::PaymentIntentResponse>, &mut found);
            seen += 1;
        } else if v.get("success_url").is_some() {
            check(&label, v, rt::<xs::CheckoutRequest>, &mut found);
            seen += 1;
        }
    }
    // Payfect's create page: the example request, the response and the curl request.
    for (i, v) in seed_objects("003_c6386d4c04e7a41f.txt").iter().enumerate() {
        let label = format!("seed 003 object {i}");
        if v.get("invoice_items").is_some() {
            check(&label, v, rt::<pf::CreateCheckoutRequest>, &mut found);
            seen += 1;
        } else if v.get("invoiceItems").is_some() {
            check(&label, v, rt::<pf::Checkout>, &mut found);
            seen += 1;
        }
    }
    // The XPay platform (001) and FYATU (002) seeds carry tables, not JSON examples.
    assert!(
        seen >= 5,
        "expected the seeds' five JSON examples, found {seen}"
    );
    assert!(
        found.is_empty(),
        "seed examples that do not round-trip: {found:#?}"
    );
}

/// The specs' own `example`s on components parse into the component's type and come back equal.
#[test]
fn every_spec_component_example_round_trips() {
    let specs: &[(&str, &[(&str, RoundTrip)])] = &[
        (
            "xpay.yaml",
            &[("DecimalString", rt::<rust_decimal::Decimal>)],
        ),
        (
            "xpay-xstak.yaml",
            &[
                ("Amount", rt::<paygate_runtime::money::JsonDecimal>),
                ("PositiveAmount", rt::<paygate_runtime::money::JsonDecimal>),
                ("Metadata", rt::<xs::Metadata>),
            ],
        ),
        ("collect.yaml", &[]),
        (
            "payfect.yaml",
            &[
                ("Amount", rt::<rust_decimal::Decimal>),
                ("AmountInput", rt::<rust_decimal::Decimal>),
            ],
        ),
    ];
    let mut found = Vec::new();
    for (spec, types) in specs {
        let path = root().join("specs").join(spec);
        let parsed = paygate_codegen::load(&path).unwrap();
        let value = serde_json::to_value(&parsed).unwrap();
        let schemas = value["components"]["schemas"].as_object().unwrap();
        for (name, schema) in schemas {
            let Some(example) = schema.get("example") else {
                continue;
            };
            let label = format!("{spec}#/components/schemas/{name}/example");
            match types.iter().find(|(n, _)| n == name) {
                Some((_, f)) => check(&label, example, *f, &mut found),
                None => found.push((label, "no type listed for this example".into())),
            }
        }
    }
    assert!(
        found.is_empty(),
        "spec examples that do not round-trip: {found:#?}"
    );
}
