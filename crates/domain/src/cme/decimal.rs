//! Exact two-decimal quantities (credit hours, credits, claim steps), read from
//! their decimal text and held as hundredths, so that no amount an accreditor
//! designated is ever off by a float's error.

use std::fmt;

use serde::Serializer;

/// Why a text is not an exact two-decimal quantity. Each type that reads one
/// words the refusal for its own field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecimalError {
    NotANumber,
    /// Below zero (`-0` and `-0.00` are zero, not negative).
    Negative,
    /// A non-zero digit after the second decimal (`1.255`, `1e-3`).
    TooManyDecimals,
    /// More than [`MAX_DIGITS`] digits of hundredths.
    TooLarge,
}

/// Hundredths are at most seven digits (99 999.99): more than any quantity of
/// credits this application holds, and small enough that sums of thousands of
/// them never come near overflowing.
pub(crate) const MAX_DIGITS: usize = 7;

/// Reads decimal text as JSON writes numbers: `2`, `1.5`, `0.25`, also with
/// an exponent when it leaves at most two decimals (`1e2` is 100, `125e-2` is
/// 1.25). Returns the number of hundredths, between 0 and 9 999 999.
///
/// The checks run in a fixed order (shape, sign, size, decimals) so a caller
/// can rely on which reason it gets: a negative number is `Negative` however
/// many decimals it has.
pub(crate) fn parse_hundredths(input: &str) -> Result<i64, DecimalError> {
    let s = input.trim();
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (mantissa, exponent) = match s.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (s, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (mantissa, ""),
    };
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !(fraction.is_empty() || all_digits(fraction)) {
        return Err(DecimalError::NotANumber);
    }
    if mantissa.ends_with('.') {
        return Err(DecimalError::NotANumber);
    }
    // Only whether the exponent is small matters: anything beyond a few
    // digits either overflows the cap or leaves too many decimals.
    let exponent: i64 = match exponent {
        None => 0,
        Some(e) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if !all_digits(digits) {
                return Err(DecimalError::NotANumber);
            }
            let significant = digits.trim_start_matches('0');
            let magnitude = if significant.len() > 4 {
                10_000
            } else {
                significant.parse::<i64>().unwrap_or(0)
            };
            if e.starts_with('-') {
                -magnitude
            } else {
                magnitude
            }
        }
    };

    // The number is `digits × 10^(shift − 2)`, i.e. `digits × 10^shift`
    // hundredths.
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    if negative {
        return Err(DecimalError::Negative);
    }
    let shift = 2 + exponent - fraction.len() as i64;
    let kept = if shift >= 0 {
        if digits.len() as i64 + shift > MAX_DIGITS as i64 {
            return Err(DecimalError::TooLarge);
        }
        format!("{digits}{}", "0".repeat(shift as usize))
    } else {
        let dropped = shift.unsigned_abs() as usize;
        if dropped >= digits.len() || !digits[digits.len() - dropped..].bytes().all(|b| b == b'0') {
            return Err(DecimalError::TooManyDecimals);
        }
        digits[..digits.len() - dropped].to_owned()
    };
    if kept.len() > MAX_DIGITS {
        return Err(DecimalError::TooLarge);
    }
    kept.parse().map_err(|_| DecimalError::TooLarge)
}

/// The shortest exact decimal: `2`, `1.5`, `1.25`.
pub(crate) fn write_hundredths(hundredths: i64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let (whole, fraction) = (hundredths / 100, hundredths % 100);
    match fraction {
        0 => write!(f, "{whole}"),
        f10 if f10 % 10 == 0 => write!(f, "{whole}.{}", f10 / 10),
        _ => write!(f, "{whole}.{fraction:02}"),
    }
}

/// A JSON number: an integer when whole (`2`, not `2.0`), otherwise the `f64`
/// nearest to hundredths / 100. That `f64` prints as exactly the two-decimal
/// text (`1.25`, `0.1`): division of two exact integers is correctly rounded,
/// and a decimal of at most 8 significant digits is the shortest text that
/// reads back as its nearest `f64`. Tests check every value up to a cap.
pub(crate) fn serialize_hundredths<S: Serializer>(
    hundredths: i64,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if hundredths % 100 == 0 {
        serializer.serialize_i64(hundredths / 100)
    } else {
        serializer.serialize_f64(hundredths as f64 / 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_come_in_a_fixed_order() {
        assert_eq!(parse_hundredths("1.5x"), Err(DecimalError::NotANumber));
        assert_eq!(parse_hundredths("-1.255"), Err(DecimalError::Negative));
        assert_eq!(parse_hundredths("-1e99"), Err(DecimalError::Negative));
        assert_eq!(
            parse_hundredths("1.255"),
            Err(DecimalError::TooManyDecimals)
        );
        assert_eq!(parse_hundredths("100000"), Err(DecimalError::TooLarge));
        assert_eq!(parse_hundredths("99999.99"), Ok(9_999_999));
        assert_eq!(parse_hundredths("-0.00"), Ok(0));
    }
}
