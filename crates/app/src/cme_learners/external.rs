//! Credits a learner earned elsewhere and records here, so that their
//! transcript and licences count them. They are the learner's word, not a
//! certificate of ours, and are marked self-reported wherever they appear.

use chrono::NaiveDate;
use medicaledu_domain::{
    CourseTitle, CreditAmount, CreditTypeName, FieldIssue, Id, Timestamp, Topic,
};
use medicaledu_store::cme_learners::{self, ExternalCreditFields, ExternalCreditRow};
use serde_json::json;

use super::{credits, day_in, parse_date, zone_of};
use crate::audit::{self, Change};
use crate::{Actor, AppContext, Fields, Internal, Invalid, ReadError, RequestMeta};

/// The longest credit type name the store keeps for an external credit.
const MAX_CREDIT_TYPE_CHARS: usize = 100;
/// The most topics one external credit lists.
const MAX_TOPICS: usize = 50;

/// An external credit as the learner reports it.
#[derive(Clone, Debug, Default)]
pub struct ExternalCreditInput {
    pub title: String,
    pub provider_name: String,
    /// What the accreditor calls the credit ("AMA PRA Category 1 Credit™").
    pub credit_type: String,
    /// Decimal text, more than zero: `1.5`.
    pub credits: String,
    /// `YYYY-MM-DD`, not after today in the learner's zone.
    pub earned_on: String,
    pub topics: Vec<String>,
}

/// A recorded external credit, in the domain's words.
#[derive(Clone, Debug)]
pub struct ExternalCredit {
    pub id: Id,
    pub title: String,
    pub provider_name: String,
    pub credit_type: CreditTypeName,
    pub credits: CreditAmount,
    pub earned_on: NaiveDate,
    pub topics: Vec<Topic>,
    pub created_at: Timestamp,
}

