//! Refunds of a succeeded payment intent.

use super::*;

impl XstakSandbox {
    fn refund(&self, headers: &HeaderMap, body: &[u8]) -> Result<Response, Response> {
        self.authenticate(headers, Some(body))?;
        let request: types::RefundRequest = serde_json::from_slice(body)
            .map_err(|e| bad_request(format!("Invalid request body: {e}")))?;
        let mut store = self.store();
        let intent = store
            .intents
            .get_mut(&request.payment_intent_id)
            .ok_or_else(|| not_found("Payment intent"))?;
        if intent.object.pi_status != Some(types::PaymentIntentStatus::Succeeded) {
            return Err(bad_request(
                "Only a succeeded payment intent can be refunded.",
            ));
        }
        let amount = request.refunded_amount.0;
        let refundable = intent.captured - intent.refunded;
        if amount <= Decimal::ZERO {
            return Err(bad_request("refunded_amount must be greater than 0."));
        }
        if amount > refundable {
            return Err(bad_request(format!(
                "refunded_amount exceeds the refundable amount ({refundable})."
            )));
        }
        let refund_id = format!("xpay_rf_{}", random_hex(12));
        // Built before anything changes.
        let refund = crate::build!(types::Refund {
            id: Some(refund_id.clone()),
            payment_intent_id: Some(request.payment_intent_id.clone()),
            refunded_amount: Some(request.refunded_amount),
            reason: request.reason,
            status: Some("succeeded".to_owned()),
            created_at: Some(self.ctx.now().to_rfc3339_opts(SecondsFormat::Millis, true)),
        })
        .map_err(|e| internal(&e))?;
        intent.refunded += amount;
        intent.object.refund = crate::build!(types::IntentRefund {
            refunded_amount: Some(JsonDecimal(intent.refunded)),
            refund_object_id: Some(refund_id.clone()),
        })
        .ok();
        let webhook = self
            .notification(
                intent,
                "REFUNDED",
                "The refund was processed",
                Some(refund_id.clone()),
            )
            .map_err(|e| internal(&e))?;
        store.refunds.insert(refund_id, refund.clone());
        drop(store);
        self.ctx.webhooks().send(webhook);
        Ok(ok(&refund))
    }

    fn retrieve_refund(&self, headers: &HeaderMap, id: &str) -> Result<Response, Response> {
        self.authenticate(headers, None)?;
        let store = self.store();
        let refund = store.refunds.get(id).ok_or_else(|| not_found("Refund"))?;
        Ok(ok(refund))
    }
}

pub(super) async fn create_refund(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
    either(sb.refund(&headers, &body))
}

pub(super) async fn retrieve_refund(
    State(sb): Sb,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    either(sb.retrieve_refund(&headers, &id))
}
