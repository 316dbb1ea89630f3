//! Use cases called directly, without HTTP, where they race: the seats of a
//! slot, the refunds of a charge, and a payment confirming a booking while
//! it is being cancelled. Accounts and courses are set up over HTTP, which
//! is simplest; the races run through `medicaledu_app`.

use std::sync::Arc;

use chrono::Duration;
use medicaledu_app::bookings::{self, BookInput};
use medicaledu_app::payments::{self, MarkInput, RefundError, RefundInput};
use medicaledu_app::promo::{self, PromoInput};
use medicaledu_app::slots::{self, NewSlotsInput};
use medicaledu_app::{Actor, AppContext, RequestMeta};
use medicaledu_domain::{BookingStatus, Id, PaymentKind, PaymentStatus};
use medicaledu_store::Backend;
use medicaledu_store::bookings::BookingFilter;
use tokio::sync::Barrier;

use crate::support::{TestApp, both_backends, future, spawn_app, test_settings};

/// A new account as a use case's actor, with its API session token.
async fn signed_in(app: &TestApp, email: &str, role: &str) -> (Actor, String) {
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

async fn actor(app: &TestApp, email: &str, role: &str) -> Actor {
    signed_in(app, email, role).await.0
}

fn context(app: &TestApp) -> AppContext {
    AppContext::new(app.test_db.db.clone(), test_settings()).expect("context")
}

/// One slot of a new published course of `instructor`, five days ahead.
async fn slot(
    app: &TestApp,
    ctx: &AppContext,
    instructor: &Actor,
    token: &str,
    price_minor: i64,
    capacity: i64,
) -> Id {
    let course: Id = app
        .published_course(token, "Suturing Workshop", price_minor)
        .await
        .parse()
        .expect("course id");
    let starts = future(5, 9);
    let input = NewSlotsInput {
        starts_at: starts.to_rfc3339(),
        ends_at: (starts + Duration::minutes(60)).to_rfc3339(),
        timezone: "UTC".into(),
        capacity: Some(capacity),
        price_minor: None,
        currency: None,
        location: None,
        meeting_url: None,
        recurrence: None,
    };
    let created = slots::create(ctx, instructor, &RequestMeta::default(), course, input)
        .await
        .expect("slot");
    created.first().expect("one slot").id
}

async fn students(app: &TestApp, n: usize, prefix: &str) -> Vec<Actor> {
    let mut actors = Vec::with_capacity(n);
    for i in 0..n {
        actors.push(actor(app, &format!("{prefix}{i}@example.com"), "student").await);
    }
    actors
}

fn booking_of(slot_id: Id) -> BookInput {
    BookInput {
        slot_id,
        promo_code: None,
        idempotency_key: None,
    }
}

/// Live bookings of the instructor's slot `slot_id`.
async fn live_bookings(app: &TestApp, instructor: &Actor, slot_id: Id) -> usize {
    let filter = BookingFilter {
        instructor_id: Some(instructor.id()),
        limit: 1000,
        ..BookingFilter::default()
    };
    medicaledu_store::bookings::list(&app.test_db.db, &filter)
        .await
        .expect("bookings")
        .iter()
        .filter(|b| b.slot_id == slot_id && b.status.is_live())
        .count()
}

async fn seats_booked(app: &TestApp, slot_id: Id) -> i64 {
    medicaledu_store::slots::find_live(&app.test_db.db, slot_id)
        .await
        .expect("read slot")
        .expect("slot")
        .seats_booked
}

/// (a) Fifty students race for the last three seats of a free session.
async fn fifty_students_race_book_for_three_seats(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let ctx = context(&app);
    let (instructor, token) = signed_in(&app, "teacher@example.com", "instructor").await;
    let slot_id = slot(&app, &ctx, &instructor, &token, 0, 5).await;
    for early in students(&app, 2, "early").await {
        bookings::book(&ctx, &early, &RequestMeta::default(), booking_of(slot_id))
            .await
            .expect("early booking");
    }
    let racers = students(&app, 50, "racer").await;
    let barrier = Arc::new(Barrier::new(racers.len()));
    let handles: Vec<_> = racers
        .into_iter()
        .map(|student| {
            let (ctx, barrier) = (ctx.clone(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                bookings::book(&ctx, &student, &RequestMeta::default(), booking_of(slot_id)).await
            })
        })
        .collect();
    let mut booked = 0;
    for handle in handles {
        match handle.await.expect("task") {
            Ok(_) => booked += 1,
            Err(bookings::BookError::SlotFull) => {}
            Err(other) => panic!("unexpected refusal: {other:?}"),
        }
    }
    assert_eq!(booked, 3);
    assert_eq!(seats_booked(&app, slot_id).await, 5);
    assert_eq!(live_bookings(&app, &instructor, slot_id).await, 5);
}

/// A confirmed, paid booking: booked, charged by hand, marked paid.
async fn paid_booking(ctx: &AppContext, admin: &Actor, student: &Actor, slot_id: Id) -> (Id, Id) {
    let meta = RequestMeta::default();
    let booked = bookings::book(ctx, student, &meta, booking_of(slot_id))
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

/// (b) Concurrent full refunds of one charge refund it once.
async fn concurrent_full_refunds_refund_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let ctx = context(&app);
    let admin = actor(&app, "admin@example.com", "admin").await;
    let (instructor, token) = signed_in(&app, "teacher@example.com", "instructor").await;
    let slot_id = slot(&app, &ctx, &instructor, &token, 5000, 3).await;
    let student = actor(&app, "payer@example.com", "student").await;
    let (booking_id, charge_id) = paid_booking(&ctx, &admin, &student, slot_id).await;
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (ctx, admin, barrier) = (ctx.clone(), admin.clone(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                let input = RefundInput {
                    amount_minor: None,
                    reason: "duplicate booking".into(),
                    idempotency_key: None,
                };
                payments::create_refund(&ctx, &admin, &RequestMeta::default(), charge_id, input)
                    .await
            })
        })
        .collect();
    let mut refunded = 0;
    for handle in handles {
        match handle.await.expect("task") {
            Ok(row) => {
                assert_eq!(row.status, PaymentStatus::Succeeded);
                refunded += 1;
            }
            Err(RefundError::NothingLeft | RefundError::ExceedsCharge) => {}
            Err(other) => panic!("unexpected refusal: {other:?}"),
        }
    }
    assert_eq!(refunded, 1);
    let rows = medicaledu_store::payments::for_booking(&app.test_db.db, booking_id)
        .await
        .expect("payments");
    let refunds: Vec<_> = rows
        .iter()
        .filter(|p| p.kind == PaymentKind::Refund)
        .collect();
    assert_eq!(refunds.len(), 1);
    let charge = rows.iter().find(|p| p.id == charge_id).expect("charge");
    assert_eq!(charge.refunded_minor, charge.amount_minor);
    assert_eq!(refunds[0].amount_minor, charge.amount_minor);
}

