//! Minor units ↔ decimals, per currency exponent.

use proptest::prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;
use xpay_client::platform::money::{self, MoneyError};

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal literal")
}

#[test]
fn two_and_three_decimal_currencies() {
    assert_eq!(money::to_decimal(149900, "EGP"), Ok(dec("1499.00")));
    assert_eq!(money::to_decimal(1140, "KWD"), Ok(dec("1.140")));
    assert_eq!(money::to_decimal(-50000, "EGP"), Ok(dec("-500.00")));
    for code in ["KWD", "JOD", "OMR", "BHD", "LYD"] {
        assert_eq!(money::exponent(code), Ok(3), "{code}");
    }
    for code in [
        "EGP", "USD", "EUR", "GBP", "SAR", "AED", "QAR", "AUD", "CAD", "CNY",
    ] {
        assert_eq!(money::exponent(code), Ok(2), "{code}");
    }
}

#[test]
fn decimals_to_minor_units() {
    assert_eq!(money::to_minor_units(dec("1499"), "EGP"), Ok(149900));
    assert_eq!(money::to_minor_units(dec("1499.5"), "egp"), Ok(149950));
    assert_eq!(money::to_minor_units(dec("1.14"), "KWD"), Ok(1140));
    // Trailing zeros beyond the exponent are not extra precision.
    assert_eq!(money::to_minor_units(dec("2.5000"), "USD"), Ok(250));
    assert_eq!(money::to_minor_units(dec("-0.01"), "USD"), Ok(-1));
}

#[test]
fn finer_than_the_minor_unit_is_an_error_not_a_rounding() {
    assert!(matches!(
        money::to_minor_units(dec("1.005"), "EGP"),
        Err(MoneyError::TooPrecise { exponent: 2, .. })
    ));
    assert!(matches!(
        money::to_minor_units(dec("0.0001"), "KWD"),
        Err(MoneyError::TooPrecise { exponent: 3, .. })
    ));
}

#[test]
fn unknown_currency_is_an_error_not_a_guess() {
    assert_eq!(
        money::to_decimal(100, "JPY"),
        Err(MoneyError::UnknownCurrency("JPY".into()))
    );
    assert_eq!(
        money::to_minor_units(dec("1"), "XYZ"),
        Err(MoneyError::UnknownCurrency("XYZ".into()))
    );
    assert!(money::exponent("").is_err());
}

#[test]
fn out_of_range_is_an_error() {
    assert!(matches!(
        money::to_minor_units(Decimal::MAX, "EGP"),
        Err(MoneyError::OutOfRange(_))
    ));
    assert!(matches!(
        money::to_minor_units(dec("92233720368547758.08"), "EGP"),
        Err(MoneyError::OutOfRange(_))
    ));
}

proptest! {
    #[test]
    fn minor_units_round_trip(amount in any::<i64>(), idx in 0usize..money::CURRENCY_EXPONENTS.len()) {
        let (code, exponent) = money::CURRENCY_EXPONENTS[idx];
        let d = money::to_decimal(amount, code).expect("known currency");
        prop_assert_eq!(d.scale(), exponent);
        prop_assert_eq!(money::to_minor_units(d, code), Ok(amount));
    }
}
