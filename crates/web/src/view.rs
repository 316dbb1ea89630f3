//! How values read on a page: times in the viewer's zone with the zone named,
//! money with its currency, ratings and progress. Pure functions, unit tested.

use chrono::{Locale, NaiveDate};
use medicaledu_app::payments::RevenueSum;
use medicaledu_domain::{Currency, Money, TimeZone, Timestamp};

use crate::i18n::{Arg, Tr};

/// The chrono locale for a page language (names of days and months).
fn locale(tr: &Tr) -> Locale {
    match tr.lang().as_str() {
        "de" => Locale::de_DE,
        _ => Locale::en_US,
    }
}

/// `Tuesday 1 December 2026, 09:00 (Europe/Berlin)`.
pub fn when(at: Timestamp, zone: &TimeZone, tr: &Tr) -> String {
    let local = at.as_datetime().with_timezone(&zone.tz());
    format!(
        "{} ({zone})",
        local.format_localized("%A %-d %B %Y, %H:%M", locale(tr))
    )
}

/// `Tuesday 1 December 2026`: a day heading in the viewer's zone.
pub fn day(at: Timestamp, zone: &TimeZone, tr: &Tr) -> String {
    let local = at.as_datetime().with_timezone(&zone.tz());
    local
        .format_localized("%A %-d %B %Y", locale(tr))
        .to_string()
}

/// `1 January 2020`: a calendar day that belongs to no time zone (an
/// activity's release, a certificate's completion).
/// German writes the day as an ordinal: `1. Januar 2020`.
pub fn date(day: NaiveDate, tr: &Tr) -> String {
    let pattern = match locale(tr) {
        Locale::de_DE => "%-d. %B %Y",
        _ => "%-d %B %Y",
    };
    day.format_localized(pattern, locale(tr)).to_string()
}

/// `March`: the name of a month (1–12) in the page's language; a number
/// outside the year reads as itself.
pub fn month_name(month: u32, tr: &Tr) -> String {
    NaiveDate::from_ymd_opt(2000, month, 1).map_or_else(
        || month.to_string(),
        |first| first.format_localized("%B", locale(tr)).to_string(),
    )
}

/// `1 December 2026`: the day of `at` in the viewer's zone, as a date
/// (a certificate's issue, a revocation).
pub fn local_date(at: Timestamp, zone: &TimeZone, tr: &Tr) -> String {
    date(at.as_datetime().with_timezone(&zone.tz()).date_naive(), tr)
}

/// `09:00–10:30`: a session's local times on its day.
pub fn time_range(starts: Timestamp, ends: Timestamp, zone: &TimeZone) -> String {
    let tz = zone.tz();
    format!(
        "{}–{}",
        starts.as_datetime().with_timezone(&tz).format("%H:%M"),
        ends.as_datetime().with_timezone(&tz).format("%H:%M")
    )
}

/// `USD 50.00`, or "Free" for nothing to pay. A currency the database holds
/// is always valid; should one not be, the amount is still shown with it.
pub fn money(amount_minor: i64, currency: &str, tr: &Tr) -> String {
    if amount_minor == 0 {
        return tr.t("price-free");
    }
    Currency::parse(currency)
        .ok()
        .and_then(|c| Money::new(amount_minor, c).ok())
        .map_or_else(|| format!("{currency} {amount_minor}"), |m| m.display())
}

/// `USD 50.00`, `USD -5.00`, `USD 0.00`: an amount that may be nothing or
/// negative (revenue less refunds), never called "Free".
pub fn signed_money(amount_minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => format!("{} {}", c.as_str(), decimal(amount_minor, currency)),
        Err(_) => format!("{currency} {amount_minor}"),
    }
}

/// `50.00`, `-5.00`, `1200`: an amount in major units without its currency,
/// as a CSV column holds it next to a currency column. A currency the
/// database holds is always valid; should one not be, the minor units are
/// written as they are.
pub fn decimal(amount_minor: i64, currency: &str) -> String {
    let sign = if amount_minor < 0 { "-" } else { "" };
    match Currency::parse(currency) {
        Ok(c) => format!("{sign}{}", c.amount_text(amount_minor.saturating_abs())),
        Err(_) => amount_minor.to_string(),
    }
}

/// Gross, refunded and net of a revenue sum, as a table shows them.
pub struct Amounts {
    pub gross: String,
    pub refunded: String,
    pub net: String,
}

impl Amounts {
    pub fn of(sum: RevenueSum, currency: &str) -> Self {
        Self {
            gross: signed_money(sum.gross_minor, currency),
            refunded: signed_money(sum.refunded_minor, currency),
            net: signed_money(sum.net_minor(), currency),
        }
    }
}

/// `March 2027`: the month that begins at `at` in the viewer's zone.
pub fn month(at: Timestamp, zone: &TimeZone, tr: &Tr) -> String {
    let local = at.as_datetime().with_timezone(&zone.tz());
    local.format_localized("%B %Y", locale(tr)).to_string()
}

/// The average of `count` ratings summing to `sum`, with one decimal.
pub fn rating(sum: i64, count: i64) -> Option<String> {
    (count > 0).then(|| format!("{:.1}", sum as f64 / count as f64))
}

