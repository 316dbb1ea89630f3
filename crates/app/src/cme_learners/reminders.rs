//! Reminders of licence renewals, 90, 30 and 7 days ahead at 09:00 in the
//! learner's zone, each saying whether the cycle's credits are met.
//!
//! A background sweep queues the reminders coming due within the next
//! [`RENEWAL_HORIZON_DAYS`], each under a dedupe key naming the licence, its
//! renewal date, the lead and the channel, so that every replica may sweep
//! at once and each reminder is queued exactly once. A new renewal date
//! gets reminders of its own; those of the old date, and of a deleted
//! licence, are cancelled if they have not gone out.

use chrono::{Days, Duration, NaiveDate};
use medicaledu_domain::{
    Channel, CreditEntry, Id, Licence, LicenceStatus, NotificationKind, RenewalLead, Timestamp,
    licence_status, renewal_reminders,
};
use medicaledu_store::Tx;
use medicaledu_store::cme_learners::{self, LicenceRow};
use medicaledu_store::notifications;
use serde_json::json;

use super::licences::licence_of;
use super::transcript::{TranscriptLine, lines};
use super::zone_of;
use crate::notify::{self, Notice, Scheduled};
use crate::{AppContext, Internal};

/// How far ahead a sweep queues reminders: longer than the pause between
/// sweeps, so none falls between two of them.
pub const RENEWAL_HORIZON_DAYS: i64 = 2;

/// Licences read per page of a sweep.
const PAGE: i64 = 200;

/// The key of one reminder of one renewal, before its channel.
pub fn renewal_key(licence_id: Id, renews_on: NaiveDate, lead: RenewalLead) -> String {
    format!("licence-renewal:{licence_id}:{renews_on}:{lead}")
}

/// Cancels the reminders of a licence's renewal on `renews_on` that have not
/// gone out, on every channel.
pub(super) async fn cancel(
    tx: &mut Tx,
    licence_id: Id,
    renews_on: NaiveDate,
    now: Timestamp,
) -> Result<(), Internal> {
    let keys: Vec<String> = RenewalLead::ALL
        .into_iter()
        .flat_map(|lead| {
            Channel::ALL.into_iter().map(move |channel| {
                format!("{}:{channel}", renewal_key(licence_id, renews_on, lead))
            })
        })
        .collect();
    notifications::cancel_keys(tx, &keys, now).await?;
    Ok(())
}

/// Queues the renewal reminders of every live licence that come due within
/// the next [`RENEWAL_HORIZON_DAYS`]; returns how many reminders were due
/// (queued now or by an earlier sweep). Each licence is its own
/// transaction, so a sweep stopped midway loses nothing.
pub async fn send_renewal_reminders(ctx: &AppContext) -> Result<usize, Internal> {
    let now = ctx.now();
    let until = Timestamp::from(*now.as_datetime() + Duration::days(RENEWAL_HORIZON_DAYS));
    // A reminder is sent on a day between today and the horizon's in some
    // zone, each a day either side of UTC at most.
    let first = now.as_datetime().date_naive() - Days::new(1);
    let last = until.as_datetime().date_naive() + Days::new(1);
    let windows = RenewalLead::ALL.map(|lead| {
        let ahead = Days::new(lead.days().unsigned_abs());
        (first + ahead, last + ahead)
    });
    let mut due = 0;
    let mut after = None;
    loop {
        let page = cme_learners::renewing(&ctx.db, windows, after, PAGE).await?;
        for row in &page {
            due += remind(ctx, row, now, until).await?;
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = Some(last.id),
            _ => return Ok(due),
        }
    }
}

