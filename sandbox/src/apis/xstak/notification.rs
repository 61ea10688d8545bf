//! The `PAYMENT_INTENT_NOTIFICATION` webhook.

use super::*;

impl XstakSandbox {
    /// `PAYMENT_INTENT_NOTIFICATION` for `intent`, signed as XStak signs it: `X-Signature`,
    /// hex HMAC-SHA256 of the compact JSON body under the webhook HMAC secret.
    pub(super) fn notification(
        &self,
        intent: &Intent,
        tx_status: &str,
        bank_message: &str,
        refund_id: Option<String>,
    ) -> Result<Webhook, BuildError> {
        let object = &intent.object;
        let now = self.ctx.now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let customer = object.customer.clone().unwrap_or_default();
        let webhook_customer = crate::build!(types::WebhookCustomer {
            name: customer.name,
            email: customer.email,
            phone: customer.phone.flatten().filter(|p| !p.is_empty()),
        })?;
        let order_reference = object
            .metadata
            .as_ref()
            .and_then(|m| m.get("order_reference"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let notification = crate::build!(types::PaymentIntentNotification {
            type_: types::WebhookEventType::PaymentIntentNotification,
            payment_intent_id: Some(object.id.clone()),
            refund_id: refund_id,
            amount: object.amount,
            currency: object.currency.clone(),
            status: object.pi_status.clone(),
            customer: Some(webhook_customer.clone()),
            shipping: Some(types::JsonObject(Map::new())),
            payment_method_types: Some(types::PaymentMethodType::Card),
            product: Some(types::JsonObject(Map::new())),
            transaction_details: crate::build!(types::TransactionDetails {
                id: Some(format!("txn_{}", random_hex(12))),
                order: crate::build!(types::WebhookOrder {
                    customer: Some(webhook_customer),
                    name: order_reference,
                    type_: Some("headless".to_owned()),
                })
                .ok(),
                status: Some(tx_status.to_owned()),
                secure: Some("3DS2".to_owned()),
                refunded_amount: Some(JsonDecimal(intent.refunded)),
                gateway: Some("sandbox".to_owned()),
                response_from_bank: Some(bank_message.to_owned()),
                status_message_from_bank: Some(format!("PAYMENT_{tx_status}")),
                activity: vec![crate::build!(types::TransactionActivity {
                    status: Some(tx_status.to_owned()),
                    amount: object.amount,
                    timestamp: Some(now.clone()),
                    created_at: Some(now),
                    token: Some(String::new()),
                    card: crate::build!(types::ActivityCard {
                        bin: Some("512345".to_owned()),
                        last4digits: Some("0008".to_owned()),
                        name: object.customer.as_ref().and_then(|c| c.name.clone()),
                        funding_method: Some("DEBIT".to_owned()),
                        type_: Some("MASTERCARD".to_owned()),
                        issuer_details: crate::build!(types::CardIssuerDetails {
                            card_issuer: Some("Sandbox Bank".to_owned()),
                            card_network: Some("MASTERCARD".to_owned()),
                            card_type: Some("DEBIT".to_owned()),
                        })
                        .ok(),
                    })
                    .ok(),
                    x3ds: crate::build!(types::ThreeDsResult {
                        authorization_code: Some(String::new()),
                        secure: Some("3DS2".to_owned()),
                        eci: Some("02".to_owned()),
                    })
                    .ok(),
                    processing: Some(types::JsonObject(Map::new())),
                })?],
            })
            .ok(),
        })?;
        // What XStak's Node.js server sends: JSON.stringify of the payload.
        let body = serde_json::to_value(&notification)
            .map(|v| js::stringify(&v))
            .unwrap_or_default();
        let signature = signature::hmac_sha256_hex(
            self.ctx
                .creds()
                .xstak_webhook_hmac_secret
                .expose_secret()
                .as_bytes(),
            body.as_bytes(),
        );
        Ok(
            Webhook::json(Api::Xstak, "PAYMENT_INTENT_NOTIFICATION", None, body)
                .header("X-Signature", signature),
        )
    }
}
