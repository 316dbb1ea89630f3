//! Transcripts and licences: what a learner's credits add up to, per credit
//! type and period, and against each licence's renewal requirements; and
//! when to remind them of a renewal.

use chrono::{Months, NaiveDate, NaiveTime, TimeZone as _};
use serde::{Deserialize, Serialize};

use super::{
    CreditAmount, CreditSource, CreditTypeName, Jurisdiction, LicenceNumber, Profession,
    RenewalLead, Topic,
};
use crate::{FieldIssue, TimeZone, Timestamp};

/// Credits a licence requires in one topic per cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicRequirement {
    pub topic: Topic,
    pub credits: CreditAmount,
}

/// A licence or registration a learner holds, and what its renewal requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    pub profession: Profession,
    pub jurisdiction: Jurisdiction,
    pub number: LicenceNumber,
    /// The next renewal: the current cycle ends on this day.
    pub renews_on: NaiveDate,
    pub cycle_months: i64,
    /// Credits required per cycle, topic credits included.
    pub required: CreditAmount,
    pub required_topics: Vec<TopicRequirement>,
    /// The credit types the board accepts; empty accepts every type. Boards
    /// commonly accept only some ("AMA PRA Category 1"), and counting the
    /// rest would report "met" to someone who is not.
    pub accepted_credit_types: Vec<CreditTypeName>,
}

impl Licence {
    /// Ten years: the longest renewal cycle boards use is five.
    pub const MAX_CYCLE_MONTHS: i64 = 120;

    /// Every problem, each under its path (`required_topics[1].credits`).
    pub fn validate(&self) -> Result<(), Vec<(String, FieldIssue)>> {
        let mut issues = Vec::new();
        if !(1..=Self::MAX_CYCLE_MONTHS).contains(&self.cycle_months) {
            issues.push((
                "cycle_months".to_owned(),
                FieldIssue::new(
                    "out_of_range",
                    format!("must be between 1 and {}", Self::MAX_CYCLE_MONTHS),
                ),
            ));
        }
        for (i, requirement) in self.required_topics.iter().enumerate() {
            if self.required_topics[..i]
                .iter()
                .any(|earlier| earlier.topic == requirement.topic)
            {
                issues.push((
                    format!("required_topics[{i}].topic"),
                    FieldIssue::invalid("must not list a topic twice"),
                ));
            }
            if requirement.credits.is_zero() {
                issues.push((
                    format!("required_topics[{i}].credits"),
                    FieldIssue::new("out_of_range", "must be more than zero"),
                ));
            } else if requirement.credits > self.required {
                // Topic credits count towards the total, so a topic can
                // never need more than the whole cycle.
                issues.push((
                    format!("required_topics[{i}].credits"),
                    FieldIssue::new(
                        "out_of_range",
                        "must not exceed the credits required in all",
                    ),
                ));
            }
        }
        for (i, credit_type) in self.accepted_credit_types.iter().enumerate() {
            if self.accepted_credit_types[..i]
                .iter()
                .any(|earlier| earlier.same_type(credit_type))
            {
                issues.push((
                    format!("accepted_credit_types[{i}]"),
                    FieldIssue::invalid("must not list a credit type twice"),
                ));
            }
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }

    /// The day before the current cycle: it runs from the day after this
    /// (the previous renewal) through [`renews_on`](Self::renews_on), so no
    /// entry counts in two cycles. A renewal on 31 March with a 24-month
    /// cycle counts 1 April two years before through 31 March; month ends
    /// clamp (29 February minus 12 months is 28 February).
    pub fn previous_renewal(&self) -> NaiveDate {
        let months = self.cycle_months.clamp(1, Self::MAX_CYCLE_MONTHS) as u32;
        self.renews_on
            .checked_sub_months(Months::new(months))
            .unwrap_or(NaiveDate::MIN)
    }

    /// Whether `entry` counts towards the current cycle: dated inside it and
    /// of an accepted credit type. Self-reported entries count like earned
    /// ones; the transcript marks them.
    pub fn counts(&self, entry: &CreditEntry) -> bool {
        entry.earned_on > self.previous_renewal()
            && entry.earned_on <= self.renews_on
            && (self.accepted_credit_types.is_empty()
                || self
                    .accepted_credit_types
                    .iter()
                    .any(|accepted| accepted.same_type(&entry.credit_type)))
    }
}

/// One line of a learner's transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditEntry {
    pub earned_on: NaiveDate,
    pub amount: CreditAmount,
    pub credit_type: CreditTypeName,
    /// Its full amount counts towards each of these topics: an activity on
    /// opioid prescribing and pain management serves both requirements.
    pub topics: Vec<Topic>,
    pub source: CreditSource,
}

