//! Validly signed webhook deliveries for each API, and the verification a receiver runs on
//! them (signature check and typed parse, as each client's docs recommend).

use std::sync::Arc;

use paygate_runtime::{Clock, ManualClock};
use reqwest::header::{HeaderMap, HeaderValue};

use crate::fixtures;
use crate::ops::Api;

/// One delivery per API, with each client's verifier configured for it.
pub struct Deliveries {
    xpay_body: Vec<u8>,
    xpay_headers: HeaderMap,
    xpay: xpay_client::platform::webhook::Verifier,
    xstak_body: Vec<u8>,
    xstak_headers: HeaderMap,
    xstak: xpay_client::xstak::webhook::Verifier,
    collect_body: Vec<u8>,
    collect: collect_client::webhook::Verifier,
    payfect_body: Vec<u8>,
    payfect_headers: HeaderMap,
    payfect: payfect_client::webhook::Verifier,
}

impl Deliveries {
    pub fn new() -> Deliveries {
        // XPay platform: `XPay-Signature: t=…,v1=…` over "t.body"; the verifier's clock is
        // pinned to the signing time so the replay window never closes during a run.
        let now = chrono::Utc::now();
        let xpay_body = fixtures::XPAY_WEBHOOK.to_vec();
        let xpay_signature = xpay_client::platform::webhook::signature_header(
            fixtures::XPAY_WEBHOOK_SECRET,
            now.timestamp(),
            &xpay_body,
        );
        let xpay_headers = header(
            xpay_client::platform::webhook::SIGNATURE_HEADER,
            &xpay_signature,
        );
        let xpay = xpay_client::platform::webhook::Verifier::new(fixtures::XPAY_WEBHOOK_SECRET)
            .expect("a secret")
            .clock(Arc::new(ManualClock::new(now)) as Arc<dyn Clock>);

        // XStak: `x-signature` = hex HMAC-SHA256 of the body.
        let xstak_body = fixtures::XSTAK_WEBHOOK.to_vec();
        let mut xstak_headers = HeaderMap::new();
        let signature = paygate_runtime::signature::hmac_sha256_hex(
            fixtures::XSTAK_WEBHOOK_SECRET.as_bytes(),
            &xstak_body,
        );
        xstak_headers.insert(
            "x-signature",
            HeaderValue::from_str(&signature).expect("hex is a header value"),
        );
        let xstak = xpay_client::xstak::webhook::Verifier::new(fixtures::XSTAK_WEBHOOK_SECRET)
            .expect("a secret");

        // Collect: `sign` inside the body = hex HMAC-SHA256 of the `data` value's bytes.
        let collect = collect_client::webhook::Verifier::new(fixtures::COLLECT_WEBHOOK_SECRET)
            .expect("a secret");
        let event: serde_json::Value =
            serde_json::from_slice(fixtures::COLLECT_WEBHOOK).expect("collect webhook fixture");
        let data = serde_json::to_string(&event["data"]).expect("a JSON value serializes");
        let collect_body = format!(
            r#"{{"event":{},"version":"3.0","eventId":"6f1c2b9e-8d4a-4f3e-9b2a-1c5d7e9f0a1b","sign":"{}","data":{data}}}"#,
            event["event"],
            collect.sign(data.as_bytes()),
        )
        .into_bytes();

        // Payfect: `X-Payfect-Signature` = the body encrypted as a Fernet token.
        let payfect_body = fixtures::PAYFECT_CALLBACK.to_vec();
        let payfect_token = fernet::Fernet::new(fixtures::PAYFECT_CALLBACK_KEY)
            .expect("a valid Fernet key")
            .encrypt(&payfect_body);
        let payfect_headers = header(payfect_client::webhook::SIGNATURE_HEADER, &payfect_token);
        let payfect = payfect_client::webhook::Verifier::new(fixtures::PAYFECT_CALLBACK_KEY)
            .expect("a valid Fernet key");

        Deliveries {
            xpay_body,
            xpay_headers,
            xpay,
            xstak_body,
            xstak_headers,
            xstak,
            collect_body,
            collect,
            payfect_body,
            payfect_headers,
            payfect,
        }
    }

    /// Verifies and parses one delivery of `api`'s webhook; `Err` names what was refused.
    pub fn verify(&self, api: Api) -> Result<(), String> {
        match api {
            Api::Xpay => self
                .xpay
                .construct_event(&self.xpay_body, &self.xpay_headers)
                .map(drop)
                .map_err(|e| e.to_string()),
            Api::Xstak => self
                .xstak
                .construct_event(&self.xstak_body, &self.xstak_headers)
                .map(drop)
                .map_err(|e| e.to_string()),
            Api::Collect => self
                .collect
                .construct_event(&self.collect_body, &HeaderMap::new())
                .map(drop)
                .map_err(|e| e.to_string()),
            Api::Payfect => self
                .payfect
                .construct_event(&self.payfect_body, &self.payfect_headers)
                .map(drop)
                .map_err(|e| e.to_string()),
        }
    }

    /// The body of `api`'s delivery (for throughput in bytes).
    pub fn body(&self, api: Api) -> &[u8] {
        match api {
            Api::Xpay => &self.xpay_body,
            Api::Xstak => &self.xstak_body,
            Api::Collect => &self.collect_body,
            Api::Payfect => &self.payfect_body,
        }
    }
}

/// A header map with one header.
fn header(name: &'static str, value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(name, HeaderValue::from_str(value).expect("a header value"));
    headers
}

impl Default for Deliveries {
    fn default() -> Self {
        Deliveries::new()
    }
}
