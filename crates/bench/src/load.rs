//! The scenarios and the load driver: concurrent workers sending catalog
//! searches over HTTP, timing each until its body is read.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use medicaledu_domain::{Id, Timestamp};
use reqwest::StatusCode;
use tokio::task::JoinSet;

use crate::catalog::{Expect, Key, Query, Sort, encode_cursor};
use crate::rng::Rng;
use crate::seed::{self, Dataset};

/// What the scenarios draw their parameters from, derived from the seeded data.
pub struct Ctx {
    pub listed: usize,
    pub categories: Vec<&'static str>,
    pub instructors: Vec<Id>,
    /// Words in about 10% of listed courses.
    pub common_words: Vec<String>,
    /// Phrases in about 1% of listed courses.
    pub rare_words: Vec<String>,
    /// Words in no course.
    pub missing_words: Vec<String>,
    /// The search words in use, each with the number of listed courses it matches.
    pub word_matches: Vec<(String, usize)>,
    /// For each search word, the ids of the first page (default size, newest
    /// order) that a search for it must return, from the data set: a check that
    /// an index misses no course, which the items' own checks cannot see.
    pub first_pages: HashMap<String, Vec<Id>>,
    /// Listed courses in `newest` order.
    pub newest: Vec<(Timestamp, Id)>,
    /// Listed courses in `price` order.
    pub by_price: Vec<(i64, Id)>,
}

impl Ctx {
    pub fn new(data: &Dataset) -> Self {
        let listed: Vec<&seed::Course> = data.courses.iter().filter(|c| c.is_listed()).collect();
        let haystacks: Vec<[String; 3]> = listed.iter().map(|c| c.searchable()).collect();
        let matches = |word: &str| {
            haystacks
                .iter()
                .filter(|h| h.iter().any(|t| t.contains(word)))
                .count()
        };
        let share = |n: usize| n as f64 / listed.len().max(1) as f64;

        // The candidates nearest the wanted share: ~10% for the focus words every
        // summary carries, ~1% for topic phrases (topics follow their category's
        // size, so some are rarer and some more common).
        let nearest = |candidates: Vec<String>, target: f64, take: usize| {
            let mut scored: Vec<(String, usize)> = candidates
                .into_iter()
                .map(|w| {
                    let n = matches(&w);
                    (w, n)
                })
                .collect();
            scored.sort_by(|a, b| {
                (share(a.1) - target)
                    .abs()
                    .total_cmp(&(share(b.1) - target).abs())
            });
            scored.truncate(take);
            scored
        };
        let common = nearest(
            seed::FOCUS_WORDS.iter().map(|w| (*w).to_owned()).collect(),
            0.10,
            4,
        );
        let topics = seed::CATEGORIES
            .iter()
            .flat_map(|(_, topics)| topics.iter().map(|t| t.to_lowercase()))
            .collect();
        let rare = nearest(topics, 0.01, 6);
        let missing: Vec<(String, usize)> = seed::MISSING_WORDS
            .iter()
            .map(|w| ((*w).to_owned(), matches(w)))
            .collect();
        let word_matches: Vec<(String, usize)> = common
            .iter()
            .chain(&rare)
            .chain(&missing)
            .cloned()
            .collect();
        let first_pages = word_matches
            .iter()
            .map(|(word, _)| {
                let mut hits: Vec<(Timestamp, Id)> = listed
                    .iter()
                    .zip(&haystacks)
                    .filter(|(_, h)| h.iter().any(|t| t.contains(word.as_str())))
                    .filter_map(|(c, _)| c.published_at.map(|at| (at, c.id)))
                    .collect();
                hits.sort_unstable_by(|a, b| b.cmp(a));
                let page = usize::try_from(crate::catalog::DEFAULT_LIMIT).unwrap_or(20);
                let ids = hits.into_iter().take(page).map(|(_, id)| id).collect();
                (word.clone(), ids)
            })
            .collect();
        let common_words = common.into_iter().map(|(w, _)| w).collect();
        let rare_words = rare.into_iter().map(|(w, _)| w).collect();
        let missing_words = missing
            .into_iter()
            .filter(|(_, n)| *n == 0)
            .map(|(w, _)| w)
            .collect();

        let mut newest: Vec<(Timestamp, Id)> = listed
            .iter()
            .filter_map(|c| c.published_at.map(|at| (at, c.id)))
            .collect();
        newest.sort_unstable_by(|a, b| b.cmp(a));
        let mut by_price: Vec<(i64, Id)> = listed.iter().map(|c| (c.price_minor, c.id)).collect();
        by_price.sort_unstable();
        let mut instructors: Vec<Id> = listed.iter().map(|c| c.instructor_id).collect();
        instructors.sort_unstable();
        instructors.dedup();

        Ctx {
            listed: listed.len(),
            categories: seed::CATEGORIES.iter().map(|(c, _)| *c).collect(),
            instructors,
            common_words,
            rare_words,
            missing_words,
            word_matches,
            first_pages,
            newest,
            by_price,
        }
    }

