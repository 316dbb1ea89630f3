//! The web pages under the same catalog: the home page, the catalog page (with
//! and without a search) and course pages, rendered by the real page router
//! over the seeded data. Course pages are measured on courses furnished like a
//! real one: materials, a month of sessions and reviews.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use chrono::Utc;
use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::{Db, on_tx};
use reqwest::StatusCode;
use tokio::task::JoinSet;

use crate::load::{Ctx, Stats};
use crate::rng::Rng;
use crate::seed::{Dataset, insert_sql};

/// Courses given materials, sessions and reviews for the course-page scenario.
pub const FURNISHED: usize = 200;
const MATERIALS: usize = 6;
/// Sessions per furnished course, spread over the next four weeks: all of them
/// are on its page.
const SESSIONS: usize = 8;
const REVIEWS: usize = 12;

/// A course whose page is measured, and how many sessions it must show.
pub struct Furnished {
    pub slug: String,
    pub sessions: usize,
}

const MATERIAL_COLUMNS: [&str; 9] = [
    "id",
    "course_id",
    "title",
    "kind",
    "position",
    "body",
    "duration_seconds",
    "is_required",
    "is_preview",
];

const SLOT_COLUMNS: [&str; 9] = [
    "id",
    "course_id",
    "starts_at",
    "ends_at",
    "timezone",
    "capacity",
    "price_minor",
    "currency",
    "status",
];

const RATING_COLUMNS: [&str; 5] = ["id", "rater_id", "course_id", "rating", "review"];

/// Gives the first [`FURNISHED`] listed courses their materials, sessions and
/// reviews (written by other seeded users), in one write transaction each.
pub async fn furnish(db: &Db, data: &Dataset, seed: u64) -> anyhow::Result<Vec<Furnished>> {
    let mut rng = Rng::new(seed ^ 0x9e37_79b9);
    let now = Utc::now();
    let mut furnished = Vec::new();
    for course in data
        .courses
        .iter()
        .filter(|c| c.is_listed())
        .take(FURNISHED)
    {
        let mut tx = db.begin_write().await?;
        let sql = insert_sql(db, "course_materials", &MATERIAL_COLUMNS, MATERIALS);
        on_tx!(&mut tx, conn => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for position in 0..MATERIALS {
                query = query
                    .bind(Id::generate())
                    .bind(course.id)
                    .bind(format!("Part {} of {}", position + 1, course.title))
                    .bind(["article", "video", "document"][position % 3])
                    .bind(position as i64)
                    .bind("Read the case, then answer the three questions at the end.")
                    .bind(600_i64 + 60 * position as i64)
                    .bind(position < MATERIALS - 1)
                    .bind(position == 0);
            }
            query.execute(conn).await.map(|r| r.rows_affected())
        })
        .context("insert materials")?;

        let sql = insert_sql(db, "availability_slots", &SLOT_COLUMNS, SESSIONS);
        on_tx!(&mut tx, conn => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for i in 0..SESSIONS {
                // From tomorrow, every three days or so, well past the booking notice.
                let starts = now + chrono::Duration::hours(24 + 80 * i as i64 + rng.index(8) as i64);
                query = query
                    .bind(Id::generate())
                    .bind(course.id)
                    .bind(Timestamp::from(starts))
                    .bind(Timestamp::from(starts + chrono::Duration::minutes(90)))
                    .bind("Europe/Berlin")
                    .bind(12_i64)
                    .bind(course.price_minor)
                    .bind(course.currency)
                    .bind("open");
            }
            query.execute(conn).await.map(|r| r.rows_affected())
        })
        .context("insert sessions")?;

        let raters: Vec<Id> = data
            .instructors
            .iter()
            .map(|u| u.id)
            .filter(|id| *id != course.instructor_id)
            .take(REVIEWS)
            .collect();
        let sql = insert_sql(db, "course_ratings", &RATING_COLUMNS, raters.len());
        on_tx!(&mut tx, conn => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for rater in &raters {
                query = query
                    .bind(Id::generate())
                    .bind(*rater)
                    .bind(course.id)
                    .bind(1 + rng.index(5) as i64)
                    .bind("Well paced, with cases that match what we see on the ward.");
            }
            query.execute(conn).await.map(|r| r.rows_affected())
        })
        .context("insert reviews")?;
        tx.commit().await?;
        furnished.push(Furnished {
            slug: course.slug.clone(),
            sessions: SESSIONS,
        });
    }
    Ok(furnished)
}

