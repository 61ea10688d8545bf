//! The README's main job: the tour must complete all four APIs against the sandbox.

#[test]
fn the_tour_completes_every_api() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tour"))
        // Credentials in the environment would send the tour to a real provider.
        .env_remove("XPAY_SECRET_KEY")
        .env_remove("XSTAK_SECRET_KEY")
        .env_remove("FYATU_APP_ID")
        .env_remove("PAYFECT_API_KEY")
        .output()
        .expect("the tour binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "tour failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "xpay     webhook verified: checkout.session.completed",
        "xstak    webhook verified: PAYMENT_INTENT_NOTIFICATION",
        "collect  webhook verified: collection.received",
        "payfect  callback decrypted and verified",
        "tour complete: 4 of 4 APIs",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
}
