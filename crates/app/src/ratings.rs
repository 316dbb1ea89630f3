//! Ratings of courses and instructors by their students.

use medicaledu_domain::{CourseStatus, Id, RatingValue, Review, Role};
use medicaledu_store::Tx;
use medicaledu_store::courses::CourseRow;
use medicaledu_store::ratings::{self, RateError, RatingRow};
use medicaledu_store::{courses, enrollments, users};
use serde_json::json;

pub use medicaledu_store::ratings::Target;

use crate::audit::{self, Change};
use crate::{
    Actor, AppContext, Fields, Internal, Invalid, Page, PageRequest, ReadError, RequestMeta, page,
};

#[derive(Debug, thiserror::Error)]
pub enum RatingError {
    /// The course or instructor rated.
    #[error("{0} not found.")]
    NotFound(&'static str),
    #[error("{0}")]
    NotEligible(&'static str),
    #[error("The rating changed meanwhile; try again.")]
    ConcurrentRating,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(RatingError);

crate::failure!(RatingError {
    NotFound(_) => NotFound,
    NotEligible(_) => NotEligible,
    ConcurrentRating => ConcurrentRating,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

#[derive(Debug, thiserror::Error)]
pub enum UnrateError {
    #[error("Rating not found.")]
    NotFound,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(UnrateError);

crate::failure!(UnrateError {
    NotFound => NotFound,
} wraps {
    Internal(Internal),
});

/// A rating to give: 1 to 5 stars and an optional review.
#[derive(Clone, Debug)]
pub struct Rate {
    pub target: Target,
    pub target_id: Id,
    pub rating: i64,
    pub review: Option<String>,
}

fn names(target: Target) -> (&'static str, &'static str) {
    match target {
        Target::Course => ("course_rating", "Course"),
        Target::Instructor => ("instructor_rating", "Instructor"),
    }
}

/// Rate a course the actor is (or was) enrolled in, or an instructor they
/// had a completed session with; a second call updates the rating. Returns
/// the rating and whether it is new.
pub async fn rate(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    input: Rate,
) -> Result<(RatingRow, bool), RatingError> {
    let mut fields = Fields::default();
    let rating = fields.check("rating", RatingValue::parse(input.rating));
    let review = match &input.review {
        Some(text) => fields.check("review", Review::parse(text)).flatten(),
        None => None,
    };
    fields.finish()?;
    let rating = rating.map_or(0, |r| r.get());
    let review = review.as_ref().map(Review::as_str);
    let (entity, _) = names(input.target);
    // A first rating racing another first rating by the same student loses
    // on the unique index; it is retried once, as an update.
    for attempt in 0..2 {
        let now = ctx.now();
        let mut tx = ctx.db.begin_write().await?;
        eligible(&mut tx, actor, input.target, input.target_id).await?;
        match ratings::upsert(
            &mut tx,
            input.target,
            actor.id(),
            input.target_id,
            rating,
            review,
            now,
        )
        .await
        {
            Ok((row, created)) => {
                audit::record(
                    &mut tx,
                    meta,
                    now,
                    Change {
                        actor: Some(actor.id()),
                        action: &format!(
                            "{entity}.{}",
                            if created { "created" } else { "updated" }
                        ),
                        entity_type: entity,
                        entity_id: row.id,
                        changes: json!({ "target_id": input.target_id, "rating": rating, "review": review }),
                    },
                )
                .await?;
                tx.commit().await?;
                return Ok((row, created));
            }
            Err(RateError::Conflict) if attempt == 0 => continue,
            Err(RateError::Conflict) => return Err(RatingError::ConcurrentRating),
            Err(RateError::Database(e)) => return Err(e.into()),
        }
    }
    Err(RatingError::ConcurrentRating)
}

/// Refuses a target that is missing, or a rater who may not rate it.
async fn eligible(
    tx: &mut Tx,
    actor: &Actor,
    target: Target,
    target_id: Id,
) -> Result<(), RatingError> {
    match target {
        Target::Course => {
            courses::find_live_tx(tx, target_id)
                .await?
                .ok_or(RatingError::NotFound("Course"))?;
            if enrollments::find_live_for_tx(tx, actor.id(), target_id)
                .await?
                .is_none()
            {
                return Err(RatingError::NotEligible(
                    "Only students enrolled in the course rate it.",
                ));
            }
        }
        Target::Instructor => {
            users::find_live_by_id_tx(tx, target_id)
                .await?
                .filter(|u| u.role == Role::Instructor)
                .ok_or(RatingError::NotFound("Instructor"))?;
            if !ratings::has_completed_booking_with(tx, actor.id(), target_id).await? {
                return Err(RatingError::NotEligible(
                    "Only students with a completed session rate an instructor.",
                ));
            }
        }
    }
    Ok(())
}

/// Withdraw the actor's rating of a course or instructor.
pub async fn unrate(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    target: Target,
    target_id: Id,
) -> Result<(), UnrateError> {
    let (entity, _) = names(target);
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let removed = ratings::delete(&mut tx, target, actor.id(), target_id, now)
        .await?
        .ok_or(UnrateError::NotFound)?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: &format!("{entity}.deleted"),
            entity_type: entity,
            entity_id: removed.id,
            changes: json!({ "target_id": target_id, "rating": removed.rating, "deleted_at": now }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A rating with its rater's name (none once the account is gone).
#[derive(Clone, Debug)]
pub struct RatingWithRater {
    pub rating: RatingRow,
    pub rater_name: Option<String>,
}

/// A published course's or a live instructor's ratings, newest first.
pub async fn list_ratings(
    ctx: &AppContext,
    target: Target,
    target_id: Id,
    request: PageRequest,
) -> Result<Page<RatingWithRater>, ReadError> {
    let (_, what) = names(target);
    let exists = match target {
        Target::Course => courses::find_live(&ctx.db, target_id)
            .await?
            .is_some_and(|c| c.status == CourseStatus::Published),
        Target::Instructor => users::find_live_by_id(&ctx.db, target_id)
            .await?
            .is_some_and(|u| u.role == Role::Instructor),
    };
    if !exists {
        return Err(ReadError::NotFound(what));
    }
    ratings_page(ctx, target, target_id, request).await
}

/// The reviews of a published course already read by the caller (the
/// course page has it), newest first.
pub async fn course_reviews(
    ctx: &AppContext,
    course: &CourseRow,
    request: PageRequest,
) -> Result<Page<RatingWithRater>, ReadError> {
    if course.status != CourseStatus::Published || course.deleted_at.is_some() {
        return Err(ReadError::NotFound("Course"));
    }
    ratings_page(ctx, Target::Course, course.id, request).await
}

async fn ratings_page(
    ctx: &AppContext,
    target: Target,
    target_id: Id,
    request: PageRequest,
) -> Result<Page<RatingWithRater>, ReadError> {
    let rows = ratings::list(&ctx.db, target, target_id, request.after, request.limit + 1).await?;
    let rows = page(rows, request.limit, |r| (r.rating.created_at, r.rating.id));
    Ok(Page {
        items: rows
            .items
            .into_iter()
            .map(|r| RatingWithRater {
                rating: r.rating,
                rater_name: r.rater_name,
            })
            .collect(),
        next_cursor: rows.next_cursor,
    })
}
