//! Checkout links and payment intents: create, retrieve, capture and void.

use super::*;

/// Payment methods the hosted checkout offers.
const CHECKOUT_METHODS: [&str; 5] = ["card", "easypaisa", "jazzcash", "googlepay", "dqr"];

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl XstakSandbox {
    fn create(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        checkout: bool,
    ) -> Result<Response, Response> {
        self.authenticate(headers, Some(body))?;
        let intent = if checkout {
            let request: types::CheckoutRequest = serde_json::from_slice(body)
                .map_err(|e| bad_request(format!("Invalid request body: {e}")))?;
            Self::check_amount(&request.amount)?;
            // The URLs' form is the spec's pattern, checked before this handler runs.
            if let Some(m) = request
                .payment_methods
                .iter()
                .find(|m| !CHECKOUT_METHODS.contains(&m.as_str()))
            {
                return Err(bad_request(format!(
                    "Invalid payment method '{}'. Allowed: {}.",
                    m.as_str(),
                    CHECKOUT_METHODS.join(", ")
                )));
            }
            self.new_intent(
                request.amount,
                request.currency,
                &request.customer,
                request.shipping.as_ref(),
                request.metadata,
                types::CaptureMethod::Automatic,
                None,
                true,
            )
        } else {
            let request: types::PaymentIntentRequest = serde_json::from_slice(body)
                .map_err(|e| bad_request(format!("Invalid request body: {e}")))?;
            Self::check_amount(&request.amount)?;
            if !request.payment_method_types.is_known() {
                return Err(bad_request(format!(
                    "Invalid payment_method_types '{}'. Allowed: card, wallet.",
                    request.payment_method_types.as_str()
                )));
            }
            let capture = request
                .capture_method
                .unwrap_or(types::CaptureMethod::Automatic);
            if !capture.is_known() {
                return Err(bad_request(format!(
                    "Invalid capture_method '{}'. Allowed: automatic, manual.",
                    capture.as_str()
                )));
            }
            self.new_intent(
                request.amount,
                request.currency,
                &request.customer,
                request.shipping.as_ref(),
                request.metadata,
                capture,
                request.description,
                false,
            )
        }
        .map_err(|e| internal(&e))?;
        let reply = ok(&intent.object);
        if !reply.status().is_success() {
            // Nothing is stored when the reply cannot be written.
            return Err(reply);
        }
        let id = intent.object.id.clone();
        let mut store = self.store();
        if let Some(secret) = &intent.object.pi_client_secret {
            store
                .by_secret
                .insert(secret.expose_secret().to_owned(), id.clone());
        }
        for (_, evicted) in store.intents.insert(id, intent) {
            if let Some(secret) = &evicted.object.pi_client_secret {
                store.by_secret.remove(secret.expose_secret());
            }
        }
        Ok(reply)
    }

    /// What the spec can't say about an amount. "More than zero", the 3-letter currency, the
    /// non-blank name and "email or phone" are the spec's rules (`PositiveAmount`, `Customer`),
    /// checked before a handler runs.
    fn check_amount(amount: &JsonDecimal) -> Result<(), Response> {
        // XStak's server holds amounts in JavaScript numbers; one a double cannot hold
        // exactly could not be echoed back.
        if js::format_decimal(&amount.0).is_err() {
            return Err(bad_request("Amount is out of range."));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn new_intent(
        &self,
        amount: JsonDecimal,
        currency: String,
        customer: &types::Customer,
        shipping: Option<&types::Shipping>,
        metadata: Option<types::Metadata>,
        capture_method: types::CaptureMethod,
        description: Option<String>,
        checkout: bool,
    ) -> Result<Intent, BuildError> {
        let id = format!("xpay_pi_{}", random_hex(32));
        let secret = format!("{id}_cs_{}", random_hex(32));
        let metadata = metadata.unwrap_or_else(|| types::Metadata(Map::new()));
        let order_reference = metadata
            .get("order_reference")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let shipping = shipping.cloned().unwrap_or_default();
        let text = |s: Option<String>| Some(s.unwrap_or_default());
        let object = crate::build!(types::PaymentIntent {
            id: id.clone(),
            pi_client_secret: Some(paygate_runtime::secret::ClientSecret::from(secret)),
            created_at: Some(self.ctx.now()),
            amount: Some(amount),
            currency: Some(currency),
            refund: crate::build!(types::IntentRefund {
                refunded_amount: Some(JsonDecimal(Decimal::ZERO)),
                refund_object_id: Option::<String>::None,
            })
            .ok(),
            object_name: Some("payment_intent".to_owned()),
            customer: crate::build!(types::PaymentIntentCustomer {
                name: Some(customer.name.clone()),
                email: text(customer.email.clone()),
                phone: text(customer.phone.clone()),
                vip_customer: Some(customer.vip_customer.clone().unwrap_or_else(|| "No".into())),
                previous_customer: Some(
                    customer
                        .previous_customer
                        .clone()
                        .unwrap_or_else(|| "No".into()),
                ),
            })
            .ok(),
            description: text(description),
            pi_status: Some(types::PaymentIntentStatus::RequiresPaymentMethod),
            pm_token: Some(String::new()),
            shipping: crate::build!(types::PaymentIntentShipping {
                address1: text(shipping.address1),
                address2: Some(String::new()),
                city: text(shipping.city),
                country: text(shipping.country),
                first_name: Some(String::new()),
                last_name: Some(String::new()),
                phone: Some(String::new()),
                province: text(shipping.province),
                zip: text(shipping.zip),
                shipping_method: text(shipping.shipping_method),
            })
            .ok(),
            metadata: Some(metadata),
            token: Option::<String>::None,
            capture_method: Some(capture_method),
            html_response: Some(types::JsonObject(Map::new())),
            bank_response: Some(types::JsonObject(Map::new())),
            last_payment_response: crate::build!(types::LastPaymentResponse {
                token: Option::<String>::None,
                error: Option::<i64>::None,
                message: Option::<String>::None,
                status: Option::<String>::None,
            })
            .ok(),
            encryption_key: (!checkout).then(|| random_hex(16)),
            billing_address: Some(types::JsonObject(Map::new())),
            routing_rules_history: Some(types::RoutingRulesHistory(Vec::new())),
            subscription: Some(types::JsonObject(Map::new())),
            checkout_page_url: checkout.then(|| {
                format!(
                    "{}?source=headless&order_id={}",
                    self.ctx.pay_url(Api::Xstak, &id),
                    encode_component(&order_reference),
                )
            }),
        })?;
        Ok(Intent {
            object,
            captured: Decimal::ZERO,
            refunded: Decimal::ZERO,
        })
    }

    fn retrieve(&self, headers: &HeaderMap, id: &str) -> Result<Response, Response> {
        self.authenticate(headers, None)?;
        let store = self.store();
        let intent = store
            .intents
            .get(id)
            .ok_or_else(|| not_found("Payment intent"))?;
        Ok(ok(&intent.object))
    }

    /// Capture (`capture: true`) or void an intent waiting in `requires_capture`.
    fn finish_authorization(
        &self,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
        body: &[u8],
        capture: bool,
    ) -> Result<Response, Response> {
        self.authenticate(headers, Some(body))?;
        let secret = query
            .get("pi_client_secret")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad_request("pi_client_secret is required."))?;
        let amount = if capture {
            let request: types::CaptureRequest = serde_json::from_slice(body)
                .map_err(|e| bad_request(format!("Invalid request body: {e}")))?;
            request.amount.map(|a| a.0)
        } else {
            let _: types::VoidRequest = serde_json::from_slice(body)
                .map_err(|e| bad_request(format!("Invalid request body: {e}")))?;
            None
        };
        let mut store = self.store();
        let id = store
            .by_secret
            .get(secret)
            .cloned()
            .ok_or_else(|| not_found("Payment intent"))?;
        let intent = store
            .intents
            .get_mut(&id)
            .ok_or_else(|| not_found("Payment intent"))?;
        if intent.object.pi_status != Some(types::PaymentIntentStatus::RequiresCapture) {
            let status = intent
                .object
                .pi_status
                .as_ref()
                .map_or("unknown", |s| s.as_str())
                .to_owned();
            let verb = if capture { "captured" } else { "voided" };
            return Err(bad_request(format!(
                "Payment intent cannot be {verb} in status {status}."
            )));
        }
        let authorized = intent.object.amount.map_or(Decimal::ZERO, |a| a.0);
        let (tx_status, message) = if capture {
            let amount = amount.unwrap_or(authorized);
            if amount <= Decimal::ZERO || amount > authorized {
                return Err(bad_request(format!(
                    "Capture amount must be greater than 0 and at most {authorized}."
                )));
            }
            intent.captured = amount;
            intent.object.pi_status = Some(types::PaymentIntentStatus::Succeeded);
            ("CAPTURED", "The payment was captured successfully")
        } else {
            intent.object.pi_status = Some(types::PaymentIntentStatus::Canceled);
            ("VOIDED", "The authorization was voided")
        };
        let reply = ok(&intent.object);
        let webhook = self
            .notification(intent, tx_status, message, None)
            .map_err(|e| internal(&e))?;
        drop(store);
        self.ctx.webhooks().send(webhook);
        Ok(reply)
    }
}

pub(super) async fn create_checkout(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
    either(sb.create(&headers, &body, true))
}

pub(super) async fn create_intent(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
    either(sb.create(&headers, &body, false))
}

pub(super) async fn retrieve_intent(
    State(sb): Sb,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    either(sb.retrieve(&headers, &id))
}

pub(super) async fn capture(
    State(sb): Sb,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    either(sb.finish_authorization(&headers, &query, &body, true))
}

pub(super) async fn void(
    State(sb): Sb,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    either(sb.finish_authorization(&headers, &query, &body, false))
}
