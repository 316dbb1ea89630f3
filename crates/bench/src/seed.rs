//! The seeded catalog: instructors and courses with realistic distributions,
//! generated once in memory and bulk-inserted through the store's pool.

use std::fmt::Write as _;

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::{Db, on_tx};
use sqlx::types::Json;

use crate::rng::Rng;

/// Each category with its five topics. Categories are Zipf-weighted by their
/// position, so the catalog has big and small categories.
pub const CATEGORIES: [(&str, [&str; 5]); 20] = [
    (
        "Cardiology",
        [
            "Heart Failure",
            "Atrial Fibrillation",
            "Acute Coronary Syndrome",
            "Hypertension",
            "Valvular Heart Disease",
        ],
    ),
    (
        "Emergency Medicine",
        [
            "Sepsis",
            "Trauma Resuscitation",
            "Airway Management",
            "Toxicology",
            "Anaphylaxis",
        ],
    ),
    (
        "Internal Medicine",
        [
            "Diabetes Mellitus",
            "Chronic Kidney Disease",
            "Anemia",
            "Electrolyte Disorders",
            "Thyroid Disease",
        ],
    ),
    (
        "Pediatrics",
        [
            "Kawasaki Disease",
            "Bronchiolitis",
            "Neonatal Jaundice",
            "Childhood Asthma",
            "Developmental Milestones",
        ],
    ),
    (
        "Neurology",
        [
            "Stroke",
            "Epilepsy",
            "Multiple Sclerosis",
            "Myasthenia Gravis",
            "Parkinson Disease",
        ],
    ),
    (
        "Oncology",
        [
            "Breast Cancer",
            "Lung Cancer",
            "Lymphoma",
            "Immunotherapy",
            "Colorectal Cancer",
        ],
    ),
    (
        "Infectious Disease",
        [
            "Tuberculosis",
            "HIV Care",
            "Antimicrobial Stewardship",
            "Malaria",
            "Hepatitis C",
        ],
    ),
    (
        "Psychiatry",
        [
            "Major Depression",
            "Schizophrenia",
            "Bipolar Disorder",
            "Substance Use Disorders",
            "Delirium",
        ],
    ),
    (
        "Surgery",
        [
            "Acute Abdomen",
            "Hernia Repair",
            "Perioperative Care",
            "Wound Healing",
            "Bariatric Procedures",
        ],
    ),
    (
        "Obstetrics and Gynecology",
        [
            "Preeclampsia",
            "Postpartum Hemorrhage",
            "Gestational Diabetes",
            "Endometriosis",
            "Contraception",
        ],
    ),
    (
        "Pulmonology",
        [
            "COPD",
            "Pulmonary Embolism",
            "Sarcoidosis",
            "Interstitial Lung Disease",
            "Mechanical Ventilation",
        ],
    ),
    (
        "Gastroenterology",
        [
            "Inflammatory Bowel Disease",
            "Cirrhosis",
            "Pancreatitis",
            "Upper GI Bleeding",
            "Celiac Disease",
        ],
    ),
    (
        "Nephrology",
        [
            "Acute Kidney Injury",
            "Dialysis",
            "Glomerulonephritis",
            "Renal Transplantation",
            "Acid-Base Disorders",
        ],
    ),
    (
        "Endocrinology",
        [
            "Pheochromocytoma",
            "Adrenal Insufficiency",
            "Osteoporosis",
            "Pituitary Disorders",
            "Insulin Therapy",
        ],
    ),
    (
        "Dermatology",
        [
            "Psoriasis",
            "Melanoma",
            "Atopic Dermatitis",
            "Acne Vulgaris",
            "Dermatoscopy",
        ],
    ),
    (
        "Radiology",
        [
            "Chest Radiography",
            "CT Interpretation",
            "MRI Basics",
            "Ultrasound-Guided Procedures",
            "Interventional Radiology",
        ],
    ),
    (
        "Anesthesiology",
        [
            "Regional Anesthesia",
            "Difficult Airway",
            "Procedural Sedation",
            "Pain Management",
            "Malignant Hyperthermia",
        ],
    ),
    (
        "Rheumatology",
        [
            "Rheumatoid Arthritis",
            "Lupus",
            "Gout",
            "Vasculitis",
            "Spondyloarthritis",
        ],
    ),
    (
        "Hematology",
        [
            "Hemophilia",
            "Sickle Cell Disease",
            "Thrombocytopenia",
            "Anticoagulation",
            "Leukemia",
        ],
    ),
    (
        "Geriatrics",
        [
            "Falls Prevention",
            "Dementia Care",
            "Polypharmacy",
            "Frailty",
            "Palliative Care",
        ],
    ),
];

