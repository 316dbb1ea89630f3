//! The timetable: a week of all the instructor's sessions across courses in
//! their time zone (the month is `month.rs`), a new session or series
//! (weekly on chosen days or monthly on a day, with skipped dates; a preview
//! of its first occurrences and skips in local time before anything is
//! created, and a clash with another session named next to the form; edits
//! are `session.rs`), and cancelling one session,
//! this and the following ones, or the whole series, saying first how many
//! booked students are cancelled and refunded.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone as _, Utc};
use medicaledu_app::slots::{Clash, NewSlotsInput, Preview, SlotError};
use medicaledu_app::teaching::{self, local_midnight};
use medicaledu_app::{AppContext, FieldError};
use medicaledu_domain::{
    Currency, ExDate, Frequency, Id, Occurrence, RecurrenceRule, Timestamp, Weekday,
};
use serde::Deserialize;

use super::course::{Choice, Select};
use super::dashboard::{seats, times_in};
use super::{field_errors, instructor, page_error, refuse, signed_in};
use crate::error::{PageError, parse_id};
use crate::fields::{Field, error_for};
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

/// How many occurrences the preview lists before "and N more".
const PREVIEW_SHOWN: usize = 12;

/// One occurrence in the preview: a session it creates, or a date it skips.
pub struct PreviewLine {
    pub when: String,
    pub skipped: bool,
}

pub struct SessionLine {
    pub id: String,
    pub time: String,
    pub course: String,
    pub seats: String,
}

pub struct DayColumn {
    pub heading: String,
    pub today: bool,
    pub sessions: Vec<SessionLine>,
}

