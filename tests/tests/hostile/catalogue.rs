//! Named hostile replies through the typed calls, envelope failures under a 200, sandbox faults.

use super::*;

/// One API's main resource, for the catalogue: how to read it, a valid reply, a documented
/// error reply, and where its id and an open-enum status live in that reply.
struct Catalogue<C> {
    api: &'static str,
    client: C,
    get: fn(C) -> BoxFuture,
    valid: &'static str,
    error: (u16, &'static str),
    id: &'static str,
    status: &'static str,
}

fn with(seed: &Value, pointer: &str, value: Option<Value>) -> Vec<u8> {
    let mut doc = seed.clone();
    match value {
        Some(v) => {
            if let Some(slot) = doc.pointer_mut(pointer) {
                *slot = v;
            }
        }
        None => remove_at(&mut doc, pointer),
    }
    serde_json::to_vec(&doc).expect("JSON serializes")
}

fn expect_decode(api: &str, case: &str, out: Outcome, status: u16, reason_has: &str) {
    match out {
        Outcome::Err {
            status: got,
            kind: "Decode",
            text,
        } => {
            assert_eq!(got, Some(status), "{api} {case}: {text}");
            assert!(
                text.contains(reason_has),
                "{api} {case}: `{reason_has}` not in {text}"
            );
            println!("{api} {case}: Decode {status} ({reason_has})");
        }
        other => panic!("{api} {case}: expected Decode {status}, got {other:?}"),
    }
}

fn run_catalogue<C: Clone + Send + 'static>(
    rt: &tokio::runtime::Runtime,
    stub: &Arc<Stub>,
    cat: Catalogue<C>,
) {
    let api = cat.api;
    let valid = fixture_json(cat.valid);
    let serve = |status: u16, ct: Option<&'static str>, body: Vec<u8>| {
        stub.set(Reply {
            status,
            content_type: ct,
            body: Bytes::from(body),
        });
        rt.block_on((cat.get)(cat.client.clone()))
    };
    let json = Some("application/json");

    // The baseline: the valid reply parses (so the failures below are the mutations' doing).
    assert!(
        matches!(
            serve(200, json, serde_json::to_vec(&valid).expect("JSON")),
            Outcome::Ok(_)
        ),
        "{api}: the valid reply must parse"
    );

    let html = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\r\n";
    expect_decode(
        api,
        "HTML error page",
        serve(502, Some("text/html"), html.to_vec()),
        502,
        "not JSON",
    );

    let text = serde_json::to_vec(&valid).expect("JSON");
    let half = text[..text.len() / 2].to_vec();
    expect_decode(
        api,
        "truncated body",
        serve(200, json, half),
        200,
        "not JSON",
    );
    expect_decode(
        api,
        "empty body",
        serve(200, json, Vec::new()),
        200,
        "empty body",
    );
    expect_decode(
        api,
        "wrong JSON type",
        serve(200, json, with(&valid, cat.id, Some(json!(7)))),
        200,
        "invalid type",
    );
    expect_decode(
        api,
        "string instead of object",
        serve(200, json, b"\"ok\"".to_vec()),
        200,
        "invalid type",
    );
    expect_decode(
        api,
        "missing required field",
        serve(200, json, with(&valid, cat.id, None)),
        200,
        "missing field",
    );

    // Huge: a valid object padded past the 4 MiB cap, with and without content-length.
    let mut huge = valid.clone();
    if let Value::Object(map) = &mut huge {
        map.insert("padding".into(), json!("x".repeat(5 * 1024 * 1024)));
    }
    let huge = serde_json::to_vec(&huge).expect("JSON");
    expect_decode(api, "huge body", serve(200, json, huge.clone()), 200, "cap");
    stub.chunked.store(true, Ordering::SeqCst);
    let chunked = serve(200, json, huge);
    stub.chunked.store(false, Ordering::SeqCst);
    expect_decode(api, "huge chunked body", chunked, 200, "cap");

    // A status value this client has never seen parses, and survives a round trip.
    match serve(
        200,
        json,
        with(&valid, cat.status, Some(json!("brand_new_status"))),
    ) {
        Outcome::Ok(value) => {
            let status_field = cat.status.rsplit('/').next().unwrap_or_default();
            let found = pointers(&value)
                .into_iter()
                .filter(|p| p.ends_with(&format!("/{status_field}")))
                .any(|p| value.pointer(&p) == Some(&json!("brand_new_status")));
            assert!(found, "{api}: the unknown status did not survive: {value}");
            println!("{api} unknown enum value: parsed and kept");
        }
        other => panic!("{api}: an unknown enum value must parse, got {other:?}"),
    }

    // The provider's documented error keeps its status and its typed body.
    let (status, error) = cat.error;
    match serve(status, json, fixture(error)) {
        Outcome::Err {
            status: got,
            kind: "Api",
            ..
        } => assert_eq!(got, Some(status), "{api} documented error"),
        other => panic!("{api}: documented error {status} must be Api, got {other:?}"),
    }
}