pub const SPECIALTIES: [&str; 30] = [
    "Cardiology",
    "Electrophysiology",
    "Interventional Cardiology",
    "Emergency Medicine",
    "Critical Care",
    "Family Medicine",
    "General Internal Medicine",
    "Hospital Medicine",
    "Pediatrics",
    "Neonatology",
    "Neurology",
    "Neurosurgery",
    "Medical Oncology",
    "Radiation Oncology",
    "Infectious Diseases",
    "Psychiatry",
    "General Surgery",
    "Orthopedics",
    "Obstetrics",
    "Pulmonology",
    "Gastroenterology",
    "Nephrology",
    "Endocrinology",
    "Dermatology",
    "Diagnostic Radiology",
    "Anesthesiology",
    "Rheumatology",
    "Hematology",
    "Geriatric Medicine",
    "Nursing",
];

pub const LEVELS: [(&str, f64); 3] = [("beginner", 0.4), ("intermediate", 0.4), ("advanced", 0.2)];

pub const LANGUAGES: [(&str, f64); 5] = [
    ("en", 0.60),
    ("es", 0.15),
    ("fr", 0.10),
    ("de", 0.10),
    ("pt", 0.05),
];

pub const CURRENCIES: [(&str, f64); 4] =
    [("USD", 0.50), ("EUR", 0.25), ("GBP", 0.15), ("JPY", 0.10)];

/// One of these is the focus of every course's summary, so each word is in
/// about 10% of the catalog: the "common word" text search.
pub const FOCUS_WORDS: [&str; 10] = [
    "pharmacotherapy",
    "triage",
    "prognostication",
    "telemedicine",
    "simulation",
    "guideline",
    "pathophysiology",
    "point-of-care",
    "multidisciplinary",
    "evidence-based",
];

/// Words that appear nowhere in the catalog: the text search that finds nothing
/// and so reads every published course.
pub const MISSING_WORDS: [&str; 3] = ["xenotransplantation", "zygomycosis", "trepanation"];

const TITLE_PREFIXES: [&str; 12] = [
    "Essentials of",
    "Advanced",
    "Clinical Approach to",
    "Practical",
    "Introduction to",
    "Mastering",
    "Update in",
    "Principles of",
    "Board Review:",
    "Case-Based",
    "Current Concepts in",
    "Hands-On",
];

const TITLE_SUFFIXES: [&str; 8] = [
    " for Residents",
    " for Nurses",
    " in Primary Care",
    " in the ICU",
    " for Medical Students",
    ": A Case-Based Approach",
    " (2025 Edition)",
    " Masterclass",
];

const AUDIENCES: [&str; 7] = [
    "residents",
    "nurses",
    "medical students",
    "general practitioners",
    "paramedics",
    "pharmacists",
    "physician assistants",
];

const OUTCOMES: [&str; 6] = [
    "recognition and early management",
    "workup and treatment",
    "common pitfalls and how to avoid them",
    "the latest evidence",
    "practical bedside skills",
    "decision making under uncertainty",
];

const DESCRIPTION_PARAGRAPHS: [&str; 6] = [
    "Each module opens with a short clinical vignette, walks through the reasoning an experienced clinician applies, and closes with self-assessment questions that mirror board examinations.",
    "Learners work through annotated cases, downloadable checklists and short video demonstrations recorded in real clinical settings, with an emphasis on safe, reproducible practice.",
    "The faculty review the underlying physiology only as far as it changes decisions at the bedside, then focus on diagnostic strategy, treatment choices and follow-up.",
    "Live question-and-answer sessions are recorded and added to the course, and the reading list is updated whenever major societies publish new recommendations.",
    "Completion requires passing the final assessment with at least eighty percent; a certificate listing the accredited credit hours is issued immediately afterwards.",
    "Special attention is paid to communication with patients and families, documentation, and the hand-over of care between teams and settings.",
];

