//! Each client names everything its public API needs, so a user's `Cargo.toml` lists the
//! client crate (and tokio) and nothing else. This file compiles only through the clients'
//! paths; it would fail to build if a re-export went missing.

use std::str::FromStr;

macro_rules! reexports {
    ($name:ident, $krate:path) => {
        #[test]
        fn $name() {
            use $krate as c;
            let amount: c::Decimal = c::Decimal::from_str("12.50").unwrap();
            let _json: c::JsonDecimal = c::JsonDecimal(amount);
            let _retry: c::RetryPolicy = c::RetryPolicy::default();
            let secret: c::SecretString = c::SecretString::from("s3cr3t".to_string());
            assert_eq!(c::ExposeSecret::expose_secret(&secret), "s3cr3t");
            let _outcome: Option<c::Outcome> = None;
            let _config: Option<c::ConfigError> = None;
            let _reply: Option<c::ResponseValue<()>> = None;
            fn provider_error<T: c::ProviderError>() {}
            let _ = provider_error::<NoError>;
            let nested: Option<Option<u8>> = Some(Some(1));
            assert_eq!(c::Nullable::value(&nested), Some(&1));
        }
    };
}

/// A stand-in for a provider's error body.
struct NoError;
impl payfect_client::ProviderError for NoError {}

reexports!(xpay_platform, xpay_client::platform);
reexports!(xpay_xstak, xpay_client::xstak);
reexports!(collect, collect_client);
reexports!(payfect, payfect_client);
