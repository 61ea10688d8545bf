//! Secrets stay secret, and calls stay observable.
//!
//! One tour across the four APIs, with faults: create, settle, verify the webhook, retrieve,
//! refund where the API has refunds, and calls that fail (unknown ids, wrong keys, HTML pages,
//! dropped connections). Everything `tracing` emits at TRACE level (and `log` records, bridged)
//! is captured, together with the `Debug` and `Display` text of every client, builder,
//! credential, verifier, request builder, response, event and error the tour touches. No secret
//! may appear in any of it: the sandbox's keys and webhook secrets, the Fernet key, the wrong
//! keys the tour tries, XStak's `pi_client_secret`s, and any JWT (Collect's access tokens).
//!
//! The same capture must show each call's `gateway.call` span with its API, operation id,
//! attempts and status, and a `gateway.attempt` event per attempt with its number, status and
//! duration, so the test fails if that tracing disappears.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use http::Method;
use paygate_runtime::{ExposeSecret, RetryPolicy};
use paygate_sandbox::{Api, Fault, FaultKind, Outcome, Sandbox};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt;

// ------------------------------------------------------------------------------------------
// Capturing everything
// ------------------------------------------------------------------------------------------

/// Where every trace line goes.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

/// A TRACE-level subscriber for the whole test binary, with span lifecycle events (so the
/// fields recorded when a call ends are printed too) and `log` records bridged in.
fn capture() -> &'static Buffer {
    static BUFFER: OnceLock<Buffer> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer = Buffer::default();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(FmtSpan::FULL)
            .with_ansi(false)
            .with_target(true)
            .with_writer(buffer.clone())
            .finish()
            .try_init()
            .expect("the only subscriber of this test binary");
        buffer
    })
}

/// `Debug` and `Display` text of what the tour touches, and whether it is a value the API
/// returned (which may legitimately carry a per-resource secret such as XStak's
/// `pi_client_secret`) or anything else (clients, builders, credentials, verifiers, errors).
#[derive(Default)]
struct Seen(Vec<(String, bool, String)>);

impl Seen {
    fn push(&mut self, what: &str, returned: bool, value: &dyn std::fmt::Debug) {
        self.0
            .push((what.to_string(), returned, format!("{value:?}")));
        self.0
            .push((what.to_string(), returned, format!("{value:#?}")));
    }

    fn debug(&mut self, what: &str, value: &dyn std::fmt::Debug) {
        self.push(what, false, value);
    }

    fn both<T: std::fmt::Debug + std::fmt::Display>(&mut self, what: &str, value: &T) {
        self.push(what, false, value);
        self.0.push((what.to_string(), false, value.to_string()));
    }

    /// A result: the value's `Debug`, or the error's `Debug` and `Display`.
    fn result<T: std::fmt::Debug, E: std::fmt::Debug + std::fmt::Display>(
        &mut self,
        what: &str,
        result: &Result<T, E>,
    ) {
        match result {
            Ok(v) => self.push(what, true, v),
            Err(e) => self.both(what, e),
        }
    }

    /// A value the sandbox returned (`settle`), like an API reply.
    fn returned(&mut self, what: &str, value: &dyn std::fmt::Debug) {
        self.push(what, true, value);
    }
}