const TAGS: [&str; 60] = [
    "cme",
    "board-review",
    "case-based",
    "video",
    "quiz",
    "certificate",
    "residents",
    "nursing",
    "primary-care",
    "icu",
    "emergency",
    "pediatric",
    "geriatric",
    "ecg",
    "ultrasound",
    "imaging",
    "pharmacology",
    "procedures",
    "bedside",
    "outpatient",
    "inpatient",
    "acute-care",
    "chronic-care",
    "diagnosis",
    "management",
    "prevention",
    "screening",
    "research",
    "ethics",
    "communication",
    "leadership",
    "patient-safety",
    "quality-improvement",
    "global-health",
    "rural-health",
    "womens-health",
    "mens-health",
    "sports-medicine",
    "nutrition",
    "genetics",
    "microbiology",
    "anatomy",
    "physiology",
    "biochemistry",
    "statistics",
    "usmle",
    "mrcp",
    "fellowship",
    "workshop",
    "self-paced",
    "live-sessions",
    "short-course",
    "spanish",
    "french",
    "german",
    "portuguese",
    "interactive",
    "checklists",
    "algorithms",
    "mnemonics",
];

const FIRST_NAMES: [&str; 20] = [
    "Amira", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
    "Luis", "Maya", "Nikolai", "Olivia", "Pedro", "Qing", "Rosa", "Samuel", "Tara",
];

const LAST_NAMES: [&str; 20] = [
    "Adeyemi", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova",
    "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Rossi", "Schmidt",
    "Tanaka", "Weber",
];

pub struct Instructor {
    pub id: Id,
    pub email: String,
    pub full_name: String,
    pub specialty: &'static str,
    pub created_at: Timestamp,
}

pub struct Course {
    pub id: Id,
    pub instructor_id: Id,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub description: String,
    pub category: &'static str,
    pub specialty: Option<&'static str>,
    pub tags: Vec<String>,
    pub level: &'static str,
    pub language: &'static str,
    pub price_minor: i64,
    pub currency: &'static str,
    pub cme_credit_hundredths: i64,
    pub status: &'static str,
    pub published_at: Option<Timestamp>,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub enrollment_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

impl Course {
    /// What the public catalog lists.
    pub fn is_listed(&self) -> bool {
        self.status == "published" && self.deleted_at.is_none()
    }

    /// The text the catalog's `q` searches, lowercased as the store does.
    pub fn searchable(&self) -> [String; 3] {
        [
            self.title.to_lowercase(),
            self.summary.to_lowercase(),
            serde_json::to_string(&self.tags)
                .unwrap_or_default()
                .to_lowercase(),
        ]
    }
}

pub struct Dataset {
    pub instructors: Vec<Instructor>,
    pub courses: Vec<Course>,
}

/// Zipf-like weights: the first category is about eight times as common as the last.
pub fn category_weights() -> Vec<(usize, f64)> {
    (0..CATEGORIES.len())
        .map(|i| (i, 1.0 / ((i + 1) as f64).powf(0.7)))
        .collect()
}

fn at(now: DateTime<Utc>, ago: Duration) -> Timestamp {
    Timestamp::from(now - ago)
}

fn uuid_v7_at(at: Timestamp) -> Id {
    let t = at.as_datetime();
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        u64::try_from(t.timestamp()).unwrap_or(0),
        t.timestamp_subsec_nanos(),
    );
    Id::from_uuid(uuid::Uuid::new_v7(ts))
}

fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

