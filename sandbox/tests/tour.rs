//! The README's main job: the tour must complete all four APIs against the sandbox, and read
//! like a product (one line per step, status words, money in the currency's decimals; no
//! `Debug` text).

fn run_tour() -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tour"))
        // Credentials in the environment would send the tour to a real provider.
        .env_remove("XPAY_SECRET_KEY")
        .env_remove("XSTAK_SECRET_KEY")
        .env_remove("FYATU_APP_ID")
        .env_remove("PAYFECT_API_KEY")
        .output()
        .expect("the tour binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "tour failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Debug formatting, or a blank line between steps: what a user should never see.
fn leaks(stdout: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in stdout.lines().enumerate() {
        if line.trim().is_empty() {
            found.push(format!("line {}: blank", n + 1));
        }
        for debug in ["Some(", "None", "{", "}", "Ok(", "Err(", "\"", "::"] {
            if line.contains(debug) {
                found.push(format!("line {}: {debug:?} in {line:?}", n + 1));
            }
        }
    }
    found
}

#[test]
fn the_leak_check_can_fail() {
    assert!(leaks("xpay     checkout  created    cs_1  open  1,499.00 EGP\n").is_empty());
    for bad in [
        "xpay     checkout  created    cs_1 (Some(Open))\n",
        "xpay     refund    None\n",
        "xpay     refund    Refund { id: \"re_1\" }\n",
        "xpay     tour      ok\n\nxstak    tour      ok\n",
    ] {
        assert!(!leaks(bad).is_empty(), "{bad:?}");
    }
}

#[test]
fn the_tour_completes_every_api_and_reads_like_a_product() {
    let stdout = run_tour();
    let leaked = leaks(&stdout);
    assert!(leaked.is_empty(), "{leaked:#?}\nin:\n{stdout}");
    for prefix in [
        "xpay     checkout  created    cs_",
        "xpay     payment   completed  in the sandbox",
        "xpay     webhook   verified   checkout.session.completed",
        "xpay     checkout  complete   paid  1,499.00 EGP",
        "xpay     refund    ",
        "xpay     tour      ok",
        "xstak    checkout  created    ",
        "xstak    webhook   verified   PAYMENT_INTENT_NOTIFICATION",
        "xstak    payment   succeeded  ",
        "xstak    tour      ok",
        "collect  checkout  created    ",
        "collect  webhook   verified   collection.",
        "collect  tour      ok",
        "payfect  callback  verified   decrypted",
        "payfect  refund    skipped    ",
        "payfect  tour      ok",
        "tour complete: 4 of 4 APIs",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(prefix)),
            "no line starting {prefix:?} in:\n{stdout}"
        );
    }
    // Money in the currency's decimals, thousands grouped.
    for amount in [
        "1,499.00 EGP",
        "1,500.50 PKR",
        "500.00 PKR",
        "25.00 USD",
        "20.50 USDT",
    ] {
        assert!(stdout.contains(amount), "no {amount:?} in:\n{stdout}");
    }
}