#[test]
fn catalogue_of_hostile_replies() {
    let rt = runtime();

    let (url, stub) = rt.block_on(start_stub(None));
    run_catalogue(
        &rt,
        &stub,
        Catalogue {
            api: "xpay",
            client: xpay_client_for(&url),
            get: |c| {
                Box::pin(async move { sent(c.get_checkout_session().id("cs_1").send().await) })
            },
            valid: "xpay-client/tests/fixtures/platform/heldout_checkout_session_full.json",
            error: (
                404,
                "xpay-client/tests/fixtures/platform/error_parameter_missing.json",
            ),
            id: "/id",
            status: "/status",
        },
    );

    let (url, stub) = rt.block_on(start_stub(None));
    run_catalogue(
        &rt,
        &stub,
        Catalogue {
            api: "xstak",
            client: xstak_client_for(&url),
            get: |c| {
                Box::pin(async move {
                    use xpay_client::xstak::EnvelopeExt;
                    outcome(
                        c.retrieve_payment_intent()
                            .pi_id("xpay_pi_1")
                            .send()
                            .await
                            .data(),
                    )
                })
            },
            valid: "xpay-client/tests/fixtures/xstak/checkout_response.json",
            error: (
                400,
                "xpay-client/tests/fixtures/xstak/heldout_error_success_false.json",
            ),
            id: "/data/_id",
            status: "/data/pi_status",
        },
    );

    let (url, stub) = rt.block_on(start_stub(Some(collect_token())));
    run_catalogue(
        &rt,
        &stub,
        Catalogue {
            api: "collect",
            client: collect_client_for(&url),
            get: |c| Box::pin(async move { outcome(c.get_collection("SCI0000000000001").await) }),
            valid: "collect-client/tests/fixtures/heldout/get_collection.completed.json",
            error: (
                409,
                "collect-client/tests/fixtures/heldout/error.duplicate_reference.json",
            ),
            id: "/data/collectionId",
            status: "/data/status",
        },
    );

    let (url, stub) = rt.block_on(start_stub(None));
    run_catalogue(
        &rt,
        &stub,
        Catalogue {
            api: "payfect",
            client: payfect_client_for(&url),
            get: |c| {
                Box::pin(async move { sent(c.retrieve_checkout().id("ed8d24aa").send().await) })
            },
            valid: "payfect-client/tests/fixtures/checkout_response.json",
            error: (404, "payfect-client/tests/fixtures/error_404.json"),
            id: "/id",
            status: "/status",
        },
    );
}