/// The secret strings and, for long ones, their last 16 characters (a truncated leak is a
/// leak too).
fn needles(secrets: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for s in secrets {
        if s.is_empty() {
            continue;
        }
        out.push(s.clone());
        let chars: Vec<char> = s.chars().collect();
        if chars.len() > 20 {
            out.push(chars[chars.len() - 16..].iter().collect());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every JWT starts with a base64url JSON header: `eyJ` is `{"`. Collect's tokens are JWTs, so
/// any `eyJ….eyJ…` in the output is a token, whichever one.
fn contains_jwt(text: &str) -> bool {
    text.match_indices("eyJ").any(|(i, _)| {
        let rest = &text[i..];
        let head: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        rest[head.len()..].starts_with(".eyJ")
    })
}

// ------------------------------------------------------------------------------------------
// Webhook receiver
// ------------------------------------------------------------------------------------------

type Received = Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>;

/// One merchant endpoint for all four APIs; the path says which.
async fn receiver(sandbox: &Sandbox) -> Received {
    let got: Received = Arc::default();
    let recorded = got.clone();
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
            let recorded = recorded.clone();
            async move {
                recorded.lock().unwrap_or_else(|p| p.into_inner()).push((
                    uri.path().to_string(),
                    headers,
                    body,
                ));
                StatusCode::OK
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    for api in Api::ALL {
        sandbox.set_webhook_receiver(Some(api), format!("{base}/hooks/{}", api.as_str()));
    }
    got
}

async fn delivered(got: &Received, api: Api, n: usize) -> Vec<(HeaderMap, Bytes)> {
    let path = format!("/hooks/{}", api.as_str());
    for _ in 0..1000 {
        let found: Vec<(HeaderMap, Bytes)> = got
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(p, _, _)| *p == path)
            .map(|(_, h, b)| (h.clone(), b.clone()))
            .collect();
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("fewer than {n} {api} webhooks arrived");
}

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(1500))
        .per_attempt_timeout(Duration::from_secs(5))
}

fn once(path: &str, method: Method, kind: FaultKind) -> Fault {
    Fault::new(path, kind).method(method).times(1)
}

// ------------------------------------------------------------------------------------------
// The tour
// ------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_trace_debug_or_display_output() {
    let buffer = capture();
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let got = receiver(&sandbox).await;
    let creds = sandbox.creds().clone();
    let mut seen = Seen::default();
    let mut secrets: Vec<String> = creds.secret_values();
    seen.debug("sandbox credentials", &creds);
    seen.debug("sandbox", &sandbox);

    xpay_tour(&sandbox, &got, &mut seen, &mut secrets).await;
    let mut url_secrets = Vec::new();
    xstak_tour(&sandbox, &got, &mut seen, &mut secrets, &mut url_secrets).await;
    collect_tour(&sandbox, &got, &mut seen, &mut secrets).await;
    payfect_tour(&sandbox, &got, &mut seen, &mut secrets).await;
    sandbox
        .webhooks()
        .wait_idle(Duration::from_secs(10))
        .await
        .ok();
    sandbox.shutdown().await;

    let traces = buffer.text();
    // For a look at what is captured: HYGIENE_TRACES=/tmp/traces.txt cargo test …
    if let Some(path) = std::env::var_os("HYGIENE_TRACES") {
        std::fs::write(path, &traces).expect("write the traces");
    }
    let url_needles = needles(&url_secrets);
    let needles = needles(&secrets);
    assert!(
        needles.len() >= 12,
        "the secrets to look for: {}",
        needles.len()
    );
    assert!(!url_needles.is_empty(), "no pi_client_secret to look for");
    let mut leaks = Vec::new();
    for (needle, anywhere) in needles
        .iter()
        .map(|n| (n, true))
        .chain(url_needles.iter().map(|n| (n, false)))
    {
        if let Some(line) = traces.lines().find(|l| l.contains(needle.as_str())) {
            leaks.push(format!("trace line: {line}"));
        }
        for (what, returned, text) in &seen.0 {
            if (anywhere || !returned) && text.contains(needle.as_str()) {
                leaks.push(format!("{what}: {text}"));
            }
        }
    }
    if let Some(line) = traces.lines().find(|l| contains_jwt(l)) {
        leaks.push(format!("a JWT in a trace line: {line}"));
    }
    for (what, _, text) in &seen.0 {
        if contains_jwt(text) {
            leaks.push(format!("a JWT in {what}: {text}"));
        }
    }
    let scanned: usize = seen.0.iter().map(|(_, _, t)| t.len()).sum();
    println!(
        "scanned {} trace lines ({} bytes) and {} Debug/Display strings ({scanned} bytes) for {} \
         secret values (+{} URL secrets): {} leaks",
        traces.lines().count(),
        traces.len(),
        seen.0.len(),
        needles.len(),
        url_needles.len(),
        leaks.len()
    );
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));

    assert_observable(&traces);
}

