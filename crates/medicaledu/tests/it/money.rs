//! Money and lockout holes: the refund window cannot be dodged by
//! rescheduling, a reschedule keeps its price, a booking's enrollment ends
//! with the last paid booking, and password guesses cannot outrun the lockout
//! (at sign-in or when changing the password).

use std::sync::Arc;

use chrono::{Duration, DurationRound, Utc};
use medicaledu_app::bookings::{self, BookInput};
use medicaledu_app::payments::{self, MarkInput, RefundInput};
use medicaledu_app::sessions::{self, LoginInput};
use medicaledu_app::slots::{self, NewSlotsInput};
use medicaledu_app::{Actor, AppContext, Clock, ErrorCode, Failure, RequestMeta};
use medicaledu_domain::{EnrollmentStatus, Id, PaymentKind};
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::json;
use tokio::sync::Barrier;

use crate::support::{PASSWORD, TestApp, both_backends, future, json_of, spawn_app, test_settings};

async fn actor(app: &TestApp, email: &str, role: &str) -> (Actor, String) {
    let token = app.user(email, role).await;
    let user = medicaledu_store::users::find_live_by_email(&app.test_db.db, email)
        .await
        .expect("read user")
        .expect("user exists");
    let actor = Actor {
        user,
        session_id: Id::generate(),
        must_enrol_second_factor: false,
    };
    (actor, token)
}

fn context(app: &TestApp) -> AppContext {
    AppContext::new(app.test_db.db.clone(), test_settings()).expect("context")
}

/// A one-hour, five-seat slot of `course` starting at `starts`.
async fn slot_at(
    ctx: &AppContext,
    instructor: &Actor,
    course: Id,
    starts: chrono::DateTime<Utc>,
) -> Id {
    let input = NewSlotsInput {
        starts_at: starts.to_rfc3339(),
        ends_at: (starts + Duration::minutes(60)).to_rfc3339(),
        timezone: "UTC".into(),
        capacity: Some(5),
        price_minor: None,
        currency: None,
        location: None,
        meeting_url: None,
        recurrence: None,
    };
    slots::create(ctx, instructor, &RequestMeta::default(), course, input)
        .await
        .expect("slot")
        .first()
        .expect("one slot")
        .id
}

/// Whole minutes from now, so the slot's times are accepted.
fn in_hours(hours: i64) -> chrono::DateTime<Utc> {
    (Utc::now() + Duration::hours(hours))
        .duration_trunc(Duration::minutes(1))
        .expect("truncates")
}

/// Books `slot_id` for `student` and pays for it by hand; (booking, charge).
async fn paid_booking(ctx: &AppContext, admin: &Actor, student: &Actor, slot_id: Id) -> (Id, Id) {
    let meta = RequestMeta::default();
    let input = BookInput {
        slot_id,
        promo_code: None,
        idempotency_key: None,
    };
    let booked = bookings::book(ctx, student, &meta, input)
        .await
        .expect("booking");
    let charge = payments::create_charge(ctx, student, &meta, booked.booking.id, "manual", None)
        .await
        .expect("charge");
    let mark = MarkInput {
        status: "succeeded".into(),
        failure_reason: None,
    };
    payments::mark(ctx, admin, &meta, charge.payment.id, mark)
        .await
        .expect("marked paid");
    (booked.booking.id, charge.payment.id)
}

struct Shop {
    ctx: AppContext,
    admin: Actor,
    instructor: Actor,
    student: Actor,
    course: Id,
}

async fn shop(app: &TestApp) -> Shop {
    let ctx = context(app);
    let (admin, _) = actor(app, "admin@example.com", "admin").await;
    let (instructor, token) = actor(app, "teacher@example.com", "instructor").await;
    let course = app
        .published_course(&token, "Airway Management", 5000)
        .await
        .parse()
        .expect("course id");
    let (student, _) = actor(app, "learner@example.com", "student").await;
    Shop {
        ctx,
        admin,
        instructor,
        student,
        course,
    }
}

async fn refunds(app: &TestApp, booking: Id) -> usize {
    medicaledu_store::payments::for_booking(&app.test_db.db, booking)
        .await
        .expect("payments")
        .iter()
        .filter(|p| p.kind == PaymentKind::Refund)
        .count()
}

