//! XStak: the provider's signature rule, a body altered after signing is refused, a re-formatted one is not.

use super::*;

/// Forwards to the sandbox, passing every request body through `alter` first: a
/// man-in-the-middle between a correctly signing client and the provider.
async fn tampering_proxy(target: String, alter: fn(&[u8]) -> Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    paygate_runtime::tls::install_default_provider();
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (http, target) = (http.clone(), target.clone());
            async move {
                let mut forward = http.request(method, format!("{target}{uri}"));
                for (name, value) in &headers {
                    if name != "host" && name != "content-length" {
                        forward = forward.header(name, value);
                    }
                }
                let reply = forward
                    .body(alter(&body))
                    .send()
                    .await
                    .expect("sandbox answers");
                let status = reply.status();
                let bytes = reply.bytes().await.expect("reply body");
                Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(bytes))
                    .expect("response")
                    .into_response()
            }
        },
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn the_sandbox_rejects_a_body_altered_after_signing() {
    let (sandbox, _client) = start().await;
    let upstream = format!("http://{}", sandbox.addr());

    // 5 rupees signed, 50 delivered.
    let proxy = tampering_proxy(upstream.clone(), |body| {
        String::from_utf8_lossy(body)
            .replacen(r#""amount":5,"#, r#""amount":50,"#, 1)
            .into_bytes()
    })
    .await;
    let err = client_at(&sandbox, &format!("{proxy}/xstak"))
        .create_checkout_link()
        .body(seed_request())
        .send()
        .await
        .data()
        .expect_err("tampered body refused");
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err:?}");
    assert_eq!(api_reason(&err), Some("Invalid signature."));

    // Re-formatting alone changes nothing XStak checks: it re-serializes before the HMAC.
    // (The seed has no braces or `","` inside its strings, so this only touches whitespace.)
    let proxy = tampering_proxy(upstream, |body| {
        String::from_utf8_lossy(body)
            .replace(r#"",""#, "\",\n  \"")
            .replace('{', "{ ")
            .into_bytes()
    })
    .await;
    let intent = client_at(&sandbox, &format!("{proxy}/xstak"))
        .create_checkout_link()
        .body(seed_request())
        .send()
        .await
        .data()
        .expect("whitespace-only changes pass");
    assert_eq!(intent.amount, Some(JsonDecimal(dec("5"))));
}
