//! Money: US dollars in major units, exact.
//!
//! FYATU sends amounts as JSON numbers (`25`, `0.75`, `24.25`); they are read into
//! [`JsonDecimal`] (a `rust_decimal::Decimal`), never a binary float, and written back the way
//! JavaScript writes numbers.
//!
//! FYATU promises `netAmount = amount − fee` (the fee is deducted from what the payer pays).
//! Every collection the client returns is checked against that; a reply that breaks it is an
//! [`Error::Decode`](crate::Error) naming the collection and the three amounts, because paying
//! out or fulfilling on inconsistent amounts is worse than failing loudly.

use crate::types;
use paygate_runtime::JsonDecimal;
use rust_decimal::Decimal;

/// Decimal places of a US dollar amount (cents).
pub const USD_DECIMALS: u32 = 2;

/// Refuses an amount finer than a cent: FYATU would round it (or reject it) on its side, and
/// an order then records a different sum than was charged.
pub fn check_usd_precision(amount: Decimal) -> Result<(), String> {
    if amount.normalize().scale() > USD_DECIMALS {
        return Err(format!(
            "{amount} USD is finer than a cent (USD has {USD_DECIMALS} decimal places)"
        ));
    }
    Ok(())
}

/// A provider promise a reply must keep. `Err` says how it was broken.
pub trait Checked {
    /// `Ok` if the reply keeps the promise; `Err` says how it was broken.
    fn check(&self) -> Result<(), String>;
}

/// `netAmount = amount − fee`, exactly.
pub fn check_net_amount(
    what: &str,
    id: &str,
    amount: JsonDecimal,
    fee: JsonDecimal,
    net_amount: JsonDecimal,
) -> Result<(), String> {
    let expected = amount.value().checked_sub(fee.value());
    if expected == Some(net_amount.value()) {
        Ok(())
    } else {
        Err(format!(
            "FYATU broke netAmount = amount - fee for {what} {id}: amount {amount}, fee {fee}, netAmount {net_amount}"
        ))
    }
}

impl Checked for types::CheckoutSession {
    fn check(&self) -> Result<(), String> {
        check_net_amount(
            "collection",
            &self.collection_id,
            self.amount,
            self.fee,
            self.net_amount,
        )
    }
}

impl Checked for types::Collection {
    fn check(&self) -> Result<(), String> {
        check_net_amount(
            "collection",
            &self.collection_id,
            self.amount,
            self.fee,
            self.net_amount,
        )
    }
}

impl Checked for types::CollectionSummary {
    fn check(&self) -> Result<(), String> {
        check_net_amount(
            "collection",
            &self.collection_id,
            self.amount,
            self.fee,
            self.net_amount,
        )
    }
}

impl Checked for types::CollectionList {
    fn check(&self) -> Result<(), String> {
        self.collections.iter().try_for_each(Checked::check)
    }
}

impl Checked for types::CollectionReceivedData {
    fn check(&self) -> Result<(), String> {
        match (self.amount, self.charge, self.net_amount) {
            (Some(amount), Some(charge), Some(net)) => {
                check_net_amount("collection", &self.reference, amount, charge, net)
            }
            _ => Ok(()),
        }
    }
}

impl Checked for types::CollectionCompletedData {
    fn check(&self) -> Result<(), String> {
        match (self.amount, self.fee, self.net_amount) {
            (Some(amount), Some(fee), Some(net)) => {
                check_net_amount("collection", &self.collection_id, amount, fee, net)
            }
            _ => Ok(()),
        }
    }
}

/// Replies without a fee split: nothing to check.
macro_rules! unchecked {
    ($($t:ty),*) => {$(
        impl Checked for $t {
            fn check(&self) -> Result<(), String> {
                Ok(())
            }
        }
    )*};
}

unchecked!(
    types::Token,
    types::Revocation,
    types::Refund,
    types::RefundList,
    types::RefundReasonList,
    types::CollectionInitiatedData
);

impl types::Collection {
    /// The authoritative "paid" check FYATU recommends before fulfilling: the collection is
    /// `COMPLETED` and its amount is the one expected (compared exactly, `25 == 25.00`).
    pub fn is_paid(&self, expected_amount: Decimal) -> bool {
        self.status == types::CollectionStatus::Completed && self.amount.value() == expected_amount
    }
}