/// CME credit hours from hundredths: `1.5`, `2`, `0.25`.
pub fn cme_hours(hundredths: i64) -> Option<String> {
    (hundredths > 0).then(|| {
        let text = format!("{}.{:02}", hundredths / 100, hundredths % 100);
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    })
}

/// A progress bar's value (0 to 100, whatever the stored percent) and the
/// words that name it for screen readers.
pub fn progress(percent: i64, tr: &Tr) -> (i64, String) {
    let percent = percent.clamp(0, 100);
    (
        percent,
        tr.t_with("dashboard-progress", &[("percent", Arg::Number(percent))]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Tr;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).expect("valid")
    }

    #[test]
    fn times_are_local_and_name_their_zone() {
        let berlin = TimeZone::parse("Europe/Berlin").expect("zone");
        let en = Tr::default();
        let de = Tr::negotiate(Some("de"), None);
        // 08:00 UTC in winter is 09:00 in Berlin; in summer 10:00.
        assert_eq!(
            when(at("2026-12-01T08:00:00Z"), &berlin, &en),
            "Tuesday 1 December 2026, 09:00 (Europe/Berlin)"
        );
        assert_eq!(
            when(at("2027-07-01T08:00:00Z"), &berlin, &en),
            "Thursday 1 July 2027, 10:00 (Europe/Berlin)"
        );
        assert_eq!(
            when(at("2026-12-01T08:00:00Z"), &berlin, &de),
            "Dienstag 1 Dezember 2026, 09:00 (Europe/Berlin)"
        );
        let tokyo = TimeZone::parse("Asia/Tokyo").expect("zone");
        assert_eq!(
            day(at("2026-12-01T20:00:00Z"), &tokyo, &en),
            "Wednesday 2 December 2026"
        );
        assert_eq!(
            time_range(
                at("2026-12-01T08:00:00Z"),
                at("2026-12-01T09:30:00Z"),
                &berlin
            ),
            "09:00–10:30"
        );
    }

    #[test]
    fn months_are_named_in_the_page_language() {
        assert_eq!(month_name(3, &Tr::default()), "March");
        assert_eq!(month_name(3, &Tr::negotiate(Some("de"), None)), "März");
        assert_eq!(month_name(13, &Tr::default()), "13");
    }

    #[test]
    fn dates_read_in_the_page_language() {
        let day = NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
        assert_eq!(date(day, &Tr::default()), "1 January 2020");
        assert_eq!(
            date(day, &Tr::negotiate(Some("de"), None)),
            "1. Januar 2020"
        );
        let berlin = TimeZone::parse("Europe/Berlin").expect("zone");
        assert_eq!(
            local_date(at("2026-12-31T23:30:00Z"), &berlin, &Tr::default()),
            "1 January 2027"
        );
    }

    #[test]
    fn money_keeps_its_currency_and_decimals() {
        let tr = Tr::default();
        assert_eq!(money(5000, "USD", &tr), "USD 50.00");
        assert_eq!(money(1200, "JPY", &tr), "JPY 1200");
        assert_eq!(money(1250, "BHD", &tr), "BHD 1.250");
        assert_eq!(money(0, "EUR", &tr), "Free");
        assert_eq!(signed_money(0, "EUR"), "EUR 0.00");
        assert_eq!(signed_money(-500, "USD"), "USD -5.00");
        assert_eq!(signed_money(1200, "JPY"), "JPY 1200");
        assert_eq!(decimal(-500, "USD"), "-5.00");
        assert_eq!(decimal(1250, "BHD"), "1.250");
        assert_eq!(decimal(0, "JPY"), "0");
        assert_eq!(
            money(0, "EUR", &Tr::negotiate(Some("de"), None)),
            "Kostenlos"
        );
    }

    #[test]
    fn progress_is_bounded_and_spoken() {
        let en = Tr::default();
        assert_eq!(progress(40, &en), (40, "40% complete".to_owned()));
        assert_eq!(progress(130, &en).0, 100);
        assert_eq!(progress(-5, &en).0, 0);
        assert_eq!(
            progress(100, &Tr::negotiate(Some("de"), None)).1,
            "100 % abgeschlossen"
        );
    }

    #[test]
    fn rating_counts_agree_in_number() {
        let en = Tr::default();
        assert_eq!(
            crate::catalog::rating_text(4, 1, &en),
            "Rated 4.0 of 5 (1 rating)"
        );
        assert_eq!(
            crate::catalog::rating_text(9, 2, &en),
            "Rated 4.5 of 5 (2 ratings)"
        );
        let de = Tr::negotiate(Some("de"), None);
        assert_eq!(
            crate::catalog::rating_text(4, 1, &de),
            "4.0 von 5 (1 Bewertung)"
        );
    }

    #[test]
    fn ratings_and_credit_hours() {
        assert_eq!(rating(9, 2), Some("4.5".into()));
        assert_eq!(rating(0, 0), None);
        assert_eq!(cme_hours(150), Some("1.5".into()));
        assert_eq!(cme_hours(200), Some("2".into()));
        assert_eq!(cme_hours(25), Some("0.25".into()));
        assert_eq!(cme_hours(0), None);
    }
}