    /// The cursor the API hands out after the `index`-th course of `newest`.
    pub fn newest_cursor(&self, index: usize) -> String {
        let (at, id) = self.newest[index];
        encode_cursor(Sort::Newest, Key::Time(at), id)
    }

    fn price_cursor(&self, index: usize) -> String {
        let (price, id) = self.by_price[index];
        encode_cursor(Sort::Price, Key::Number(price), id)
    }

    fn middle_index(&self, rng: &mut Rng, len: usize) -> usize {
        len / 10 + rng.index((len * 8 / 10).max(1))
    }
}

pub struct Scenario {
    pub name: &'static str,
    /// A request of this scenario, parameters drawn from `rng`.
    pub make: fn(&Ctx, &mut Rng) -> Query,
    pub expect: Expect,
    /// Follow `next_cursor` through this many pages and time pages 2 and on.
    pub walk: Option<usize>,
}

pub const WALK_PAGES: usize = 10;

fn pick_owned(rng: &mut Rng, items: &[&str]) -> String {
    (*rng.pick(items)).to_owned()
}

pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "newest, first page",
            make: |_, rng| Query {
                limit: *rng.pick(&[None, None, Some(12), Some(50)]),
                ..Query::default()
            },
            expect: Expect::FullPage,
            walk: None,
        },
        Scenario {
            name: "category",
            make: |ctx, rng| Query {
                category: Some(pick_owned(rng, &ctx.categories)),
                ..Query::default()
            },
            expect: Expect::Courses,
            walk: None,
        },
        Scenario {
            name: "level + language",
            make: |_, rng| Query {
                level: Some((*rng.weighted(&seed::LEVELS)).to_owned()),
                language: Some((rng.pick(&seed::LANGUAGES).0).to_owned()),
                ..Query::default()
            },
            expect: Expect::Courses,
            walk: None,
        },
        Scenario {
            name: "specialty",
            make: |_, rng| Query {
                specialty: Some(pick_owned(rng, &seed::SPECIALTIES)),
                ..Query::default()
            },
            expect: Expect::Courses,
            walk: None,
        },
        Scenario {
            name: "instructor",
            make: |ctx, rng| Query {
                instructor: Some(*rng.pick(&ctx.instructors)),
                ..Query::default()
            },
            expect: Expect::Courses,
            walk: None,
        },
        Scenario {
            name: "currency + price range, sort=price",
            make: |_, rng| {
                let min = rng.range(0, 200) * 100;
                Query {
                    currency: Some((rng.pick(&seed::CURRENCIES).0).to_owned()),
                    min_price: Some(min),
                    max_price: Some(min + rng.range(50, 300) * 100),
                    sort: Some(Sort::Price),
                    ..Query::default()
                }
            },
            expect: Expect::Courses,
            walk: None,
        },
        Scenario {
            name: "free only",
            make: |_, rng| Query {
                free: true,
                limit: *rng.pick(&[None, Some(12)]),
                ..Query::default()
            },
            expect: Expect::FullPage,
            walk: None,
        },
        Scenario {
            name: "min_rating, sort=rating",
            make: |_, rng| Query {
                min_rating: Some(*rng.pick(&[3.5, 4.0, 4.5, 4.8])),
                sort: Some(Sort::Rating),
                ..Query::default()
            },
            expect: Expect::FullPage,
            walk: None,
        },
        Scenario {
            name: "sort=popularity",
            make: |_, rng| Query {
                sort: Some(Sort::Popularity),
                limit: *rng.pick(&[None, Some(12)]),
                ..Query::default()
            },
            expect: Expect::FullPage,
            walk: None,
        },
        Scenario {
            name: "category + sort=popularity",
            make: |ctx, rng| Query {
                category: Some(pick_owned(rng, &ctx.categories)),
                sort: Some(Sort::Popularity),
                ..Query::default()
            },
            expect: Expect::Courses,
            walk: None,
        },
        Scenario {
            name: "category + sort=price",
            make: |ctx, rng| Query {
                category: Some(pick_owned(rng, &ctx.categories)),
                sort: Some(Sort::Price),
                ..Query::default()
            },
            expect: Expect::Courses,
            walk: None,
        },
        Scenario {
            name: "category + sort=rating",
            make: |ctx, rng| Query {
                category: Some(pick_owned(rng, &ctx.categories)),
                sort: Some(Sort::Rating),
                ..Query::default()
            },
            expect: Expect::Courses,
            walk: None,
        },
        Scenario {
            name: "q, common word (~10%)",
            make: |ctx, rng| Query {
                q: Some(rng.pick(&ctx.common_words).clone()),
                ..Query::default()
            },
            expect: Expect::FullPage,
            walk: None,
        },
        Scenario {
            name: "q, rare phrase (~1%)",
            make: |ctx, rng| Query {
                q: Some(rng.pick(&ctx.rare_words).clone()),
                ..Query::default()
            },
            expect: Expect::Courses,
            walk: None,
        },
        Scenario {
            name: "q, no match",
            make: |ctx, rng| Query {
                q: Some(rng.pick(&ctx.missing_words).clone()),
                ..Query::default()
            },
            expect: Expect::Nothing,
            walk: None,
        },
        Scenario {
            name: "next_cursor walk, pages 2-10",
            make: |_, _| Query::default(),
            expect: Expect::FullPage,
            walk: Some(WALK_PAGES),
        },
        Scenario {
            name: "mid-catalog cursor, newest",
            make: |ctx, rng| {
                let index = ctx.middle_index(rng, ctx.newest.len());
                Query {
                    cursor: Some(ctx.newest_cursor(index)),
                    ..Query::default()
                }
            },
            expect: Expect::FullPage,
            walk: None,
        },
        Scenario {
            name: "mid-catalog cursor, sort=price",
            make: |ctx, rng| {
                let index = ctx.middle_index(rng, ctx.by_price.len());
                Query {
                    sort: Some(Sort::Price),
                    cursor: Some(ctx.price_cursor(index)),
                    ..Query::default()
                }
            },
            expect: Expect::FullPage,
            walk: None,
        },
    ]
}

