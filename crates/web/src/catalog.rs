//! The public catalog: the home page and `/courses` with search, filters,
//! sorting and "Next page" through the catalog's cursors.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use medicaledu_app::AppContext;
use medicaledu_app::courses::CatalogQuery;
use medicaledu_domain::CourseLevel;
use medicaledu_store::courses::CourseRow;
use serde::Deserialize;

use crate::error::PageError;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

/// A course as a card in a list.
#[derive(Clone, Debug)]
pub struct CourseCard {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub specialty: Option<String>,
    pub level: String,
    pub rating: String,
    pub price: String,
    pub cme: Option<String>,
}

impl CourseCard {
    pub fn new(row: &CourseRow, tr: &Tr) -> Self {
        Self {
            slug: row.slug.clone(),
            title: row.title.clone(),
            summary: row.summary.clone(),
            category: row.category.clone(),
            // "Cardiology · Cardiology" says nothing twice.
            specialty: row
                .specialty
                .clone()
                .filter(|specialty| !specialty.eq_ignore_ascii_case(&row.category)),
            level: level_name(row.level.as_str(), tr),
            rating: rating_text(row.rating_sum, row.rating_count, tr),
            price: view::money(row.price_minor, &row.currency, tr),
            cme: view::cme_hours(row.cme_credit_hundredths)
                .map(|hours| tr.t_with("cme-hours", &[("hours", Arg::Text(hours))])),
        }
    }
}

pub fn level_name(level: &str, tr: &Tr) -> String {
    match level.parse::<CourseLevel>() {
        Ok(level) => tr.t(&format!("level-{level}")),
        Err(_) => level.to_owned(),
    }
}

pub fn rating_text(sum: i64, count: i64, tr: &Tr) -> String {
    match view::rating(sum, count) {
        Some(rating) => tr.t_with(
            "rating-value",
            &[("rating", Arg::Text(rating)), ("count", Arg::Number(count))],
        ),
        None => tr.t("rating-none"),
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    newest: Vec<CourseCard>,
    popular: Vec<CourseCard>,
    categories: Vec<String>,
}

const HOME_LIST: i64 = 6;

/// `GET /`.
pub async fn home(State(ctx): State<AppContext>, visitor: Visitor) -> Result<Response, PageError> {
    let list = |sort: &str| CatalogQuery {
        sort: Some(sort.to_owned()),
        limit: Some(HOME_LIST),
        ..CatalogQuery::default()
    };
    let newest = medicaledu_app::courses::list_catalog(&ctx, list("newest"))
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let popular = medicaledu_app::courses::list_catalog(&ctx, list("popularity"))
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let mut categories: Vec<String> = newest
        .items
        .iter()
        .chain(&popular.items)
        .map(|c| c.category.clone())
        .collect();
    categories.sort();
    categories.dedup();
    let tr = &visitor.tr;
    let page = HomePage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("site-name")).await?,
        newest: newest
            .items
            .iter()
            .map(|c| CourseCard::new(c, tr))
            .collect(),
        popular: popular
            .items
            .iter()
            .map(|c| CourseCard::new(c, tr))
            .collect(),
        categories,
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// The catalog's query string as a browser sends it; empty means "any".
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CatalogParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    specialty: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    language: String,
    /// `free`, `paid` or empty.
    #[serde(default)]
    price: String,
    #[serde(default)]
    min_rating: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    cursor: String,
}

/// One `<option>`.
#[derive(Clone, Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices(current: &str, options: &[(&str, String)]) -> Vec<Choice> {
    options
        .iter()
        .map(|(value, label)| Choice {
            value: (*value).to_owned(),
            label: label.clone(),
            selected: *value == current,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage {
    chrome: Chrome,
    filters: CatalogParams,
    categories: Vec<String>,
    levels: Vec<Choice>,
    prices: Vec<Choice>,
    ratings: Vec<Choice>,
    sorts: Vec<Choice>,
    courses: Vec<CourseCard>,
    count_text: String,
    next_page: Option<String>,
    problem: Option<String>,
}

const PAGE_SIZE: i64 = 12;

fn some(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// `GET /courses`.
pub async fn catalog(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(params): Query<CatalogParams>,
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let query = CatalogQuery {
        q: some(&params.q),
        category: some(&params.category),
        specialty: some(&params.specialty),
        level: some(&params.level),
        language: some(&params.language),
        free: (params.price == "free").then_some(true),
        paid: (params.price == "paid").then_some(true),
        min_rating: params.min_rating.trim().parse::<f64>().ok(),
        sort: some(&params.sort),
        cursor: some(&params.cursor),
        limit: Some(PAGE_SIZE),
        ..CatalogQuery::default()
    };
    let (courses, next_cursor, problem) =
        match medicaledu_app::courses::list_catalog(&ctx, query).await {
            Ok(page) => (page.items, page.next_cursor, None),
            Err(medicaledu_app::ReadError::Invalid(invalid)) => (
                Vec::new(),
                None,
                Some(
                    invalid
                        .0
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ),
            Err(e) => return Err(PageError::from_failure(&e)),
        };
    let next_page = next_cursor.map(|cursor| {
        let mut next = params.clone();
        next.cursor = cursor;
        format!("/courses?{}", query_string(&next))
    });
    let mut categories: Vec<String> = courses.iter().map(|c| c.category.clone()).collect();
    categories.sort();
    categories.dedup();
    let any = tr.t("catalog-any");
    let page = CatalogPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("catalog-title")).await?,
        levels: choices(
            &params.level,
            &[
                ("", any.clone()),
                ("beginner", tr.t("level-beginner")),
                ("intermediate", tr.t("level-intermediate")),
                ("advanced", tr.t("level-advanced")),
            ],
        ),
        prices: choices(
            &params.price,
            &[
                ("", any.clone()),
                ("free", tr.t("catalog-free")),
                ("paid", tr.t("catalog-paid")),
            ],
        ),
        ratings: choices(
            &params.min_rating,
            &[
                ("", any.clone()),
                ("3", "3+".to_owned()),
                ("4", "4+".to_owned()),
                ("4.5", "4.5+".to_owned()),
            ],
        ),
        sorts: choices(
            if params.sort.is_empty() {
                "newest"
            } else {
                &params.sort
            },
            &[
                ("newest", tr.t("catalog-sort-newest")),
                ("rating", tr.t("catalog-sort-rating")),
                ("price", tr.t("catalog-sort-price")),
                ("popularity", tr.t("catalog-sort-popularity")),
            ],
        ),
        count_text: tr.t_with(
            "catalog-results",
            &[("count", Arg::Number(courses.len() as i64))],
        ),
        courses: courses.iter().map(|c| CourseCard::new(c, tr)).collect(),
        categories,
        next_page,
        problem,
        filters: params,
    };
    Ok(respond(&ctx, &visitor, &page))
}

fn query_string(params: &CatalogParams) -> String {
    let pairs = [
        ("q", &params.q),
        ("category", &params.category),
        ("specialty", &params.specialty),
        ("level", &params.level),
        ("language", &params.language),
        ("price", &params.price),
        ("min_rating", &params.min_rating),
        ("sort", &params.sort),
        ("cursor", &params.cursor),
    ];
    let kept: Vec<(&str, &str)> = pairs
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.as_str()))
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}