#[derive(Template)]
#[template(path = "teach_schedule.html")]
struct WeekPage {
    chrome: Chrome,
    heading: String,
    times_in: String,
    days: Vec<DayColumn>,
    previous: String,
    next: String,
    this_week: String,
    /// This week's Monday, `2027-03-22`.
    week: String,
    /// The month of that Monday, `2027-03`, for the month view.
    month: String,
    month_view: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct WeekQuery {
    /// Any day of the week to show (`2027-03-22`); default this week.
    week: Option<String>,
    /// Set after sessions were cancelled: how many.
    cancelled: Option<i64>,
    /// Set after sessions were created: how many.
    created: Option<i64>,
    /// Set after sessions were changed: how many.
    changed: Option<i64>,
}

/// The Monday of the week holding `day`.
pub(super) fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// `GET /teach/schedule?week=YYYY-MM-DD`.
pub async fn week(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<WeekQuery>,
) -> Result<Response, PageError> {
    let actor = match instructor(&visitor, "/teach/schedule") {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let tr = &visitor.tr;
    let zone = &visitor.zone;
    let today = ctx
        .now()
        .as_datetime()
        .with_timezone(&zone.tz())
        .date_naive();
    let shown = query
        .week
        .as_deref()
        .and_then(|w| NaiveDate::parse_from_str(w, "%Y-%m-%d").ok())
        .unwrap_or(today);
    let monday = monday_of(shown);
    let next_monday = monday + Duration::days(7);
    let sessions = teaching::my_sessions(
        &ctx,
        actor,
        local_midnight(monday, zone),
        local_midnight(next_monday, zone),
    )
    .await
    .map_err(page_error)?;
    let days = (0..7)
        .map(|offset| {
            let day = monday + Duration::days(offset);
            let from = local_midnight(day, zone);
            DayColumn {
                heading: view::day(from, zone, tr),
                today: day == today,
                sessions: sessions
                    .iter()
                    .filter(|s| {
                        s.slot
                            .starts_at
                            .as_datetime()
                            .with_timezone(&zone.tz())
                            .date_naive()
                            == day
                    })
                    .map(|s| SessionLine {
                        id: s.slot.id.to_string(),
                        time: view::time_range(s.slot.starts_at, s.slot.ends_at, zone),
                        course: s.course_title.clone(),
                        seats: seats(s.slot.seats_booked, s.slot.capacity, tr),
                    })
                    .collect(),
            }
        })
        .collect();
    let mut chrome = Chrome::new(&ctx, &visitor, tr.t("teach-schedule")).await?;
    if let Some(count) = query.cancelled {
        chrome
            .flash
            .push(tr.t_with("teach-sessions-cancelled", &[("count", Arg::Number(count))]));
    }
    if let Some(count) = query.created {
        chrome
            .flash
            .push(tr.t_with("teach-sessions-created", &[("count", Arg::Number(count))]));
    }
    if let Some(count) = query.changed {
        chrome
            .flash
            .push(tr.t_with("teach-sessions-changed", &[("count", Arg::Number(count))]));
    }
    let page = WeekPage {
        chrome,
        heading: tr.t_with(
            "teach-week-of",
            &[(
                "day",
                Arg::Text(view::day(local_midnight(monday, zone), zone, tr)),
            )],
        ),
        times_in: times_in(&visitor),
        days,
        previous: (monday - Duration::days(7)).format("%Y-%m-%d").to_string(),
        next: next_monday.format("%Y-%m-%d").to_string(),
        this_week: monday_of(today).format("%Y-%m-%d").to_string(),
        week: monday.format("%Y-%m-%d").to_string(),
        month: monday.format("%Y-%m").to_string(),
        month_view: false,
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// The new-session form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct SessionForm {
    #[serde(default)]
    course: String,
    /// `datetime-local`: `2027-03-22T09:00`, in the instructor's zone.
    #[serde(default)]
    starts: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    capacity: String,
    /// Empty: the course's price.
    #[serde(default)]
    price: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    meeting_url: String,
    /// `none`, `daily`, `weekly` or `monthly`.
    #[serde(default)]
    repeat: String,
    #[serde(default)]
    interval: String,
    day_mo: Option<String>,
    day_tu: Option<String>,
    day_we: Option<String>,
    day_th: Option<String>,
    day_fr: Option<String>,
    day_sa: Option<String>,
    day_su: Option<String>,
    /// How many occurrences.
    #[serde(default)]
    times: String,
    /// The last day (`2027-06-30`), in the instructor's zone.
    #[serde(default)]
    until: String,
    /// Monthly: `1` to `31`, `last`, or empty for the first session's day.
    #[serde(default)]
    month_day: String,
    /// Local dates without a session: `2027-12-24, 2027-12-31`.
    #[serde(default)]
    skipped: String,
    /// `preview` lists the occurrences; anything else creates them.
    #[serde(default)]
    intent: String,
}

impl SessionForm {
    fn days(&self) -> [(Weekday, bool); 7] {
        [
            (Weekday::Monday, self.day_mo.is_some()),
            (Weekday::Tuesday, self.day_tu.is_some()),
            (Weekday::Wednesday, self.day_we.is_some()),
            (Weekday::Thursday, self.day_th.is_some()),
            (Weekday::Friday, self.day_fr.is_some()),
            (Weekday::Saturday, self.day_sa.is_some()),
            (Weekday::Sunday, self.day_su.is_some()),
        ]
    }
}

/// A checked form: the course and the use case's input.
struct Request {
    course_id: Id,
    input: NewSlotsInput,
}

/// Reads the form into the use case's input, in the instructor's zone.
/// What cannot be read (a start in a clock change's gap, a number that is no
/// number) is refused under the form's own field names.
fn read(
    form: &SessionForm,
    zone: &medicaledu_domain::TimeZone,
    courses: &[medicaledu_app::teaching::TaughtCourse],
) -> Result<Request, Vec<FieldError>> {
    let mut errors = Vec::new();
    let course = form
        .course
        .parse::<Id>()
        .ok()
        .and_then(|id| courses.iter().find(|c| c.course.id == id));
    if course.is_none() {
        errors.push(refuse("course", "required", "choose one of your courses"));
    }
    let tz = zone.tz();
    let starts = local_start(&form.starts, zone, "starts")
        .map_err(|e| errors.push(e))
        .ok();
    let number = |errors: &mut Vec<FieldError>, name: &str, text: &str| -> Option<i64> {
        match text.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) if text.trim().is_empty() => {
                errors.push(refuse(name, "required", "must not be empty"));
                None
            }
            Err(_) => {
                errors.push(refuse(name, "invalid", "must be a whole number"));
                None
            }
        }
    };
    let minutes = number(&mut errors, "duration", &form.duration);
    let capacity = number(&mut errors, "capacity", &form.capacity);
    let price_minor = match (course, form.price.trim()) {
        (_, "") | (None, _) => None,
        (Some(c), text) => {
            match Currency::parse(&c.course.currency).and_then(|cur| cur.parse_amount(text)) {
                Ok(minor) => Some(minor),
                Err(issue) => {
                    errors.push(refuse("price_minor", issue.code, &issue.message));
                    None
                }
            }
        }
    };
    let recurrence = match form.repeat.as_str() {
        "" | "none" => None,
        freq => match freq.parse::<Frequency>() {
            Ok(freq) => {
                let mut rule = RecurrenceRule::new(freq);
                if !form.interval.trim().is_empty() {
                    rule.interval = number(&mut errors, "interval", &form.interval).unwrap_or(1);
                }
                if freq == Frequency::Weekly {
                    let mut chosen: Vec<Weekday> = form
                        .days()
                        .into_iter()
                        .filter(|(_, on)| *on)
                        .map(|(day, _)| day)
                        .collect();
                    // No day chosen: the weekday of the first session.
                    if chosen.is_empty()
                        && let Some(at) = starts
                    {
                        chosen.push(Weekday::from(at.with_timezone(&tz).weekday()));
                    }
                    rule.by_weekday = Some(chosen);
                }
                if freq == Frequency::Monthly {
                    match form.month_day.trim() {
                        "" => {}
                        // RFC 5545 counts from the month's end with negative days.
                        "last" => rule.by_month_day = Some(vec![-1]),
                        day => match day.parse::<i64>() {
                            Ok(day) if (1..=31).contains(&day) => {
                                rule.by_month_day = Some(vec![day]);
                            }
                            _ => errors.push(refuse(
                                "month_day",
                                "invalid",
                                "choose a day of the month",
                            )),
                        },
                    }
                }
                match skipped_dates(&form.skipped) {
                    Ok(dates) => rule.exdates = dates,
                    Err(error) => errors.push(error),
                }
                if !form.times.trim().is_empty() {
                    rule.count = number(&mut errors, "times", &form.times);
                }
                if !form.until.trim().is_empty() {
                    match NaiveDate::parse_from_str(form.until.trim(), "%Y-%m-%d") {
                        // Through the whole last day.
                        Ok(day) => {
                            rule.until = Some(
                                *local_midnight(day + Duration::days(1), zone).as_datetime()
                                    - Duration::seconds(1),
                            );
                        }
                        Err(_) => errors.push(refuse("until", "invalid", "must be a date")),
                    }
                }
                if rule.count.is_none() && rule.until.is_none() {
                    errors.push(refuse(
                        "times",
                        "required",
                        "say how many times, or until which day",
                    ));
                }
                Some(rule)
            }
            Err(_) => {
                errors.push(refuse(
                    "repeat",
                    "invalid",
                    "choose how the session repeats",
                ));
                None
            }
        },
    };
    match (errors.is_empty(), course, starts, minutes) {
        (true, Some(course), Some(starts), Some(minutes)) => {
            let ends = starts + Duration::minutes(minutes);
            let optional = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_owned());
            Ok(Request {
                course_id: course.course.id,
                input: NewSlotsInput {
                    starts_at: starts.to_rfc3339(),
                    ends_at: ends.to_rfc3339(),
                    timezone: zone.to_string(),
                    capacity,
                    price_minor,
                    currency: None,
                    location: optional(&form.location),
                    meeting_url: optional(&form.meeting_url),
                    recurrence,
                },
            })
        }
        _ => Err(errors),
    }
}