/// Provider-level lies the hand-written layers catch: XStak's `success: false` under HTTP 200
/// and FYATU amounts that break `netAmount = amount − fee` are errors that keep the 200.
#[test]
fn envelope_failures_under_200_keep_their_status() {
    let rt = runtime();
    let (url, stub) = rt.block_on(start_stub(None));
    stub.set(Reply {
        status: 200,
        content_type: Some("application/json"),
        body: Bytes::from(fixture(
            "xpay-client/tests/fixtures/xstak/heldout_error_success_false.json",
        )),
    });
    let client = xstak_client_for(&url);
    let out = rt.block_on(async move {
        use xpay_client::xstak::EnvelopeExt;
        outcome(
            client
                .retrieve_payment_intent()
                .pi_id("xpay_pi_1")
                .send()
                .await
                .data(),
        )
    });
    assert!(
        matches!(
            &out,
            Outcome::Err {
                status: Some(200),
                kind: "Api",
                ..
            }
        ),
        "{out:?}"
    );

    let (url, stub) = rt.block_on(start_stub(Some(collect_token())));
    let valid = fixture_json("collect-client/tests/fixtures/heldout/get_collection.completed.json");
    stub.set(Reply {
        status: 200,
        content_type: Some("application/json"),
        body: Bytes::from(with(&valid, "/data/netAmount", Some(json!(1_000_000)))),
    });
    let client = collect_client_for(&url);
    let out = rt.block_on(async move { outcome(client.get_collection("SCI0000000000001").await) });
    assert!(
        matches!(
            &out,
            Outcome::Err {
                status: Some(200),
                kind: "Decode",
                ..
            }
        ),
        "{out:?}"
    );
}

