//! The learner's CME profile: their profession (which decides whether an
//! activity's designation gives them credit), what accreditor reports need
//! beyond the account, and whether they consent to be reported.

use chrono::NaiveDate;
use medicaledu_domain::Profession;
use medicaledu_store::cme_learners::{self, ProfileFields, ProfileRow};
use serde_json::json;

use crate::audit::{self, Change};
use crate::{Actor, AppContext, Fields, Internal, Invalid, ReadError, RequestMeta};

/// Longest board or licence number kept for reports.
pub const MAX_BOARD_NUMBER_CHARS: usize = 64;

/// The profile as the learner sends it, whole.
#[derive(Clone, Debug, Default)]
pub struct ProfileInput {
    /// One of [`Profession`]'s values.
    pub profession: String,
    /// Month (1–12) and day of birth: both or neither. Some accreditors
    /// match reports on them; the year is never asked.
    pub birth_month: Option<i64>,
    pub birth_day: Option<i64>,
    /// The number a board knows the learner by, for reports; blank is none.
    pub board_number: Option<String>,
    pub report_consent: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(ProfileError);

crate::failure!(ProfileError {} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

/// The signed-in learner's profile; not found until they first save one.
pub async fn get_profile(ctx: &AppContext, actor: &Actor) -> Result<ProfileRow, ReadError> {
    cme_learners::find_profile(&ctx.db, actor.id())
        .await?
        .ok_or(ReadError::NotFound("CME profile"))
}

/// Saves the learner's profile whole. Consent is dated when it is given
/// and keeps that date while it stands; withdrawing it clears the date.
/// Returns the profile and whether it is new.
pub async fn put_profile(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    input: ProfileInput,
) -> Result<(ProfileRow, bool), ProfileError> {
    let mut fields = Fields::default();
    let profession = fields.check("profession", input.profession.parse::<Profession>());
    let birth = birth(&mut fields, input.birth_month, input.birth_day);
    let board_number = board_number(&mut fields, input.board_number.as_deref());
    fields.finish()?;
    let Some(profession) = profession else {
        return Err(Internal::invariant("a checked profession is present").into());
    };

    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let current = cme_learners::find_profile_tx(&mut tx, actor.id()).await?;
    let consented_at = current.as_ref().and_then(|c| c.report_consent_at);
    let report_consent_at = match (input.report_consent, consented_at) {
        (true, Some(since)) => Some(since),
        (true, None) => Some(now),
        (false, _) => None,
    };
    let row = cme_learners::put_profile(
        &mut tx,
        actor.id(),
        &ProfileFields {
            profession,
            birth,
            board_number,
            report_consent_at,
        },
        now,
    )
    .await?;
    let created = current.is_none();
    // The birth date and board number are personal: the log says whether
    // they are recorded, not what they are.
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: if created {
                "cme_profile.created"
            } else {
                "cme_profile.updated"
            },
            entity_type: "cme_learner_profile",
            entity_id: actor.id(),
            changes: json!({
                "profession": profession,
                "birth_date_recorded": birth.is_some(),
                "board_number_recorded": row.board_number.is_some(),
                "report_consent": report_consent_at.is_some(),
            }),
        },
    )
    .await?;
    if consented_at.is_some() != report_consent_at.is_some() {
        audit::record(
            &mut tx,
            meta,
            now,
            Change {
                actor: Some(actor.id()),
                action: if report_consent_at.is_some() {
                    "cme_profile.report_consent_given"
                } else {
                    "cme_profile.report_consent_withdrawn"
                },
                entity_type: "cme_learner_profile",
                entity_id: actor.id(),
                changes: json!({ "report_consent_at": report_consent_at, "previously": consented_at }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok((row, created))
}

/// Month and day of birth, both or neither; 29 February is a birthday.
fn birth(fields: &mut Fields, month: Option<i64>, day: Option<i64>) -> Option<(i64, i64)> {
    match (month, day) {
        (None, None) => None,
        (Some(_), None) => {
            fields.reject("birth_day", "required", "give the day with the month");
            None
        }
        (None, Some(_)) => {
            fields.reject("birth_month", "required", "give the month with the day");
            None
        }
        (Some(month), Some(day)) => {
            if !(1..=12).contains(&month) {
                fields.reject("birth_month", "out_of_range", "must be between 1 and 12");
                return None;
            }
            // A leap year, so that 29 February is a day of its month.
            let valid = u32::try_from(month)
                .ok()
                .zip(u32::try_from(day).ok())
                .and_then(|(m, d)| NaiveDate::from_ymd_opt(2000, m, d))
                .is_some();
            if valid {
                Some((month, day))
            } else {
                fields.reject("birth_day", "out_of_range", "must be a day of that month");
                None
            }
        }
    }
}

fn board_number(fields: &mut Fields, input: Option<&str>) -> Option<String> {
    let text = input.map(str::trim).filter(|t| !t.is_empty())?;
    if text.chars().count() > MAX_BOARD_NUMBER_CHARS {
        fields.reject(
            "board_number",
            "too_long",
            &format!("must be at most {MAX_BOARD_NUMBER_CHARS} characters long"),
        );
        return None;
    }
    if text.chars().any(char::is_control) {
        fields.reject(
            "board_number",
            "invalid",
            "must not contain control characters or line breaks",
        );
        return None;
    }
    Some(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(month: Option<i64>, day: Option<i64>) -> Vec<(String, String)> {
        let mut fields = Fields::default();
        assert_eq!(birth(&mut fields, month, day), None);
        fields
            .finish()
            .expect_err("refused")
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn birthdays_are_days_of_their_month() {
        let mut fields = Fields::default();
        assert_eq!(birth(&mut fields, Some(2), Some(29)), Some((2, 29)));
        assert_eq!(birth(&mut fields, Some(12), Some(31)), Some((12, 31)));
        assert_eq!(birth(&mut fields, None, None), None);
        assert!(fields.is_empty());
        let one = |field: &str, code: &str| vec![(field.to_owned(), code.to_owned())];
        assert_eq!(refused(Some(2), Some(30)), one("birth_day", "out_of_range"));
        assert_eq!(refused(Some(4), Some(31)), one("birth_day", "out_of_range"));
        assert_eq!(
            refused(Some(13), Some(1)),
            one("birth_month", "out_of_range")
        );
        assert_eq!(refused(Some(3), None), one("birth_day", "required"));
        assert_eq!(refused(None, Some(3)), one("birth_month", "required"));
    }
}
