//! Named constructors for the request shapes every checkout uses, so a session reads like the
//! docs' example instead of a page of `None`s.
//!
//! A quantity is a `NonZeroU64`: the spec says "at least 1", so a zero can't be built.
//!
//! ```
//! use std::num::NonZeroU64;
//! use xpay_client::platform::types::{AfterCompletion, CreateCheckoutSessionRequest, LineItemInput};
//!
//! let two = NonZeroU64::new(2).unwrap();
//! let request: CreateCheckoutSessionRequest = CreateCheckoutSessionRequest::builder()
//!     .after_completion(AfterCompletion::redirect("https://shop.example/thanks"))
//!     .line_items(vec![
//!         LineItemInput::price("price_test_tee", two),
//!         LineItemInput::inline("Gift wrap", 2_500, "EGP", NonZeroU64::MIN),
//!     ])
//!     .try_into()
//!     .expect("afterCompletion is set");
//! assert_eq!(request.line_items.len(), 2);
//! ```

use std::num::NonZeroU64;

use super::types::{
    AfterCompletion, AfterCompletionRedirect, AfterCompletionType, LineItemInput, PriceDataInput,
    ProductDataInput,
};

impl AfterCompletion {
    /// Send the customer to `url` after paying (`type: redirect`). XPay wants an https URL on
    /// your domain; `{CHECKOUT_SESSION_ID}` in it is replaced by the session id.
    pub fn redirect(url: impl Into<String>) -> Self {
        AfterCompletion {
            type_: AfterCompletionType::Redirect,
            redirect: Some(AfterCompletionRedirect { url: url.into() }),
            hosted_confirmation: None,
        }
    }
}

impl LineItemInput {
    /// `quantity` of an existing price (`price_…`).
    pub fn price(price_id: impl Into<String>, quantity: NonZeroU64) -> Self {
        LineItemInput {
            price: Some(price_id.into()),
            price_data: None,
            adjustable_quantity: None,
            quantity,
        }
    }

    /// `quantity` of a one-off product priced inline: `unit_amount` in minor units of
    /// `currency` (ISO 4217, the session's currency), e.g. `149900` EGP = 1,499.00.
    pub fn inline(
        name: impl Into<String>,
        unit_amount: i64,
        currency: impl Into<String>,
        quantity: NonZeroU64,
    ) -> Self {
        LineItemInput {
            price: None,
            price_data: Some(PriceDataInput {
                currency: currency.into(),
                unit_amount,
                product_data: ProductDataInput {
                    name: name.into(),
                    description: None,
                },
            }),
            adjustable_quantity: None,
            quantity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_request_is_its_required_fields_and_nothing_else() {
        use crate::platform::types::CreateCheckoutSessionRequest;
        let request = CreateCheckoutSessionRequest::new(
            AfterCompletion::redirect("https://shop.example/done"),
            vec![LineItemInput::price("price_1", NonZeroU64::MIN)],
        );
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({
                "afterCompletion": {"type": "redirect", "redirect": {"url": "https://shop.example/done"}},
                "lineItems": [{"price": "price_1", "quantity": 1}],
            })
        );
        let with_currency = CreateCheckoutSessionRequest {
            currency: Some("EGP".into()),
            ..request
        };
        assert_eq!(with_currency.currency.as_deref(), Some("EGP"));
    }

    #[test]
    fn the_constructors_serialize_to_the_docs_shapes() {
        assert_eq!(
            serde_json::to_value(AfterCompletion::redirect("https://shop.example/done")).unwrap(),
            json!({"type": "redirect", "redirect": {"url": "https://shop.example/done"}})
        );
        assert_eq!(
            serde_json::to_value(LineItemInput::price("price_1", NonZeroU64::new(2).unwrap()))
                .unwrap(),
            json!({"price": "price_1", "quantity": 2})
        );
        assert_eq!(
            serde_json::to_value(LineItemInput::inline(
                "Tee",
                149_900,
                "EGP",
                NonZeroU64::MIN
            ))
            .unwrap(),
            json!({"priceData": {"currency": "EGP", "unitAmount": 149900,
                "productData": {"name": "Tee"}}, "quantity": 1})
        );
    }
}
