//! A believable platform for a first look: instructors across specialties
//! with their courses, materials and a month of sessions (one-to-one and
//! group, some recurring, in several time zones), students with bookings,
//! progress, ratings and reviews, and promo codes. Everything is made through
//! the use cases, so it obeys every rule real data does.

use chrono::{Datelike, Duration, NaiveTime, TimeZone as _, Utc};
use medicaledu_domain::{
    BookingStatus, Email, Frequency, FullName, Id, Password, ProgressUpdate, RecurrenceRule, Role,
    TimeZone, Weekday,
};
use medicaledu_store::audit::RequestMeta;
use medicaledu_store::courses::CourseRow;
use medicaledu_store::materials;
use medicaledu_store::users::{self, UserRow};

use crate::accounts::{CreatedBy, NewAccount, ProfileInput};
use crate::bookings::BookInput;
use crate::courses::{CourseInput, CreateCourse};
use crate::enrollments::{Enroll, RecordProgress};
use crate::materials::MaterialInput;
use crate::payments::MarkInput;
use crate::promo::PromoInput;
use crate::ratings::{Rate, Target};
use crate::slots::NewSlotsInput;
use crate::{Actor, AppContext, Failure};

/// The password of every demo account: it is printed, so it is no secret.
pub const DEMO_PASSWORD: &str = "medicaledu demo password";
pub const ADMIN_EMAIL: &str = "admin@demo.medicaledu.org";

