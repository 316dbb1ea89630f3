//! The `Stripe-Signature` header: `t=TIMESTAMP,v1=HEX[,v1=HEX…][,v0=…]`, each
//! `v1` an HMAC-SHA256 of `"{t}.{payload}"` under the endpoint's secret. Stripe
//! sends several `v1` while a secret is being rolled, one per live secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Stripe's own default: an event older (or newer) than five minutes is a
/// replay, or a clock too far off to trust.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// Why a webhook's signature was not accepted. The request gets a 400 either
/// way; the variant is for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No header, or no timestamp or no `v1` signature in it.
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Missing,
    #[error("the Stripe-Signature header is malformed")]
    Malformed,
    /// Correctly signed, but too far from now: a replay.
    #[error("the Stripe-Signature timestamp is outside the tolerance")]
    Stale,
    #[error("no v1 signature in the Stripe-Signature header matches")]
    Mismatch,
    /// The secret is empty. Refused because anyone can compute an HMAC
    /// under the empty key.
    #[error("no Stripe webhook secret is configured")]
    NoSecret,
}

impl SignatureError {
    /// Stable, for programs and logs.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Missing => "signature_missing",
            Self::Malformed => "signature_malformed",
            Self::Stale => "signature_stale",
            Self::Mismatch => "signature_mismatch",
            Self::NoSecret => "signature_no_secret",
        }
    }
}

/// Whether `header` proves that Stripe sent `payload` within
/// `tolerance_secs` of `now` (Unix seconds), under `secret` (`whsec_…`).
///
/// Accepts when any `v1` matches. Each comparison is constant-time
/// (`hmac`'s `verify_slice`), so response timing tells an attacker nothing
/// about how much of a forged signature was right. `v0` (test-mode legacy)
/// and unknown schemes are ignored, as Stripe's own libraries do; a `v1`
/// that is not 64 hex digits simply matches nothing.
///
/// The signature is checked before the time, so [`SignatureError::Stale`]
/// means "genuine but old": a replay worth logging, not a forgery.
pub fn verify_stripe_signature(
    payload: &[u8],
    header: &str,
    secret: &str,
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let mut timestamp = None;
    let mut any_v1 = false;
    let mut signatures = Vec::new();
    for part in header.split(',').map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let (key, value) = part.split_once('=').ok_or(SignatureError::Malformed)?;
        match key.trim() {
            // Two timestamps: which one was signed?
            "t" if timestamp.is_some() => return Err(SignatureError::Malformed),
            "t" => timestamp = Some(value.trim()),
            "v1" => {
                any_v1 = true;
                signatures.extend(decode_hex(value.trim()));
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Missing)?;
    if !any_v1 {
        return Err(SignatureError::Missing);
    }
    // Digits only: `i64::from_str` would also take "+1700000000", a second
    // spelling of the same signed string.
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::Malformed);
    }
    let t: i64 = timestamp.parse().map_err(|_| SignatureError::Malformed)?;

    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| SignatureError::NoSecret)?;
    // The timestamp exactly as sent, since that is what Stripe signed.
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(payload);
    let matched = signatures
        .iter()
        .any(|signature| mac.clone().verify_slice(signature.as_slice()).is_ok());
    if !matched {
        return Err(SignatureError::Mismatch);
    }
    if now.abs_diff(t) > tolerance_secs.max(0).unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