/// The call spans and attempt events are there, with their fields, for every API; a retried
/// call shows its second attempt.
fn assert_observable(traces: &str) {
    let calls: Vec<&str> = traces
        .lines()
        .filter(|l| l.contains("gateway.call{"))
        .collect();
    for (api, operation) in [
        ("xpay", "create_customer"),
        ("xstak", "create_checkout_link"),
        ("collect", "create_collection"),
        ("payfect", "create_checkout"),
    ] {
        let of_call: Vec<&&str> = calls
            .iter()
            .filter(|l| {
                field(l, "api").as_deref() == Some(api)
                    && field(l, "operation_id").as_deref() == Some(operation)
            })
            .collect();
        assert!(
            !of_call.is_empty(),
            "no gateway.call span for {api} {operation}"
        );
        let attempt = of_call
            .iter()
            .find(|l| l.contains("gateway.attempt"))
            .unwrap_or_else(|| panic!("no gateway.attempt event in {api} {operation}"));
        for name in ["attempt", "duration_ms"] {
            assert!(field(attempt, name).is_some(), "{name} missing: {attempt}");
        }
        assert!(
            of_call
                .iter()
                .any(|l| l.contains("gateway.attempt") && field(l, "status").is_some()),
            "no attempt of {api} {operation} records a status"
        );
        // When the call ends its span carries the outcome: attempts made, final status.
        assert!(
            of_call.iter().any(|l| l.contains(" close")
                && field(l, "attempts").is_some()
                && field(l, "status").is_some()),
            "the closed span of {api} {operation} has no attempts/status"
        );
    }
    // The XPay create met a dropped connection first: its retry is visible.
    assert!(
        calls.iter().any(|l| {
            field(l, "operation_id").as_deref() == Some("create_customer")
                && l.contains("gateway.attempt")
                && field(l, "attempt").as_deref() == Some("2")
                && field(l, "status").as_deref() == Some("200")
        }),
        "the retried create_customer shows no second attempt"
    );
    println!(
        "observability: {} lines inside gateway.call spans",
        calls.len()
    );
}