/// What was made, and the accounts to sign in with.
#[derive(Clone, Debug, Default)]
pub struct DemoReport {
    pub instructors: Vec<String>,
    pub students: Vec<String>,
    pub courses: usize,
    pub sessions: usize,
    pub bookings: usize,
    pub ratings: usize,
    pub promo_codes: Vec<String>,
    /// The course offered for CME credit.
    pub cme_activity: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the database already has {0} accounts; demo data goes into an empty platform (use --force to add it anyway)"
    )]
    NotEmpty(i64),
    /// A use case refused what the demo asked: a bug in the demo's data.
    #[error("{step}: {code}: {message}")]
    Refused {
        step: &'static str,
        code: &'static str,
        message: String,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn refused<E: Failure + std::fmt::Display>(step: &'static str) -> impl FnOnce(E) -> DemoError {
    move |e| DemoError::Refused {
        step,
        code: e.code().as_str(),
        message: e.to_string(),
    }
}

struct InstructorSpec {
    name: &'static str,
    email: &'static str,
    zone: &'static str,
    specialty: &'static str,
    credentials: &'static str,
    headline: &'static str,
}

const INSTRUCTORS: [InstructorSpec; 12] = [
    InstructorSpec {
        name: "Dr. Amara Okafor",
        email: "amara.okafor",
        zone: "Europe/London",
        specialty: "Cardiology",
        credentials: "MD, FRCP",
        headline: "Consultant cardiologist and echo lead",
    },
    InstructorSpec {
        name: "Dr. Jonas Weber",
        email: "jonas.weber",
        zone: "Europe/Berlin",
        specialty: "Emergency Medicine",
        credentials: "Dr. med., FEEM",
        headline: "Emergency physician and simulation educator",
    },
    InstructorSpec {
        name: "Priya Raman, RN",
        email: "priya.raman",
        zone: "Asia/Kolkata",
        specialty: "Nursing",
        credentials: "RN, MSc Nursing",
        headline: "Critical-care nurse educator",
    },
    InstructorSpec {
        name: "Dr. Lucas Moreau",
        email: "lucas.moreau",
        zone: "Europe/Paris",
        specialty: "Paediatrics",
        credentials: "MD, PhD",
        headline: "Paediatrician, neonatal resuscitation instructor",
    },
    InstructorSpec {
        name: "Dr. Hannah Kim",
        email: "hannah.kim",
        zone: "America/New_York",
        specialty: "Internal Medicine",
        credentials: "MD, FACP",
        headline: "Hospitalist and clinical reasoning teacher",
    },
    InstructorSpec {
        name: "Dr. Samuel Adeyemi",
        email: "samuel.adeyemi",
        zone: "Africa/Lagos",
        specialty: "Infectious Diseases",
        credentials: "MBBS, MPH",
        headline: "Infectious-diseases physician and stewardship lead",
    },
    InstructorSpec {
        name: "Dr. Sofia Rossi",
        email: "sofia.rossi",
        zone: "Europe/Rome",
        specialty: "Anaesthesiology",
        credentials: "MD, EDAIC",
        headline: "Anaesthetist teaching airway and sedation safety",
    },
    InstructorSpec {
        name: "Dr. Ethan Brooks",
        email: "ethan.brooks",
        zone: "America/Chicago",
        specialty: "Radiology",
        credentials: "MD, DABR",
        headline: "Emergency radiologist",
    },
    InstructorSpec {
        name: "Mei Tanaka, CNM",
        email: "mei.tanaka",
        zone: "Asia/Tokyo",
        specialty: "Obstetrics",
        credentials: "CNM, MSN",
        headline: "Midwife and obstetric emergencies trainer",
    },
    InstructorSpec {
        name: "Dr. Oliver Nguyen",
        email: "oliver.nguyen",
        zone: "Australia/Sydney",
        specialty: "Psychiatry",
        credentials: "MBBS, FRANZCP",
        headline: "Consultation-liaison psychiatrist",
    },
    InstructorSpec {
        name: "Dr. Laila Haddad",
        email: "laila.haddad",
        zone: "Asia/Dubai",
        specialty: "Endocrinology",
        credentials: "MD, FACE",
        headline: "Endocrinologist, diabetes technology",
    },
    InstructorSpec {
        name: "Carlos Mendes, PA-C",
        email: "carlos.mendes",
        zone: "America/Sao_Paulo",
        specialty: "Family Medicine",
        credentials: "PA-C",
        headline: "Primary-care physician assistant and preceptor",
    },
];

struct CourseSpec {
    /// Index into [`INSTRUCTORS`].
    by: usize,
    title: &'static str,
    category: &'static str,
    level: &'static str,
    price_minor: i64,
    currency: &'static str,
    cme_hours: u32,
    /// Seats per session; 1 is one-to-one coaching.
    capacity: i64,
}

const fn course(
    by: usize,
    title: &'static str,
    category: &'static str,
    level: &'static str,
    (price_minor, currency): (i64, &'static str),
    cme_hours: u32,
    capacity: i64,
) -> CourseSpec {
    CourseSpec {
        by,
        title,
        category,
        level,
        price_minor,
        currency,
        cme_hours,
        capacity,
    }
}

const COURSES: [CourseSpec; 40] = [
    course(
        0,
        "ECG interpretation from first principles",
        "Cardiology",
        "beginner",
        (0, "GBP"),
        3,
        20,
    ),
    course(
        0,
        "Heart failure: the first twelve months",
        "Cardiology",
        "intermediate",
        (4500, "GBP"),
        2,
        12,
    ),
    course(
        0,
        "Bedside echo coaching",
        "Cardiology",
        "advanced",
        (12000, "GBP"),
        1,
        1,
    ),
    course(
        1,
        "Airway management essentials",
        "Emergency Medicine",
        "beginner",
        (0, "EUR"),
        2,
        16,
    ),
    course(
        1,
        "Sepsis in the first hour",
        "Emergency Medicine",
        "intermediate",
        (3900, "EUR"),
        2,
        20,
    ),
    course(
        1,
        "Trauma team leadership",
        "Emergency Medicine",
        "advanced",
        (8900, "EUR"),
        3,
        8,
    ),
    course(
        1,
        "Point-of-care ultrasound: eFAST",
        "Emergency Medicine",
        "intermediate",
        (6500, "EUR"),
        2,
        6,
    ),
    course(
        2,
        "Safe medication administration",
        "Nursing",
        "beginner",
        (0, "INR"),
        1,
        30,
    ),
    course(
        2,
        "Ventilated patient care",
        "Nursing",
        "intermediate",
        (150000, "INR"),
        3,
        15,
    ),
    course(
        2,
        "Pressure injury prevention",
        "Nursing",
        "beginner",
        (50000, "INR"),
        1,
        25,
    ),
    course(
        3,
        "Neonatal resuscitation refresher",
        "Paediatrics",
        "intermediate",
        (5000, "EUR"),
        2,
        10,
    ),
    course(
        3,
        "The febrile child",
        "Paediatrics",
        "beginner",
        (0, "EUR"),
        1,
        24,
    ),
    course(
        3,
        "Paediatric asthma action plans",
        "Paediatrics",
        "beginner",
        (2500, "EUR"),
        1,
        20,
    ),
    course(
        4,
        "Clinical reasoning out loud",
        "Internal Medicine",
        "intermediate",
        (0, "USD"),
        2,
        18,
    ),
    course(
        4,
        "Hyponatraemia without fear",
        "Internal Medicine",
        "advanced",
        (5900, "USD"),
        2,
        12,
    ),
    course(
        4,
        "Discharge summaries that help",
        "Internal Medicine",
        "beginner",
        (1900, "USD"),
        1,
        30,
    ),
    course(
        4,
        "Case review coaching",
        "Internal Medicine",
        "advanced",
        (9900, "USD"),
        1,
        1,
    ),
    course(
        5,
        "Antimicrobial stewardship basics",
        "Infectious Diseases",
        "beginner",
        (0, "NGN"),
        2,
        40,
    ),
    course(
        5,
        "HIV care in primary settings",
        "Infectious Diseases",
        "intermediate",
        (1500000, "NGN"),
        3,
        20,
    ),
    course(
        5,
        "Outbreak investigation",
        "Infectious Diseases",
        "advanced",
        (2500000, "NGN"),
        3,
        15,
    ),
    course(
        6,
        "Procedural sedation safety",
        "Anaesthesiology",
        "intermediate",
        (7500, "EUR"),
        2,
        10,
    ),
    course(
        6,
        "The difficult airway algorithm",
        "Anaesthesiology",
        "advanced",
        (9500, "EUR"),
        3,
        8,
    ),
    course(
        6,
        "Perioperative fluids",
        "Anaesthesiology",
        "beginner",
        (0, "EUR"),
        1,
        25,
    ),
    course(
        7,
        "Chest X-ray for the night shift",
        "Radiology",
        "beginner",
        (0, "USD"),
        2,
        40,
    ),
    course(
        7,
        "CT head: what not to miss",
        "Radiology",
        "intermediate",
        (4900, "USD"),
        2,
        20,
    ),
    course(
        7,
        "Abdominal imaging in the ED",
        "Radiology",
        "intermediate",
        (4900, "USD"),
        2,
        20,
    ),
    course(
        8,
        "Postpartum haemorrhage drills",
        "Obstetrics",
        "intermediate",
        (800000, "JPY"),
        2,
        12,
    ),
    course(
        8,
        "Normal labour and birth",
        "Obstetrics",
        "beginner",
        (0, "JPY"),
        2,
        20,
    ),
    course(
        8,
        "Shoulder dystocia simulation",
        "Obstetrics",
        "advanced",
        (1200000, "JPY"),
        2,
        6,
    ),
    course(
        9,
        "Delirium on the wards",
        "Psychiatry",
        "beginner",
        (0, "AUD"),
        1,
        30,
    ),
    course(
        9,
        "Suicide risk conversations",
        "Psychiatry",
        "intermediate",
        (6900, "AUD"),
        2,
        12,
    ),
    course(
        9,
        "Psychiatry supervision",
        "Psychiatry",
        "advanced",
        (15000, "AUD"),
        1,
        1,
    ),
    course(
        10,
        "Insulin pumps and CGM",
        "Endocrinology",
        "intermediate",
        (25000, "AED"),
        2,
        15,
    ),
    course(
        10,
        "Thyroid nodules in practice",
        "Endocrinology",
        "beginner",
        (0, "AED"),
        1,
        30,
    ),
    course(
        10,
        "Diabetic ketoacidosis protocols",
        "Endocrinology",
        "intermediate",
        (18000, "AED"),
        2,
        20,
    ),
    course(
        11,
        "Hypertension in primary care",
        "Family Medicine",
        "beginner",
        (0, "BRL"),
        2,
        35,
    ),
    course(
        11,
        "Chronic pain without opioids",
        "Family Medicine",
        "intermediate",
        (19000, "BRL"),
        2,
        20,
    ),
    course(
        11,
        "Preceptor skills for busy clinics",
        "Family Medicine",
        "advanced",
        (25000, "BRL"),
        1,
        10,
    ),
    course(
        2,
        "Nursing handover with SBAR",
        "Nursing",
        "beginner",
        (0, "INR"),
        1,
        30,
    ),
    course(
        7,
        "MRI safety for clinicians",
        "Radiology",
        "beginner",
        (2900, "USD"),
        1,
        25,
    ),
];

const STUDENTS: [&str; 24] = [
    "Alex Morgan",
    "Bea Schneider",
    "Chidi Eze",
    "Dana Levi",
    "Elif Yilmaz",
    "Farid Haddad",
    "Grace Liu",
    "Hugo Martin",
    "Ines Costa",
    "Jamal Wright",
    "Kaja Nowak",
    "Leo Fischer",
    "Maya Patel",
    "Nils Berg",
    "Olga Ivanova",
    "Pedro Alves",
    "Quinn Murphy",
    "Rosa Jimenez",
    "Sven Larsen",
    "Tara Singh",
    "Uma Reddy",
    "Victor Dubois",
    "Wen Zhao",
    "Yara Nasser",
];

const REVIEWS: [(i64, &str); 6] = [
    (
        5,
        "Clear, practical and built around real cases. I use it on every shift now.",
    ),
    (4, "Very good pace; the handouts are worth keeping."),
    (5, "The best teaching session I had this year."),
    (4, "Useful refresher with honest discussion of pitfalls."),
    (3, "Good content, though I wanted more time for questions."),
    (5, "Exactly what I needed before my rotation."),
];

fn account_email(local: &str) -> String {
    format!("{local}@demo.medicaledu.org")
}

fn student_email(name: &str) -> String {
    account_email(&name.to_lowercase().replace(' ', "."))
}

/// Fills the platform. Refuses a database that already has accounts unless
/// `force` is set.
pub async fn fill(ctx: &AppContext, force: bool) -> Result<DemoReport, DemoError> {
    let existing = users::count(&ctx.db).await?;
    if existing > 0 && !force {
        return Err(DemoError::NotEmpty(existing));
    }
    let meta = RequestMeta {
        ip_address: None,
        user_agent: Some("medicaledu demo".into()),
        request_id: None,
    };
    let mut report = DemoReport::default();

    let admin = account(ctx, &meta, ADMIN_EMAIL, "Ada Admin", Role::Admin, "UTC").await?;

    let mut instructors = Vec::new();
    for spec in &INSTRUCTORS {
        let email = account_email(spec.email);
        let actor = account(ctx, &meta, &email, spec.name, Role::Instructor, spec.zone).await?;
        crate::accounts::update_profile(
            ctx,
            &actor,
            &meta,
            ProfileInput {
                headline: Some(Some(spec.headline.into())),
                specialty: Some(Some(spec.specialty.into())),
                credentials: Some(Some(spec.credentials.into())),
                bio: Some(Some(format!(
                    "{} teaches {} to physicians, nurses and students, with cases from daily practice.",
                    spec.name,
                    spec.specialty.to_lowercase()
                ))),
                ..ProfileInput::default()
            },
        )
        .await
        .map_err(refused("instructor profile"))?;
        report.instructors.push(email);
        instructors.push(actor);
    }

    let mut courses: Vec<CourseRow> = Vec::new();
    let mut slots_of: Vec<Vec<Id>> = Vec::new();
    let mut taught = [0_usize; INSTRUCTORS.len()];
    for spec in &COURSES {
        let teacher = &instructors[spec.by];
        let nth = taught[spec.by];
        taught[spec.by] += 1;
        let course = make_course(ctx, teacher, &meta, spec).await?;
        let slots = schedule(
            ctx,
            teacher,
            &meta,
            &course,
            spec,
            INSTRUCTORS[spec.by].zone,
            nth,
        )
        .await?;
        report.sessions += slots.len();
        slots_of.push(slots);
        courses.push(course);
    }
    report.courses = courses.len();
    report.cme_activity =
        Some(cme_activity(ctx, &admin, &instructors[0], &meta, &courses[0]).await?);

    // Promo codes on the first paid course of every other instructor.
    for (i, teacher) in instructors.iter().enumerate().step_by(2) {
        let Some(course) = courses
            .iter()
            .find(|c| c.instructor_id == teacher.id() && c.price_minor > 0)
        else {
            continue;
        };
        let code = format!("WELCOME{}", 10 + i);
        crate::promo::create(
            ctx,
            teacher,
            &meta,
            PromoInput {
                code: Some(code.clone()),
                description: Some(format!("15% off {}", course.title)),
                discount_type: Some("percent".into()),
                value: Some(15),
                max_redemptions: Some(Some(100)),
                max_redemptions_per_user: Some(Some(1)),
                course_id: Some(Some(course.id)),
                ..PromoInput::default()
            },
        )
        .await
        .map_err(refused("promo code"))?;
        report.promo_codes.push(code);
    }

    // Students: each books three sessions across specialties, pays for paid
    // ones (recorded by the admin, as for payment at the venue), works through
    // some materials and reviews what they took.
    for (n, name) in STUDENTS.iter().enumerate() {
        let email = student_email(name);
        let zone = INSTRUCTORS[n % INSTRUCTORS.len()].zone;
        let student = account(ctx, &meta, &email, name, Role::Student, zone).await?;
        report.students.push(email);
        for pick in 0..3 {
            let index = (n * 7 + pick * 13) % courses.len();
            let (course, slots) = (&courses[index], &slots_of[index]);
            let Some(&slot) = slots.get((n + pick) % slots.len().max(1)) else {
                continue;
            };
            if book_and_pay(ctx, &student, &admin, &meta, slot).await? {
                report.bookings += 1;
            } else if course.price_minor == 0 {
                // A full session: a free course is still open to enrol in.
                crate::enrollments::enroll(
                    ctx,
                    &student,
                    &meta,
                    Enroll {
                        course_id: course.id,
                        student_id: None,
                    },
                )
                .await
                .map_err(refused("enrol"))?;
            } else {
                continue;
            }
            learn(ctx, &student, &meta, course, n + pick).await?;
            let (stars, text) = REVIEWS[(n + pick) % REVIEWS.len()];
            if (n + pick) % 3 != 2 {
                crate::ratings::rate(
                    ctx,
                    &student,
                    &meta,
                    Rate {
                        target: Target::Course,
                        target_id: course.id,
                        rating: stars,
                        review: Some(text.into()),
                    },
                )
                .await
                .map_err(refused("rate a course"))?;
                report.ratings += 1;
            }
        }
    }
    Ok(report)
}

async fn account(
    ctx: &AppContext,
    meta: &RequestMeta,
    email: &str,
    name: &str,
    role: Role,
    zone: &str,
) -> Result<Actor, DemoError> {
    let invalid = |field: &'static str| DemoError::Refused {
        step: "account",
        code: "validation_failed",
        message: format!("{field} of {email}"),
    };
    let account = NewAccount {
        email: Email::parse(email).map_err(|_| invalid("email"))?,
        password: Password::parse(DEMO_PASSWORD).map_err(|_| invalid("password"))?,
        full_name: FullName::parse(name).map_err(|_| invalid("name"))?,
        role,
        timezone: TimeZone::parse(zone).map_err(|_| invalid("time zone"))?,
    };
    let user: UserRow =
        crate::accounts::create_account(&ctx.db, &ctx.hasher, account, CreatedBy::Operator, meta)
            .await
            .map_err(refused("account"))?;
    Ok(Actor {
        user,
        session_id: Id::generate(),
        must_enrol_second_factor: false,
    })
}

async fn make_course(
    ctx: &AppContext,
    teacher: &Actor,
    meta: &RequestMeta,
    spec: &CourseSpec,
) -> Result<CourseRow, DemoError> {
    let course = crate::courses::create_course(
        ctx,
        teacher,
        meta,
        CreateCourse {
            fields: CourseInput {
                title: Some(spec.title.into()),
                summary: Some(format!(
                    "{} for clinicians: short talks, worked cases and a live session with questions.",
                    spec.title
                )),
                description: Some(format!(
                    "## What you will learn\n\n- The principles behind {title}\n- How to apply them at the bedside\n- The pitfalls seen most often\n\n## How it runs\n\nWork through the materials at your own pace, then join a live session to discuss cases. **{hours} CME credit hours** on completion.",
                    title = spec.title.to_lowercase(),
                    hours = spec.cme_hours
                )),
                category: Some(spec.category.into()),
                specialty: Some(Some(INSTRUCTORS[spec.by].specialty.into())),
                tags: Some(vec![spec.category.to_lowercase(), spec.level.into()]),
                level: Some(spec.level.into()),
                language: Some("en".into()),
                price_minor: Some(spec.price_minor),
                currency: Some(spec.currency.into()),
                cme_credit_hours: Some(serde_json::Number::from(spec.cme_hours)),
                ..CourseInput::default()
            },
            instructor_id: None,
        },
    )
    .await
    .map_err(refused("course"))?;
    let parts = [
        ("Overview and learning goals", "article", false, true),
        ("Worked cases", "article", true, false),
        ("Recorded lecture", "video", true, false),
        ("Quick reference card", "document", false, false),
    ];
    for (title, kind, required, preview) in parts {
        let (body, url) = match kind {
            "article" => (
                Some(format!(
                    "# {title}\n\nThis part of *{}* walks through the essentials with short cases.\n\n1. Read the case.\n2. Decide what you would do.\n3. Compare with the discussion below.",
                    spec.title
                )),
                None,
            ),
            "video" => (
                None,
                Some("https://videos.example.org/medicaledu/lecture.mp4".to_owned()),
            ),
            _ => (
                None,
                Some("https://files.example.org/medicaledu/reference-card.pdf".to_owned()),
            ),
        };
        crate::materials::add_material(
            ctx,
            teacher,
            meta,
            course.id,
            MaterialInput {
                title: Some(title.into()),
                kind: Some(kind.into()),
                content_url: Some(url),
                body: Some(body),
                duration_seconds: Some((kind == "video").then_some(1800)),
                is_required: Some(required),
                is_preview: Some(preview),
            },
        )
        .await
        .map_err(refused("material"))?;
    }
    crate::courses::publish_course(ctx, teacher, meta, course.id)
        .await
        .map_err(refused("publish"))
}

/// Sessions over the next four weeks at local office hours in the
/// instructor's zone: two single sessions, and for an instructor's first
/// course a weekly evening series. The `nth` course of an instructor gets its
/// own hour, so an instructor's sessions never clash.
async fn schedule(
    ctx: &AppContext,
    teacher: &Actor,
    meta: &RequestMeta,
    course: &CourseRow,
    spec: &CourseSpec,
    zone: &str,
    nth: usize,
) -> Result<Vec<Id>, DemoError> {
    let tz: chrono_tz::Tz = zone.parse().map_err(|_| DemoError::Refused {
        step: "schedule",
        code: "validation_failed",
        message: format!("time zone {zone}"),
    })?;
    let today = ctx.now().as_datetime().with_timezone(&tz).date_naive();
    let mut ids = Vec::new();
    let mut plan: Vec<(chrono::NaiveDate, u32, Option<RecurrenceRule>)> = Vec::new();
    for k in 0..2_i64 {
        let day = today + Duration::days(2 + nth as i64 + 9 * k);
        plan.push((day, 9 + nth as u32 * 2, None));
    }
    if nth == 0 {
        let day = today + Duration::days(3);
        let weekday = Weekday::from(day.weekday());
        plan.push((
            day,
            18,
            Some(RecurrenceRule {
                by_weekday: Some(vec![weekday]),
                count: Some(4),
                ..RecurrenceRule::new(Frequency::Weekly)
            }),
        ));
    }
    for (day, hour, recurrence) in plan {
        let Some(start) = tz
            .from_local_datetime(
                &day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default()),
            )
            .earliest()
        else {
            continue;
        };
        let start = start.with_timezone(&Utc);
        let end = start + Duration::minutes(if spec.capacity == 1 { 60 } else { 90 });
        let online = nth.is_multiple_of(2);
        let created = crate::slots::create(
            ctx,
            teacher,
            meta,
            course.id,
            NewSlotsInput {
                starts_at: start.to_rfc3339(),
                ends_at: end.to_rfc3339(),
                timezone: zone.into(),
                capacity: Some(spec.capacity),
                location: (!online).then(|| "Skills lab, 2nd floor".to_owned()),
                meeting_url: online.then(|| "https://meet.example.org/medicaledu-demo".to_owned()),
                recurrence,
                price_minor: None,
                currency: None,
            },
        )
        .await
        .map_err(refused("session"))?;
        ids.extend(created.into_iter().map(|s| s.id));
    }
    Ok(ids)
}