/// The local dates typed into "Skipped dates", separated by commas, spaces
/// or lines: each excludes that day's session from the series.
fn skipped_dates(text: &str) -> Result<Vec<ExDate>, FieldError> {
    text.split([',', ';', ' ', '\n', '\r'])
        .filter(|d| !d.is_empty())
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(ExDate::Date)
                .map_err(|_| {
                    refuse(
                        "skipped",
                        "invalid",
                        "must be dates such as 2027-12-24, separated by commas",
                    )
                })
        })
        .collect()
}

/// The use case's field names as this form names them.
fn form_field(field: &str) -> &str {
    match field {
        "starts_at" => "starts",
        "ends_at" => "duration",
        "recurrence.count" => "times",
        "recurrence.until" => "until",
        "recurrence.interval" => "interval",
        "recurrence.exdates" => "skipped",
        f if f.starts_with("recurrence.by_month_day") => "month_day",
        f if f.starts_with("recurrence.by_weekday") => "days",
        f if f.starts_with("recurrence") => "repeat",
        f => f,
    }
}

/// The clash in words, naming the other session and when it is.
pub(super) fn clash_text(c: &Clash, zone: &medicaledu_domain::TimeZone, tr: &Tr) -> String {
    tr.t_with(
        "teach-clash",
        &[
            ("course", Arg::Text(c.course_title.clone())),
            ("when", Arg::Text(view::when(c.starts_at, zone, tr))),
            (
                "time",
                Arg::Text(view::time_range(c.starts_at, c.ends_at, zone)),
            ),
            (
                "new",
                Arg::Text(view::when(c.occurrence_starts_at, zone, tr)),
            ),
        ],
    )
}