/// Item 1: a paid booking already inside the refund window, moved to a
/// later session and cancelled, is not refunded.
async fn rescheduling_does_not_reopen_the_refund_window(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let s = shop(&app).await;
    let meta = RequestMeta::default();
    let soon = slot_at(&s.ctx, &s.instructor, s.course, in_hours(5)).await;
    let later = slot_at(&s.ctx, &s.instructor, s.course, future(10, 9)).await;
    let (booking, _) = paid_booking(&s.ctx, &s.admin, &s.student, soon).await;
    let moved = bookings::reschedule(&s.ctx, &s.student, &meta, booking, later)
        .await
        .expect("five hours ahead still moves");
    let cancelled = bookings::cancel(&s.ctx, &s.student, &meta, moved.id, None)
        .await
        .expect("cancelled");
    assert_eq!(cancelled.refund_eligible, Some(false));
    assert_eq!(refunds(&app, booking).await, 0);
    assert_eq!(refunds(&app, moved.id).await, 0);
}

/// Item 1: a booking whose session is inside the minimum notice (here: one
/// hour ahead, with two hours' notice) no longer moves.
async fn a_session_inside_the_notice_is_not_rescheduled(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let s = shop(&app).await;
    let soon = slot_at(&s.ctx, &s.instructor, s.course, in_hours(3)).await;
    let later = slot_at(&s.ctx, &s.instructor, s.course, future(10, 9)).await;
    let (booking, _) = paid_booking(&s.ctx, &s.admin, &s.student, soon).await;
    let two_hours_on = context(&app).with_clock(Clock::Offset(Duration::hours(2)));
    let refused = bookings::reschedule(
        &two_hours_on,
        &s.student,
        &RequestMeta::default(),
        booking,
        later,
    )
    .await
    .expect_err("too late to move");
    assert_eq!(refused.code(), ErrorCode::RescheduleTooLate);
}

/// Item 3: a booking moves only to a session of the same price.
async fn a_reschedule_keeps_the_price(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("teacher@example.com", "instructor").await;
    let course = app.published_course(&instructor, "ECG Reading", 3000).await;
    let first = app.slot(&instructor, &course).in_days(6).create().await;
    let dearer = app
        .slot(&instructor, &course)
        .in_days(8)
        .price(4000)
        .create()
        .await;
    let student = app.user("learner@example.com", "student").await;
    let booking = json_of(app.book(&student, &first).await).await;
    let id = booking["id"].as_str().expect("id");
    let refused = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{id}/reschedule"),
            &student,
            Some(&json!({"slot_id": dearer})),
        )
        .await;
    assert_eq!(refused.status(), 409);
    assert_eq!(json_of(refused).await["code"], "reschedule_price_differs");
}

async fn enrollment_status(app: &TestApp, student: &Actor, course: Id) -> Option<EnrollmentStatus> {
    let rows =
        medicaledu_store::enrollments::list_for_student(&app.test_db.db, student.id(), None, 100)
            .await
            .expect("enrollments");
    rows.iter()
        .find(|e| e.course_id == course)
        .map(|e| e.status)
}

/// Item 2: the student cancels (refunded) and loses the booking's
/// enrollment; booking and paying again restores the same enrollment.
async fn a_refunded_cancellation_ends_the_enrollment(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let s = shop(&app).await;
    let meta = RequestMeta::default();
    let slot = slot_at(&s.ctx, &s.instructor, s.course, future(5, 9)).await;
    let (booking, _) = paid_booking(&s.ctx, &s.admin, &s.student, slot).await;
    let enrolled =
        medicaledu_store::enrollments::find_live_for(&app.test_db.db, s.student.id(), s.course)
            .await
            .expect("read")
            .expect("the paid booking enrolled the student");
    bookings::cancel(&s.ctx, &s.student, &meta, booking, None)
        .await
        .expect("cancelled");
    assert_eq!(refunds(&app, booking).await, 1);
    assert_eq!(
        enrollment_status(&app, &s.student, s.course).await,
        Some(EnrollmentStatus::Cancelled)
    );
    paid_booking(&s.ctx, &s.admin, &s.student, slot).await;
    let again =
        medicaledu_store::enrollments::find_live_for(&app.test_db.db, s.student.id(), s.course)
            .await
            .expect("read")
            .expect("enrolled again");
    assert_eq!(
        again.id, enrolled.id,
        "the same enrollment, with its progress"
    );
}

