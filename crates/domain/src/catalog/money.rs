//! Prices: an amount in a currency's minor unit (cents, fils, yen) and the
//! currency, kept as integers end to end so no rounding ever happens.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::FieldIssue;

/// A currency a course can be priced in: a current ISO 4217 code with minor
/// units.
///
/// Refused although ISO lists them: codes that are not money one can be paid
/// in (`XXX` no currency, `XTS` testing, `XAU` gold, `XDR` drawing rights),
/// funds codes (`USN`, `BOV`, `CLF`), which are accounting units, and codes
/// superseded by another (`HRK`, `SLL`), which payment providers no longer take.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// Lowercase is accepted and uppercased (`usd` is `USD`): the code is
    /// unambiguous either way, and refusing it would only make clients retry.
    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldIssue::required());
        }
        let invalid =
            || FieldIssue::invalid("must be an ISO 4217 currency code such as USD or EUR");
        if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(invalid());
        }
        let code = s.to_ascii_uppercase();
        let currency = iso_currency::Currency::from_code(&code).ok_or_else(invalid)?;
        let payable = currency.exponent().is_some()
            && !currency.is_fund()
            && !currency.is_special()
            && currency.is_superseded().is_none();
        if !payable {
            return Err(FieldIssue::invalid(format!(
                "{code} is not a currency courses can be priced in"
            )));
        }
        Ok(Self(currency))
    }

    /// The three-letter code, always uppercase.
    pub fn as_str(&self) -> &'static str {
        self.0.code()
    }

    /// How many decimals the minor unit has: 0 for JPY, 2 for USD, 3 for BHD.
    pub fn minor_digits(&self) -> u32 {
        // `parse` only admits currencies that have an exponent.
        self.0.exponent().map_or(0, u32::from)
    }

    /// Every currency [`parse`](Self::parse) admits, by code: what a price
    /// form offers. ISO 4217 codes are three letters, so trying each one
    /// against the list `iso_currency` carries finds them all.
    pub fn payable() -> &'static [Currency] {
        static ALL: std::sync::LazyLock<Vec<Currency>> = std::sync::LazyLock::new(|| {
            let letters = b'A'..=b'Z';
            letters
                .clone()
                .flat_map(|a| {
                    letters
                        .clone()
                        .flat_map(move |b| (b'A'..=b'Z').map(move |c| [a, b, c]))
                })
                .filter_map(|code| std::str::from_utf8(&code).ok().map(str::to_owned))
                .filter_map(|code| Currency::parse(&code).ok())
                .collect()
        });
        &ALL
    }

    /// The English name ISO gives the currency (`Euro`).
    pub fn name(&self) -> String {
        self.0.name().to_owned()
    }

    /// An amount typed in major units (`12.5`, `1200`, `1.250`, or with a
    /// decimal comma, `12,5`) in minor units, refusing more decimals than the
    /// currency has.
    pub fn parse_amount(&self, input: &str) -> Result<i64, FieldIssue> {
        let text = input.trim().replace(',', ".");
        let text = text.as_str();
        if text.is_empty() {
            return Err(FieldIssue::required());
        }
        let invalid = || {
            FieldIssue::invalid(format!(
                "must be an amount such as {} with at most {} decimals",
                self.amount_text(1234 * 10_i64.pow(self.minor_digits())),
                self.minor_digits()
            ))
        };
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = self.minor_digits() as usize;
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || fraction.len() > digits
        {
            return Err(invalid());
        }
        let scale = 10_i64.pow(self.minor_digits());
        let whole: i64 = whole.parse().map_err(|_| invalid())?;
        let fraction: i64 = if fraction.is_empty() {
            0
        } else {
            format!("{fraction:0<digits$}")
                .parse()
                .map_err(|_| invalid())?
        };
        whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(fraction))
            .ok_or_else(invalid)
    }

    /// An amount in minor units as typed in major units, without the code:
    /// `12.50`, `1200`, `1.250`.
    pub fn amount_text(&self, amount_minor: i64) -> String {
        let text = Money {
            amount_minor,
            currency: *self,
        }
        .to_string();
        text.split_once(' ')
            .map_or(text.clone(), |(_, amount)| amount.to_owned())
    }
}

impl AsRef<str> for Currency {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> Self {
        currency.as_str().to_owned()
    }
}

