//! Rating a course or its instructor from the course page: 1 to 5 as radio
//! buttons, an optional review, and the use case's refusal in words.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::ratings::{Rate, RatingError, Target};
use medicaledu_app::{AppContext, FieldError};
use serde::Deserialize;

use crate::error::PageError;
use crate::fields::error_for;
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::visitor::Visitor;

const STARS: [i64; 5] = [1, 2, 3, 4, 5];

pub struct Star {
    pub value: i64,
    pub label: String,
    pub checked: bool,
}

/// One rating form as the course page draws it.
pub struct RatingForm {
    /// Prefixes the ids of the form's elements, unique on the page.
    pub prefix: &'static str,
    pub action: String,
    pub csrf: String,
    pub legend: String,
    pub review_label: String,
    pub button: String,
    pub stars: Vec<Star>,
    pub review: String,
    pub rating_error: Option<String>,
    pub review_error: Option<String>,
    pub problem: Option<String>,
}

/// A rating form as it was sent, with what the use case said about it.
#[derive(Debug, Default)]
pub struct Sent {
    pub target: Option<Target>,
    rating: String,
    review: String,
    errors: Vec<FieldError>,
    problem: Option<String>,
}

impl RatingForm {
    /// The form rating `target` in the course `slug`, holding what was sent
    /// when it was sent back.
    pub fn new(target: Target, slug: &str, visitor: &Visitor, sent: &Sent) -> Self {
        let tr: &Tr = &visitor.tr;
        let (prefix, path, legend, review_label, button) = match target {
            Target::Course => (
                "course-rating",
                "rate",
                "rate-course-legend",
                "rate-review",
                "rate-course",
            ),
            Target::Instructor => (
                "instructor-rating",
                "rate-instructor",
                "rate-instructor-legend",
                "rate-instructor-review",
                "rate-instructor",
            ),
        };
        let sent_here = sent.target == Some(target);
        let empty = Sent::default();
        let sent = if sent_here { sent } else { &empty };
        RatingForm {
            prefix,
            action: format!("/courses/{slug}/{path}"),
            csrf: visitor.csrf.clone(),
            legend: tr.t(legend),
            review_label: tr.t(review_label),
            button: tr.t(button),
            stars: STARS
                .iter()
                .map(|&value| Star {
                    value,
                    label: tr.t_with("rate-stars", &[("count", Arg::Number(value))]),
                    checked: sent.rating == value.to_string(),
                })
                .collect(),
            review: sent.review.clone(),
            // Whatever was wrong with the stars, choosing one of them fixes it.
            rating_error: sent
                .errors
                .iter()
                .any(|e| e.field == "rating")
                .then(|| tr.t("rate-choose")),
            review_error: error_for("review", &sent.errors, tr),
            problem: sent.problem.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RateForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    review: String,
}

/// `POST /courses/{slug}/rate`.
pub async fn rate_course(
    State(ctx): State<AppContext>,
    Path(slug): Path<String>,
    form: Form<RateForm>,
) -> Result<Response, PageError> {
    rate(ctx, slug, Target::Course, form).await
}

/// `POST /courses/{slug}/rate-instructor`: rates the course's instructor.
pub async fn rate_instructor(
    State(ctx): State<AppContext>,
    Path(slug): Path<String>,
    form: Form<RateForm>,
) -> Result<Response, PageError> {
    rate(ctx, slug, Target::Instructor, form).await
}

async fn rate(
    ctx: AppContext,
    slug: String,
    target: Target,
    Form { visitor, data }: Form<RateForm>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(&format!("/signin?next=/courses/{slug}")).into_response());
    };
    let detail = medicaledu_app::courses::get_course(&ctx, Some(actor), &slug)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let (target_id, anchor) = match target {
        Target::Course => (detail.course.id, "reviews"),
        Target::Instructor => (detail.instructor.id, "instructor"),
    };
    let review = data.review.trim();
    let input = Rate {
        target,
        target_id,
        // Nothing chosen, or not a number, is refused by the use case as a
        // rating out of range, next to the stars.
        rating: data.rating.trim().parse().unwrap_or(0),
        review: Some(review.to_owned()).filter(|r| !r.is_empty()),
    };
    let tr = &visitor.tr;
    let (status, errors, problem) =
        match medicaledu_app::ratings::rate(&ctx, actor, &visitor.meta, input).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/courses/{slug}#{anchor}")).into_response());
            }
            Err(RatingError::Invalid(invalid)) => {
                (StatusCode::UNPROCESSABLE_ENTITY, invalid.0, None)
            }
            Err(RatingError::NotEligible(_)) => {
                let key = match target {
                    Target::Course => "rate-course-not-eligible",
                    Target::Instructor => "rate-instructor-not-eligible",
                };
                (StatusCode::FORBIDDEN, Vec::new(), Some(tr.t(key)))
            }
            Err(RatingError::ConcurrentRating) => (
                StatusCode::CONFLICT,
                Vec::new(),
                Some(tr.t("rate-try-again")),
            ),
            Err(e) => return Err(PageError::from_failure(&e)),
        };
    let sent = Sent {
        target: Some(target),
        rating: data.rating,
        review: data.review,
        errors,
        problem,
    };
    let mut response = crate::course::render(&ctx, &visitor, &slug, &sent).await?;
    *response.status_mut() = status;
    Ok(response)
}
