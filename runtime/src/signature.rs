//! HMAC-SHA256, the primitive behind XPay platform, XStak and Collect signatures.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Lowercase-hex HMAC-SHA256 of `message`, keyed with `key`'s bytes.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    hex::encode(hmac_sha256(key, &[message]))
}

/// HMAC-SHA256 over the concatenation of `parts`, without building the concatenation.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// Whether `signature_hex` (either case) is the HMAC-SHA256 of `parts` under `key`, compared in
/// constant time.
pub fn verify_hmac_sha256_hex(key: &[u8], parts: &[&[u8]], signature_hex: &str) -> bool {
    let Ok(given) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        mac.update(p);
    }
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_2() {
        let sig = hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify_hmac_sha256_hex(
            b"Jefe",
            &[b"what do ya ", b"want for nothing?"],
            &sig
        ));
        assert!(verify_hmac_sha256_hex(
            b"Jefe",
            &[b"what do ya want for nothing?"],
            &sig.to_uppercase()
        ));
        assert!(!verify_hmac_sha256_hex(
            b"Jefe",
            &[b"what do ya want for nothing!"],
            &sig
        ));
        assert!(!verify_hmac_sha256_hex(b"Jefe", &[b"x"], "not hex"));
    }
}