/// (c) A manual payment confirming a booking races the booking's
/// cancellation, several times. Whichever wins, the outcome is consistent:
/// cancelled while confirmed (inside the refund window) refunds the payment
/// and keeps the promo redemption; cancelled while pending gives the promo
/// code back and the late payment is refunded at once. Either way exactly
/// one refund, and the seat is free.
async fn payment_racing_cancellation_stays_consistent(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let ctx = context(&app);
    let meta = RequestMeta::default();
    let admin = actor(&app, "admin@example.com", "admin").await;
    let (instructor, token) = signed_in(&app, "teacher@example.com", "instructor").await;
    let rounds = 6;
    let slot_id = slot(&app, &ctx, &instructor, &token, 5000, rounds).await;
    let code = promo::create(
        &ctx,
        &admin,
        &meta,
        PromoInput {
            code: Some("RACE10".into()),
            discount_type: Some("percent".into()),
            value: Some(10),
            ..PromoInput::default()
        },
    )
    .await
    .expect("promo code");
    let mut kept_redemptions = 0;
    for (round, student) in students(&app, rounds as usize, "round")
        .await
        .into_iter()
        .enumerate()
    {
        let input = BookInput {
            promo_code: Some("RACE10".into()),
            ..booking_of(slot_id)
        };
        let booked = bookings::book(&ctx, &student, &meta, input)
            .await
            .expect("booking");
        let booking_id = booked.booking.id;
        let charge = payments::create_charge(&ctx, &student, &meta, booking_id, "manual", None)
            .await
            .expect("charge")
            .payment;
        let barrier = Arc::new(Barrier::new(2));
        let pay = {
            let (ctx, admin, barrier) = (ctx.clone(), admin.clone(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                let mark = MarkInput {
                    status: "succeeded".into(),
                    failure_reason: None,
                };
                payments::mark(&ctx, &admin, &RequestMeta::default(), charge.id, mark).await
            })
        };
        let cancel = {
            let (ctx, student, barrier) = (ctx.clone(), student.clone(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                bookings::cancel(&ctx, &student, &RequestMeta::default(), booking_id, None).await
            })
        };
        pay.await.expect("task").expect("payment settled");
        let cancelled = cancel.await.expect("task").expect("cancelled");
        assert_eq!(cancelled.status, BookingStatus::Cancelled, "round {round}");

        let rows = medicaledu_store::payments::for_booking(&app.test_db.db, booking_id)
            .await
            .expect("payments");
        let charge = rows.iter().find(|p| p.id == charge.id).expect("charge");
        assert_eq!(charge.status, PaymentStatus::Succeeded, "round {round}");
        let refunds: Vec<_> = rows
            .iter()
            .filter(|p| p.kind == PaymentKind::Refund)
            .collect();
        assert_eq!(refunds.len(), 1, "round {round}: exactly one refund");
        assert_eq!(refunds[0].status, PaymentStatus::Succeeded);
        assert_eq!(refunds[0].amount_minor, charge.amount_minor);
        assert_eq!(charge.refunded_minor, charge.amount_minor);
        let window_refund = refunds[0].idempotency_key.starts_with("cancel-");
        match cancelled.refund_eligible {
            // Cancelled after the payment confirmed it: the window refund.
            Some(true) => {
                assert!(window_refund, "round {round}");
                kept_redemptions += 1;
            }
            // Cancelled while pending: the late payment goes back at once.
            _ => assert!(!window_refund, "round {round}"),
        }
        assert_eq!(seats_booked(&app, slot_id).await, 0, "round {round}");
        let code = medicaledu_store::promo::find_live(&app.test_db.db, code.id)
            .await
            .expect("read code")
            .expect("code");
        assert_eq!(code.redemption_count, kept_redemptions, "round {round}");
    }
}

both_backends!(
    fifty_students_race_book_for_three_seats,
    concurrent_full_refunds_refund_once,
    payment_racing_cancellation_stays_consistent,
);