/// Books `slot`; a priced booking is paid at the venue and recorded by the
/// admin. False when the session is full.
async fn book_and_pay(
    ctx: &AppContext,
    student: &Actor,
    admin: &Actor,
    meta: &RequestMeta,
    slot: Id,
) -> Result<bool, DemoError> {
    let booked = match crate::bookings::book(
        ctx,
        student,
        meta,
        BookInput {
            slot_id: slot,
            promo_code: None,
            idempotency_key: None,
        },
    )
    .await
    {
        Ok(booked) => booked.booking,
        Err(crate::bookings::BookError::SlotFull | crate::bookings::BookError::AlreadyBooked) => {
            return Ok(false);
        }
        Err(e) => return Err(refused("book")(e)),
    };
    if booked.status == BookingStatus::Pending {
        let charge = crate::payments::create_charge(ctx, student, meta, booked.id, "manual", None)
            .await
            .map_err(refused("charge"))?;
        crate::payments::mark(
            ctx,
            admin,
            meta,
            charge.payment.id,
            MarkInput {
                status: "succeeded".into(),
                failure_reason: None,
            },
        )
        .await
        .map_err(refused("record the payment"))?;
    }
    Ok(true)
}

/// Completes the course's first `progress % 4` materials.
async fn learn(
    ctx: &AppContext,
    student: &Actor,
    meta: &RequestMeta,
    course: &CourseRow,
    progress: usize,
) -> Result<(), DemoError> {
    let Some(enrollment) =
        medicaledu_store::enrollments::find_live_for(&ctx.db, student.id(), course.id).await?
    else {
        return Ok(());
    };
    let parts = materials::list_live(&ctx.db, course.id).await?;
    for material in parts.iter().take(progress % (parts.len() + 1)) {
        crate::enrollments::record_progress(
            ctx,
            student,
            meta,
            RecordProgress {
                enrollment_id: enrollment.id,
                material_id: material.id,
                update: ProgressUpdate {
                    percent: Some(100),
                    position_seconds: None,
                    time_spent_delta_seconds: Some(600),
                    completed: Some(true),
                },
                request_key: None,
            },
        )
        .await
        .map_err(refused("progress"))?;
    }
    Ok(())
}

