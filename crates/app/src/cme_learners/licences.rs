//! The licences a learner holds and what each renewal requires of them.

use medicaledu_domain::{
    CreditTypeName, FieldIssue, Id, Jurisdiction, Licence, LicenceNumber, Profession, Timestamp,
    Topic, TopicRequirement,
};
use medicaledu_store::Tx;
use medicaledu_store::cme_learners::{self, LicenceFields, LicenceRow};
use serde_json::json;

use super::{credits, parse_date, reminders};
use crate::audit::{self, Change};
use crate::{Actor, AppContext, Fields, Internal, Invalid, ReadError, RequestMeta};

/// The most required topics or accepted credit types one licence lists.
pub const MAX_LIST: usize = 50;

/// A licence as the learner writes it. Creating one needs every field but
/// the lists (which default to empty); on update an absent field keeps its
/// value, and the lists are replaced whole.
#[derive(Clone, Debug, Default)]
pub struct LicenceInput {
    /// One of [`Profession`]'s values.
    pub profession: Option<String>,
    pub jurisdiction: Option<String>,
    pub number: Option<String>,
    /// `YYYY-MM-DD`: the next renewal.
    pub renews_on: Option<String>,
    pub cycle_months: Option<i64>,
    /// Decimal text: `40`, `2.5`.
    pub required_credits: Option<String>,
    pub required_topics: Option<Vec<TopicInput>>,
    pub accepted_credit_types: Option<Vec<String>>,
}

/// Credits a licence requires in one topic, as written.
#[derive(Clone, Debug, Default)]
pub struct TopicInput {
    pub topic: String,
    /// Decimal text.
    pub credits: String,
}

