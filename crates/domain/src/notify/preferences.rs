use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Channel, NotificationKind};

/// A user's choices of channel per kind of notification.
///
/// Only choices that differ from the defaults are kept, so a default changed
/// in a later release reaches everyone who never chose otherwise. The
/// defaults: email and in-app on; SMS and push off until the user opts in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Preferences(BTreeMap<NotificationKind, BTreeMap<Channel, bool>>);

/// Why a change of preferences was refused; `field` names the entry, e.g.
/// `account.locked.in_app`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PreferenceError {
    #[error("security notices always reach the inbox")]
    InAppRequired { field: String },
    #[error("SMS needs a phone number on the account first")]
    PhoneRequired { field: String },
}

impl PreferenceError {
    pub fn field(&self) -> &str {
        match self {
            Self::InAppRequired { field } | Self::PhoneRequired { field } => field,
        }
    }

    pub const fn code(&self) -> &'static str {
        match self {
            Self::InAppRequired { .. } => "in_app_required",
            Self::PhoneRequired { .. } => "phone_required",
        }
    }
}

const fn default_enabled(channel: Channel) -> bool {
    matches!(channel, Channel::Email | Channel::InApp)
}

impl Preferences {
    pub fn enabled(&self, kind: NotificationKind, channel: Channel) -> bool {
        if kind.is_security() && channel == Channel::InApp {
            return true;
        }
        self.0
            .get(&kind)
            .and_then(|channels| channels.get(&channel))
            .copied()
            .unwrap_or(default_enabled(channel))
    }

    /// The channels one notification of `kind` goes to. SMS needs a phone
    /// number; one removed after opting in silently stops SMS.
    pub fn channels(&self, kind: NotificationKind, has_phone: bool) -> Vec<Channel> {
        Channel::ALL
            .into_iter()
            .filter(|&channel| self.enabled(kind, channel))
            .filter(|&channel| channel != Channel::Sms || has_phone)
            .collect()
    }

    /// Applies the given choices on top of the current ones, all or nothing.
    pub fn apply(
        &self,
        changes: &BTreeMap<NotificationKind, BTreeMap<Channel, bool>>,
        has_phone: bool,
    ) -> Result<Self, PreferenceError> {
        let mut next = self.clone();
        for (&kind, channels) in changes {
            for (&channel, &on) in channels {
                let field = format!("{kind}.{channel}");
                if kind.is_security() && channel == Channel::InApp && !on {
                    return Err(PreferenceError::InAppRequired { field });
                }
                if channel == Channel::Sms && on && !has_phone {
                    return Err(PreferenceError::PhoneRequired { field });
                }
                let entry = next.0.entry(kind).or_default();
                if on == default_enabled(channel) {
                    entry.remove(&channel);
                } else {
                    entry.insert(channel, on);
                }
            }
        }
        next.0.retain(|_, channels| !channels.is_empty());
        Ok(next)
    }

    /// Every kind with every channel's effective setting.
    pub fn matrix(&self) -> BTreeMap<NotificationKind, BTreeMap<Channel, bool>> {
        NotificationKind::ALL
            .into_iter()
            .map(|kind| {
                let channels = Channel::ALL
                    .into_iter()
                    .map(|channel| (channel, self.enabled(kind, channel)))
                    .collect();
                (kind, channels)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(
        kind: NotificationKind,
        channel: Channel,
        on: bool,
    ) -> BTreeMap<NotificationKind, BTreeMap<Channel, bool>> {
        BTreeMap::from([(kind, BTreeMap::from([(channel, on)]))])
    }

    #[test]
    fn defaults_are_email_and_in_app() {
        let prefs = Preferences::default();
        assert_eq!(
            prefs.channels(NotificationKind::BookingConfirmed, true),
            vec![Channel::Email, Channel::InApp]
        );
    }

    #[test]
    fn sms_needs_an_opt_in_and_a_phone() {
        let kind = NotificationKind::BookingReminder;
        assert_eq!(
            Preferences::default()
                .apply(&change(kind, Channel::Sms, true), false)
                .expect_err("no phone")
                .field(),
            "booking.reminder.sms"
        );
        let prefs = Preferences::default()
            .apply(&change(kind, Channel::Sms, true), true)
            .expect("phone set");
        assert!(prefs.channels(kind, true).contains(&Channel::Sms));
        assert!(!prefs.channels(kind, false).contains(&Channel::Sms));
        assert!(
            !prefs
                .channels(NotificationKind::BookingConfirmed, true)
                .contains(&Channel::Sms)
        );
    }

    #[test]
    fn security_notices_always_reach_the_inbox() {
        let kind = NotificationKind::AccountLocked;
        let refused = Preferences::default().apply(&change(kind, Channel::InApp, false), true);
        assert_eq!(refused.expect_err("locked").code(), "in_app_required");
        let prefs = Preferences::default()
            .apply(&change(kind, Channel::Email, false), true)
            .expect("email can be turned off");
        assert_eq!(prefs.channels(kind, true), vec![Channel::InApp]);
    }

    #[test]
    fn only_differences_from_the_defaults_are_stored() {
        let kind = NotificationKind::PaymentFailed;
        let off = Preferences::default()
            .apply(&change(kind, Channel::Email, false), false)
            .expect("valid");
        assert_eq!(
            serde_json::to_value(&off).expect("json"),
            serde_json::json!({ "payment.failed": { "email": false } })
        );
        let back = off
            .apply(&change(kind, Channel::Email, true), false)
            .expect("valid");
        assert_eq!(back, Preferences::default());
        assert_eq!(serde_json::to_string(&back).expect("json"), "{}");
    }

    #[test]
    fn a_refused_change_changes_nothing() {
        let mut changes = change(NotificationKind::PaymentFailed, Channel::Email, false);
        changes.insert(
            NotificationKind::NewDevice,
            BTreeMap::from([(Channel::InApp, false)]),
        );
        let prefs = Preferences::default();
        assert!(prefs.apply(&changes, true).is_err());
        assert_eq!(prefs, Preferences::default());
    }

    #[test]
    fn the_matrix_lists_every_kind_and_channel() {
        let matrix = Preferences::default().matrix();
        assert_eq!(matrix.len(), NotificationKind::ALL.len());
        assert!(
            matrix
                .values()
                .all(|channels| channels.len() == Channel::ALL.len())
        );
    }
}
