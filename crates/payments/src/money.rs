//! Exact conversions between minor units, provider units and decimal strings.
//! Integers throughout: a float would turn 0.29 USD into 28 cents.

/// How many decimals `code`'s minor unit has (0 for JPY, 2 for USD, 3 for
/// BHD), from ISO 4217 via the `iso_currency` crate.
///
/// `None` for anything a booking cannot be priced in, by the same rule as the
/// domain's `Currency`: not an uppercase ISO code, no minor unit (gold, `XXX`),
/// a funds code, or a code superseded by another.
pub fn minor_digits(code: &str) -> Option<u32> {
    let currency = iso_currency::Currency::from_code(code)?;
    if currency.is_fund() || currency.is_special() || currency.is_superseded().is_some() {
        return None;
    }
    currency.exponent().map(u32::from)
}

/// `amount_minor` as a decimal string with exactly `minor_digits` decimals:
/// `(1234, 2)` is `"12.34"`, `(5, 3)` is `"0.005"`, `(500, 0)` is `"500"`.
/// The shape PayPal wants in `amount.value`.
pub fn minor_to_decimal(amount_minor: i64, minor_digits: u32) -> String {
    let sign = if amount_minor < 0 { "-" } else { "" };
    // unsigned_abs: i64::MIN has no positive i64.
    let digits = amount_minor.unsigned_abs().to_string();
    let scale = minor_digits as usize;
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    // Left-pad so there is at least one digit before the point.
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    format!("{sign}{whole}.{fraction}")
}

/// The inverse of [`minor_to_decimal`], for amounts a provider sends back:
/// `("12.34", 2)` is `1234`, `("12", 2)` is `1200`, `("12.3", 2)` is `1230`.
///
/// `None` for anything that is not a plain decimal (no exponent, no
/// thousands separators, no `+`), for more decimals than the currency has
/// unless the extra ones are zeros (`"10.000"` in USD is fine, `"10.005"` is
/// not: it would have to be rounded), and for overflow.
pub fn decimal_to_minor(value: &str, minor_digits: u32) -> Option<i64> {
    let (negative, unsigned) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
        return None;
    }
    let fraction = fraction.unwrap_or("");
    let scale = minor_digits as usize;
    let (kept, dropped) = fraction.split_at(fraction.len().min(scale));
    if dropped.bytes().any(|b| b != b'0') {
        return None;
    }
    let mut minor: i64 = 0;
    let padding = std::iter::repeat_n(b'0', scale - kept.len());
    for digit in whole.bytes().chain(kept.bytes()).chain(padding) {
        minor = minor
            .checked_mul(10)?
            .checked_add(i64::from(digit - b'0'))?;
    }
    Some(if negative { -minor } else { minor })
}

/// `amount` counted in units of 10^-`from` re-counted in units of 10^-`to`,
/// exactly: `None` when that would lose a fraction or overflow.
pub(crate) fn rescale(amount: i64, from: u32, to: u32) -> Option<i64> {
    if to >= from {
        amount.checked_mul(10_i64.checked_pow(to - from)?)
    } else {
        let divisor = 10_i64.checked_pow(from - to)?;
        (amount % divisor == 0).then_some(amount / divisor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_digits_follow_iso_4217() {
        assert_eq!(minor_digits("USD"), Some(2));
        assert_eq!(minor_digits("EUR"), Some(2));
        assert_eq!(minor_digits("JPY"), Some(0));
        assert_eq!(minor_digits("BHD"), Some(3));
        assert_eq!(minor_digits("KWD"), Some(3));
        assert_eq!(minor_digits("ISK"), Some(0));
        for refused in ["usd", "XAU", "XXX", "XTS", "USN", "ZZZ", "", "USDX"] {
            assert_eq!(minor_digits(refused), None, "{refused}");
        }
    }

    #[test]
    fn minor_to_decimal_writes_exactly_the_currency_decimals() {
        assert_eq!(minor_to_decimal(1234, 2), "12.34");
        assert_eq!(minor_to_decimal(1200, 2), "12.00");
        assert_eq!(minor_to_decimal(5, 2), "0.05");
        assert_eq!(minor_to_decimal(0, 2), "0.00");
        assert_eq!(minor_to_decimal(500, 0), "500");
        assert_eq!(minor_to_decimal(1, 3), "0.001");
        assert_eq!(minor_to_decimal(12_345, 3), "12.345");
        assert_eq!(minor_to_decimal(-1234, 2), "-12.34");
        assert_eq!(minor_to_decimal(i64::MAX, 2), "92233720368547758.07");
        assert_eq!(minor_to_decimal(i64::MIN, 2), "-92233720368547758.08");
    }

    #[test]
    fn decimal_to_minor_reads_provider_amounts() {
        assert_eq!(decimal_to_minor("12.34", 2), Some(1234));
        assert_eq!(decimal_to_minor("12", 2), Some(1200));
        assert_eq!(decimal_to_minor("12.3", 2), Some(1230));
        assert_eq!(decimal_to_minor("0.05", 2), Some(5));
        assert_eq!(decimal_to_minor("10.000", 2), Some(1000));
        assert_eq!(decimal_to_minor("500", 0), Some(500));
        assert_eq!(decimal_to_minor("500.0", 0), Some(500));
        assert_eq!(decimal_to_minor("1.005", 3), Some(1005));
        assert_eq!(decimal_to_minor("-1.50", 2), Some(-150));
        assert_eq!(decimal_to_minor("92233720368547758.07", 2), Some(i64::MAX));
        for bad in [
            "",
            ".",
            "1.",
            ".5",
            "1.2.3",
            "1e3",
            "+1",
            "1,000.00",
            " 1",
            "1 ",
            "--1",
            "10.005",
            "0x10",
            "92233720368547758.08",
        ] {
            assert_eq!(decimal_to_minor(bad, 2), None, "{bad:?}");
        }
    }

    #[test]
    fn decimal_round_trips() {
        for digits in 0..=3 {
            for amount in [0, 1, 9, 10, 99, 100, 101, 123_456_789, 10_000_000_000] {
                let text = minor_to_decimal(amount, digits);
                assert_eq!(decimal_to_minor(&text, digits), Some(amount), "{text}");
            }
        }
    }

    #[test]
    fn rescale_is_exact() {
        assert_eq!(rescale(500, 0, 2), Some(50_000));
        assert_eq!(rescale(50_000, 2, 0), Some(500));
        assert_eq!(rescale(50_001, 2, 0), None);
        assert_eq!(rescale(1234, 2, 2), Some(1234));
        assert_eq!(rescale(i64::MAX, 0, 2), None);
    }
}