impl TryFrom<String> for Currency {
    type Error = FieldIssue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

/// A course price in minor units; zero means the course is free.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(into = "i64", try_from = "i64")]
pub struct PriceMinor(i64);

impl PriceMinor {
    /// 10^10 minor units (100 million dollars, 10 billion yen). No course costs
    /// that much; the cap catches a price typed with extra zeros, or in minor
    /// units twice over, before students see it.
    pub const MAX: i64 = 10_000_000_000;

    pub fn parse(amount_minor: i64) -> Result<Self, FieldIssue> {
        if (0..=Self::MAX).contains(&amount_minor) {
            Ok(Self(amount_minor))
        } else {
            Err(FieldIssue::new(
                "out_of_range",
                format!("must be between 0 and {} (in minor units)", Self::MAX),
            ))
        }
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub const fn is_free(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Debug for PriceMinor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PriceMinor({})", self.0)
    }
}

impl From<PriceMinor> for i64 {
    fn from(price: PriceMinor) -> Self {
        price.0
    }
}

impl TryFrom<i64> for PriceMinor {
    type Error = FieldIssue;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

/// An amount in a currency: what something costs, so never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawMoney")]
pub struct Money {
    amount_minor: i64,
    currency: Currency,
}

#[derive(Deserialize)]
struct RawMoney {
    amount_minor: i64,
    currency: Currency,
}

impl TryFrom<RawMoney> for Money {
    type Error = FieldIssue;

    fn try_from(raw: RawMoney) -> Result<Self, Self::Error> {
        Self::new(raw.amount_minor, raw.currency)
    }
}

impl Money {
    pub fn new(amount_minor: i64, currency: Currency) -> Result<Self, FieldIssue> {
        if amount_minor < 0 {
            return Err(FieldIssue::new("out_of_range", "must not be negative"));
        }
        Ok(Self {
            amount_minor,
            currency,
        })
    }

    /// A checked price is always a valid amount.
    pub const fn from_price(price: PriceMinor, currency: Currency) -> Self {
        Self {
            amount_minor: price.get(),
            currency,
        }
    }

    pub const fn amount_minor(&self) -> i64 {
        self.amount_minor
    }

    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// `USD 12.50`, `JPY 1200`, `BHD 1.250`: the code, then the amount with
    /// exactly the currency's decimals. No symbol and no thousands separator,
    /// as both depend on the reader's locale; this form reads the same
    /// everywhere (receipts, emails, logs).
    pub fn display(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.currency.minor_digits();
        let code = self.currency.as_str();
        match 10_i64.checked_pow(digits) {
            Some(scale) if digits > 0 => {
                let whole = self.amount_minor / scale;
                let fraction = self.amount_minor % scale;
                let width = digits as usize;
                write!(f, "{code} {whole}.{fraction:0width$}")
            }
            _ => write!(f, "{code} {}", self.amount_minor),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).expect("valid currency")
    }

    #[test]
    fn minor_digits_follow_iso_4217() {
        assert_eq!(currency("JPY").minor_digits(), 0);
        assert_eq!(currency("USD").minor_digits(), 2);
        assert_eq!(currency("EUR").minor_digits(), 2);
        assert_eq!(currency("BHD").minor_digits(), 3);
        assert_eq!(currency("KWD").minor_digits(), 3);
    }

    #[test]
    fn codes_are_normalized_to_uppercase() {
        assert_eq!(currency("usd").as_str(), "USD");
        assert_eq!(currency(" Gbp ").as_str(), "GBP");
        assert_eq!(currency("eur").to_string(), "EUR");
    }