/// Item 2: the instructor cancels the booking.
async fn an_instructor_cancellation_ends_the_enrollment(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let s = shop(&app).await;
    let slot = slot_at(&s.ctx, &s.instructor, s.course, future(5, 9)).await;
    let (booking, _) = paid_booking(&s.ctx, &s.admin, &s.student, slot).await;
    bookings::cancel(
        &s.ctx,
        &s.instructor,
        &RequestMeta::default(),
        booking,
        None,
    )
    .await
    .expect("cancelled");
    assert_eq!(
        enrollment_status(&app, &s.student, s.course).await,
        Some(EnrollmentStatus::Cancelled)
    );
}

/// Item 2: the instructor cancels the slot.
async fn a_slot_cancellation_ends_the_enrollment(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let s = shop(&app).await;
    let slot = slot_at(&s.ctx, &s.instructor, s.course, future(5, 9)).await;
    paid_booking(&s.ctx, &s.admin, &s.student, slot).await;
    slots::cancel(&s.ctx, &s.instructor, &RequestMeta::default(), slot, None)
        .await
        .expect("slot cancelled");
    assert_eq!(
        enrollment_status(&app, &s.student, s.course).await,
        Some(EnrollmentStatus::Cancelled)
    );
}

/// Item 2: an admin refunds a confirmed booking: a partial refund keeps the
/// enrollment, refunding the rest ends it.
async fn a_full_refund_ends_the_enrollment(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let s = shop(&app).await;
    let meta = RequestMeta::default();
    let slot = slot_at(&s.ctx, &s.instructor, s.course, future(5, 9)).await;
    let (_, charge) = paid_booking(&s.ctx, &s.admin, &s.student, slot).await;
    let refund = |amount_minor| RefundInput {
        amount_minor,
        reason: "goodwill".into(),
        idempotency_key: None,
    };
    payments::create_refund(&s.ctx, &s.admin, &meta, charge, refund(Some(1000)))
        .await
        .expect("partial refund");
    assert_eq!(
        enrollment_status(&app, &s.student, s.course).await,
        Some(EnrollmentStatus::Active)
    );
    payments::create_refund(&s.ctx, &s.admin, &meta, charge, refund(None))
        .await
        .expect("the rest");
    assert_eq!(
        enrollment_status(&app, &s.student, s.course).await,
        Some(EnrollmentStatus::Cancelled)
    );
}

/// Item 2: an enrollment an admin granted outlives the booking.
async fn a_granted_enrollment_outlives_the_booking(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let s = shop(&app).await;
    let meta = RequestMeta::default();
    medicaledu_app::enrollments::enroll(
        &s.ctx,
        &s.admin,
        &meta,
        medicaledu_app::enrollments::Enroll {
            course_id: s.course,
            student_id: Some(s.student.id()),
        },
    )
    .await
    .expect("granted");
    let slot = slot_at(&s.ctx, &s.instructor, s.course, future(5, 9)).await;
    let (booking, _) = paid_booking(&s.ctx, &s.admin, &s.student, slot).await;
    bookings::cancel(&s.ctx, &s.student, &meta, booking, None)
        .await
        .expect("cancelled");
    assert_eq!(refunds(&app, booking).await, 1);
    assert_eq!(
        enrollment_status(&app, &s.student, s.course).await,
        Some(EnrollmentStatus::Active)
    );
}

async fn audited(app: &TestApp, user: Id, actions: &[&str]) -> usize {
    let filter = medicaledu_store::audit::AuditFilter {
        entity_id: Some(user),
        limit: 1000,
        ..Default::default()
    };
    medicaledu_store::audit::list(&app.test_db.db, &filter)
        .await
        .expect("audit log")
        .iter()
        .filter(|row| actions.contains(&row.action.as_str()))
        .count()
}

async fn locked_notices(app: &TestApp, user: Id) -> i64 {
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'account.locked' AND channel = 'in_app'",
        )
        .bind(user)
        .fetch_one(pool)
        .await
        .expect("count")
    })
}

