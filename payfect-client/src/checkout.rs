//! Shorthands for building checkout requests and reading checkouts. Everything here can also
//! be written with the generated types and builders directly.

use std::num::NonZeroU64;

use rust_decimal::Decimal;

use crate::timestamp::Timestamp;
use crate::types::{
    Checkout, CheckoutStatus, InlinePriceInvoiceItem, InvoiceItemParams, Network,
    PaymentMethodData, PaymentMethodDataType, PaymentMethodDetail, PriceData, ProductData,
    SavedPriceInvoiceItem,
};

impl InvoiceItemParams {
    /// An item priced inline: Payfect creates the product and price on the fly. A quantity is
    /// at least 1, so it is a `NonZeroU64` (`NonZeroU64::MIN` is one).
    pub fn inline(price_data: PriceData, quantity: NonZeroU64) -> Self {
        InvoiceItemParams::InlinePriceInvoiceItem(InlinePriceInvoiceItem {
            price_data,
            quantity,
        })
    }

    /// An item for a Price created earlier with `create_price`.
    pub fn saved_price(price: impl Into<String>, quantity: NonZeroU64) -> Self {
        InvoiceItemParams::SavedPriceInvoiceItem(SavedPriceInvoiceItem {
            price: price.into(),
            quantity,
        })
    }
}

impl PriceData {
    /// A unit price for a product known only by name.
    pub fn new(
        currency: impl Into<String>,
        product_name: impl Into<String>,
        unit_amount: Decimal,
    ) -> Self {
        PriceData {
            currency: currency.into(),
            product_data: ProductData {
                name: product_name.into(),
                description: None,
                images: Vec::new(),
            },
            unit_amount,
        }
    }
}

impl PaymentMethodData {
    /// Pre-selects a coin and network on the hosted page, e.g. `("usdt", Network::Tron)`.
    pub fn crypto(currency: impl Into<String>, network: Network) -> Self {
        PaymentMethodData {
            type_: PaymentMethodDataType::Cryptopaymentmethoddetail,
            payment_method_detail: PaymentMethodDetail {
                currency: currency.into(),
                network,
            },
        }
    }
}

impl Checkout {
    /// Paid: `status` is `complete`. Confirm with a retrieve before shipping on a callback
    /// alone if you do not verify callbacks.
    pub fn is_paid(&self) -> bool {
        self.status == CheckoutStatus::Complete
    }

    /// Still payable at `now`: `open`, and `expiresAt` (when present) not yet reached.
    pub fn is_payable_at(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.status == CheckoutStatus::Open
            && self
                .expires_at
                .as_ref()
                .and_then(Option::as_ref)
                .is_none_or(|t: &Timestamp| now < t.as_datetime())
    }
}