    #[test]
    fn refuses_unknown_and_unpayable_codes() {
        assert_eq!(Currency::parse("").expect_err("blank").code, "required");
        for bad in [
            "US", "USDD", "U$D", "ZZZ", "XXX", "XTS", "XAU", "XDR", "USN", "BOV", "CLF", "HRK",
            "SLL", "€",
        ] {
            assert_eq!(
                Currency::parse(bad).expect_err(bad).code,
                "invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn currency_serde_is_the_code() {
        assert_eq!(
            serde_json::to_string(&currency("usd")).expect("ser"),
            r#""USD""#
        );
        let parsed: Currency = serde_json::from_str(r#""jpy""#).expect("valid");
        assert_eq!(parsed, currency("JPY"));
        assert!(serde_json::from_str::<Currency>(r#""XXX""#).is_err());
    }

    #[test]
    fn displays_exactly_the_minor_digits() {
        let show = |amount, code| Money::new(amount, currency(code)).expect("valid").display();
        assert_eq!(show(1250, "USD"), "USD 12.50");
        assert_eq!(show(5, "USD"), "USD 0.05");
        assert_eq!(show(0, "USD"), "USD 0.00");
        assert_eq!(show(123_456_789, "USD"), "USD 1234567.89");
        assert_eq!(show(1200, "JPY"), "JPY 1200");
        assert_eq!(show(0, "JPY"), "JPY 0");
        assert_eq!(show(1250, "BHD"), "BHD 1.250");
        assert_eq!(show(7, "BHD"), "BHD 0.007");
        assert_eq!(
            Money::from_price(
                PriceMinor::parse(PriceMinor::MAX).expect("max"),
                currency("EUR")
            )
            .to_string(),
            "EUR 100000000.00"
        );
    }

    #[test]
    fn money_is_never_negative() {
        assert_eq!(
            Money::new(-1, currency("USD")).expect_err("negative").code,
            "out_of_range"
        );
        let money: Money =
            serde_json::from_str(r#"{"amount_minor": 1250, "currency": "usd"}"#).expect("valid");
        assert_eq!(money.amount_minor(), 1250);
        assert_eq!(money.currency(), currency("USD"));
        assert_eq!(
            serde_json::to_value(money).expect("ser"),
            serde_json::json!({"amount_minor": 1250, "currency": "USD"})
        );
        assert!(
            serde_json::from_str::<Money>(r#"{"amount_minor": -5, "currency": "USD"}"#).is_err()
        );
    }

    #[test]
    fn price_bounds() {
        assert!(PriceMinor::parse(0).expect("free").is_free());
        assert_eq!(PriceMinor::parse(1999).expect("valid").get(), 1999);
        assert!(PriceMinor::parse(10_000_000_000).is_ok());
        assert_eq!(
            PriceMinor::parse(10_000_000_001).expect_err("cap").code,
            "out_of_range"
        );
        assert_eq!(
            PriceMinor::parse(-1).expect_err("negative").code,
            "out_of_range"
        );
        assert!(serde_json::from_str::<PriceMinor>("-1").is_err());
        assert_eq!(
            serde_json::from_str::<PriceMinor>("500").expect("valid"),
            PriceMinor::parse(500).expect("valid")
        );
    }

    #[test]
    fn amounts_typed_in_major_units() {
        let usd = currency("USD");
        assert_eq!(usd.parse_amount("12.5"), Ok(1250));
        assert_eq!(usd.parse_amount(" 40 "), Ok(4000));
        assert_eq!(usd.parse_amount("0.05"), Ok(5));
        assert!(usd.parse_amount("1.234").is_err());
        assert!(usd.parse_amount("-1").is_err());
        assert_eq!(usd.parse_amount("1,50"), Ok(150), "a decimal comma");
        assert!(usd.parse_amount("1.2.3").is_err());
        assert!(usd.parse_amount("1e3").is_err());
        assert!(usd.parse_amount("99999999999999999999").is_err());
        assert!(usd.parse_amount(".5").is_err());
        assert!(usd.parse_amount("").is_err());
        assert_eq!(currency("JPY").parse_amount("1200"), Ok(1200));
        assert!(currency("JPY").parse_amount("12.5").is_err());
        assert_eq!(currency("BHD").parse_amount("1.25"), Ok(1250));
        assert_eq!(usd.amount_text(1250), "12.50");
        assert_eq!(currency("JPY").amount_text(1200), "1200");
        assert_eq!(currency("BHD").amount_text(1250), "1.250");
    }

    #[test]
    fn the_payable_list_is_what_parse_admits() {
        let all = Currency::payable();
        assert!(all.len() > 140, "{}", all.len());
        for code in ["EUR", "USD", "JPY", "CHF", "BHD"] {
            assert!(all.iter().any(|c| c.as_str() == code), "{code}");
        }
        for code in ["XXX", "XAU", "USN", "HRK"] {
            assert!(!all.iter().any(|c| c.as_str() == code), "{code}");
        }
    }
}