/// Queues the reminders of one licence due by `until`, in one transaction.
async fn remind(
    ctx: &AppContext,
    row: &LicenceRow,
    now: Timestamp,
    until: Timestamp,
) -> Result<usize, Internal> {
    let mut tx = ctx.db.begin_write().await?;
    // Read again where it is decided: it may have changed or gone since.
    let Some(row) = cme_learners::find_licence_tx(&mut tx, row.id, row.user_id).await? else {
        return Ok(0);
    };
    let Some(recipient) = notifications::recipient(&mut tx, row.user_id).await? else {
        return Ok(0);
    };
    let zone = zone_of(&recipient.timezone);
    let due: Vec<_> = renewal_reminders(row.renews_on, &zone, now)
        .into_iter()
        .filter(|reminder| reminder.send_after <= until)
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let licence = licence_of(&row)?;
    let earned = cme_learners::earned_credits_tx(&mut tx, row.user_id).await?;
    let external = cme_learners::list_external_credits_tx(&mut tx, row.user_id).await?;
    let entries: Vec<CreditEntry> = lines(&earned, &external)?
        .iter()
        .map(TranscriptLine::entry)
        .collect();
    let status = licence_status(&licence, &entries);
    for reminder in &due {
        let notice = renewal_notice(row.id, &licence, &status, reminder.lead);
        // Useless once the renewal date has come.
        let expires_at = Timestamp::from(
            *reminder.send_after.as_datetime() + Duration::days(reminder.lead.days()),
        );
        notify::schedule(
            &mut tx,
            row.user_id,
            &recipient,
            Scheduled {
                notice: &notice,
                send_after: reminder.send_after,
                expires_at: Some(expires_at),
                key: &renewal_key(row.id, row.renews_on, reminder.lead),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(due.len())
}

/// What the learner hears `lead` before a renewal: when, and whether this
/// cycle's credits meet what it requires or how far they fall short.
fn renewal_notice(
    licence_id: Id,
    licence: &Licence,
    status: &LicenceStatus,
    lead: RenewalLead,
) -> Notice {
    let mut short = Vec::new();
    if !status.total.is_met() {
        short.push(format!(
            "{} of the {} credits it requires",
            status.total.short_by, status.total.required
        ));
    }
    for topic in status.topics.iter().filter(|t| !t.requirement.is_met()) {
        short.push(format!("{} on {}", topic.requirement.short_by, topic.topic));
    }
    let standing = if short.is_empty() {
        "Your credits this cycle meet what it requires.".to_owned()
    } else {
        format!("This cycle you are short by {}.", short.join(", "))
    };
    Notice {
        kind: NotificationKind::LicenceRenewalReminder,
        title: format!("Your licence renews in {} days", lead.days()),
        body: format!(
            "Your {} licence {} ({}) renews on {}. {standing}",
            licence.profession.as_str().replace('_', " "),
            licence.number,
            licence.jurisdiction,
            licence.renews_on.format("%-d %B %Y"),
        ),
        data: json!({
            "licence_id": licence_id,
            "renews_on": licence.renews_on,
            "lead": lead,
            "met": status.is_met(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use medicaledu_domain::{
        CreditAmount, CreditSource, CreditTypeName, Jurisdiction, LicenceNumber, Profession, Topic,
        TopicRequirement,
    };

    use super::*;

    fn credits(text: &str) -> CreditAmount {
        CreditAmount::parse(text).expect("credits")
    }

    fn licence() -> Licence {
        Licence {
            profession: Profession::Physician,
            jurisdiction: Jurisdiction::parse("California").expect("valid"),
            number: LicenceNumber::parse("A123456").expect("valid"),
            renews_on: "2027-06-30".parse().expect("date"),
            cycle_months: 24,
            required: credits("40"),
            required_topics: vec![TopicRequirement {
                topic: Topic::parse("Opioid prescribing").expect("valid"),
                credits: credits("2"),
            }],
            accepted_credit_types: Vec::new(),
        }
    }

    fn entry(amount: &str, topics: &[&str]) -> CreditEntry {
        CreditEntry {
            earned_on: "2027-01-10".parse().expect("date"),
            amount: credits(amount),
            credit_type: CreditTypeName::parse("AMA PRA Category 1 Credit™").expect("valid"),
            topics: topics
                .iter()
                .map(|t| Topic::parse(t).expect("topic"))
                .collect(),
            source: CreditSource::SelfReported,
        }
    }

    #[test]
    fn the_notice_says_how_far_the_cycle_falls_short() {
        let licence = licence();
        let id = Id::generate();
        let short = licence_status(&licence, &[entry("39", &[])]);
        let notice = renewal_notice(id, &licence, &short, RenewalLead::Days30);
        assert_eq!(notice.title, "Your licence renews in 30 days");
        assert_eq!(
            notice.body,
            "Your physician licence A123456 (California) renews on 30 June 2027. \
             This cycle you are short by 1 of the 40 credits it requires, 2 on opioid prescribing."
        );
        let met = licence_status(
            &licence,
            &[entry("38", &[]), entry("2", &["opioid prescribing"])],
        );
        let notice = renewal_notice(id, &licence, &met, RenewalLead::Days7);
        assert!(
            notice
                .body
                .ends_with("Your credits this cycle meet what it requires.")
        );
        assert_eq!(notice.data["lead"], "7d");
        assert_eq!(notice.data["met"], true);
    }

    #[test]
    fn keys_name_the_licence_its_renewal_and_the_lead() {
        let id = Id::generate();
        let on: NaiveDate = "2027-06-30".parse().expect("date");
        assert_eq!(
            renewal_key(id, on, RenewalLead::Days90),
            format!("licence-renewal:{id}:2027-06-30:90d")
        );
    }
}