/// The first course as a CME activity of a demo provider: one designation,
/// a five-question post-test and a short evaluation.
async fn cme_activity(
    ctx: &AppContext,
    admin: &Actor,
    teacher: &Actor,
    meta: &RequestMeta,
    course: &CourseRow,
) -> Result<String, DemoError> {
    use crate::cme::assessments::{self, QuestionInput, SettingsInput};
    use crate::cme::catalog::{self, ActivityInput, DesignationInput, ProviderInput};
    use medicaledu_domain::AssessmentKind;

    let provider = catalog::create_provider(
        ctx,
        admin,
        meta,
        ProviderInput {
            name: "MedicalEdu Demo Institute".into(),
            accreditor: "ACCME (demonstration)".into(),
            accreditation_statement: "MedicalEdu Demo Institute is accredited by the Accreditation Council \
                for Continuing Medical Education (ACCME) to provide continuing medical education for \
                physicians. (Demonstration data: this statement is not a real accreditation.)"
                .into(),
            valid_until: None,
        },
    )
    .await
    .map_err(refused("CME provider"))?;
    let release_on = (ctx.now().as_datetime().date_naive() - chrono::Days::new(30)).to_string();
    catalog::set_activity(
        ctx,
        teacher,
        meta,
        course.id,
        ActivityInput {
            provider_id: provider.id,
            format: "enduring".into(),
            release_on,
            expires_on: None,
            disclosure: "The planners and faculty have no relevant financial relationships with \
                ineligible companies to disclose."
                .into(),
            topics: vec!["cardiology".into(), "ECG".into()],
        },
    )
    .await
    .map_err(refused("CME activity"))?;
    catalog::add_designation(
        ctx,
        teacher,
        meta,
        course.id,
        DesignationInput {
            kind: "credit".into(),
            credit_type: "AMA PRA Category 1 Credit™".into(),
            max_credits: "3".into(),
            step: "0.25".into(),
            statement: "MedicalEdu Demo Institute designates this enduring material for a maximum of \
                3 AMA PRA Category 1 Credits™. Physicians should claim only the credit commensurate \
                with the extent of their participation in the activity."
                .into(),
            professions: vec!["physician".into(), "physician_assistant".into(), "nurse_practitioner".into()],
        },
    )
    .await
    .map_err(refused("CME designation"))?;
    assessments::configure(
        ctx,
        teacher,
        meta,
        course.id,
        AssessmentKind::PostTest,
        SettingsInput {
            pass_mark_percent: 80,
            max_attempts: Some(3),
            cooldown_seconds: 0,
            time_limit_seconds: Some(20 * 60),
            grace_seconds: 30,
            shuffle_questions: true,
            shuffle_options: true,
        },
    )
    .await
    .map_err(refused("CME post-test"))?;
    for (prompt, options, rationale) in ECG_QUESTIONS {
        assessments::add_question(
            ctx,
            teacher,
            meta,
            course.id,
            AssessmentKind::PostTest,
            QuestionInput {
                kind: "single_choice".into(),
                prompt: prompt.into(),
                options: options.iter().map(|o| (*o).to_owned()).collect(),
                // Written with the right answer first; the attempt shuffles them.
                correct: vec![0],
                rationale: rationale.into(),
                points: None,
            },
        )
        .await
        .map_err(refused("CME question"))?;
    }
    assessments::configure(
        ctx,
        teacher,
        meta,
        course.id,
        AssessmentKind::Evaluation,
        SettingsInput {
            pass_mark_percent: 0,
            max_attempts: None,
            cooldown_seconds: 0,
            time_limit_seconds: None,
            grace_seconds: 0,
            shuffle_questions: false,
            shuffle_options: false,
        },
    )
    .await
    .map_err(refused("CME evaluation"))?;
    for (prompt, options) in EVALUATION_QUESTIONS {
        assessments::add_question(
            ctx,
            teacher,
            meta,
            course.id,
            AssessmentKind::Evaluation,
            QuestionInput {
                kind: "single_choice".into(),
                prompt: prompt.into(),
                options: options.iter().map(|o| (*o).to_owned()).collect(),
                correct: vec![],
                rationale: String::new(),
                points: None,
            },
        )
        .await
        .map_err(refused("CME evaluation question"))?;
    }
    Ok(course.title.clone())
}