/// Item 4: fifty wrong passwords at once check at most the lockout's limit
/// of them, lock the account once, and the right password then finds it
/// locked. Every checked password is audited (failed, or the locking one).
async fn concurrent_guesses_do_not_outrun_the_lockout(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let ctx = context(&app);
    let user = app.register("target@example.com", "student").await;
    let user: Id = user["id"].as_str().expect("id").parse().expect("id");
    let guesses = 50;
    let barrier = Arc::new(Barrier::new(guesses));
    let tasks: Vec<_> = (0..guesses)
        .map(|i| {
            let (ctx, barrier) = (ctx.clone(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                let input = LoginInput {
                    email: "target@example.com".into(),
                    password: format!("wrong guess number {i}"),
                };
                sessions::login(&ctx, &RequestMeta::default(), input)
                    .await
                    .map(drop)
                    .expect_err("a wrong password")
                    .code()
            })
        })
        .collect();
    for task in tasks {
        let code = task.await.expect("task");
        assert!(
            matches!(
                code,
                ErrorCode::InvalidCredentials | ErrorCode::AccountLocked
            ),
            "{code:?}"
        );
    }
    let right = LoginInput {
        email: "target@example.com".into(),
        password: PASSWORD.into(),
    };
    let refused = sessions::login(&ctx, &RequestMeta::default(), right)
        .await
        .map(drop)
        .expect_err("locked");
    assert_eq!(refused.code(), ErrorCode::AccountLocked);
    let max = i64::from(test_settings().lockout.max_failed_attempts);
    let checked = audited(&app, user, &["user.login_failed", "user.locked"]).await;
    assert!(
        checked >= 1 && checked as i64 <= max,
        "{checked} passwords checked"
    );
    assert_eq!(audited(&app, user, &["user.locked"]).await, 1);
    assert_eq!(locked_notices(&app, user).await, 1);
}

/// Item 5: wrong current passwords on `POST /me/password` count towards the
/// lockout and lock the account like wrong sign-ins.
async fn wrong_current_passwords_lock_the_account(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.user("victim@example.com", "student").await;
    let id: Id = app.me(&token).await.parse().expect("id");
    let attempt = |current: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            app.send(
                Method::POST,
                "/api/v1/me/password",
                &token,
                Some(&json!({"current_password": current, "new_password": "a much better passphrase 42"})),
            )
            .await
        }
    };
    for n in 1..=4 {
        assert_eq!(
            attempt("not it at all!!").await.status(),
            422,
            "attempt {n}"
        );
    }
    let fifth = attempt("not it at all!!").await;
    assert_eq!(fifth.status(), 423);
    assert!(fifth.headers().contains_key("retry-after"));
    assert_eq!(json_of(fifth).await["code"], "account_locked");
    assert_eq!(
        attempt(PASSWORD).await.status(),
        423,
        "not even the right one"
    );
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "victim@example.com", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(login.status(), 423, "the same lockout as sign-in");
    assert_eq!(locked_notices(&app, id).await, 1);
}

/// Item 5: the right current password clears the failures counted before.
async fn the_right_current_password_resets_the_count(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.user("owner@example.com", "student").await;
    let change = |current: &'static str, new: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            app.send(
                Method::POST,
                "/api/v1/me/password",
                &token,
                Some(&json!({"current_password": current, "new_password": new})),
            )
            .await
            .status()
        }
    };
    for _ in 0..4 {
        assert_eq!(
            change("not it at all!!", "a much better passphrase 42").await,
            422
        );
    }
    assert_eq!(change(PASSWORD, "short").await, 422, "a weak new password");
    for _ in 0..4 {
        assert_eq!(
            change("not it at all!!", "a much better passphrase 42").await,
            422
        );
    }
    assert_eq!(change(PASSWORD, "a much better passphrase 42").await, 204);
}

both_backends!(
    rescheduling_does_not_reopen_the_refund_window,
    a_session_inside_the_notice_is_not_rescheduled,
    a_reschedule_keeps_the_price,
    a_refunded_cancellation_ends_the_enrollment,
    an_instructor_cancellation_ends_the_enrollment,
    a_slot_cancellation_ends_the_enrollment,
    a_full_refund_ends_the_enrollment,
    a_granted_enrollment_outlives_the_booking,
    concurrent_guesses_do_not_outrun_the_lockout,
    wrong_current_passwords_lock_the_account,
    the_right_current_password_resets_the_count,
);