impl Scenario {
    /// The one request whose plan represents the scenario: the first one a
    /// fixed seed draws; for the walk, the request for its last page.
    pub fn representative(&self, ctx: &Ctx) -> Query {
        let mut query = (self.make)(ctx, &mut Rng::new(7));
        if let Some(pages) = self.walk {
            let page = query.limit.unwrap_or(crate::catalog::DEFAULT_LIMIT) as usize;
            query.cursor = Some(ctx.newest_cursor((pages - 1) * page - 1));
        }
        query
    }
}

pub struct Stats {
    pub requests: usize,
    pub wall: Duration,
    /// Sorted.
    pub latencies: Vec<Duration>,
    pub items: usize,
}

impl Stats {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64()
    }

    /// Nearest-rank percentile in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1].as_secs_f64() * 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        self.latencies
            .last()
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }

    pub fn mean_items(&self) -> f64 {
        self.items as f64 / self.requests.max(1) as f64
    }
}

/// Sends one request, checks it and returns its latency, item count and cursor.
/// A text search's first page of the default size must be exactly the one the
/// data set gives.
async fn fetch(
    client: &reqwest::Client,
    base: &str,
    ctx: &Ctx,
    query: &Query,
    expect: Expect,
) -> anyhow::Result<(Duration, usize, Option<String>)> {
    let url = format!("{base}{}", query.path());
    let start = Instant::now();
    let response = client
        .get(&url)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .with_context(|| format!("GET {url}: body"))?;
    let elapsed = start.elapsed();
    if status != StatusCode::OK {
        bail!(
            "GET {url} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let page: serde_json::Value =
        serde_json::from_slice(&body).with_context(|| format!("GET {url}: not JSON"))?;
    let (items, cursor) =
        crate::catalog::check(query, &page, expect).with_context(|| format!("GET {url}"))?;
    let first_page = match (&query.q, &query.cursor, query.limit) {
        (Some(q), None, None) => ctx.first_pages.get(q),
        _ => None,
    };
    if let Some(expected) = first_page {
        let ids: Vec<Option<Id>> = page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| item["id"].as_str().and_then(|id| id.parse().ok()))
            .collect();
        let expected: Vec<Option<Id>> = expected.iter().copied().map(Some).collect();
        if ids != expected {
            bail!("GET {url}: the page is not the data set's first page for this search");
        }
    }
    Ok((elapsed, items, cursor))
}

/// Runs `requests` timed requests of `scenario` from `concurrency` workers.
pub async fn drive(
    client: &reqwest::Client,
    base: &str,
    ctx: &Arc<Ctx>,
    scenario: &Scenario,
    requests: usize,
    concurrency: usize,
    seed: u64,
) -> anyhow::Result<Stats> {
    let claimed = Arc::new(AtomicUsize::new(0));
    let (make, expect, walk) = (scenario.make, scenario.expect, scenario.walk);
    let start = Instant::now();
    let mut workers = JoinSet::new();
    for worker in 0..concurrency {
        let (client, base, ctx, claimed) = (
            client.clone(),
            base.to_owned(),
            Arc::clone(ctx),
            Arc::clone(&claimed),
        );
        workers.spawn(async move {
            let mut rng = Rng::new(seed.wrapping_mul(1000).wrapping_add(worker as u64));
            let mut latencies = Vec::new();
            let mut items = 0;
            let claim = || claimed.fetch_add(1, Ordering::Relaxed) < requests;
            match walk {
                None => {
                    while claim() {
                        let query = make(&ctx, &mut rng);
                        let (latency, n, _) = fetch(&client, &base, &ctx, &query, expect).await?;
                        latencies.push(latency);
                        items += n;
                    }
                }
                Some(pages) => {
                    'walks: while claimed.load(Ordering::Relaxed) < requests {
                        let mut query = make(&ctx, &mut rng);
                        for page in 1..=pages {
                            if page > 1 && !claim() {
                                break 'walks;
                            }
                            // The last page need not be followed further, but
                            // every page of a 100,000-course walk is full.
                            let (latency, n, cursor) =
                                fetch(&client, &base, &ctx, &query, expect).await?;
                            if page > 1 {
                                latencies.push(latency);
                                items += n;
                            }
                            query.cursor = Some(cursor.context("a full page without next_cursor")?);
                        }
                    }
                }
            }
            Ok::<_, anyhow::Error>((latencies, items))
        });
    }
    let mut latencies = Vec::with_capacity(requests);
    let mut items = 0;
    while let Some(joined) = workers.join_next().await {
        let (mut l, n) = joined.context("worker panicked")??;
        latencies.append(&mut l);
        items += n;
    }
    let wall = start.elapsed();
    latencies.sort_unstable();
    Ok(Stats {
        requests: latencies.len(),
        wall,
        latencies,
        items,
    })
}
