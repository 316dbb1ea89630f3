use chrono::Duration;

use crate::text_enum::text_enum;
use crate::{TimeZone, Timestamp};

text_enum! {
    /// How long before a session its reminder goes out.
    ReminderLead {
        Day => "24h",
        Hour => "1h",
    }
}

impl ReminderLead {
    pub fn before_start(self) -> Duration {
        match self {
            Self::Day => Duration::hours(24),
            Self::Hour => Duration::hours(1),
        }
    }

    /// "tomorrow" or "in an hour", for the reminder's text.
    pub const fn phrase(self) -> &'static str {
        match self {
            Self::Day => "in 24 hours",
            Self::Hour => "in one hour",
        }
    }
}

/// One reminder of a booked session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reminder {
    pub lead: ReminderLead,
    pub send_after: Timestamp,
    /// After this moment the reminder is useless and is cancelled rather than
    /// sent late: the day-before reminder once the hour-before one is due,
    /// the hour-before one once the session has started.
    pub expires_at: Timestamp,
}

/// The reminders to schedule for a session starting at `starts_at`, decided at
/// `now`. A reminder whose moment has already passed is left out: the
/// confirmation the student just received says more than it would.
pub fn reminders(starts_at: Timestamp, now: Timestamp) -> Vec<Reminder> {
    let start = *starts_at.as_datetime();
    let day = Timestamp::from(start - ReminderLead::Day.before_start());
    let hour = Timestamp::from(start - ReminderLead::Hour.before_start());
    [
        Reminder {
            lead: ReminderLead::Day,
            send_after: day,
            expires_at: hour,
        },
        Reminder {
            lead: ReminderLead::Hour,
            send_after: hour,
            expires_at: starts_at,
        },
    ]
    .into_iter()
    .filter(|reminder| reminder.send_after > now)
    .collect()
}

/// An instant as people in `zone` read it: `Tuesday 1 December 2026, 09:00 (Europe/Berlin)`.
pub fn local_time(at: Timestamp, zone: &TimeZone) -> String {
    let local = at.as_datetime().with_timezone(&zone.tz());
    format!("{} ({zone})", local.format("%A %-d %B %Y, %H:%M"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).expect("valid")
    }

    #[test]
    fn both_reminders_when_booked_well_ahead() {
        let plan = reminders(at("2026-12-10T09:00:00Z"), at("2026-12-01T00:00:00Z"));
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].lead, ReminderLead::Day);
        assert_eq!(plan[0].send_after, at("2026-12-09T09:00:00Z"));
        assert_eq!(plan[0].expires_at, at("2026-12-10T08:00:00Z"));
        assert_eq!(plan[1].lead, ReminderLead::Hour);
        assert_eq!(plan[1].send_after, at("2026-12-10T08:00:00Z"));
        assert_eq!(plan[1].expires_at, at("2026-12-10T09:00:00Z"));
    }

    #[test]
    fn passed_moments_are_left_out() {
        let start = at("2026-12-10T09:00:00Z");
        let plan = reminders(start, at("2026-12-09T20:00:00Z"));
        assert_eq!(
            plan.iter().map(|r| r.lead).collect::<Vec<_>>(),
            vec![ReminderLead::Hour]
        );
        assert!(reminders(start, at("2026-12-10T08:30:00Z")).is_empty());
        assert!(reminders(start, at("2026-12-10T08:00:00Z")).is_empty());
    }

    #[test]
    fn local_time_follows_the_zone_and_its_daylight_saving() {
        let berlin = TimeZone::parse("Europe/Berlin").expect("zone");
        assert_eq!(
            local_time(at("2026-12-01T08:00:00Z"), &berlin),
            "Tuesday 1 December 2026, 09:00 (Europe/Berlin)"
        );
        assert_eq!(
            local_time(at("2026-07-01T08:00:00Z"), &berlin),
            "Wednesday 1 July 2026, 10:00 (Europe/Berlin)"
        );
    }
}