/// `name=value` or `name="value"` in a formatted trace line.
fn field(line: &str, name: &str) -> Option<String> {
    let pattern = format!("{name}=");
    let mut from = 0;
    while let Some(i) = line[from..].find(&pattern) {
        let at = from + i;
        let boundary = at == 0
            || !line[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if boundary {
            let value = &line[at + pattern.len()..];
            let value = value.strip_prefix('"').map_or_else(
                || value.split([' ', '}', ',', ':']).next().unwrap_or(""),
                |quoted| quoted.split('"').next().unwrap_or(""),
            );
            return Some(value.to_string());
        }
        from = at + pattern.len();
    }
    None
}

async fn xpay_tour(sandbox: &Sandbox, got: &Received, seen: &mut Seen, secrets: &mut Vec<String>) {
    use xpay_client::platform::webhook::Verifier;
    use xpay_client::platform::{Client, types};
    let creds = sandbox.creds();
    let builder = Client::builder(creds.xpay_platform_secret_key.clone())
        .base_url(sandbox.base_url(Api::XpayPlatform))
        .retry(policy());
    seen.debug("xpay builder", &builder);
    let client = builder.build().expect("valid configuration");
    seen.debug("xpay client", &client);

    // A customer, whose first reply is lost after the commit.
    sandbox.faults().add(once(
        "/xpay/customers",
        Method::POST,
        FaultKind::DropConnection,
    ));
    let request = client.create_customer().body(
        types::CreateCustomerRequest::builder()
            .email(Some("hygiene@example.com".to_string()))
            .name(Some("Hygiene".to_string())),
    );
    seen.debug("xpay request builder", &request);
    let customer = request.send().await;
    seen.result("xpay create_customer", &customer);
    let customer = customer.expect("created after a retry");

    // A product with a price, a session, paid; the webhook verified.
    let product = client
        .create_product()
        .body(
            types::CreateProductRequest::builder()
                .name("Hygiene course")
                .default_price_data(Some(
                    types::CreatePriceRequest::builder()
                        .currency("EGP")
                        .unit_amount(150_000)
                        .type_(types::PriceType::OneTime)
                        .try_into()
                        .expect("a complete price"),
                )),
        )
        .send()
        .await;
    seen.result("xpay create_product", &product);
    let product = product.expect("product");
    let price = product
        .default_price_id
        .clone()
        .flatten()
        .expect("a default price");
    let session = client
        .create_checkout_session()
        .body(
            types::CreateCheckoutSessionRequest::builder()
                .after_completion(types::AfterCompletion {
                    type_: types::AfterCompletionType::Redirect,
                    redirect: Some(types::AfterCompletionRedirect {
                        url: "https://shop.example/thanks".into(),
                    }),
                    hosted_confirmation: None,
                })
                .line_items(vec![types::LineItemInput {
                    price: Some(price),
                    price_data: None,
                    quantity: std::num::NonZeroU64::MIN,
                    adjustable_quantity: None,
                }])
                .customer_id(Some(customer.id.clone())),
        )
        .send()
        .await;
    seen.result("xpay create_checkout_session", &session);
    let session = session.expect("session");
    let settled = sandbox.settle(Api::XpayPlatform, &session.id, Outcome::Complete);
    seen.returned("xpay settle", &settled);
    let verifier = Verifier::new(creds.xpay_platform_webhook_secret.clone()).expect("a secret");
    seen.debug("xpay verifier", &verifier);
    let (headers, body) = delivered(got, Api::XpayPlatform, 1).await.remove(0);
    let event = verifier.construct_event(&body, &headers);
    seen.result("xpay webhook", &event);
    event.expect("the webhook verifies");
    let forged =
        Verifier::new("whsec_not_the_secret").and_then(|v| v.construct_event(&body, &headers));
    seen.result("xpay forged webhook", &forged);
    assert!(forged.is_err());

    // Read back behind an HTML 502 (retried: a GET is safe), then refund.
    sandbox.faults().add(once(
        &format!("/xpay/checkout/sessions/{}", session.id),
        Method::GET,
        FaultKind::Html { status: 502 },
    ));
    let paid = client.get_checkout_session().id(&session.id).send().await;
    seen.result("xpay get_checkout_session", &paid);
    let intent = paid
        .expect("read back")
        .payment_intent_id
        .clone()
        .flatten()
        .expect("paid through an intent");
    let refund = client
        .create_refund()
        .body(types::CreateRefundRequest {
            payment_intent_id: Some(intent),
            charge_id: None,
            amount: std::num::NonZeroU64::new(50_000),
            reason: Some(types::RefundReason::RequestedByCustomer),
            description: None,
            metadata: Default::default(),
        })
        .send()
        .await;
    seen.result("xpay create_refund", &refund);
    refund.expect("refund");

    // Failing calls: an unknown id, an HTML page with retries off, a wrong key.
    let missing = client.get_customer().id("cus_test_missing").send().await;
    seen.result("xpay get_customer (missing)", &missing);
    assert_eq!(
        missing.expect_err("404").status(),
        Some(StatusCode::NOT_FOUND)
    );
    sandbox.faults().add(once(
        "/xpay/customers",
        Method::GET,
        FaultKind::Html { status: 503 },
    ));
    let html = client
        .with_retry(RetryPolicy::none())
        .list_customers()
        .send()
        .await;
    seen.result("xpay list_customers (HTML)", &html);
    assert_eq!(
        html.expect_err("503").status(),
        Some(StatusCode::SERVICE_UNAVAILABLE)
    );
    let wrong_key = "sk_test_wrong_key_for_hygiene_0000001".to_string();
    secrets.push(wrong_key.clone());
    let wrong = Client::builder(wrong_key)
        .base_url(sandbox.base_url(Api::XpayPlatform))
        .build()
        .expect("valid configuration");
    seen.debug("xpay client (wrong key)", &wrong);
    let denied = wrong.list_customers().send().await;
    seen.result("xpay list_customers (wrong key)", &denied);
    assert_eq!(
        denied.expect_err("401").status(),
        Some(StatusCode::UNAUTHORIZED)
    );
}

/// `url_secrets`: values that travel in URLs (XStak's `pi_client_secret` in the capture and
/// void query) and must stay out of traces and errors, though the intent object carries them.
async fn xstak_tour(
    sandbox: &Sandbox,
    got: &Received,
    seen: &mut Seen,
    secrets: &mut Vec<String>,
    url_secrets: &mut Vec<String>,
) {
    use xpay_client::xstak::webhook::Verifier as WebhookVerifier;
    use xpay_client::xstak::{Client, Credentials, EnvelopeExt, types};
    let creds = sandbox.creds();
    let credentials = Credentials::new(
        creds.xstak_api_key.clone(),
        creds.xstak_account_id.clone(),
        creds.xstak_api_hmac_secret.clone(),
    );
    seen.debug("xstak credentials", &credentials);
    let builder = Client::staging(credentials)
        .base_url(sandbox.base_url(Api::Xstak))
        .retry(policy())
        .retry_writes_with_idempotency_key(true);
    seen.debug("xstak builder", &builder);
    let client = builder.build().expect("valid XStak settings");
    seen.debug("xstak client", &client);

    // A checkout link whose first attempt meets a 502, retried with the same key.
    sandbox.faults().add(once(
        "/xstak/public/v1/payment/checkout",
        Method::POST,
        FaultKind::Status { status: 502 },
    ));
    let request: types::CheckoutRequest = serde_json::from_value(json!({
        "amount": 2500,
        "currency": "PKR",
        "customer": {"name": "Ali", "email": "ali@example.pk"},
        "metadata": {"order_reference": "hygiene-1"},
        "success_url": "https://shop.example.pk/paid",
        "failure_url": "https://shop.example.pk/failed"
    }))
    .expect("a valid request");
    let builder = client.create_checkout_link().body(request);
    seen.debug("xstak request builder", &builder);
    let link = builder.send().await.data();
    seen.result("xstak create_checkout_link", &link);
    let link = link.expect("created");
    if let Some(s) = &link.pi_client_secret {
        url_secrets.push(s.expose_secret().to_owned());
    }

    let settled = sandbox.settle(Api::Xstak, &link.id, Outcome::Complete);
    seen.returned("xstak settle", &settled);
    let verifier = WebhookVerifier::new(creds.xstak_webhook_hmac_secret.clone()).expect("a secret");
    seen.debug("xstak verifier", &verifier);
    let (headers, body) = delivered(got, Api::Xstak, 1).await.remove(0);
    let event = verifier.construct_event(&body, &headers);
    seen.result("xstak webhook", &event);
    event.expect("the webhook verifies");

    let read = client
        .retrieve_payment_intent()
        .pi_id(&link.id)
        .send()
        .await
        .data();
    seen.result("xstak retrieve_payment_intent", &read);
    read.expect("read back");
    let refund = client
        .create_refund()
        .body(types::RefundRequest {
            payment_intent_id: link.id.clone(),
            refunded_amount: paygate_runtime::JsonDecimal(rust_decimal::Decimal::new(500, 0)),
            reason: Some("hygiene".into()),
        })
        .send()
        .await
        .data();
    seen.result("xstak create_refund", &refund);
    refund.expect("refund");

    // Failing calls carrying a pi_client_secret in the URL: capturing an intent that is not
    // authorized, and voiding a paid one.
    for (what, result) in [
        (
            "xstak capture (not authorized)",
            client
                .capture_payment_intent()
                .pi_client_secret(
                    link.pi_client_secret
                        .as_ref()
                        .map(|s| s.expose_secret().to_owned())
                        .unwrap_or_default(),
                )
                .body(types::CaptureRequest { amount: None })
                .send()
                .await
                .data(),
        ),
        (
            "xstak void (paid)",
            client
                .void_payment_intent()
                .pi_client_secret(
                    link.pi_client_secret
                        .as_ref()
                        .map(|s| s.expose_secret().to_owned())
                        .unwrap_or_default(),
                )
                .body(types::VoidRequest::default())
                .send()
                .await
                .data(),
        ),
    ] {
        seen.result(what, &result);
        assert!(result.is_err(), "{what} should fail");
    }
    // A lost reply with the key not trusted: outcome unknown, not repeated.
    sandbox.faults().add(once(
        "/xstak/public/v1/payment/checkout",
        Method::POST,
        FaultKind::DropConnection,
    ));
    let cautious = Client::staging(Credentials::new(
        creds.xstak_api_key.clone(),
        creds.xstak_account_id.clone(),
        creds.xstak_api_hmac_secret.clone(),
    ))
    .base_url(sandbox.base_url(Api::Xstak))
    .retry(policy())
    .build()
    .expect("valid XStak settings");
    let request: types::CheckoutRequest = serde_json::from_value(json!({
        "amount": 10,
        "currency": "PKR",
        "customer": {"name": "Ali"},
        "success_url": "https://shop.example.pk/paid",
        "failure_url": "https://shop.example.pk/failed"
    }))
    .expect("a valid request");
    let unknown = cautious
        .create_checkout_link()
        .body(request)
        .send()
        .await
        .data();
    seen.result("xstak create_checkout_link (dropped)", &unknown);
    assert!(unknown.expect_err("dropped").outcome_unknown());
    let missing = client
        .retrieve_payment_intent()
        .pi_id("xpay_pi_missing")
        .send()
        .await
        .data();
    seen.result("xstak retrieve (missing)", &missing);
    assert!(missing.is_err());
    let wrong_hmac = "xstak_wrong_hmac_secret_for_hygiene_01".to_string();
    secrets.push(wrong_hmac.clone());
    let forged = Client::staging(Credentials::new(
        creds.xstak_api_key.clone(),
        creds.xstak_account_id.clone(),
        wrong_hmac,
    ))
    .base_url(sandbox.base_url(Api::Xstak))
    .build()
    .expect("valid XStak settings");
    let request: types::CheckoutRequest = serde_json::from_value(json!({
        "amount": 10,
        "currency": "PKR",
        "customer": {"name": "Ali"},
        "success_url": "https://shop.example.pk/paid",
        "failure_url": "https://shop.example.pk/failed"
    }))
    .expect("a valid request");
    let refused = forged
        .create_checkout_link()
        .body(request)
        .send()
        .await
        .data();
    seen.result("xstak create_checkout_link (wrong HMAC secret)", &refused);
    assert!(refused.is_err());
}

async fn collect_tour(
    sandbox: &Sandbox,
    got: &Received,
    seen: &mut Seen,
    secrets: &mut Vec<String>,
) {
    use collect_client::webhook::Verifier as WebhookVerifier;
    use collect_client::{CollectClient, NewCollection, NewRefund, ResponseExt, types};
    use rust_decimal::Decimal;
    let creds = sandbox.creds();
    let builder = CollectClient::builder(
        creds.collect_app_id.clone(),
        creds.collect_secret_key.expose_secret(),
    )
    .base_url(sandbox.base_url(Api::Collect))
    .retry(policy());
    seen.debug("collect builder", &builder);
    let client = builder.build().expect("valid configuration");
    seen.debug("collect client", &client);

    // A token of our own, to look for in the output (the client's cached one is caught by
    // the JWT pattern).
    let own = client
        .raw()
        .create_token()
        .body(types::TokenRequest {
            app_id: types::AppId::try_from(creds.collect_app_id.as_str()).expect("app id"),
            secret_key: creds.collect_secret_key.expose_secret().into(),
            grant_type: types::GrantType::ClientCredentials,
        })
        .send()
        .await
        .data();
    seen.result("collect create_token", &own);
    let token = own
        .expect("a token")
        .access_token
        .expose_secret()
        .to_string();
    assert!(
        contains_jwt(&token),
        "the JWT pattern must match a real token"
    );
    secrets.push(token);

    // A collection whose first reply is lost: resolved through its orderId.
    sandbox.faults().add(once(
        "/collect/api/v3/collections",
        Method::POST,
        FaultKind::DropConnection,
    ));
    let created = client
        .create_collection(&NewCollection::new(
            Decimal::new(2500, 2),
            "HYGIENE-1",
            "Hygiene",
        ))
        .await;
    seen.result("collect create_collection", &created);
    let created = created.expect("created");
    assert!(created.is_existing(), "resolved through the orderId");

    let settled = sandbox.settle(Api::Collect, created.collection_id(), Outcome::Complete);
    seen.returned("collect settle", &settled);
    let verifier = WebhookVerifier::new(creds.collect_webhook_secret.clone()).expect("a secret");
    seen.debug("collect verifier", &verifier);
    let hooks = delivered(got, Api::Collect, 2).await;
    for (_, body) in &hooks {
        let event = verifier.construct_event(body, &Default::default());
        seen.result("collect webhook", &event);
        let event = event.expect("the webhook verifies");
        let confirmed = client.confirm_webhook(&event).await;
        seen.result("collect confirm_webhook", &confirmed);
        confirmed.expect("confirmed");
    }

    // Tokens revoked behind the client's back: it re-authenticates on its own.
    sandbox.collect().revoke_all_tokens();
    let read = client.get_collection(created.collection_id()).await;
    seen.result("collect get_collection", &read);
    read.expect("read after re-authentication");
    let refund = client
        .refund(
            created.collection_id(),
            &NewRefund::partial(Decimal::new(500, 2)),
        )
        .await;
    seen.result("collect refund", &refund);
    refund.expect("refund");

    let missing = client.get_collection("SCI_MISSING_0001").await;
    seen.result("collect get_collection (missing)", &missing);
    assert!(missing.is_err());
    let wrong_secret = "sk_test_wrong_collect_secret_hygiene".to_string();
    secrets.push(wrong_secret.clone());
    let wrong = CollectClient::builder(creds.collect_app_id.clone(), wrong_secret.as_str())
        .base_url(sandbox.base_url(Api::Collect))
        .build()
        .expect("valid configuration");
    seen.debug("collect client (wrong secret)", &wrong);
    let denied = wrong.authenticate().await;
    seen.result("collect authenticate (wrong secret)", &denied);
    assert!(denied.is_err());
}

async fn payfect_tour(
    sandbox: &Sandbox,
    got: &Received,
    seen: &mut Seen,
    secrets: &mut Vec<String>,
) {
    use payfect_client::webhook::Verifier as CallbackVerifier;
    use payfect_client::{Client, types};
    let creds = sandbox.creds();
    let builder = Client::builder(creds.payfect_api_key.clone())
        .base_url(sandbox.base_url(Api::Payfect))
        .retry(policy());
    seen.debug("payfect builder", &builder);
    let client = builder.build().expect("valid configuration");
    seen.debug("payfect client", &client);

    let request = || -> types::CreateCheckoutRequest {
        let mut request: types::CreateCheckoutRequest = serde_json::from_str(include_str!(
            "../../payfect-client/tests/fixtures/create_checkout_request.json"
        ))
        .expect("fixture parses");
        // The callback goes to the loopback receiver, not to the fixture's example.com.
        request.callback_url = None;
        request
    };
    // Rate-limited first: a 429 is retried even without an idempotency key.
    sandbox.faults().add(once(
        "/payfect/api/v1/checkouts/",
        Method::POST,
        FaultKind::RateLimit {
            retry_after_secs: 1,
        },
    ));
    let builder = client.create_checkout().body(request());
    seen.debug("payfect request builder", &builder);
    let checkout = builder.send().await;
    seen.result("payfect create_checkout", &checkout);
    let checkout = checkout.expect("created after the 429");

    let settled = sandbox.settle(Api::Payfect, &checkout.id, Outcome::Complete);
    seen.returned("payfect settle", &settled);
    let verifier = CallbackVerifier::new(creds.payfect_fernet_key.clone()).expect("a Fernet key");
    seen.debug("payfect verifier", &verifier);
    let (headers, body) = delivered(got, Api::Payfect, 1).await.remove(0);
    let callback = verifier.construct_event(&body, &headers);
    seen.result("payfect callback", &callback);
    callback.expect("the callback verifies");

    let read = client
        .retrieve_checkout()
        .id(checkout.id.clone())
        .send()
        .await;
    seen.result("payfect retrieve_checkout", &read);
    read.expect("read back");

    // A lost reply: outcome unknown, never re-sent (no idempotency key).
    sandbox.faults().add(once(
        "/payfect/api/v1/checkouts/",
        Method::POST,
        FaultKind::DropConnection,
    ));
    let lost = client.create_checkout().body(request()).send().await;
    seen.result("payfect create_checkout (dropped)", &lost);
    assert!(lost.expect_err("dropped").outcome_unknown());
    let missing = client
        .retrieve_checkout()
        .id("00000000-0000-0000-0000-000000000000")
        .send()
        .await;
    seen.result("payfect retrieve_checkout (missing)", &missing);
    assert!(missing.is_err());
    let wrong_key = "Hygiene1.wrongPayfectApiKey00000000001".to_string();
    secrets.push(wrong_key.clone());
    let wrong = Client::builder(wrong_key)
        .base_url(sandbox.base_url(Api::Payfect))
        .build()
        .expect("valid configuration");
    seen.debug("payfect client (wrong key)", &wrong);
    let denied = wrong.create_checkout().body(request()).send().await;
    seen.result("payfect create_checkout (wrong key)", &denied);
    assert_eq!(
        denied.expect_err("401").status(),
        Some(StatusCode::UNAUTHORIZED)
    );
}