/// 64 hex digits (either case) as 32 bytes.
fn decode_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    //! Expected signatures come from Python's `hmac` module, not from this
    //! crate, so a bug in how the signed string is built cannot hide by
    //! appearing on both sides:
    //!
    //! ```text
    //! python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test",
    //!     b"1700000000.{\"id\":\"evt_1\"}", hashlib.sha256).hexdigest())'
    //! ```
    use super::*;

    const SECRET: &str = "whsec_test";
    const T: i64 = 1_700_000_000;
    const PAYLOAD: &[u8] = br#"{"id":"evt_1"}"#;
    /// HMAC-SHA256("whsec_test", "1700000000.{\"id\":\"evt_1\"}").
    const SIG: &str = "c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925";
    /// The same message under "whsec_other".
    const SIG_OTHER_SECRET: &str =
        "d8d091c76b586cff4dbd317fc47ebddff4b86de3ce18d3c03753c3c1901d475a";
    /// HMAC-SHA256("whsec_test", "1712345678." + LONG_PAYLOAD).
    const LONG_SIG: &str = "23651ce782805a3b7b7a495e56fe09d39f961e94bbd380ca4cecb03b2fee37e5";
    const LONG_PAYLOAD: &[u8] =
        br#"{"id":"evt_3MtwBwLkdIwHu7ix28a3tqPa","object":"event","type":"payment_intent.succeeded"}"#;

    fn verify(header: &str, now: i64) -> Result<(), SignatureError> {
        verify_stripe_signature(PAYLOAD, header, SECRET, now, DEFAULT_TOLERANCE_SECS)
    }

    #[test]
    fn a_valid_signature_is_accepted() {
        assert_eq!(verify(&format!("t={T},v1={SIG}"), T), Ok(()));
        assert_eq!(
            verify_stripe_signature(
                LONG_PAYLOAD,
                &format!("t=1712345678,v1={LONG_SIG}"),
                SECRET,
                1_712_345_700,
                300
            ),
            Ok(())
        );
    }

    #[test]
    fn any_matching_v1_is_enough() {
        let header = format!("t={T},v1={SIG_OTHER_SECRET},v1={SIG},v0=deadbeef");
        assert_eq!(verify(&header, T + 10), Ok(()));
        // Whitespace and uppercase hex, as a proxy might rewrite them.
        let header = format!("t={T}, v1={SIG_OTHER_SECRET}, v1={}", SIG.to_uppercase());
        assert_eq!(verify(&header, T), Ok(()));
    }

    #[test]
    fn the_wrong_secret_is_a_mismatch() {
        assert_eq!(
            verify(&format!("t={T},v1={SIG_OTHER_SECRET}"), T),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_stripe_signature(PAYLOAD, &format!("t={T},v1={SIG}"), "whsec_other", T, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_tampered_body_or_timestamp_is_a_mismatch() {
        let header = format!("t={T},v1={SIG}");
        for payload in [
            &br#"{"id":"evt_2"}"#[..],
            br#"{"id":"evt_1"} "#,
            br#"{"id": "evt_1"}"#,
            b"",
        ] {
            assert_eq!(
                verify_stripe_signature(payload, &header, SECRET, T, 300),
                Err(SignatureError::Mismatch)
            );
        }
        // The signed timestamp cannot be moved forward to dodge the tolerance.
        assert_eq!(
            verify(&format!("t={},v1={SIG}", T + 1), T),
            Err(SignatureError::Mismatch)
        );
        // Nor respelled.
        assert_eq!(
            verify(&format!("t=0{T},v1={SIG}"), T),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn timestamps_outside_the_tolerance_are_stale() {
        let header = format!("t={T},v1={SIG}");
        assert_eq!(verify(&header, T + 300), Ok(()));
        assert_eq!(verify(&header, T - 300), Ok(()));
        assert_eq!(verify(&header, T + 301), Err(SignatureError::Stale));
        // From the future (a clock far ahead, or a forged far-future t).
        assert_eq!(verify(&header, T - 301), Err(SignatureError::Stale));
        assert_eq!(verify(&header, i64::MIN), Err(SignatureError::Stale));
        assert_eq!(verify(&header, i64::MAX), Err(SignatureError::Stale));
    }

    #[test]
    fn missing_parts_are_refused() {
        assert_eq!(verify("", T), Err(SignatureError::Missing));
        assert_eq!(
            verify(&format!("v1={SIG}"), T),
            Err(SignatureError::Missing)
        );
        assert_eq!(verify(&format!("t={T}"), T), Err(SignatureError::Missing));
        assert_eq!(
            verify(&format!("t={T},v0={SIG}"), T),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn malformed_headers_are_refused() {
        for header in [
            format!("t={T},{SIG}"),
            format!("t=abc,v1={SIG}"),
            format!("t=,v1={SIG}"),
            format!("t=+{T},v1={SIG}"),
            format!("t=-{T},v1={SIG}"),
            format!("t={T},t={T},v1={SIG}"),
            format!("t=99999999999999999999,v1={SIG}"),
            "garbage".to_owned(),
        ] {
            assert_eq!(
                verify(&header, T),
                Err(SignatureError::Malformed),
                "{header}"
            );
        }
    }

    #[test]
    fn signatures_that_are_not_hex_match_nothing() {
        for v1 in [
            "",
            "zz",
            &SIG[..62],
            &format!("{SIG}00"),
            &SIG.replace('c', "g"),
        ] {
            assert_eq!(
                verify(&format!("t={T},v1={v1}"), T),
                Err(SignatureError::Mismatch),
                "{v1}"
            );
        }
    }

    #[test]
    fn an_empty_secret_is_never_accepted() {
        assert_eq!(
            verify_stripe_signature(PAYLOAD, &format!("t={T},v1={SIG}"), "", T, 300),
            Err(SignatureError::NoSecret)
        );
    }

    #[test]
    fn a_negative_tolerance_means_exact_time() {
        let header = format!("t={T},v1={SIG}");
        assert_eq!(
            verify_stripe_signature(PAYLOAD, &header, SECRET, T, -5),
            Ok(())
        );
        assert_eq!(
            verify_stripe_signature(PAYLOAD, &header, SECRET, T + 1, -5),
            Err(SignatureError::Stale)
        );
    }
}