const ECG_QUESTIONS: [(&str, [&str; 3], &str); 5] = [
    (
        "How long is a normal PR interval?",
        ["120–200 ms", "60–100 ms", "240–320 ms"],
        "From the start of the P wave to the start of the QRS complex: three to five small squares at 25 mm/s.",
    ),
    (
        "Which leads look at the inferior wall of the left ventricle?",
        ["II, III and aVF", "I, aVL, V5 and V6", "V1 to V4"],
        "Leads II, III and aVF face the inferior wall, usually supplied by the right coronary artery.",
    ),
    (
        "At a paper speed of 25 mm/s, how long is one large square?",
        ["0.2 s", "0.04 s", "1 s"],
        "A large square is five small squares of 0.04 s each.",
    ),
    (
        "ST elevation in V1 to V4 points to occlusion of which artery?",
        [
            "Left anterior descending",
            "Right coronary",
            "Left circumflex",
        ],
        "The anterior leads face the territory of the left anterior descending artery.",
    ),
    (
        "What does a QRS complex wider than 120 ms suggest?",
        [
            "A bundle branch block or a ventricular rhythm",
            "Atrial fibrillation",
            "First-degree AV block",
        ],
        "Conduction outside the normal His–Purkinje pathway widens the QRS complex.",
    ),
];

const EVALUATION_QUESTIONS: [(&str, [&str; 3]); 2] = [
    (
        "The activity was free of commercial bias.",
        ["Agree", "Neither agree nor disagree", "Disagree"],
    ),
    (
        "Will you change your practice as a result of this activity?",
        ["Yes", "Not yet, but I will consider it", "No"],
    ),
];
