//! Minor units ↔ decimal amounts.
//!
//! XPay sends every amount as an integer in the currency's minor unit (`149900` EGP =
//! 1,499.00 EGP; `1140` KWD = 1.140 KWD). The exponents are those XPay's own plugin takes from
//! the platform's currency seed; a currency outside that list is an error, not a guess.
//!
//! ```
//! use rust_decimal::Decimal;
//! use xpay_client::platform::money;
//!
//! assert_eq!(money::to_decimal(149900, "EGP")?, Decimal::new(149900, 2));
//! assert_eq!(money::to_minor_units(Decimal::new(1140, 3), "KWD")?, 1140);
//! assert!(money::to_decimal(100, "XYZ").is_err());
//! # Ok::<(), money::MoneyError>(())
//! ```

use rust_decimal::Decimal;

/// Currencies XPay supports and their minor-unit exponents (decimal places).
pub const CURRENCY_EXPONENTS: &[(&str, u32)] = &[
    ("EGP", 2),
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("SAR", 2),
    ("AED", 2),
    ("QAR", 2),
    ("AUD", 2),
    ("CAD", 2),
    ("CNY", 2),
    ("KWD", 3),
    ("JOD", 3),
    ("OMR", 3),
    ("BHD", 3),
    ("LYD", 3),
];

/// Why an amount could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The currency is not one XPay lists; its exponent is unknown.
    #[error("unknown currency `{0}`: its minor-unit exponent is not known")]
    UnknownCurrency(String),
    /// The amount has more decimal places than the currency's minor unit; it is not rounded.
    #[error("{amount} has more than {exponent} decimal places, the minor unit of {currency}")]
    TooPrecise {
        /// The amount as given.
        amount: Decimal,
        /// The currency code as given.
        currency: String,
        /// Decimal places of the currency's minor unit.
        exponent: u32,
    },
    /// The amount does not fit in an `i64` of minor units.
    #[error("{0} is out of range for an amount in minor units")]
    OutOfRange(Decimal),
}

/// The number of decimal places of `currency`'s minor unit (ISO 4217 code, any case).
pub fn exponent(currency: &str) -> Result<u32, MoneyError> {
    CURRENCY_EXPONENTS
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(currency))
        .map(|&(_, e)| e)
        .ok_or_else(|| MoneyError::UnknownCurrency(currency.to_string()))
}

/// `amount` minor units of `currency` as a decimal amount (`149900`, `EGP` → `1499.00`).
pub fn to_decimal(amount: i64, currency: &str) -> Result<Decimal, MoneyError> {
    Ok(Decimal::new(amount, exponent(currency)?))
}

/// A decimal amount of `currency` in minor units (`1499.5`, `EGP` → `149950`). Fails rather
/// than rounds when `amount` is finer than the minor unit.
pub fn to_minor_units(amount: Decimal, currency: &str) -> Result<i64, MoneyError> {
    let exponent = exponent(currency)?;
    let normalized = amount.normalize();
    if normalized.scale() > exponent {
        return Err(MoneyError::TooPrecise {
            amount,
            currency: currency.to_string(),
            exponent,
        });
    }
    let factor = Decimal::from(10i64.pow(exponent));
    let minor = normalized
        .checked_mul(factor)
        .ok_or(MoneyError::OutOfRange(amount))?;
    // `minor` has no fractional part here: its scale was at most `exponent`.
    i64::try_from(minor).map_err(|_| MoneyError::OutOfRange(amount))
}