/// How far one requirement is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub required: CreditAmount,
    pub earned: CreditAmount,
    /// Zero when met.
    pub short_by: CreditAmount,
}

impl Requirement {
    fn new(required: CreditAmount, earned: CreditAmount) -> Self {
        Self {
            required,
            earned,
            short_by: earned.shortfall_to(required),
        }
    }

    pub fn is_met(&self) -> bool {
        self.short_by.is_zero()
    }
}

/// A required topic and how far it is met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicStatus {
    pub topic: Topic,
    #[serde(flatten)]
    pub requirement: Requirement,
}

/// Where a licence's current cycle stands: "met", or "short by N" in total
/// and per topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceStatus {
    /// The cycle runs from the day after this through `renews_on`.
    pub previous_renewal: NaiveDate,
    pub renews_on: NaiveDate,
    pub total: Requirement,
    /// In the licence's order.
    pub topics: Vec<TopicStatus>,
}

impl LicenceStatus {
    /// Met only when the total and every topic are.
    pub fn is_met(&self) -> bool {
        self.total.is_met() && self.topics.iter().all(|t| t.requirement.is_met())
    }
}

/// The licence's current cycle against the learner's credit entries (in any
/// order, of any period: only those the licence [`counts`](Licence::counts)
/// are added).
pub fn licence_status(licence: &Licence, entries: &[CreditEntry]) -> LicenceStatus {
    let counted: Vec<&CreditEntry> = entries.iter().filter(|e| licence.counts(e)).collect();
    let topics = licence
        .required_topics
        .iter()
        .map(|requirement| TopicStatus {
            topic: requirement.topic.clone(),
            requirement: Requirement::new(
                requirement.credits,
                sum(counted
                    .iter()
                    .copied()
                    .filter(|e| e.topics.contains(&requirement.topic))),
            ),
        })
        .collect();
    let total = sum(counted.iter().copied());
    LicenceStatus {
        previous_renewal: licence.previous_renewal(),
        renews_on: licence.renews_on,
        total: Requirement::new(licence.required, total),
        topics,
    }
}

fn sum<'a>(entries: impl Iterator<Item = &'a CreditEntry>) -> CreditAmount {
    entries.fold(CreditAmount::ZERO, |total, e| {
        total.saturating_add(e.amount)
    })
}

/// Credits of one type in a period, as a transcript lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeTotal {
    /// As first seen among the entries.
    pub credit_type: CreditTypeName,
    /// Everything of this type, self-reported included.
    pub total: CreditAmount,
    /// The self-reported part of `total`.
    pub self_reported: CreditAmount,
}

/// Totals per credit type of the entries from `from` through `to`
/// (inclusive), in the order the types first appear. Types are grouped as
/// [`CreditTypeName::same_type`] compares them.
pub fn totals_by_type(entries: &[CreditEntry], from: NaiveDate, to: NaiveDate) -> Vec<TypeTotal> {
    let mut totals: Vec<TypeTotal> = Vec::new();
    for entry in entries
        .iter()
        .filter(|e| e.earned_on >= from && e.earned_on <= to)
    {
        let self_reported = if entry.source == CreditSource::SelfReported {
            entry.amount
        } else {
            CreditAmount::ZERO
        };
        if let Some(line) = totals
            .iter_mut()
            .find(|t| t.credit_type.same_type(&entry.credit_type))
        {
            line.total = line.total.saturating_add(entry.amount);
            line.self_reported = line.self_reported.saturating_add(self_reported);
        } else {
            totals.push(TypeTotal {
                credit_type: entry.credit_type.clone(),
                total: entry.amount,
                self_reported,
            });
        }
    }
    totals
}

