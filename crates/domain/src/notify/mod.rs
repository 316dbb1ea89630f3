//! Who hears about what, on which channel, and when: the vocabulary of
//! notifications, each user's channel preferences, booking reminders and the
//! retry schedule of failed deliveries.

mod preferences;
mod reminder;
mod retry;

pub use preferences::{PreferenceError, Preferences};
pub use reminder::{Reminder, ReminderLead, local_time, reminders};
pub use retry::{Retry, RetryPolicy};

use crate::text_enum::text_enum;

text_enum! {
    /// Where a notification goes.
    Channel {
        Email => "email",
        Sms => "sms",
        Push => "push",
        InApp => "in_app",
    }
}

text_enum! {
    /// Where a notification is in its delivery.
    NotificationStatus {
        Queued => "queued",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        Cancelled => "cancelled",
    }
}

text_enum! {
    /// What a notification is about; preferences are chosen per kind.
    NotificationKind {
        BookingConfirmed => "booking.confirmed",
        BookingCancelled => "booking.cancelled",
        BookingRescheduled => "booking.rescheduled",
        BookingExpired => "booking.expired",
        BookingReminder => "booking.reminder",
        SlotCancelled => "slot.cancelled",
        PaymentSucceeded => "payment.succeeded",
        PaymentFailed => "payment.failed",
        PaymentRefunded => "payment.refunded",
        CourseCompleted => "course.completed",
        AccountLocked => "account.locked",
        PasswordChanged => "account.password_changed",
        NewDevice => "session.new_device",
        LicenceRenewalReminder => "licence.renewal_reminder",
    }
}

impl NotificationKind {
    /// Notices about the account's own security. Someone who may be attacking
    /// the account could otherwise switch them off first, so the inbox copy
    /// cannot be turned off.
    pub const fn is_security(self) -> bool {
        matches!(
            self,
            Self::AccountLocked | Self::PasswordChanged | Self::NewDevice
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_round_trip() {
        crate::text_enum::round_trips(&Channel::ALL);
        crate::text_enum::round_trips(&NotificationKind::ALL);
        crate::text_enum::round_trips(&NotificationStatus::ALL);
    }
}