pub fn generate(courses: usize, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let now = Utc::now();
    let three_years = Duration::days(3 * 365);
    let year_micros = three_years.num_microseconds().unwrap_or(i64::MAX);

    let instructor_count = (courses / 300).clamp(5, 300);
    let instructors: Vec<Instructor> = (0..instructor_count)
        .map(|i| {
            let first = FIRST_NAMES[i % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i / FIRST_NAMES.len() + i) % LAST_NAMES.len()];
            let created_at = at(now, three_years + Duration::days(rng.range(1, 700)));
            Instructor {
                id: uuid_v7_at(created_at),
                email: format!("instructor{i}@bench.medicaledu.test"),
                full_name: format!("Dr. {first} {last}"),
                specialty: rng.pick_copy(&SPECIALTIES),
                created_at,
            }
        })
        .collect();

    let categories = category_weights();
    let levels = LEVELS;
    let languages = LANGUAGES;
    let currencies = CURRENCIES;
    let mut rows = Vec::with_capacity(courses);
    for i in 0..courses {
        // A few prolific instructors, a long tail of occasional ones.
        let instructor = &instructors[((rng.unit().powi(2)) * instructor_count as f64) as usize];
        let category_index = *rng.weighted(&categories);
        let (category, topics) = CATEGORIES[category_index];
        let topic = *rng.pick(&topics);
        let focus = *rng.pick(&FOCUS_WORDS);
        let audience = *rng.pick(&AUDIENCES);
        let outcome = *rng.pick(&OUTCOMES);

        let mut title = format!("{} {topic}", rng.pick(&TITLE_PREFIXES));
        if rng.chance(0.4) {
            title.push_str(rng.pick_copy(&TITLE_SUFFIXES));
        }
        let slug = format!("{}-{i:x}", slugify(&title));
        let summary = format!(
            "A {focus}-centred course on {} for {audience}, covering {outcome}.",
            topic.to_lowercase()
        );
        let mut description = format!("## {title}\n\n{summary}\n\n");
        for _ in 0..rng.range(2, 4) {
            description.push_str(rng.pick_copy(&DESCRIPTION_PARAGRAPHS));
            description.push_str("\n\n");
        }

        let mut tags: Vec<String> = Vec::new();
        if rng.chance(0.5) {
            tags.push(slugify(topic));
        }
        let tag_count = rng.range(2, 5) as usize;
        while tags.len() < tag_count {
            let tag = (*rng.pick(&TAGS)).to_owned();
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }

        let published = rng.unit().powf(1.3); // more recent courses than old ones
        let published_at_candidate = at(
            now,
            Duration::microseconds((published * year_micros as f64) as i64),
        );
        let created_at = Timestamp::from(
            *published_at_candidate.as_datetime() - Duration::minutes(rng.range(10, 60 * 24 * 60)),
        );
        let status_roll = rng.unit();
        let (status, published_at) = if status_roll < 0.90 {
            ("published", Some(published_at_candidate))
        } else if status_roll < 0.96 {
            ("draft", None)
        } else {
            ("archived", Some(published_at_candidate))
        };
        let mut updated_at = published_at.unwrap_or(created_at);
        let deleted_at = rng.chance(0.02).then(|| {
            updated_at = Timestamp::from(
                (*updated_at.as_datetime() + Duration::days(rng.range(0, 30))).min(now),
            );
            updated_at
        });

        let currency = *rng.weighted(&currencies);
        let price_minor = if rng.chance(0.2) {
            0
        } else {
            rng.range(5, 500) * 100
        };
        let cme_credit_hundredths = if rng.chance(0.3) {
            0
        } else {
            rng.range(1, 160) * 25
        };

        let (rating_count, rating_sum, enrollment_count) = if status == "draft" {
            (0, 0, 0)
        } else {
            let enrollment = ((rng.unit() * 50_001f64.ln()).exp() - 1.0).floor() as i64;
            let rating_count = if rng.chance(0.25) {
                0
            } else {
                (enrollment as f64 * rng.unit() * 0.3).floor() as i64
            };
            let average = if rng.chance(0.05) {
                1.0 + 2.0 * rng.unit()
            } else {
                5.0 - 2.5 * rng.unit().powi(2)
            };
            let rating_sum = ((average * rating_count as f64).round() as i64)
                .clamp(rating_count, 5 * rating_count);
            (rating_count, rating_sum, enrollment)
        };

        rows.push(Course {
            id: uuid_v7_at(created_at),
            instructor_id: instructor.id,
            title,
            slug,
            summary,
            description,
            category,
            specialty: rng.chance(0.7).then(|| *rng.pick(&SPECIALTIES)),
            tags,
            level: rng.weighted_copy(&levels),
            language: rng.weighted_copy(&languages),
            price_minor,
            currency,
            cme_credit_hundredths,
            status,
            published_at,
            rating_sum,
            rating_count,
            enrollment_count,
            created_at,
            updated_at,
            deleted_at,
        });
    }
    // Rows arrive in the order they were created, as in production: UUIDv7
    // ids carry the creation time, so the primary key grows at its right edge.
    rows.sort_unstable_by_key(|c| c.id);
    Dataset {
        instructors,
        courses: rows,
    }
}

