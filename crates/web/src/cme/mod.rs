//! Continuing medical education for learners: the CME side of a course's
//! page, a learner's progress on an activity (its tests and the claim form),
//! taking an attempt and reading its result, the learner's certificates, and
//! the public page that verifies a certificate from its code; and the
//! learner's own record: their CME profile, licences, credits earned
//! elsewhere and transcript. Every page
//! calls the use cases of `medicaledu_app::cme`, which decide who may do what
//! and score everything on the server.

pub mod activity;
pub mod attempt;
pub mod certificates;
pub mod claim;
pub mod external;
pub mod licences;
pub mod profile;
pub mod progress;
pub mod transcript;
pub mod verify;

use chrono::NaiveDate;
use medicaledu_domain::{ActivityFormat, AssessmentKind, CreditAmount};

use crate::i18n::{Arg, Tr};
use crate::view;

/// The learner's CME page of the course `slug`.
pub fn progress_href(slug: &str) -> String {
    format!("/courses/{slug}/cme")
}

/// The public verification page of a certificate.
pub fn verify_href(code: &str) -> String {
    format!("/verify/{code}")
}

/// The PDF of a certificate, public like its verification page.
pub fn pdf_href(code: &str) -> String {
    format!("/verify/{code}/certificate.pdf")
}

/// "Enduring material", "Live activity".
pub fn format_name(format: ActivityFormat, tr: &Tr) -> String {
    match format {
        ActivityFormat::Live => tr.t("cme-format-live"),
        ActivityFormat::Enduring => tr.t("cme-format-enduring"),
    }
}

/// "Pre-test", "Post-test", "Evaluation".
pub fn kind_name(kind: AssessmentKind, tr: &Tr) -> String {
    match kind {
        AssessmentKind::PreTest => tr.t("cme-kind-pre_test"),
        AssessmentKind::PostTest => tr.t("cme-kind-post_test"),
        AssessmentKind::Evaluation => tr.t("cme-kind-evaluation"),
    }
}

/// "1 January 2020" to "31 December 2026", or "From 1 January 2020" for an
/// activity without an end.
pub fn dates(start: NaiveDate, end: Option<NaiveDate>, tr: &Tr) -> String {
    let start = view::date(start, tr);
    match end {
        Some(end) => tr.t_with(
            "cme-dates-range",
            &[
                ("start", Arg::Text(start)),
                ("end", view::date(end, tr).into()),
            ],
        ),
        None => tr.t_with("cme-dates-from", &[("start", Arg::Text(start))]),
    }
}

/// Credits as stored in hundredths, as the shortest exact decimal (`1.5`).
/// A stored amount is always in range; should one not be, it reads as the
/// hundredths it is rather than hiding the row.
pub fn credits(hundredths: i64) -> String {
    CreditAmount::from_hundredths(hundredths)
        .map_or_else(|_| hundredths.to_string(), |amount| amount.to_string())
}

/// A score in hundredths of a percent as the page reads it: `80 %`, `66.66 %`.
pub fn percent(hundredths: i64, tr: &Tr) -> String {
    let whole = hundredths / 100;
    let rest = hundredths % 100;
    let number = if rest == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{rest:02}")
            .trim_end_matches('0')
            .to_owned()
    };
    tr.t_with("cme-percent", &[("value", Arg::Text(number))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_credits_read_exactly() {
        let en = Tr::default();
        assert_eq!(percent(8000, &en), "80%");
        assert_eq!(percent(6666, &en), "66.66%");
        assert_eq!(percent(6650, &en), "66.5%");
        assert_eq!(percent(0, &en), "0%");
        assert_eq!(percent(8000, &Tr::negotiate(Some("de"), None)), "80 %");
        assert_eq!(credits(150), "1.5");
        assert_eq!(credits(200), "2");
        assert_eq!(credits(25), "0.25");
    }

    #[test]
    fn activity_dates_name_their_ends() {
        let en = Tr::default();
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(
            dates(day("2020-01-01"), Some(day("2026-12-31")), &en),
            "1 January 2020 to 31 December 2026"
        );
        assert_eq!(dates(day("2020-01-01"), None, &en), "From 1 January 2020");
    }
}