/// One reminder of a licence's renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalReminder {
    pub lead: RenewalLead,
    pub send_on: NaiveDate,
    /// 09:00 on `send_on` in the learner's zone: a reminder about paperwork
    /// should not arrive at night.
    pub send_after: Timestamp,
}

/// The reminders 90, 30 and 7 days before `renews_on` whose moment is still
/// after `now`; passed ones are left out rather than sent late in a burst.
/// They go out whether or not the cycle is met: a met cycle still has to be
/// renewed, and the reminder's text says which it is.
pub fn renewal_reminders(
    renews_on: NaiveDate,
    zone: &TimeZone,
    now: Timestamp,
) -> Vec<RenewalReminder> {
    RenewalLead::ALL
        .into_iter()
        .filter_map(|lead| {
            let send_on =
                renews_on.checked_sub_days(chrono::Days::new(lead.days().unsigned_abs()))?;
            let local = send_on.and_time(NaiveTime::from_hms_opt(9, 0, 0)?);
            let tz = zone.tz();
            // 09:00 exists in every zone in practice; should a transition
            // ever fall on it, the earliest valid reading is taken.
            let at = tz
                .from_local_datetime(&local)
                .earliest()
                .map(|at| at.to_utc())
                .unwrap_or_else(|| local.and_utc());
            Some(RenewalReminder {
                lead,
                send_on,
                send_after: Timestamp::from(at),
            })
        })
        .filter(|reminder| reminder.send_after > now)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn credits(text: &str) -> CreditAmount {
        CreditAmount::parse(text).expect(text)
    }

    fn topic(text: &str) -> Topic {
        Topic::parse(text).expect(text)
    }

    fn credit_type(text: &str) -> CreditTypeName {
        CreditTypeName::parse(text).expect(text)
    }

    fn entry(on: &str, amount: &str, topics: &[&str]) -> CreditEntry {
        CreditEntry {
            earned_on: date(on),
            amount: credits(amount),
            credit_type: credit_type("AMA PRA Category 1 Credit™"),
            topics: topics.iter().map(|t| topic(t)).collect(),
            source: CreditSource::Earned,
        }
    }

    /// A licence renewing on 30 June 2027 every two years: 40 credits, 2 of
    /// them on opioid prescribing.
    fn licence() -> Licence {
        Licence {
            profession: Profession::Physician,
            jurisdiction: Jurisdiction::parse("California").expect("valid"),
            number: LicenceNumber::parse("A123456").expect("valid"),
            renews_on: date("2027-06-30"),
            cycle_months: 24,
            required: credits("40"),
            required_topics: vec![TopicRequirement {
                topic: topic("Opioid prescribing"),
                credits: credits("2"),
            }],
            accepted_credit_types: Vec::new(),
        }
    }

    /// 40 credits over the two years, 2 of them on the required topic: 19
    /// monthly activities of 2 credits, plus one on opioid prescribing.
    fn forty_in_two_years() -> Vec<CreditEntry> {
        let mut entries: Vec<_> = (0..19)
            .map(|i| {
                let on = date("2025-07-15")
                    .checked_add_months(Months::new(i))
                    .expect("date");
                CreditEntry {
                    earned_on: on,
                    ..entry("2025-07-15", "2", &[])
                }
            })
            .collect();
        entries.push(entry("2026-03-10", "2", &["opioid  Prescribing"]));
        entries
    }

    #[test]
    fn the_fixture_is_met() {
        let status = licence_status(&licence(), &forty_in_two_years());
        assert_eq!(status.previous_renewal, date("2025-06-30"));
        assert_eq!(status.renews_on, date("2027-06-30"));
        assert_eq!(status.total.earned, credits("40"));
        assert_eq!(status.total.short_by, CreditAmount::ZERO);
        assert_eq!(status.topics.len(), 1);
        assert_eq!(status.topics[0].requirement.earned, credits("2"));
        assert!(status.topics[0].requirement.is_met());
        assert!(status.is_met());
    }

    #[test]
    fn short_by_n_in_total_and_per_topic() {
        let mut entries = forty_in_two_years();
        entries.remove(0);
        let status = licence_status(&licence(), &entries);
        assert_eq!(status.total.earned, credits("38"));
        assert_eq!(status.total.short_by, credits("2"));
        assert!(status.topics[0].requirement.is_met());
        assert!(!status.is_met());

        // Enough in total, not enough on the topic.
        let mut no_topic = forty_in_two_years();
        no_topic.pop();
        no_topic.push(entry("2026-03-10", "1.5", &["opioid prescribing"]));
        no_topic.push(entry("2026-04-10", "0.5", &[]));
        let status = licence_status(&licence(), &no_topic);
        assert!(status.total.is_met());
        assert_eq!(status.topics[0].requirement.short_by, credits("0.5"));
        assert!(!status.is_met());

        let nothing = licence_status(&licence(), &[]);
        assert_eq!(nothing.total.short_by, credits("40"));
        assert_eq!(nothing.topics[0].requirement.short_by, credits("2"));
    }

    #[test]
    fn only_entries_inside_the_cycle_count() {
        let mut entries = forty_in_two_years();
        entries.remove(0);
        // The previous renewal day belongs to the previous cycle …
        entries.push(entry("2025-06-30", "2", &[]));
        entries.push(entry("2024-01-01", "10", &[]));
        // … and anything after this renewal to the next one.
        entries.push(entry("2027-07-01", "10", &[]));
        assert_eq!(
            licence_status(&licence(), &entries).total.short_by,
            credits("2")
        );
        // The renewal day itself and the day after the previous one count.
        entries.push(entry("2027-06-30", "1", &[]));
        entries.push(entry("2025-07-01", "1", &[]));
        assert!(licence_status(&licence(), &entries).is_met());
    }

    #[test]
    fn self_reported_credits_count_and_other_types_only_when_accepted() {
        let mut entries = forty_in_two_years();
        entries[0].source = CreditSource::SelfReported;
        entries[1].credit_type = credit_type("ECMEC®");
        assert!(licence_status(&licence(), &entries).is_met());

        let strict = Licence {
            accepted_credit_types: vec![credit_type("ama pra category 1 credit™")],
            ..licence()
        };
        let status = licence_status(&strict, &entries);
        assert_eq!(status.total.short_by, credits("2"));
    }

    #[test]
    fn cycles_clamp_at_month_ends() {
        let leap = Licence {
            renews_on: date("2028-02-29"),
            cycle_months: 12,
            ..licence()
        };
        assert_eq!(leap.previous_renewal(), date("2027-02-28"));
        let five_years = Licence {
            cycle_months: 60,
            ..licence()
        };
        assert_eq!(five_years.previous_renewal(), date("2022-06-30"));
    }

    #[test]
    fn licences_are_checked() {
        assert_eq!(licence().validate(), Ok(()));
        let mut bad = licence();
        bad.cycle_months = 0;
        bad.required_topics.push(TopicRequirement {
            topic: topic("opioid prescribing"),
            credits: credits("41"),
        });
        bad.required_topics.push(TopicRequirement {
            topic: topic("ethics"),
            credits: CreditAmount::ZERO,
        });
        bad.accepted_credit_types = vec![credit_type("ECMEC®"), credit_type("ecmec®")];
        let fields: Vec<(String, &str)> = bad
            .validate()
            .expect_err("bad")
            .into_iter()
            .map(|(field, issue)| (field, issue.code))
            .collect();
        let expected: Vec<(String, &str)> = [
            ("cycle_months", "out_of_range"),
            ("required_topics[1].topic", "invalid"),
            ("required_topics[1].credits", "out_of_range"),
            ("required_topics[2].credits", "out_of_range"),
            ("accepted_credit_types[1]", "invalid"),
        ]
        .into_iter()
        .map(|(f, c)| (f.to_owned(), c))
        .collect();
        assert_eq!(fields, expected);
    }

    #[test]
    fn transcripts_total_per_type_and_period() {
        let mut entries = vec![
            entry("2026-01-10", "1.5", &[]),
            entry("2026-02-10", "0.25", &[]),
            CreditEntry {
                credit_type: credit_type("ECMEC®"),
                ..entry("2026-03-10", "3", &[])
            },
            CreditEntry {
                source: CreditSource::SelfReported,
                credit_type: credit_type("ama pra category 1 credit™"),
                ..entry("2026-04-10", "2", &[])
            },
            entry("2027-01-01", "5", &[]),
        ];
        entries.push(entry("2025-12-31", "5", &[]));
        let totals = totals_by_type(&entries, date("2026-01-01"), date("2026-12-31"));
        assert_eq!(
            totals,
            vec![
                TypeTotal {
                    credit_type: credit_type("AMA PRA Category 1 Credit™"),
                    total: credits("3.75"),
                    self_reported: credits("2"),
                },
                TypeTotal {
                    credit_type: credit_type("ECMEC®"),
                    total: credits("3"),
                    self_reported: CreditAmount::ZERO,
                },
            ]
        );
        assert!(totals_by_type(&entries, date("2030-01-01"), date("2030-12-31")).is_empty());
    }

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).expect("valid")
    }

    #[test]
    fn reminders_ninety_thirty_and_seven_days_ahead() {
        let utc = TimeZone::utc();
        let plan = renewal_reminders(date("2027-06-30"), &utc, at("2027-01-01T00:00:00Z"));
        let summary: Vec<_> = plan
            .iter()
            .map(|r| (r.lead, r.send_on.to_string(), r.send_after.to_string()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    RenewalLead::Days90,
                    "2027-04-01".into(),
                    "2027-04-01T09:00:00Z".into()
                ),
                (
                    RenewalLead::Days30,
                    "2027-05-31".into(),
                    "2027-05-31T09:00:00Z".into()
                ),
                (
                    RenewalLead::Days7,
                    "2027-06-23".into(),
                    "2027-06-23T09:00:00Z".into()
                ),
            ]
        );
    }

    #[test]
    fn passed_reminders_are_left_out_and_zones_are_followed() {
        let utc = TimeZone::utc();
        let leads = |now: &str| -> Vec<RenewalLead> {
            renewal_reminders(date("2027-06-30"), &utc, at(now))
                .into_iter()
                .map(|r| r.lead)
                .collect()
        };
        assert_eq!(leads("2027-04-01T08:59:59Z").len(), 3);
        assert_eq!(
            leads("2027-04-01T09:00:00Z"),
            [RenewalLead::Days30, RenewalLead::Days7]
        );
        assert_eq!(leads("2027-06-01T00:00:00Z"), [RenewalLead::Days7]);
        assert!(leads("2027-06-23T09:00:00Z").is_empty());

        let berlin = TimeZone::parse("Europe/Berlin").expect("zone");
        let plan = renewal_reminders(date("2027-06-30"), &berlin, at("2027-01-01T00:00:00Z"));
        assert_eq!(plan[0].send_after, at("2027-04-01T07:00:00Z"), "09:00 CEST");
        let winter = renewal_reminders(date("2027-03-01"), &berlin, at("2026-01-01T00:00:00Z"));
        assert_eq!(winter[0].send_on, date("2026-12-01"));
        assert_eq!(
            winter[0].send_after,
            at("2026-12-01T08:00:00Z"),
            "09:00 CET"
        );
    }
}
