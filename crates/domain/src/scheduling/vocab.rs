//! The fixed vocabularies of scheduling. The strings are what the database
//! stores and the API shows (for [`Frequency`] and [`Weekday`], what a
//! recurrence rule's JSON holds).

use crate::text_enum::text_enum;

text_enum!(
    /// How often a recurrence repeats: the RFC 5545 `FREQ` values offered.
    /// Finer (hourly) and coarser (yearly) ones are left out: sessions are
    /// planned by the day, and a yearly series is better entered by hand.
    Frequency {
        Daily => "daily",
        Weekly => "weekly",
        Monthly => "monthly",
    }
);

text_enum!(
    /// A day of the week, spelled as RFC 5545 `BYDAY` spells it. `ALL` runs
    /// from Monday, the first day of a week here (RFC 5545's default `WKST`).
    Weekday {
        Monday => "MO",
        Tuesday => "TU",
        Wednesday => "WE",
        Thursday => "TH",
        Friday => "FR",
        Saturday => "SA",
        Sunday => "SU",
    }
);

text_enum!(
    /// Whether an instructor's availability slot takes bookings.
    SlotStatus {
        /// Bookable, while seats remain.
        Open => "open",
        /// Kept with its bookings but taking no new ones (full, or the
        /// instructor stopped bookings).
        Closed => "closed",
        /// Withdrawn; its live bookings are cancelled with it.
        Cancelled => "cancelled",
    }
);

text_enum!(
    /// Where a booking of a slot stands; see [`BookingStatus::can_transition`].
    BookingStatus {
        /// Waiting for payment; holds a seat until the hold expires.
        Pending => "pending",
        /// Paid, or free: the seat is the student's.
        Confirmed => "confirmed",
        Cancelled => "cancelled",
        /// The session took place and the student attended.
        Completed => "completed",
        /// The session took place without the student.
        NoShow => "no_show",
        /// The hold ran out before payment arrived.
        Expired => "expired",
    }
);

impl Weekday {
    pub const fn to_chrono(self) -> chrono::Weekday {
        match self {
            Weekday::Monday => chrono::Weekday::Mon,
            Weekday::Tuesday => chrono::Weekday::Tue,
            Weekday::Wednesday => chrono::Weekday::Wed,
            Weekday::Thursday => chrono::Weekday::Thu,
            Weekday::Friday => chrono::Weekday::Fri,
            Weekday::Saturday => chrono::Weekday::Sat,
            Weekday::Sunday => chrono::Weekday::Sun,
        }
    }
}

impl From<chrono::Weekday> for Weekday {
    fn from(day: chrono::Weekday) -> Self {
        match day {
            chrono::Weekday::Mon => Weekday::Monday,
            chrono::Weekday::Tue => Weekday::Tuesday,
            chrono::Weekday::Wed => Weekday::Wednesday,
            chrono::Weekday::Thu => Weekday::Thursday,
            chrono::Weekday::Fri => Weekday::Friday,
            chrono::Weekday::Sat => Weekday::Saturday,
            chrono::Weekday::Sun => Weekday::Sunday,
        }
    }
}

impl SlotStatus {
    /// Whether new bookings are accepted (seats and notice permitting).
    pub const fn is_bookable(&self) -> bool {
        matches!(self, SlotStatus::Open)
    }
}

impl BookingStatus {
    /// Whether the booking holds a seat. Seat counts and overlap checks
    /// consider live bookings only.
    pub const fn is_live(&self) -> bool {
        matches!(self, BookingStatus::Pending | BookingStatus::Confirmed)
    }

    /// The allowed changes:
    ///
    /// | from \ to | pending | confirmed | cancelled | completed | no_show | expired |
    /// |-----------|---------|-----------|-----------|-----------|---------|---------|
    /// | pending   | –       | yes       | yes       | no        | no      | yes     |
    /// | confirmed | no      | –         | yes       | yes       | yes     | no      |
    /// | others    | no      | no        | no        | no        | no      | no      |
    ///
    /// Cancelled, completed, no-show and expired are final: the booking is
    /// history (and may carry a refund or a certificate), so a student who
    /// wants the seat back books again. A pending booking cannot be marked
    /// attended: it was never paid for. Staying in the same status is not a
    /// transition.
    pub const fn can_transition(self, to: BookingStatus) -> bool {
        use BookingStatus::{Cancelled, Completed, Confirmed, Expired, NoShow, Pending};
        matches!(
            (self, to),
            (Pending, Confirmed | Cancelled | Expired)
                | (Confirmed, Cancelled | Completed | NoShow)
        )
    }

    /// How English messages name the status.
    pub(super) const fn label(&self) -> &'static str {
        match self {
            BookingStatus::NoShow => "no-show",
            other => other.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text_enum::round_trips;

    #[test]
    fn every_vocabulary_round_trips() {
        round_trips(&Frequency::ALL);
        round_trips(&Weekday::ALL);
        round_trips(&SlotStatus::ALL);
        round_trips(&BookingStatus::ALL);
        assert_eq!(BookingStatus::NoShow.as_str(), "no_show");
        assert_eq!(Weekday::Thursday.as_str(), "TH");
        assert_eq!(BookingStatus::ALL.len(), 6);
        assert_eq!(
            "MO, TU, WE, TH, FR, SA, SU",
            Weekday::ALL.map(|d| d.as_str()).join(", ")
        );
    }

    #[test]
    fn unknown_and_miscased_values_are_refused() {
        let issue = "mo".parse::<Weekday>().expect_err("lower case");
        assert_eq!(issue.code, "invalid");
        assert_eq!(issue.message, "must be one of: MO, TU, WE, TH, FR, SA, SU");
        assert!("yearly".parse::<Frequency>().is_err());
        assert!("noshow".parse::<BookingStatus>().is_err());
        assert!(serde_json::from_str::<Weekday>("\"Monday\"").is_err());
        assert!(serde_json::from_str::<SlotStatus>("\"Open\"").is_err());
    }

    #[test]
    fn weekdays_convert_to_and_from_chrono() {
        for day in Weekday::ALL {
            assert_eq!(Weekday::from(day.to_chrono()), day);
        }
        assert_eq!(
            Weekday::ALL.map(|d| d.to_chrono().num_days_from_monday()),
            [0, 1, 2, 3, 4, 5, 6]
        );
    }

    #[test]
    fn live_bookings_and_bookable_slots() {
        let live: Vec<_> = BookingStatus::ALL
            .into_iter()
            .filter(BookingStatus::is_live)
            .collect();
        assert_eq!(live, [BookingStatus::Pending, BookingStatus::Confirmed]);
        let bookable: Vec<_> = SlotStatus::ALL
            .into_iter()
            .filter(SlotStatus::is_bookable)
            .collect();
        assert_eq!(bookable, [SlotStatus::Open]);
    }

    #[test]
    fn booking_transition_table() {
        use BookingStatus::{Cancelled, Completed, Confirmed, Expired, NoShow, Pending};
        let allowed = [
            (Pending, Confirmed),
            (Pending, Cancelled),
            (Pending, Expired),
            (Confirmed, Cancelled),
            (Confirmed, Completed),
            (Confirmed, NoShow),
        ];
        let mut checked = 0;
        for from in BookingStatus::ALL {
            for to in BookingStatus::ALL {
                assert_eq!(
                    from.can_transition(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 36);
        for last in [Cancelled, Completed, NoShow, Expired] {
            assert!(
                BookingStatus::ALL
                    .iter()
                    .all(|&to| !last.can_transition(to)),
                "{last} is final"
            );
        }
    }
}