impl ExternalCredit {
    /// A stored credit; everything in it was checked on the way in.
    pub(super) fn of(row: &ExternalCreditRow) -> Result<Self, Internal> {
        let broken = |what: &str, issue: FieldIssue| {
            Internal::invariant(format!(
                "stored external credit {} has an unreadable {what}: {}",
                row.id, issue.message
            ))
        };
        Ok(Self {
            id: row.id,
            title: row.title.clone(),
            provider_name: row.provider_name.clone(),
            credit_type: CreditTypeName::parse(&row.credit_type)
                .map_err(|e| broken("credit type", e))?,
            credits: CreditAmount::from_hundredths(row.credit_hundredths)
                .map_err(|e| broken("amount", e))?,
            earned_on: row.earned_on,
            topics: row
                .topics
                .0
                .iter()
                .map(|t| Topic::parse(t).map_err(|e| broken("topic", e)))
                .collect::<Result<_, _>>()?,
            created_at: row.created_at,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateExternalCreditError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(CreateExternalCreditError);

crate::failure!(CreateExternalCreditError {} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

#[derive(Debug, thiserror::Error)]
pub enum DeleteExternalCreditError {
    #[error("External credit not found.")]
    NotFound,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(DeleteExternalCreditError);

crate::failure!(DeleteExternalCreditError {
    NotFound => NotFound,
} wraps {
    Internal(Internal),
});

fn checked(input: &ExternalCreditInput, today: NaiveDate) -> Result<ExternalCreditFields, Invalid> {
    let mut fields = Fields::default();
    let title = fields.check("title", CourseTitle::parse(&input.title));
    let provider_name = fields.check("provider_name", CourseTitle::parse(&input.provider_name));
    let credit_type = fields.check(
        "credit_type",
        CreditTypeName::parse(&input.credit_type).and_then(|name| {
            if name.as_str().chars().count() > MAX_CREDIT_TYPE_CHARS {
                Err(FieldIssue::too_long(MAX_CREDIT_TYPE_CHARS))
            } else {
                Ok(name)
            }
        }),
    );
    let amount = credits(&mut fields, "credits", &input.credits).and_then(|amount| {
        if amount.is_zero() {
            fields.reject("credits", "out_of_range", "must be more than zero");
            None
        } else {
            Some(amount)
        }
    });
    let earned_on = fields.check(
        "earned_on",
        parse_date(&input.earned_on).and_then(|day| {
            if day > today {
                Err(FieldIssue::new("out_of_range", "must not be in the future"))
            } else {
                Ok(day)
            }
        }),
    );
    let mut topics: Vec<Topic> = Vec::new();
    if input.topics.len() > MAX_TOPICS {
        fields.reject(
            "topics",
            "out_of_range",
            &format!("must list at most {MAX_TOPICS}"),
        );
    } else {
        for (i, text) in input.topics.iter().enumerate() {
            let field = format!("topics[{i}]");
            let Some(topic) = fields.check(&field, Topic::parse(text)) else {
                continue;
            };
            if topics.contains(&topic) {
                fields.reject(&field, "invalid", "must not list a topic twice");
            } else {
                topics.push(topic);
            }
        }
    }
    fields.finish()?;
    match (title, provider_name, credit_type, amount, earned_on) {
        (Some(title), Some(provider_name), Some(credit_type), Some(amount), Some(earned_on)) => {
            Ok(ExternalCreditFields {
                title: title.as_str().to_owned(),
                provider_name: provider_name.as_str().to_owned(),
                credit_type: credit_type.as_str().to_owned(),
                credit_hundredths: amount.hundredths(),
                earned_on,
                topics: topics.iter().map(|t| t.as_str().to_owned()).collect(),
            })
        }
        _ => Err(Invalid::default()),
    }
}

/// The signed-in learner's external credits, the latest first.
pub async fn list_external_credits(
    ctx: &AppContext,
    actor: &Actor,
) -> Result<Vec<ExternalCredit>, ReadError> {
    let rows = cme_learners::list_external_credits(&ctx.db, actor.id()).await?;
    Ok(rows
        .iter()
        .map(ExternalCredit::of)
        .collect::<Result<Vec<_>, Internal>>()?)
}

/// Records credit the learner earned elsewhere, as self-reported.
pub async fn create_external_credit(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    input: ExternalCreditInput,
) -> Result<ExternalCredit, CreateExternalCreditError> {
    let now = ctx.now();
    let today = day_in(now, &zone_of(&actor.user.timezone));
    let fields = checked(&input, today)?;
    let mut tx = ctx.db.begin_write().await?;
    let row =
        cme_learners::insert_external_credit(&mut tx, Id::generate(), actor.id(), &fields, now)
            .await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "cme_external_credit.created",
            entity_type: "cme_external_credit",
            entity_id: row.id,
            changes: json!({
                "title": fields.title,
                "provider_name": fields.provider_name,
                "credit_type": fields.credit_type,
                "credits": CreditAmount::from_hundredths(fields.credit_hundredths).ok(),
                "earned_on": fields.earned_on,
                "topics": fields.topics,
                "source": "self_reported",
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ExternalCredit::of(&row)?)
}

/// Deletes one of the learner's external credits.
pub async fn delete_external_credit(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
) -> Result<(), DeleteExternalCreditError> {
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    cme_learners::delete_external_credit(&mut tx, id, actor.id(), now)
        .await?
        .ok_or(DeleteExternalCreditError::NotFound)?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "cme_external_credit.deleted",
            entity_type: "cme_external_credit",
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

    fn input() -> ExternalCreditInput {
        ExternalCreditInput {
            title: "Sepsis update".to_owned(),
            provider_name: "State Medical Society".to_owned(),
            credit_type: "AMA PRA Category 1 Credit™".to_owned(),
            credits: "1.5".to_owned(),
            earned_on: "2026-03-01".to_owned(),
            topics: vec!["Sepsis".to_owned()],
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).expect("date")
    }

    #[test]
    fn a_reported_credit_reads() {
        let fields = checked(&input(), today()).expect("valid");
        assert_eq!(fields.credit_hundredths, 150);
        assert_eq!(fields.topics, ["sepsis"]);
    }

    #[test]
    fn each_problem_names_its_field() {
        let bad = ExternalCreditInput {
            credits: "0".to_owned(),
            earned_on: "2026-06-02".to_owned(),
            topics: vec!["Sepsis".to_owned(), " sepsis ".to_owned()],
            credit_type: "x".repeat(101),
            ..input()
        };
        let refused: Vec<(String, String)> = checked(&bad, today())
            .expect_err("refused")
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        let expected = [
            ("credit_type", "too_long"),
            ("credits", "out_of_range"),
            ("earned_on", "out_of_range"),
            ("topics[1]", "invalid"),
        ]
        .map(|(f, c)| (f.to_owned(), c.to_owned()));
        assert_eq!(refused, expected);
    }
}