/// A `datetime-local` value (`2027-03-22T09:00`) read in `zone`; a time the
/// clocks skip, or no date and time, is refused under `field`.
pub(super) fn local_start(
    text: &str,
    zone: &medicaledu_domain::TimeZone,
    field: &str,
) -> Result<chrono::DateTime<Utc>, FieldError> {
    match NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M") {
        Ok(local) => zone
            .tz()
            .from_local_datetime(&local)
            .earliest()
            .map(|at| at.with_timezone(&Utc))
            .ok_or_else(|| {
                refuse(
                    field,
                    "clock_gap",
                    "this local time does not exist: the clocks skip it",
                )
            }),
        Err(_) if text.trim().is_empty() => Err(refuse(field, "required", "must not be empty")),
        Err(_) => Err(refuse(field, "invalid", "must be a date and time")),
    }
}

#[derive(Template)]
#[template(path = "teach_session_new.html")]
struct NewSessionPage {
    chrome: Chrome,
    times_in: String,
    problem: Option<String>,
    clash: Option<String>,
    course: Select,
    starts: Field,
    duration: Field,
    capacity: Field,
    price: Field,
    location: Field,
    meeting_url: Field,
    repeat: Select,
    interval: Field,
    days: Vec<Choice>,
    days_error: Option<String>,
    times: Field,
    until: Field,
    month_day: Select,
    skipped: Field,
    /// The occurrences a preview found, and those it skips, in local time.
    occurrences: Option<Vec<PreviewLine>>,
    /// How many it creates and skips, when it skips any.
    summary: Option<String>,
    more: Option<String>,
}