/// `INSERT INTO table (columns) VALUES (…), (…), …` for `rows` rows.
///
/// SQLite gets anonymous `?` placeholders: sqlx looks up the name of every
/// named (`$N`) parameter, which SQLite finds by a linear search, so binding
/// thousands of `$N` parameters costs time quadratic in their number.
pub fn insert_sql(db: &Db, table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let n = columns.len();
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..n {
            if c > 0 {
                sql.push_str(", ");
            }
            match db {
                Db::Sqlite(_) => sql.push('?'),
                Db::Postgres(_) => {
                    let _ = write!(sql, "${}", r * n + c + 1);
                }
            }
        }
        sql.push(')');
    }
    sql
}

const USER_COLUMNS: [&str; 10] = [
    "id",
    "email",
    "password_hash",
    "full_name",
    "role",
    "status",
    "specialty",
    "email_verified_at",
    "created_at",
    "updated_at",
];

const COURSE_COLUMNS: [&str; 22] = [
    "id",
    "instructor_id",
    "title",
    "slug",
    "summary",
    "description",
    "category",
    "specialty",
    "tags",
    "level",
    "language",
    "price_minor",
    "currency",
    "cme_credit_hundredths",
    "status",
    "published_at",
    "rating_sum",
    "rating_count",
    "enrollment_count",
    "created_at",
    "updated_at",
    "deleted_at",
];

/// Rows per INSERT: 22 columns x 500 rows stays well under both backends'
/// parameter limits (SQLite 32766, PostgreSQL 65535).
const BATCH: usize = 500;

/// Not a valid Argon2 hash: nobody logs in as a seeded instructor.
const DUMMY_PASSWORD_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2htYXJr$bm90LWEtcmVhbC1oYXNo";

/// Inserts everything, one write transaction per batch.
pub async fn insert(db: &Db, data: &Dataset) -> anyhow::Result<()> {
    for chunk in data.instructors.chunks(BATCH) {
        let sql = insert_sql(db, "users", &USER_COLUMNS, chunk.len());
        let mut tx = db.begin_write().await?;
        on_tx!(&mut tx, conn => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for u in chunk {
                query = query
                    .bind(u.id)
                    .bind(u.email.as_str())
                    .bind(DUMMY_PASSWORD_HASH)
                    .bind(u.full_name.as_str())
                    .bind("instructor")
                    .bind("active")
                    .bind(u.specialty)
                    .bind(u.created_at)
                    .bind(u.created_at)
                    .bind(u.created_at);
            }
            query.execute(conn).await.map(|r| r.rows_affected())
        })
        .context("insert instructors")?;
        tx.commit().await?;
    }
    for chunk in data.courses.chunks(BATCH) {
        let sql = insert_sql(db, "courses", &COURSE_COLUMNS, chunk.len());
        let mut tx = db.begin_write().await?;
        on_tx!(&mut tx, conn => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for c in chunk {
                query = query
                    .bind(c.id)
                    .bind(c.instructor_id)
                    .bind(c.title.as_str())
                    .bind(c.slug.as_str())
                    .bind(c.summary.as_str())
                    .bind(c.description.as_str())
                    .bind(c.category)
                    .bind(c.specialty)
                    .bind(Json(&c.tags))
                    .bind(c.level)
                    .bind(c.language)
                    .bind(c.price_minor)
                    .bind(c.currency)
                    .bind(c.cme_credit_hundredths)
                    .bind(c.status)
                    .bind(c.published_at)
                    .bind(c.rating_sum)
                    .bind(c.rating_count)
                    .bind(c.enrollment_count)
                    .bind(c.created_at)
                    .bind(c.updated_at)
                    .bind(c.deleted_at);
            }
            query.execute(conn).await.map(|r| r.rows_affected())
        })
        .context("insert courses")?;
        tx.commit().await?;
    }
    Ok(())
}

/// Refreshes the planner's statistics, as an operator would after a bulk load.
pub async fn analyze(db: &Db) -> anyhow::Result<()> {
    match db {
        Db::Sqlite(pool) => {
            sqlx::query("ANALYZE").execute(pool).await?;
        }
        Db::Postgres(pool) => {
            sqlx::query("ANALYZE users").execute(pool).await?;
            sqlx::query("ANALYZE courses").execute(pool).await?;
        }
    }
    Ok(())
}
