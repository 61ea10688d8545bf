//! Payfect: the success callback, verified with the merchant key and decrypted by Python when available.

use super::*;

#[tokio::test]
async fn the_success_callback_verifies_with_the_merchant_key() {
    let (sandbox, client) = start().await;
    let (url, calls, _task) = receiver().await;
    let order = reference("CB");
    let mut request = usdt_checkout(&order, "20.5", 2);
    request.callback_url = Some(url);
    let checkout = client.create_checkout().body(request).send().await.unwrap();

    let settled = sandbox
        .settle(Api::Payfect, &checkout.id, Outcome::Complete)
        .unwrap();
    assert_eq!(settled["status"], "complete");
    let (headers, body) = wait_for_callback(&calls).await;

    let key = sandbox.creds().payfect_fernet_key.clone();
    let verifier = CallbackVerifier::new(key.clone())
        .unwrap()
        .tolerance(Duration::from_secs(300));
    let event = verifier
        .construct_event(&body, &headers)
        .expect("authentic");
    let EventObject::Succeeded(callback) = event.object else {
        panic!("{:?}", event.object)
    };
    assert_eq!(callback.id, checkout.id);
    assert_eq!(callback.amount, checkout.amount_total);
    assert_eq!(callback.amount.to_string(), "41.00");
    assert_eq!(callback.currency, "usdt");
    assert_eq!(
        Some(&callback.payment_intent),
        checkout.payment_intent.value()
    );
    assert_eq!(callback.merchant, checkout.merchant.id);
    assert_eq!(
        callback.client_reference_id.value().map(String::as_str),
        Some(order.as_str())
    );
    assert_eq!(
        callback.payment_method.payment_method_detail.network,
        Network::Tron
    );

    // The API agrees.
    let paid = client
        .retrieve_checkout()
        .id(&checkout.id)
        .send()
        .await
        .unwrap();
    assert!(paid.is_paid());

    // A forged body or another key is rejected.
    let signature = headers
        .get("x-payfect-signature")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let forged = String::from_utf8(body.to_vec())
        .unwrap()
        .replace("41.00", "4100.00");
    assert!(matches!(
        verifier.verify(forged.as_bytes(), &headers),
        Err(WebhookError::BadSignature)
    ));
    let other = CallbackVerifier::new("b3RoZXItbWVyY2hhbnQta2V5LTMyLWJ5dGVzLWxvbmc=").unwrap();
    assert!(matches!(
        other.verify(&body, &headers),
        Err(WebhookError::BadSignature)
    ));

    // Python's `cryptography` (what Payfect runs) decrypts the sandbox's token to the body.
    if let Some(plaintext) = python_decrypt(key.expose_secret(), &signature) {
        let a: serde_json::Value = serde_json::from_slice(&plaintext).unwrap();
        let b: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(a, b);
    }

    // Paid is final.
    assert!(matches!(
        sandbox.settle(Api::Payfect, &checkout.id, Outcome::Complete),
        Err(SettleError::InvalidState(_))
    ));
}

/// Decrypts with Python's `cryptography`; `None` (with a message) when it is not installed and
/// `CI` is unset. Under CI a missing Python fails.
fn python_decrypt(key: &str, token: &str) -> Option<Vec<u8>> {
    let program = "import sys\nfrom cryptography.fernet import Fernet\n\
                   sys.stdout.buffer.write(Fernet(sys.argv[1].encode()).decrypt(sys.stdin.buffer.read().strip()))";
    let child = Command::new("python3")
        .args(["-c", program, key])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let output = child.and_then(|mut child| {
        use std::io::Write;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(token.as_bytes())?;
        }
        child.wait_with_output()
    });
    match output {
        Ok(out) if out.status.success() => Some(out.stdout),
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let missing = stderr.contains("No module named");
            if !missing || std::env::var_os("CI").is_some() {
                panic!("python3 could not decrypt the sandbox token: {stderr}");
            }
            skipped("python3 has no `cryptography` (pip install cryptography)");
            None
        }
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!("python3 is required under CI: {e}");
            }
            skipped(&format!("python3 not runnable: {e}"));
            None
        }
    }
}

/// Says so on the process's stderr, which the test harness does not capture.
fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: the check against Python's Fernet: {why}"
    );
}