/// The sandbox's own HTML and truncated-JSON faults, on real routes of each API: reads and
/// creates fail with `Decode` keeping the status; a read behind one HTML 503 recovers through
/// the retry policy (a GET is safe to repeat).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_html_and_truncated_faults_on_real_routes() {
    use paygate_sandbox::{Api, Fault, FaultKind, Sandbox};
    use secrecy::ExposeSecret;
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let creds = sandbox.creds().clone();
    let fast = RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .per_attempt_timeout(Duration::from_secs(5));

    let check = |api: &str, case: &str, out: Outcome, status: u16| {
        expect_decode(api, case, out, status, "not JSON");
    };

    // XPay platform: a customer.
    let xp = xpay_client::platform::Client::builder(creds.xpay_platform_secret_key.clone())
        .base_url(sandbox.base_url(Api::XpayPlatform))
        .retry(RetryPolicy::none())
        .build()
        .expect("valid configuration");
    let body = xpay_client::platform::types::CreateCustomerRequest::builder()
        .email(Some("hostile@example.com".to_string()));
    let customer = xp
        .create_customer()
        .body(body)
        .send()
        .await
        .expect("create")
        .into_inner();
    let get = format!("/xpay/customers/{}", customer.id);
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::Html { status: 503 }).times(1));
    check(
        "xpay",
        "HTML 503 on GET",
        sent(xp.get_customer().id(&customer.id).send().await),
        503,
    );
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::TruncatedJson).times(1));
    check(
        "xpay",
        "truncated GET",
        sent(xp.get_customer().id(&customer.id).send().await),
        200,
    );
    sandbox
        .faults()
        .add(Fault::new("/xpay/customers", FaultKind::TruncatedJson).times(1));
    let body = xpay_client::platform::types::CreateCustomerRequest::builder()
        .email(Some("hostile2@example.com".to_string()));
    let truncated = sent(xp.create_customer().body(body).send().await);
    match &truncated {
        Outcome::Err {
            status: Some(s),
            kind: "Decode",
            ..
        } if (200..300).contains(s) => {}
        other => panic!("xpay truncated create: {other:?}"),
    }
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::Html { status: 503 }).times(1));
    let recovered = sent(
        xp.with_retry(fast.clone())
            .get_customer()
            .id(&customer.id)
            .send()
            .await,
    );
    assert!(
        matches!(recovered, Outcome::Ok(_)),
        "xpay: a GET behind one HTML 503: {recovered:?}"
    );

    // XStak: a checkout link, read back as an intent.
    let xs = xpay_client::xstak::Client::staging(xpay_client::xstak::Credentials::new(
        creds.xstak_api_key.clone(),
        creds.xstak_account_id.clone(),
        creds.xstak_api_hmac_secret.clone(),
    ))
    .base_url(sandbox.base_url(Api::Xstak))
    .retry(RetryPolicy::none())
    .build()
    .expect("valid XStak settings");
    let request = xs_ops::checkout_request();
    let intent = {
        use xpay_client::xstak::EnvelopeExt;
        xs.create_checkout_link()
            .body(request)
            .send()
            .await
            .data()
            .expect("create")
    };
    let get = format!("/xstak/public/v1/payment/intent/{}", intent.id);
    let read = |xs: xpay_client::xstak::Client, id: String| async move {
        use xpay_client::xstak::EnvelopeExt;
        outcome(xs.retrieve_payment_intent().pi_id(id).send().await.data())
    };
    let intent_path = sandbox.faults().add(
        Fault::new(
            "/xstak/public/v1/payment/intent/**",
            FaultKind::Html { status: 502 },
        )
        .times(1),
    );
    let out = read(xs.clone(), intent.id.clone()).await;
    if sandbox.faults().remove(intent_path) {
        panic!("xstak: the fault on {get} never fired (wrong path?): {out:?}");
    }
    check("xstak", "HTML 502 on GET", out, 502);
    sandbox.faults().add(
        Fault::new(
            "/xstak/public/v1/payment/intent/**",
            FaultKind::TruncatedJson,
        )
        .times(1),
    );
    check(
        "xstak",
        "truncated GET",
        read(xs.clone(), intent.id.clone()).await,
        200,
    );

    // Collect: a collection.
    let co = collect_client::CollectClient::builder(
        creds.collect_app_id.clone(),
        creds.collect_secret_key.expose_secret(),
    )
    .base_url(sandbox.base_url(Api::Collect))
    .retry(RetryPolicy::none())
    .build()
    .expect("valid configuration");
    let created = co
        .create_collection(&collect_client::NewCollection::new(
            rust_decimal::Decimal::new(2500, 2),
            "HOSTILE-1",
            "Hostile",
        ))
        .await
        .expect("create");
    let get = format!("/collect/api/v3/collections/{}", created.collection_id());
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::Html { status: 502 }).times(1));
    check(
        "collect",
        "HTML 502 on GET",
        outcome(co.get_collection(created.collection_id()).await),
        502,
    );
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::TruncatedJson).times(1));
    check(
        "collect",
        "truncated GET",
        outcome(co.get_collection(created.collection_id()).await),
        200,
    );

    // Payfect: a checkout.
    let pf = payfect_client::Client::builder(creds.payfect_api_key.expose_secret())
        .base_url(sandbox.base_url(Api::Payfect))
        .retry(RetryPolicy::none())
        .build()
        .expect("valid configuration");
    let checkout = pf
        .create_checkout()
        .body(pf_ops::checkout_request())
        .send()
        .await
        .expect("create")
        .into_inner();
    let get = format!("/payfect/api/v1/checkouts/{}/", checkout.id);
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::Html { status: 500 }).times(1));
    check(
        "payfect",
        "HTML 500 on GET",
        sent(pf.retrieve_checkout().id(checkout.id.clone()).send().await),
        500,
    );
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::TruncatedJson).times(1));
    check(
        "payfect",
        "truncated GET",
        sent(pf.retrieve_checkout().id(checkout.id.clone()).send().await),
        200,
    );
    sandbox
        .faults()
        .add(Fault::new("/payfect/api/v1/checkouts/", FaultKind::TruncatedJson).times(1));
    match sent(
        pf.create_checkout()
            .body(pf_ops::checkout_request())
            .send()
            .await,
    ) {
        Outcome::Err {
            status: Some(s),
            kind: "Decode",
            ..
        } if (200..300).contains(&s) => {}
        other => panic!("payfect truncated create: {other:?}"),
    }
    sandbox.shutdown().await;
}
