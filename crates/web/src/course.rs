//! A course's page: what it teaches, who teaches it, its materials, its
//! bookable sessions of the next four weeks by day, and its reviews; for a
//! CME activity, who accredits it and what it is designated for.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::courses::CourseDetail;
use medicaledu_app::enrollments::{Enroll, EnrollError};
use medicaledu_app::slots::WindowInput;
use medicaledu_app::{AppContext, PageRequest, ReadError};
use medicaledu_domain::{Role, Timestamp};
use medicaledu_store::ratings::Target;

use crate::auth::Empty;
use crate::catalog::{CourseCard, level_name, rating_text};
use crate::cme::{self, activity::ActivitySection};
use crate::error::PageError;
use crate::form::Form;
use crate::i18n::Arg;
use crate::page::{Chrome, respond};
use crate::rating::{RatingForm, Sent};
use crate::visitor::Visitor;
use crate::{learn, markdown, view};

const SESSIONS_AHEAD_DAYS: i64 = 28;
const REVIEWS_SHOWN: i64 = 10;

pub struct InstructorView {
    pub name: String,
    pub credentials: Option<String>,
    pub headline: Option<String>,
    pub specialty: Option<String>,
    pub rating: String,
}

pub struct MaterialLine {
    pub title: String,
    /// The material's learning page, for enrolled students.
    pub href: Option<String>,
    pub kind: String,
    pub required: bool,
    pub preview: bool,
}

pub struct SessionLine {
    pub id: String,
    pub time: String,
    pub price: String,
    pub seats: String,
    pub book_label: String,
}

pub struct Day {
    pub heading: String,
    pub sessions: Vec<SessionLine>,
}

pub struct Review {
    pub stars: i64,
    pub author: String,
    pub text: Option<String>,
}

#[derive(Template)]
#[template(path = "course.html")]
struct CoursePage {
    chrome: Chrome,
    course: CourseCard,
    language: String,
    instructor: InstructorView,
    description_html: String,
    materials: Vec<MaterialLine>,
    zone_note: String,
    days: Vec<Day>,
    reviews: Vec<Review>,
    can_enroll: bool,
    /// "Continue learning", for enrolled students.
    continue_href: Option<String>,
    rate_course: Option<RatingForm>,
    rate_instructor: Option<RatingForm>,
    /// The course as a CME activity, when it is one.
    activity: Option<ActivitySection>,
}

/// `GET /courses/{slug}`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    render(&ctx, &visitor, &slug, &Sent::default()).await
}