async fn session_page(
    ctx: &AppContext,
    visitor: &Visitor,
    courses: &[medicaledu_app::teaching::TaughtCourse],
    form: &SessionForm,
    errors: &[FieldError],
    clash: Option<&Clash>,
    preview: Option<&Preview>,
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let zone = &visitor.zone;
    let errors: Vec<FieldError> = errors
        .iter()
        .map(|e| FieldError {
            field: form_field(&e.field).to_owned(),
            ..e.clone()
        })
        .collect();
    let errors = errors.as_slice();
    let field = |name, key: &str, kind, value: &str| {
        Field::new(name, tr.t(key), kind)
            .value(value)
            .errors(errors, tr)
    };
    let optional = |f: Field| Field {
        required: false,
        ..f
    };
    let mut price = optional(
        field("price", "teach-price", "text", &form.price).hint(tr.t("teach-session-price-hint")),
    );
    price.error = error_for("price_minor", errors, tr);
    let repeat_choices = [
        ("none", "teach-repeat-none"),
        ("daily", "teach-repeat-daily"),
        ("weekly", "teach-repeat-weekly"),
        ("monthly", "teach-repeat-monthly"),
    ];
    let repeat = if form.repeat.is_empty() {
        "none"
    } else {
        form.repeat.as_str()
    };
    let day_keys = ["mo", "tu", "we", "th", "fr", "sa", "su"];
    let count = |n: usize| Arg::Number(i64::try_from(n).unwrap_or(i64::MAX));
    // The sessions and the skipped dates in one list, in time order.
    let lines = preview.map(|p| {
        let mut all: Vec<(&Occurrence, bool)> = p
            .occurrences
            .iter()
            .map(|o| (o, false))
            .chain(p.skipped.iter().map(|o| (o, true)))
            .collect();
        all.sort_by_key(|(o, _)| o.starts_at);
        all
    });
    let shown = lines.as_ref().map(|all| {
        all.iter()
            .take(PREVIEW_SHOWN)
            .map(|(o, skipped)| {
                let when = view::when(Timestamp::from(o.starts_at), zone, tr);
                PreviewLine {
                    when: if *skipped {
                        tr.t_with("teach-preview-skipped", &[("when", Arg::Text(when))])
                    } else {
                        when
                    },
                    skipped: *skipped,
                }
            })
            .collect::<Vec<_>>()
    });
    let more = lines
        .as_ref()
        .filter(|all| all.len() > PREVIEW_SHOWN)
        .map(|all| {
            tr.t_with(
                "teach-preview-more",
                &[("count", count(all.len() - PREVIEW_SHOWN))],
            )
        });
    let summary = preview.filter(|p| !p.skipped.is_empty()).map(|p| {
        tr.t_with(
            "teach-preview-summary",
            &[
                ("sessions", count(p.occurrences.len())),
                ("skipped", count(p.skipped.len())),
            ],
        )
    });
    let mut month_days = vec![Choice {
        value: String::new(),
        label: tr.t("teach-month-day-first"),
        selected: form.month_day.is_empty(),
    }];
    month_days.extend((1..=31).map(|day: u32| Choice {
        value: day.to_string(),
        label: day.to_string(),
        selected: form.month_day == day.to_string(),
    }));
    month_days.push(Choice {
        value: "last".into(),
        label: tr.t("teach-month-day-last"),
        selected: form.month_day == "last",
    });
    let page = NewSessionPage {
        chrome: Chrome::new(ctx, visitor, tr.t("teach-new-session")).await?,
        times_in: times_in(visitor),
        problem: (!errors.is_empty()).then(|| tr.t("form-errors")),
        clash: clash.map(|c| clash_text(c, zone, tr)),
        course: Select {
            name: "course",
            label: tr.t("teach-session-course"),
            choices: courses
                .iter()
                .map(|c| Choice {
                    value: c.course.id.to_string(),
                    label: c.course.title.clone(),
                    selected: form.course == c.course.id.to_string(),
                })
                .collect(),
            error: error_for("course", errors, tr),
        },
        starts: field("starts", "teach-starts", "datetime-local", &form.starts)
            .hint(times_in(visitor)),
        duration: field("duration", "teach-duration", "number", &form.duration),
        capacity: field("capacity", "teach-capacity", "number", &form.capacity),
        price,
        location: optional(field("location", "teach-location", "text", &form.location)),
        meeting_url: optional(
            field("meeting_url", "teach-meeting-url", "url", &form.meeting_url)
                .hint(tr.t("teach-meeting-url-hint")),
        ),
        repeat: Select {
            name: "repeat",
            label: tr.t("teach-repeat"),
            choices: repeat_choices
                .iter()
                .map(|(value, key)| Choice {
                    value: (*value).to_owned(),
                    label: tr.t(key),
                    selected: repeat == *value,
                })
                .collect(),
            error: error_for("repeat", errors, tr),
        },
        interval: optional(
            field("interval", "teach-interval", "number", &form.interval)
                .hint(tr.t("teach-interval-hint")),
        ),
        days: form
            .days()
            .iter()
            .zip(day_keys)
            .map(|((day, on), key)| Choice {
                value: key.to_owned(),
                label: tr.t(&format!("weekday-{}", day.as_str().to_ascii_lowercase())),
                selected: *on,
            })
            .collect(),
        days_error: error_for("days", errors, tr),
        times: optional(
            field("times", "teach-times", "number", &form.times).hint(tr.t("teach-times-hint")),
        ),
        until: optional(field("until", "teach-until", "date", &form.until)),
        month_day: Select {
            name: "month_day",
            label: tr.t("teach-month-day"),
            choices: month_days,
            error: error_for("month_day", errors, tr),
        },
        skipped: optional(
            field("skipped", "teach-skipped", "text", &form.skipped)
                .hint(tr.t("teach-skipped-hint")),
        ),
        occurrences: shown,
        summary,
        more,
    };
    Ok(respond(ctx, visitor, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct NewSessionQuery {
    course: Option<String>,
}

async fn my_courses(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &medicaledu_app::Actor,
) -> Result<Vec<medicaledu_app::teaching::TaughtCourse>, PageError> {
    let (from, to) = teaching::month_of(ctx.now(), &visitor.zone);
    teaching::my_courses(ctx, actor, from, to)
        .await
        .map_err(page_error)
}

/// `GET /teach/sessions/new?course=ID`.
pub async fn new_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<NewSessionQuery>,
) -> Result<Response, PageError> {
    let actor = match instructor(&visitor, "/teach/sessions/new") {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let courses = my_courses(&ctx, &visitor, actor).await?;
    let form = SessionForm {
        course: query.course.unwrap_or_default(),
        duration: "60".into(),
        capacity: "10".into(),
        ..SessionForm::default()
    };
    session_page(&ctx, &visitor, &courses, &form, &[], None, None).await
}

/// `POST /teach/sessions/new`: previews the occurrences, or creates them.
pub async fn create(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<SessionForm>,
) -> Result<Response, PageError> {
    let actor = match instructor(&visitor, "/teach/sessions/new") {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let courses = my_courses(&ctx, &visitor, actor).await?;
    let refused = |errors: Vec<FieldError>, clash: Option<Clash>| {
        let (ctx, visitor, courses, data) = (&ctx, &visitor, &courses, &data);
        async move {
            let mut response =
                session_page(ctx, visitor, courses, data, &errors, clash.as_ref(), None).await?;
            *response.status_mut() = if clash.is_some() {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok::<_, PageError>(response)
        }
    };
    let request = match read(&data, &visitor.zone, &courses) {
        Ok(request) => request,
        Err(errors) => return refused(errors, None).await,
    };
    let outcome = if data.intent == "preview" {
        medicaledu_app::slots::preview(&ctx, actor, request.course_id, request.input)
            .await
            .map(Err)
    } else {
        medicaledu_app::slots::create(&ctx, actor, &visitor.meta, request.course_id, request.input)
            .await
            .map(Ok)
    };
    match outcome {
        Ok(Ok(created)) => {
            let week = created
                .first()
                .map(|s| {
                    s.starts_at
                        .as_datetime()
                        .with_timezone(&visitor.zone.tz())
                        .format("%Y-%m-%d")
                        .to_string()
                })
                .unwrap_or_default();
            Ok(Redirect::to(&format!(
                "/teach/schedule?week={week}&created={}",
                created.len()
            ))
            .into_response())
        }
        Ok(Err(preview)) => {
            session_page(&ctx, &visitor, &courses, &data, &[], None, Some(&preview)).await
        }
        Err(SlotError::Invalid(invalid)) => refused(field_errors(&invalid), None).await,
        Err(SlotError::Overlap(clash)) => refused(Vec::new(), Some(clash)).await,
        Err(e) => Err(page_error(e)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CancelQuery {
    scope: Option<String>,
}

#[derive(Template)]
#[template(path = "teach_session_cancel.html")]
struct CancelPage {
    chrome: Chrome,
    id: String,
    scope: String,
    course: String,
    when: String,
    sessions: Vec<String>,
    consequence: String,
}

/// `GET /teach/sessions/{id}/cancel?scope=this|following|series`: what
/// cancelling would do, before it is confirmed.
pub async fn cancel_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<CancelQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/sessions/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let impact = teaching::cancel_impact(&ctx, actor, id, query.scope.as_deref())
        .await
        .map_err(page_error)?;
    let tr = &visitor.tr;
    let zone = &visitor.zone;
    let count = |n: usize| Arg::Number(i64::try_from(n).unwrap_or(i64::MAX));
    let page = CancelPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("teach-cancel-title")).await?,
        id: impact.slot.id.to_string(),
        scope: query.scope.unwrap_or_else(|| "this".into()),
        course: impact.course.title.clone(),
        when: view::when(impact.slot.starts_at, zone, tr),
        sessions: impact
            .sessions
            .iter()
            .map(|s| view::when(s.starts_at, zone, tr))
            .collect(),
        consequence: {
            let args = [
                ("sessions", count(impact.sessions.len())),
                ("bookings", count(impact.bookings)),
                ("refunds", count(impact.refunds)),
            ];
            let mut text = tr.t_with("teach-cancel-sessions", &args);
            text.push(' ');
            text.push_str(&tr.t_with("teach-cancel-bookings", &args));
            if impact.bookings > 0 {
                text.push(' ');
                text.push_str(&tr.t_with("teach-cancel-refunds", &args));
            }
            text
        },
    };
    Ok(respond(&ctx, &visitor, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct CancelForm {
    scope: Option<String>,
}

/// `POST /teach/sessions/{id}/cancel`: cancels, confirmed.
pub async fn cancel(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<CancelForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/sessions/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let roster = teaching::roster(&ctx, actor, id)
        .await
        .map_err(page_error)?;
    let done = medicaledu_app::slots::cancel(&ctx, actor, &visitor.meta, id, data.scope.as_deref())
        .await
        .map_err(page_error)?;
    let week = roster
        .slot
        .starts_at
        .as_datetime()
        .with_timezone(&visitor.zone.tz())
        .format("%Y-%m-%d");
    Ok(Redirect::to(&format!(
        "/teach/schedule?week={week}&cancelled={}",
        done.slots
    ))
    .into_response())
}