/// A licence of the learner's, in the domain's words.
#[derive(Clone, Debug)]
pub struct HeldLicence {
    pub id: Id,
    pub licence: Licence,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateLicenceError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(CreateLicenceError);

crate::failure!(CreateLicenceError {} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

#[derive(Debug, thiserror::Error)]
pub enum UpdateLicenceError {
    #[error("Licence not found.")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(UpdateLicenceError);

crate::failure!(UpdateLicenceError {
    NotFound => NotFound,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

#[derive(Debug, thiserror::Error)]
pub enum DeleteLicenceError {
    #[error("Licence not found.")]
    NotFound,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(DeleteLicenceError);

crate::failure!(DeleteLicenceError {
    NotFound => NotFound,
} wraps {
    Internal(Internal),
});

/// A stored licence in the domain's words. Everything stored was checked
/// on the way in, so a value that no longer reads is a broken invariant.
pub fn licence_of(row: &LicenceRow) -> Result<Licence, Internal> {
    let broken = |what: &str, issue: FieldIssue| {
        Internal::invariant(format!(
            "stored licence {} has an unreadable {what}: {}",
            row.id, issue.message
        ))
    };
    Ok(Licence {
        profession: row.profession,
        jurisdiction: Jurisdiction::parse(&row.jurisdiction)
            .map_err(|e| broken("jurisdiction", e))?,
        number: LicenceNumber::parse(&row.number).map_err(|e| broken("number", e))?,
        renews_on: row.renews_on,
        cycle_months: row.cycle_months,
        required: medicaledu_domain::CreditAmount::from_hundredths(row.required_hundredths)
            .map_err(|e| broken("requirement", e))?,
        required_topics: row.required_topics.0.clone(),
        accepted_credit_types: row.accepted_credit_types.0.clone(),
    })
}

fn held(row: &LicenceRow) -> Result<HeldLicence, Internal> {
    Ok(HeldLicence {
        id: row.id,
        licence: licence_of(row)?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// `given` parsed, or else the current value, or else refused as required.
fn merge<T>(
    fields: &mut Fields,
    name: &str,
    given: Option<Result<T, FieldIssue>>,
    current: Option<T>,
) -> Option<T> {
    match given {
        Some(parsed) => fields.check(name, parsed),
        None => current.or_else(|| fields.check(name, Err(FieldIssue::required()))),
    }
}

fn too_many() -> FieldIssue {
    FieldIssue::new("out_of_range", format!("must list at most {MAX_LIST}"))
}

fn topics(fields: &mut Fields, input: &[TopicInput]) -> Option<Vec<TopicRequirement>> {
    if input.len() > MAX_LIST {
        fields.check::<()>("required_topics", Err(too_many()));
        return None;
    }
    let mut ok = true;
    let mut parsed = Vec::with_capacity(input.len());
    for (i, requirement) in input.iter().enumerate() {
        let topic = fields.check(
            &format!("required_topics[{i}].topic"),
            Topic::parse(&requirement.topic),
        );
        let amount = credits(
            fields,
            &format!("required_topics[{i}].credits"),
            &requirement.credits,
        );
        match (topic, amount) {
            (Some(topic), Some(credits)) => parsed.push(TopicRequirement { topic, credits }),
            _ => ok = false,
        }
    }
    ok.then_some(parsed)
}

fn credit_types(fields: &mut Fields, input: &[String]) -> Option<Vec<CreditTypeName>> {
    if input.len() > MAX_LIST {
        fields.check::<()>("accepted_credit_types", Err(too_many()));
        return None;
    }
    let parsed: Vec<Option<CreditTypeName>> = input
        .iter()
        .enumerate()
        .map(|(i, name)| {
            fields.check(
                &format!("accepted_credit_types[{i}]"),
                CreditTypeName::parse(name),
            )
        })
        .collect();
    parsed.into_iter().collect()
}

/// The licence `input` describes over `current`, checked whole: every
/// problem is named under its path (`required_topics[1].credits`).
fn checked(input: &LicenceInput, current: Option<&Licence>) -> Result<Licence, Invalid> {
    let mut fields = Fields::default();
    let profession = merge(
        &mut fields,
        "profession",
        input.profession.as_deref().map(str::parse::<Profession>),
        current.map(|c| c.profession),
    );
    let jurisdiction = merge(
        &mut fields,
        "jurisdiction",
        input.jurisdiction.as_deref().map(Jurisdiction::parse),
        current.map(|c| c.jurisdiction.clone()),
    );
    let number = merge(
        &mut fields,
        "number",
        input.number.as_deref().map(LicenceNumber::parse),
        current.map(|c| c.number.clone()),
    );
    let renews_on = merge(
        &mut fields,
        "renews_on",
        input.renews_on.as_deref().map(parse_date),
        current.map(|c| c.renews_on),
    );
    let cycle_months = merge(
        &mut fields,
        "cycle_months",
        input.cycle_months.map(Ok),
        current.map(|c| c.cycle_months),
    );
    let required = match &input.required_credits {
        Some(text) => credits(&mut fields, "required_credits", text),
        None => merge(
            &mut fields,
            "required_credits",
            None,
            current.map(|c| c.required),
        ),
    };
    let required_topics = match &input.required_topics {
        Some(list) => topics(&mut fields, list),
        None => Some(
            current
                .map(|c| c.required_topics.clone())
                .unwrap_or_default(),
        ),
    };
    let accepted_credit_types = match &input.accepted_credit_types {
        Some(list) => credit_types(&mut fields, list),
        None => Some(
            current
                .map(|c| c.accepted_credit_types.clone())
                .unwrap_or_default(),
        ),
    };
    let (
        Some(profession),
        Some(jurisdiction),
        Some(number),
        Some(renews_on),
        Some(cycle_months),
        Some(required),
        Some(required_topics),
        Some(accepted_credit_types),
    ) = (
        profession,
        jurisdiction,
        number,
        renews_on,
        cycle_months,
        required,
        required_topics,
        accepted_credit_types,
    )
    else {
        fields.finish()?;
        return Err(Invalid::default());
    };
    let licence = Licence {
        profession,
        jurisdiction,
        number,
        renews_on,
        cycle_months,
        required,
        required_topics,
        accepted_credit_types,
    };
    if let Err(issues) = licence.validate() {
        for (field, issue) in issues {
            fields.check::<()>(&field, Err(issue));
        }
    }
    fields.finish()?;
    Ok(licence)
}

fn stored(licence: &Licence) -> LicenceFields {
    LicenceFields {
        profession: licence.profession,
        jurisdiction: licence.jurisdiction.as_str().to_owned(),
        number: licence.number.as_str().to_owned(),
        renews_on: licence.renews_on,
        cycle_months: licence.cycle_months,
        required_hundredths: licence.required.hundredths(),
        required_topics: licence.required_topics.clone(),
        accepted_credit_types: licence.accepted_credit_types.clone(),
    }
}

async fn record(
    tx: &mut Tx,
    meta: &RequestMeta,
    now: Timestamp,
    actor: &Actor,
    action: &str,
    id: Id,
    licence: &Licence,
) -> Result<(), Internal> {
    audit::record(
        tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action,
            entity_type: "cme_licence",
            entity_id: id,
            changes: json!({ "licence": licence }),
        },
    )
    .await
}

/// The signed-in learner's licences, the next renewal first.
pub async fn list_licences(ctx: &AppContext, actor: &Actor) -> Result<Vec<HeldLicence>, ReadError> {
    let rows = cme_learners::list_licences(&ctx.db, actor.id()).await?;
    Ok(rows
        .iter()
        .map(held)
        .collect::<Result<Vec<_>, Internal>>()?)
}

/// Records a licence the learner holds.
pub async fn create_licence(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    input: LicenceInput,
) -> Result<HeldLicence, CreateLicenceError> {
    let licence = checked(&input, None)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let row =
        cme_learners::insert_licence(&mut tx, Id::generate(), actor.id(), &stored(&licence), now)
            .await?;
    record(
        &mut tx,
        meta,
        now,
        actor,
        "cme_licence.created",
        row.id,
        &licence,
    )
    .await?;
    tx.commit().await?;
    Ok(held(&row)?)
}

/// Changes one of the learner's licences. A new renewal date cancels the
/// reminders queued for the old one; the sweep queues the new date's.
pub async fn update_licence(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
    input: LicenceInput,
) -> Result<HeldLicence, UpdateLicenceError> {
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let current = cme_learners::find_licence_tx(&mut tx, id, actor.id())
        .await?
        .ok_or(UpdateLicenceError::NotFound)?;
    let before = licence_of(&current)?;
    let licence = checked(&input, Some(&before))?;
    let row = cme_learners::update_licence(&mut tx, id, actor.id(), &stored(&licence), now)
        .await?
        .ok_or(UpdateLicenceError::NotFound)?;
    if before.renews_on != licence.renews_on {
        reminders::cancel(&mut tx, id, before.renews_on, now).await?;
    }
    record(
        &mut tx,
        meta,
        now,
        actor,
        "cme_licence.updated",
        id,
        &licence,
    )
    .await?;
    tx.commit().await?;
    Ok(held(&row)?)
}

/// Deletes one of the learner's licences, and the reminders of its renewal
/// that have not gone out.
pub async fn delete_licence(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
) -> Result<(), DeleteLicenceError> {
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let row = cme_learners::delete_licence(&mut tx, id, actor.id(), now)
        .await?
        .ok_or(DeleteLicenceError::NotFound)?;
    reminders::cancel(&mut tx, id, row.renews_on, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "cme_licence.deleted",
            entity_type: "cme_licence",
            entity_id: id,
            changes: json!({ "deleted_at": now }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> LicenceInput {
        LicenceInput {
            profession: Some("physician".to_owned()),
            jurisdiction: Some("California".to_owned()),
            number: Some("A123456".to_owned()),
            renews_on: Some("2027-06-30".to_owned()),
            cycle_months: Some(24),
            required_credits: Some("40".to_owned()),
            required_topics: Some(vec![TopicInput {
                topic: "Opioid prescribing".to_owned(),
                credits: "2".to_owned(),
            }]),
            accepted_credit_types: None,
        }
    }

    fn refused(input: &LicenceInput, current: Option<&Licence>) -> Vec<(String, String)> {
        checked(input, current)
            .expect_err("refused")
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_whole_licence_reads() {
        let licence = checked(&input(), None).expect("valid");
        assert_eq!(licence.required.to_string(), "40");
        assert_eq!(
            licence.required_topics[0].topic.as_str(),
            "opioid prescribing"
        );
        assert!(licence.accepted_credit_types.is_empty());
    }

    #[test]
    fn every_problem_is_named_by_its_path() {
        let mut bad = input();
        bad.required_topics = Some(vec![
            TopicInput {
                topic: "Ethics".to_owned(),
                credits: "1".to_owned(),
            },
            TopicInput {
                topic: "Pain".to_owned(),
                credits: "41".to_owned(),
            },
        ]);
        assert_eq!(
            refused(&bad, None),
            [(
                "required_topics[1].credits".to_owned(),
                "out_of_range".to_owned()
            )]
        );
        bad.required_topics = Some(vec![TopicInput {
            topic: "Pain".to_owned(),
            credits: "1.255".to_owned(),
        }]);
        bad.renews_on = Some("2027-02-30".to_owned());
        bad.cycle_months = Some(0);
        assert_eq!(
            refused(&bad, None),
            [
                ("renews_on".to_owned(), "invalid".to_owned()),
                (
                    "required_topics[0].credits".to_owned(),
                    "invalid".to_owned()
                ),
            ]
        );
        let missing = LicenceInput::default();
        let fields: Vec<String> = refused(&missing, None)
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            [
                "profession",
                "jurisdiction",
                "number",
                "renews_on",
                "cycle_months",
                "required_credits"
            ]
        );
    }

    #[test]
    fn an_update_keeps_what_it_does_not_name() {
        let current = checked(&input(), None).expect("valid");
        let change = LicenceInput {
            cycle_months: Some(36),
            ..LicenceInput::default()
        };
        let changed = checked(&change, Some(&current)).expect("valid");
        assert_eq!(changed.cycle_months, 36);
        assert_eq!(changed.required_topics, current.required_topics);
        let lower = LicenceInput {
            required_credits: Some("1".to_owned()),
            ..LicenceInput::default()
        };
        assert_eq!(
            refused(&lower, Some(&current)),
            [(
                "required_topics[0].credits".to_owned(),
                "out_of_range".to_owned()
            )]
        );
    }
}