/// The course page, with a rating form sent back as `sent` when it was
/// refused.
pub async fn render(
    ctx: &AppContext,
    visitor: &Visitor,
    slug: &str,
    sent: &Sent,
) -> Result<Response, PageError> {
    let detail = medicaledu_app::courses::get_course(ctx, visitor.actor.as_ref(), slug)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let CourseDetail {
        course,
        instructor,
        materials,
    } = detail;
    let tr = &visitor.tr;
    let zone = &visitor.zone;
    let to =
        Timestamp::from(*ctx.now().as_datetime() + chrono::Duration::days(SESSIONS_AHEAD_DAYS));
    let slots = match medicaledu_app::slots::of_course(
        ctx,
        None,
        &course,
        WindowInput {
            from: None,
            to: Some(to.as_datetime().to_rfc3339()),
        },
    )
    .await
    {
        Ok(slots) => slots,
        // A draft seen by its instructor has no bookable sessions.
        Err(ReadError::NotFound(_)) => Vec::new(),
        Err(e) => return Err(PageError::from_failure(&e)),
    };
    let mut days: Vec<Day> = Vec::new();
    for slot in &slots {
        let heading = view::day(slot.starts_at, zone, tr);
        let when = view::when(slot.starts_at, zone, tr);
        let line = SessionLine {
            id: slot.id.to_string(),
            time: view::time_range(slot.starts_at, slot.ends_at, zone),
            price: view::money(slot.price_minor, &slot.currency, tr),
            seats: tr.t_with(
                "course-seats-left",
                &[("count", Arg::Number(slot.capacity - slot.seats_booked))],
            ),
            book_label: tr.t_with("course-book-label", &[("when", Arg::Text(when))]),
        };
        match days.last_mut() {
            Some(day) if day.heading == heading => day.sessions.push(line),
            _ => days.push(Day {
                heading,
                sessions: vec![line],
            }),
        }
    }
    let reviews = medicaledu_app::ratings::course_reviews(
        ctx,
        &course,
        PageRequest {
            after: None,
            limit: REVIEWS_SHOWN,
        },
    )
    .await
    .map(|page| page.items)
    .unwrap_or_default()
    .into_iter()
    .map(|r| Review {
        stars: r.rating.rating,
        author: r.rater_name.unwrap_or_default(),
        text: r.rating.review,
    })
    .collect();
    // A student enrolled in the course learns it and rates it and its
    // instructor here (the use case refuses an instructor rating without a
    // completed session, in words on the form).
    let learning = match visitor.actor.as_ref().filter(|a| a.is(Role::Student)) {
        Some(actor) => medicaledu_app::dashboard::learning_in(ctx, actor, course.clone()).await?,
        None => None,
    };
    // A refused form is shown with its refusal even to a student who may
    // not rate at all, so they read why.
    let rating_form = |target| {
        (learning.is_some() || sent.target == Some(target))
            .then(|| RatingForm::new(target, &course.slug, visitor, sent))
    };
    let can_enroll = learning.is_none()
        && course.price_minor == 0
        && visitor
            .actor
            .as_ref()
            .is_none_or(|actor| actor.is(Role::Student));
    let activity = cme::activity::section(
        ctx,
        course.id,
        learning.as_ref().map(|_| course.slug.as_str()),
        tr,
    )
    .await?;
    let page = CoursePage {
        chrome: Chrome::new(ctx, visitor, course.title.clone()).await?,
        activity,
        language: course.language.clone(),
        instructor: InstructorView {
            name: instructor.full_name.clone(),
            credentials: instructor.credentials.clone(),
            headline: instructor.headline.clone(),
            specialty: instructor.specialty.clone(),
            rating: rating_text(instructor.rating_sum, instructor.rating_count, tr),
        },
        description_html: markdown::to_safe_html(&course.description),
        materials: materials
            .iter()
            .map(|item| MaterialLine {
                title: item.material.title.clone(),
                href: learning
                    .as_ref()
                    .map(|_| learn::learn_href(&course.slug, item.material.id)),
                kind: item.material.kind.to_string(),
                required: item.material.is_required,
                preview: item.material.is_preview,
            })
            .collect(),
        zone_note: tr.t_with("times-in-zone", &[("zone", Arg::Text(zone.to_string()))]),
        days,
        reviews,
        can_enroll,
        continue_href: learning.as_ref().and_then(learn::continue_href),
        rate_course: rating_form(Target::Course),
        rate_instructor: rating_form(Target::Instructor),
        course: CourseCard {
            level: level_name(course.level.as_str(), tr),
            ..CourseCard::new(&course, tr)
        },
    };
    Ok(respond(ctx, visitor, &page))
}

/// `POST /courses/{slug}/enroll`: enrolls in a free course (signing in
/// first when needed) and returns to the course.
pub async fn enroll(
    State(ctx): State<AppContext>,
    Path(slug): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(&format!("/signin?next=/courses/{slug}")).into_response());
    };
    let detail = medicaledu_app::courses::get_course(&ctx, Some(actor), &slug)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let input = Enroll {
        course_id: detail.course.id,
        student_id: None,
    };
    match medicaledu_app::enrollments::enroll(&ctx, actor, &visitor.meta, input).await {
        Ok(_) => Ok(Redirect::to("/me").into_response()),
        Err(EnrollError::PaymentRequired) => {
            Ok(Redirect::to(&format!("/courses/{slug}#sessions")).into_response())
        }
        Err(e) => Err(PageError::from_failure(&e)),
    }
}