/// One page scenario: a request drawn from `rng`, and what its body must hold.
pub struct PageScenario {
    pub name: &'static str,
    make: fn(&Ctx, &[Furnished], &mut Rng) -> PageRequest,
}

struct PageRequest {
    path: String,
    /// A text the page must contain, and how often at least.
    must_hold: (&'static str, usize),
}

pub fn scenarios() -> Vec<PageScenario> {
    vec![
        PageScenario {
            name: "page: home",
            make: |_, _, _| PageRequest {
                path: "/".into(),
                must_hold: ("href=\"/courses/", 6),
            },
        },
        PageScenario {
            name: "page: catalog, first page",
            make: |_, _, _| PageRequest {
                path: "/courses".into(),
                must_hold: ("href=\"/courses/", 12),
            },
        },
        PageScenario {
            name: "page: catalog, text search",
            make: |ctx, _, rng| PageRequest {
                path: format!("/courses?q={}", rng.pick(&ctx.common_words)),
                must_hold: ("href=\"/courses/", 12),
            },
        },
        PageScenario {
            name: "page: course",
            make: |_, furnished, rng| {
                let course = rng.pick(furnished);
                PageRequest {
                    path: format!("/courses/{}", course.slug),
                    must_hold: ("href=\"/book/", course.sessions),
                }
            },
        },
    ]
}

/// Where the pages are served and what their requests draw from.
pub struct Site {
    pub client: reqwest::Client,
    pub base: String,
    pub ctx: Arc<Ctx>,
    pub furnished: Arc<Vec<Furnished>>,
}

/// Runs `requests` timed page requests of `scenario` from `concurrency` workers;
/// each page must answer 200 with HTML holding what the scenario expects.
pub async fn drive(
    site: &Site,
    scenario: &PageScenario,
    requests: usize,
    concurrency: usize,
    seed: u64,
) -> anyhow::Result<Stats> {
    let claimed = Arc::new(AtomicUsize::new(0));
    let make = scenario.make;
    let start = Instant::now();
    let mut workers = JoinSet::new();
    for worker in 0..concurrency {
        let (client, base, ctx, furnished, claimed) = (
            site.client.clone(),
            site.base.clone(),
            Arc::clone(&site.ctx),
            Arc::clone(&site.furnished),
            Arc::clone(&claimed),
        );
        workers.spawn(async move {
            let mut rng = Rng::new(seed.wrapping_mul(1000).wrapping_add(worker as u64));
            let mut latencies = Vec::new();
            while claimed.fetch_add(1, Ordering::Relaxed) < requests {
                let request = make(&ctx, &furnished, &mut rng);
                latencies.push(fetch(&client, &base, &request).await?);
            }
            Ok::<_, anyhow::Error>(latencies)
        });
    }
    let mut latencies = Vec::with_capacity(requests);
    while let Some(joined) = workers.join_next().await {
        latencies.append(&mut joined.context("worker panicked")??);
    }
    let wall = start.elapsed();
    latencies.sort_unstable();
    Ok(Stats {
        requests: latencies.len(),
        wall,
        latencies,
        items: 0,
    })
}

async fn fetch(
    client: &reqwest::Client,
    base: &str,
    request: &PageRequest,
) -> anyhow::Result<Duration> {
    let url = format!("{base}{}", request.path);
    let start = Instant::now();
    let response = client
        .get(&url)
        .header("accept-language", "en")
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = response.status();
    let html = response
        .text()
        .await
        .with_context(|| format!("GET {url}: body"))?;
    let elapsed = start.elapsed();
    if status != StatusCode::OK {
        bail!("GET {url} answered {status}");
    }
    let (text, at_least) = request.must_hold;
    let found = html.matches(text).count();
    if found < at_least {
        bail!("GET {url}: {found} times {text:?}, expected at least {at_least}");
    }
    Ok(elapsed)
}
