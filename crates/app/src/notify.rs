//! Queues notifications in the transaction of the change they announce, on
//! the channels each recipient chose, and keeps booking reminders in step with
//! their bookings.

use medicaledu_domain::{
    Channel, Id, NotificationKind, ReminderLead, TimeZone, Timestamp, local_time, reminders,
};
use medicaledu_store::Tx;
use medicaledu_store::notifications::{self, Outgoing, Recipient};
use serde_json::{Value, json};

use crate::Internal;

/// What one notification says.
#[derive(Clone, Debug)]
pub struct Notice {
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub data: Value,
}

/// Queues `notice` for `user_id` now, once per enabled channel.
pub async fn send(
    tx: &mut Tx,
    user_id: Id,
    notice: &Notice,
    now: Timestamp,
) -> Result<(), Internal> {
    send_local(tx, user_id, |_| notice.clone(), now).await
}

/// Like [`send`], for a notice that writes times in the recipient's zone.
pub async fn send_local(
    tx: &mut Tx,
    user_id: Id,
    notice: impl FnOnce(&TimeZone) -> Notice,
    now: Timestamp,
) -> Result<(), Internal> {
    let Some(recipient) = notifications::recipient(tx, user_id).await? else {
        return Ok(());
    };
    let zone = TimeZone::parse(&recipient.timezone).unwrap_or_default();
    let at = When {
        send_after: now,
        expires_at: None,
    };
    queue(tx, user_id, &recipient, &notice(&zone), at, |_| None, now).await
}

/// When a notice goes out, and when it stops being worth sending.
#[derive(Clone, Copy, Debug)]
struct When {
    send_after: Timestamp,
    expires_at: Option<Timestamp>,
}

/// Queues `notice` on each channel the recipient enabled for its kind.
async fn queue(
    tx: &mut Tx,
    user_id: Id,
    recipient: &Recipient,
    notice: &Notice,
    when: When,
    dedupe_key: impl Fn(Channel) -> Option<String>,
    now: Timestamp,
) -> Result<(), Internal> {
    let channels = recipient
        .preferences
        .channels(notice.kind, recipient.phone.is_some());
    for channel in channels {
        notifications::queue(
            tx,
            &Outgoing {
                user_id,
                channel,
                kind: notice.kind,
                title: &notice.title,
                body: &notice.body,
                data: &notice.data,
                send_after: when.send_after,
                expires_at: when.expires_at,
                dedupe_key: dedupe_key(channel),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// A notice queued for a set moment under a key of its own: queuing the
/// same key again (a second sweep, another replica) adds nothing.
#[derive(Clone, Copy, Debug)]
pub struct Scheduled<'a> {
    pub notice: &'a Notice,
    pub send_after: Timestamp,
    pub expires_at: Option<Timestamp>,
    /// Each channel's row is keyed `{key}:{channel}`.
    pub key: &'a str,
}

/// Queues `scheduled` for a recipient read in this transaction, once per
/// channel they enabled for its kind.
pub async fn schedule(
    tx: &mut Tx,
    user_id: Id,
    recipient: &Recipient,
    scheduled: Scheduled<'_>,
    now: Timestamp,
) -> Result<(), Internal> {
    let when = When {
        send_after: scheduled.send_after,
        expires_at: scheduled.expires_at,
    };
    let key = |channel: Channel| Some(format!("{}:{channel}", scheduled.key));
    queue(tx, user_id, recipient, scheduled.notice, when, key, now).await
}

/// A confirmed booking's session, as its reminders need it.
#[derive(Clone, Copy, Debug)]
pub struct Session<'a> {
    pub booking_id: Id,
    pub slot_id: Id,
    pub starts_at: Timestamp,
    pub course_title: &'a str,
    pub student_id: Id,
    pub instructor_id: Id,
}

impl Session<'_> {
    fn participants(&self) -> [(Id, bool); 2] {
        [(self.student_id, true), (self.instructor_id, false)]
    }
}

/// The key of one reminder row. It names the start time, so a session that
/// moves gets fresh reminders while the old ones are cancelled, and scheduling
/// the same session twice queues nothing new.
fn reminder_key(
    session: &Session<'_>,
    lead: ReminderLead,
    user_id: Id,
    channel: Channel,
) -> String {
    format!(
        "reminder:{}:{}:{lead}:{user_id}:{channel}",
        session.booking_id,
        session.starts_at.as_datetime().timestamp()
    )
}

/// Schedules the 24-hour and one-hour reminders of a confirmed booking for
/// its student and its instructor.
pub async fn schedule_reminders(
    tx: &mut Tx,
    session: &Session<'_>,
    now: Timestamp,
) -> Result<(), Internal> {
    let plan = reminders(session.starts_at, now);
    if plan.is_empty() {
        return Ok(());
    }
    for (user_id, is_student) in session.participants() {
        let Some(recipient) = notifications::recipient(tx, user_id).await? else {
            continue;
        };
        let zone = TimeZone::parse(&recipient.timezone).unwrap_or_default();
        let when = local_time(session.starts_at, &zone);
        let data = json!({
            "booking_id": session.booking_id,
            "slot_id": session.slot_id,
            "starts_at": session.starts_at,
        });
        for reminder in &plan {
            let (title, body) = if is_student {
                (
                    format!("Your session starts {}", reminder.lead.phrase()),
                    format!("Your session of {} starts on {when}.", session.course_title),
                )
            } else {
                (
                    format!("You teach {}", reminder.lead.phrase()),
                    format!(
                        "Your session of {} with a student starts on {when}.",
                        session.course_title
                    ),
                )
            };
            let notice = Notice {
                kind: NotificationKind::BookingReminder,
                title,
                body,
                data: data.clone(),
            };
            let at = When {
                send_after: reminder.send_after,
                expires_at: Some(reminder.expires_at),
            };
            let key = |channel| Some(reminder_key(session, reminder.lead, user_id, channel));
            queue(tx, user_id, &recipient, &notice, at, key, now).await?;
        }
    }
    Ok(())
}

/// Cancels the reminders of a booking's session that have not gone out, on
/// every channel (preferences may have changed since they were scheduled).
pub async fn cancel_reminders(
    tx: &mut Tx,
    session: &Session<'_>,
    now: Timestamp,
) -> Result<(), Internal> {
    let keys: Vec<String> = session
        .participants()
        .into_iter()
        .flat_map(|(user_id, _)| {
            ReminderLead::ALL.into_iter().flat_map(move |lead| {
                Channel::ALL
                    .into_iter()
                    .map(move |channel| reminder_key(session, lead, user_id, channel))
            })
        })
        .collect();
    notifications::cancel_keys(tx, &keys, now).await?;
    Ok(())
}
