//! Courses, the catalog, materials, enrollments, progress and ratings, over HTTP.

use std::collections::BTreeSet;
use std::sync::Arc;

use medicaledu_domain::{CourseLevel, CourseStatus, EnrollmentSource, Id, Timestamp};
use medicaledu_store::courses::{self, CatalogFilter, CatalogSort, CourseFields, CourseRow};
use medicaledu_store::{Backend, Db, users};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::support::{TestApp, TestDb, both_backends, json_of, spawn_app};

fn course_body(title: &str) -> Value {
    json!({
        "title": title,
        "summary": "Hands-on essentials",
        "description": "# Outline\n\nAirway, breathing, circulation.",
        "category": "Emergency Medicine",
        "specialty": "Resuscitation",
        "tags": ["ACLS", "airway", "acls"],
        "level": "intermediate",
        "language": "en",
        "price_minor": 0,
        "currency": "USD",
        "cme_credit_hours": 1.5
    })
}

fn field_names(problem: &Value) -> Vec<String> {
    let mut names: Vec<String> = problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn create(app: &TestApp, token: &str, body: &Value) -> Value {
    let response = app
        .send(Method::POST, "/api/v1/courses", token, Some(body))
        .await;
    assert_eq!(response.status(), 201, "create course");
    json_of(response).await
}

async fn add_material(app: &TestApp, token: &str, course: &str, body: &Value) -> Value {
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/courses/{course}/materials"),
            token,
            Some(body),
        )
        .await;
    assert_eq!(response.status(), 201, "add material {body}");
    json_of(response).await
}

/// A published course with two required materials and one optional preview.
async fn published_course(app: &TestApp, instructor: &str, body: &Value) -> (String, Vec<String>) {
    let course = create(app, instructor, body).await;
    let id = course["id"].as_str().expect("id").to_owned();
    let mut materials = Vec::new();
    for (title, kind, preview) in [
        ("Intro", "video", true),
        ("Airway", "article", false),
        ("Quiz", "quiz", false),
    ] {
        let body = if kind == "video" {
            json!({"title": title, "kind": kind, "content_url": "https://videos.example.org/intro.mp4", "duration_seconds": 600, "is_preview": preview, "is_required": false})
        } else {
            json!({"title": title, "kind": kind, "body": format!("{title} content")})
        };
        materials.push(
            add_material(app, instructor, &id, &body).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let published = app
        .send(
            Method::POST,
            &format!("/api/v1/courses/{id}/publish"),
            instructor,
            None,
        )
        .await;
    assert_eq!(published.status(), 200);
    (id, materials)
}

async fn count(app: &TestApp, table: &'static str) -> i64 {
    let sql = match table {
        "courses" => "SELECT COUNT(*) FROM courses",
        "course_materials" => "SELECT COUNT(*) FROM course_materials",
        _ => "SELECT COUNT(*) FROM enrollments",
    };
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.expect("count")
    })
}

async fn instructor_builds_and_publishes_a_course(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("house@example.com", "instructor").await;
    let course = create(
        &app,
        &instructor,
        &course_body("Advanced Cardiac Life Support"),
    )
    .await;
    assert_eq!(course["status"], "draft");
    assert_eq!(course["slug"], "advanced-cardiac-life-support");
    assert_eq!(course["tags"], json!(["acls", "airway"]));
    assert_eq!(course["cme_credit_hours"], json!(1.5));
    assert_eq!(course["display_price"], "USD 0.00");
    let id = course["id"].as_str().expect("id");

    let early = app
        .send(
            Method::POST,
            &format!("/api/v1/courses/{id}/publish"),
            &instructor,
            None,
        )
        .await;
    assert_eq!(early.status(), 409);
    assert_eq!(json_of(early).await["code"], "no_materials");

    add_material(
        &app,
        &instructor,
        id,
        &json!({"title": "Intro", "kind": "video", "content_url": "https://v.example.org/1"}),
    )
    .await;
    let published = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/courses/{id}/publish"),
            &instructor,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(published["status"], "published");
    assert!(published["published_at"].is_string());

    let twin = create(
        &app,
        &instructor,
        &course_body("Advanced Cardiac Life Support"),
    )
    .await;
    assert_eq!(twin["slug"], "advanced-cardiac-life-support-2");
    let taken = app
        .send(
            Method::PATCH,
            &format!("/api/v1/courses/{}", twin["id"].as_str().expect("id")),
            &instructor,
            Some(&json!({"slug": "advanced-cardiac-life-support"})),
        )
        .await;
    assert_eq!(taken.status(), 422);
    assert_eq!(field_names(&json_of(taken).await), vec!["slug"]);

    let archived = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/courses/{id}/archive"),
            &instructor,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(archived["status"], "archived");
}

async fn only_owners_and_admins_change_courses(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("owner@example.com", "instructor").await;
    let rival = app.user("rival@example.com", "instructor").await;
    let student = app.user("student@example.com", "student").await;
    let admin = app.user("admin@example.com", "admin").await;
    let id = create(&app, &owner, &course_body("Suturing Basics")).await["id"]
        .as_str()
        .expect("id")
        .to_owned();

    assert_eq!(
        app.send(
            Method::POST,
            "/api/v1/courses",
            &student,
            Some(&course_body("Nope"))
        )
        .await
        .status(),
        403
    );
    for token in [&rival, &student] {
        for (method, path) in [
            (Method::PATCH, format!("/api/v1/courses/{id}")),
            (Method::POST, format!("/api/v1/courses/{id}/publish")),
            (Method::POST, format!("/api/v1/courses/{id}/archive")),
            (Method::DELETE, format!("/api/v1/courses/{id}")),
            (Method::POST, format!("/api/v1/courses/{id}/materials")),
            (Method::GET, format!("/api/v1/courses/{id}")),
        ] {
            let body = if path.ends_with("/materials") {
                json!({"title": "Hijacked", "kind": "article", "body": "x"})
            } else {
                json!({"title": "Hijacked"})
            };
            let response = app.send(method.clone(), &path, token, Some(&body)).await;
            assert_eq!(response.status(), 404, "{method} {path} by a stranger");
        }
    }
    let anonymous = app
        .client
        .get(app.url(&format!("/api/v1/courses/{id}")))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), 404, "drafts are private");
    let patched = app
        .send(
            Method::PATCH,
            &format!("/api/v1/courses/{id}"),
            &admin,
            Some(&json!({"title": "Suturing Fundamentals"})),
        )
        .await;
    assert_eq!(patched.status(), 200);
    assert_eq!(json_of(patched).await["title"], "Suturing Fundamentals");
    assert_eq!(
        app.send(
            Method::DELETE,
            &format!("/api/v1/courses/{id}"),
            &owner,
            None
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        app.send(Method::GET, &format!("/api/v1/courses/{id}"), &owner, None)
            .await
            .status(),
        404
    );
}

async fn course_input_is_validated_field_by_field(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("strict@example.com", "instructor").await;
    let mut body = course_body("Valid title");
    body["currency"] = json!("ZZZ");
    body["price_minor"] = json!(-5);
    body["cme_credit_hours"] = json!(1.255);
    body["level"] = json!("guru");
    body["tags"] = json!((0..25).map(|i| format!("tag{i}")).collect::<Vec<_>>());
    body["title"] = json!(" ");
    let refused = app
        .send(Method::POST, "/api/v1/courses", &instructor, Some(&body))
        .await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        field_names(&json_of(refused).await),
        vec![
            "cme_credit_hours",
            "currency",
            "level",
            "price_minor",
            "tags",
            "title"
        ]
    );
    let mut unknown = course_body("Valid");
    unknown["colour"] = json!("red");
    assert_eq!(
        app.send(Method::POST, "/api/v1/courses", &instructor, Some(&unknown))
            .await
            .status(),
        422
    );
    assert_eq!(
        count(&app, "courses").await,
        0,
        "refused input changes nothing"
    );

    for (currency, price, display) in [
        ("JPY", 1200, "JPY 1200"),
        ("BHD", 1250, "BHD 1.250"),
        ("EUR", 4990, "EUR 49.90"),
    ] {
        let mut body = course_body(&format!("Priced in {currency}"));
        body["currency"] = json!(currency);
        body["price_minor"] = json!(price);
        let course = create(&app, &instructor, &body).await;
        assert_eq!(course["display_price"], display);
    }
    let id = create(&app, &instructor, &course_body("Materials")).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let insecure = app
        .send(Method::POST, &format!("/api/v1/courses/{id}/materials"), &instructor, Some(&json!({"title": "Slides", "kind": "document", "content_url": "http://insecure.example.org/a.pdf"})))
        .await;
    assert_eq!(insecure.status(), 422);
    assert_eq!(field_names(&json_of(insecure).await), vec!["content_url"]);
    assert_eq!(count(&app, "course_materials").await, 0);
}

async fn catalog_filters_sorts_and_pages(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("catalog@example.com", "instructor").await;
    let mut expected_prices = Vec::new();
    for i in 0..7_i64 {
        let mut body = course_body(&format!("Course number {i}"));
        body["category"] = json!(if i % 2 == 0 {
            "Cardiology"
        } else {
            "Neurology"
        });
        body["level"] = json!(if i < 3 { "beginner" } else { "advanced" });
        body["price_minor"] = json!(i * 1000);
        body["tags"] = json!([format!("topic{i}")]);
        published_course(&app, &instructor, &body).await;
        expected_prices.push(i * 1000);
    }
    create(&app, &instructor, &course_body("Unpublished draft")).await;

    let all = json_of(app.get("/api/v1/courses?limit=100").await).await;
    assert_eq!(
        all["items"].as_array().expect("items").len(),
        7,
        "drafts are not listed"
    );

    let mut prices = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/courses?sort=price&limit=3&cursor={c}"),
            None => "/api/v1/courses?sort=price&limit=3".to_owned(),
        };
        let page = json_of(app.get(&path).await).await;
        prices.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|c| c["price_minor"].as_i64().expect("price")),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        prices, expected_prices,
        "price order across pages, no gaps or repeats"
    );

    let cardiology = json_of(
        app.get("/api/v1/courses?category=Cardiology&level=advanced")
            .await,
    )
    .await;
    let titles: Vec<&str> = cardiology["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["title"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        titles,
        vec!["Course number 6", "Course number 4"],
        "newest first"
    );
    let free = json_of(app.get("/api/v1/courses?free=true").await).await;
    assert_eq!(free["items"].as_array().expect("items").len(), 1);
    let ranged = json_of(
        app.get("/api/v1/courses?currency=USD&min_price=2000&max_price=4000")
            .await,
    )
    .await;
    assert_eq!(ranged["items"].as_array().expect("items").len(), 3);
    let searched = json_of(app.get("/api/v1/courses?q=TOPIC5").await).await;
    assert_eq!(searched["items"][0]["title"], "Course number 5");
    let no_currency = app.get("/api/v1/courses?min_price=10").await;
    assert_eq!(no_currency.status(), 422);
    assert_eq!(field_names(&json_of(no_currency).await), vec!["currency"]);
    let bad = app
        .get("/api/v1/courses?sort=cheapest&level=guru&limit=1000")
        .await;
    assert_eq!(
        field_names(&json_of(bad).await),
        vec!["level", "limit", "sort"]
    );
    let wrong_cursor = app
        .get(&format!(
            "/api/v1/courses?sort=rating&cursor={}",
            cursor.unwrap_or_default()
        ))
        .await;
    assert_eq!(wrong_cursor.status(), 422);
}

async fn material_content_is_shown_only_to_those_entitled(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("teacher@example.com", "instructor").await;
    let student = app.user("learner@example.com", "student").await;
    let (id, _) = published_course(&app, &instructor, &course_body("Neuro Exam")).await;

    let public = json_of(app.get("/api/v1/courses/neuro-exam").await).await;
    assert_eq!(public["id"], id.as_str());
    assert_eq!(public["instructor"]["full_name"], "Dr. Test");
    let materials = public["materials"].as_array().expect("materials");
    assert_eq!(materials.len(), 3);
    assert_eq!(materials[0]["locked"], false, "the preview is open to all");
    assert!(materials[0]["content_url"].is_string());
    assert_eq!(materials[1]["locked"], true);
    assert!(materials[1]["body"].is_null());

    let enrolled = app
        .send(
            Method::POST,
            &format!("/api/v1/courses/{id}/enrollments"),
            &student,
            None,
        )
        .await;
    assert_eq!(enrolled.status(), 201);
    let inside = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/courses/{id}"),
            &student,
            None,
        )
        .await,
    )
    .await;
    assert!(
        inside["materials"]
            .as_array()
            .expect("materials")
            .iter()
            .all(|m| m["locked"] == false)
    );
    assert_eq!(inside["materials"][1]["body"], "Airway content");
}

async fn materials_reorder_atomically(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("order@example.com", "instructor").await;
    let (id, materials) = published_course(&app, &instructor, &course_body("Ordering")).await;
    let path = format!("/api/v1/courses/{id}/materials/order");
    let partial = app
        .send(
            Method::PUT,
            &path,
            &instructor,
            Some(&json!({"material_ids": [materials[2], materials[0]]})),
        )
        .await;
    assert_eq!(partial.status(), 422);
    let twice = app
        .send(
            Method::PUT,
            &path,
            &instructor,
            Some(&json!({"material_ids": [materials[0], materials[0], materials[1]]})),
        )
        .await;
    assert_eq!(twice.status(), 422);
    let unchanged = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/courses/{id}"),
            &instructor,
            None,
        )
        .await,
    )
    .await;
    let order: Vec<&str> = unchanged["materials"]
        .as_array()
        .expect("m")
        .iter()
        .map(|m| m["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        order,
        vec![
            materials[0].as_str(),
            materials[1].as_str(),
            materials[2].as_str()
        ]
    );

    let reversed = json!({"material_ids": [materials[2], materials[1], materials[0]]});
    let done = json_of(
        app.send(Method::PUT, &path, &instructor, Some(&reversed))
            .await,
    )
    .await;
    let order: Vec<&str> = done["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        order,
        vec![
            materials[2].as_str(),
            materials[1].as_str(),
            materials[0].as_str()
        ]
    );
    assert_eq!(done["items"][0]["position"], 0);
}

async fn enrolling_is_idempotent_even_under_concurrency(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("free@example.com", "instructor").await;
    let student = app.user("eager@example.com", "student").await;
    let admin = app.user("admin@example.com", "admin").await;
    let (id, _) = published_course(&app, &instructor, &course_body("Free course")).await;
    let app = Arc::new(app);
    let tasks = 12;
    let barrier = Arc::new(Barrier::new(tasks));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (app, barrier, student, id) = (
                Arc::clone(&app),
                Arc::clone(&barrier),
                student.clone(),
                id.clone(),
            );
            tokio::spawn(async move {
                barrier.wait().await;
                let response = app
                    .send(
                        Method::POST,
                        &format!("/api/v1/courses/{id}/enrollments"),
                        &student,
                        None,
                    )
                    .await;
                let status = response.status().as_u16();
                (
                    status,
                    json_of(response).await["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
        })
        .collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.expect("task"));
    }
    assert_eq!(
        results.iter().filter(|(s, _)| *s == 201).count(),
        1,
        "{results:?}"
    );
    assert!(results.iter().all(|(s, _)| *s == 200 || *s == 201));
    assert!(
        results.windows(2).all(|w| w[0].1 == w[1].1),
        "one enrollment id"
    );
    assert_eq!(count(&app, "enrollments").await, 1);
    let course = json_of(app.get(&format!("/api/v1/courses/{id}")).await).await;
    assert_eq!(course["enrollment_count"], 1);

    let mut paid_body = course_body("Paid course");
    paid_body["price_minor"] = json!(9900);
    let (paid, _) = published_course(&app, &instructor, &paid_body).await;
    let refused = app
        .send(
            Method::POST,
            &format!("/api/v1/courses/{paid}/enrollments"),
            &student,
            None,
        )
        .await;
    assert_eq!(refused.status(), 402);
    let student_id =
        json_of(app.send(Method::GET, "/api/v1/me", &student, None).await).await["id"].clone();
    let granted = app
        .send(
            Method::POST,
            &format!("/api/v1/courses/{paid}/enrollments"),
            &admin,
            Some(&json!({"student_id": student_id})),
        )
        .await;
    assert_eq!(granted.status(), 201);
    assert_eq!(json_of(granted).await["source"], "admin_grant");

    let mine = json_of(
        app.send(Method::GET, "/api/v1/me/enrollments", &student, None)
            .await,
    )
    .await;
    let items = mine["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["course"]["title"], "Paid course");
    let enrollment = items[1]["id"].as_str().expect("id");
    let stranger = app.user("stranger@example.com", "student").await;
    assert_eq!(
        app.send(
            Method::DELETE,
            &format!("/api/v1/enrollments/{enrollment}"),
            &stranger,
            None
        )
        .await
        .status(),
        404
    );
    let cancelled = app
        .send(
            Method::DELETE,
            &format!("/api/v1/enrollments/{enrollment}"),
            &student,
            None,
        )
        .await;
    assert_eq!(json_of(cancelled).await["status"], "cancelled");
}

async fn progress_is_monotonic_idempotent_and_completes_the_course(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("prof@example.com", "instructor").await;
    let student = app.user("diligent@example.com", "student").await;
    let other = app.user("other@example.com", "student").await;
    let admin = app.user("admin@example.com", "admin").await;
    let (course, materials) =
        published_course(&app, &instructor, &course_body("Progress course")).await;
    let enrollment = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/courses/{course}/enrollments"),
            &student,
            None,
        )
        .await,
    )
    .await;
    let enrollment = enrollment["id"].as_str().expect("id").to_owned();
    let progress = |material: &str| format!("/api/v1/enrollments/{enrollment}/progress/{material}");

    let first = json_of(
        app.send(Method::PUT, &progress(&materials[1]), &student, Some(&json!({"progress_percent": 60, "position_seconds": 90, "time_spent_delta_seconds": 120})))
            .await,
    )
    .await;
    assert_eq!(first["progress"]["progress_percent"], 60);
    assert_eq!(first["progress"]["status"], "in_progress");
    let back = json_of(
        app.send(
            Method::PUT,
            &progress(&materials[1]),
            &student,
            Some(&json!({"progress_percent": 30, "time_spent_delta_seconds": 30})),
        )
        .await,
    )
    .await;
    assert_eq!(
        back["progress"]["progress_percent"], 60,
        "percent never goes backwards"
    );
    assert_eq!(
        back["progress"]["time_spent_seconds"], 150,
        "time accumulates"
    );

    for _ in 0..2 {
        let retried = app
            .client
            .put(app.url(&progress(&materials[1])))
            .bearer_auth(&student)
            .header("idempotency-key", "report-7")
            .json(&json!({"time_spent_delta_seconds": 50}))
            .send()
            .await
            .expect("request");
        assert_eq!(
            json_of(retried).await["progress"]["time_spent_seconds"],
            200,
            "a retried report counts once"
        );
    }

    let bad = app
        .send(
            Method::PUT,
            &progress(&materials[1]),
            &student,
            Some(&json!({"progress_percent": 140})),
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert_eq!(field_names(&json_of(bad).await), vec!["progress_percent"]);
    assert_eq!(
        app.send(
            Method::PUT,
            &progress(&materials[1]),
            &other,
            Some(&json!({"completed": true}))
        )
        .await
        .status(),
        404
    );

    let half = json_of(
        app.send(
            Method::PUT,
            &progress(&materials[1]),
            &student,
            Some(&json!({"completed": true})),
        )
        .await,
    )
    .await;
    assert_eq!(
        half["enrollment"]["progress_percent"], 50,
        "one of two required materials"
    );
    assert_eq!(half["enrollment"]["status"], "active");
    let done = json_of(
        app.send(
            Method::PUT,
            &progress(&materials[2]),
            &student,
            Some(&json!({"completed": true})),
        )
        .await,
    )
    .await;
    assert_eq!(done["enrollment"]["progress_percent"], 100);
    assert_eq!(done["enrollment"]["status"], "completed");
    assert!(done["enrollment"]["completed_at"].is_string());

    let listed = app
        .send(
            Method::GET,
            &format!("/api/v1/enrollments/{enrollment}/progress"),
            &instructor,
            None,
        )
        .await;
    assert_eq!(
        json_of(listed).await["items"]
            .as_array()
            .expect("items")
            .len(),
        2
    );
    assert_eq!(
        app.send(
            Method::GET,
            &format!("/api/v1/enrollments/{enrollment}/progress"),
            &other,
            None
        )
        .await
        .status(),
        404
    );
    let log = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/admin/audit-logs?entity_id={enrollment}&action=course.completed"),
            &admin,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(log["items"].as_array().expect("items").len(), 1);
}

async fn ratings_need_enrollment_and_averages_stay_exact(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("rated@example.com", "instructor").await;
    let (course, _) = published_course(&app, &instructor, &course_body("Rated course")).await;
    let outsider = app.user("outsider@example.com", "student").await;
    let refused = app
        .send(
            Method::PUT,
            &format!("/api/v1/courses/{course}/rating"),
            &outsider,
            Some(&json!({"rating": 5})),
        )
        .await;
    assert_eq!(refused.status(), 403);

    let raters = 10;
    let mut tokens = Vec::new();
    for i in 0..raters {
        let token = app.user(&format!("rater{i}@example.com"), "student").await;
        app.send(
            Method::POST,
            &format!("/api/v1/courses/{course}/enrollments"),
            &token,
            None,
        )
        .await;
        tokens.push(token);
    }
    let app = Arc::new(app);
    let barrier = Arc::new(Barrier::new(raters));
    let handles: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let (app, barrier, token, course) = (
                Arc::clone(&app),
                Arc::clone(&barrier),
                token.clone(),
                course.clone(),
            );
            tokio::spawn(async move {
                barrier.wait().await;
                let rating = i64::try_from(i % 5).unwrap_or(0) + 1;
                app.send(
                    Method::PUT,
                    &format!("/api/v1/courses/{course}/rating"),
                    &token,
                    Some(&json!({"rating": rating, "review": "Useful"})),
                )
                .await
                .status()
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.await.expect("task"), 201);
    }
    let summary = json_of(app.get(&format!("/api/v1/courses/{course}")).await).await;
    assert_eq!(summary["rating_count"], 10);
    assert_eq!(summary["rating_avg"], json!(3.0), "(1+2+3+4+5)*2/10");

    let updated = app
        .send(
            Method::PUT,
            &format!("/api/v1/courses/{course}/rating"),
            &tokens[0],
            Some(&json!({"rating": 5})),
        )
        .await;
    assert_eq!(updated.status(), 200, "a second PUT updates");
    assert_eq!(
        app.send(
            Method::DELETE,
            &format!("/api/v1/courses/{course}/rating"),
            &tokens[1],
            None
        )
        .await
        .status(),
        204
    );
    let summary = json_of(app.get(&format!("/api/v1/courses/{course}")).await).await;
    assert_eq!(summary["rating_count"], 9);
    assert_eq!(
        summary["rating_avg"],
        json!(3.56),
        "(30 + (5 - 1) - 2) / 9 = 3.555…"
    );
    let listed = json_of(
        app.get(&format!("/api/v1/courses/{course}/ratings?limit=5"))
            .await,
    )
    .await;
    assert_eq!(listed["items"].as_array().expect("items").len(), 5);
    assert!(listed["next_cursor"].is_string());
    assert_eq!(listed["items"][0]["rater_name"], "Dr. Test");
    let filtered = json_of(app.get("/api/v1/courses?min_rating=3.55").await).await;
    assert_eq!(filtered["items"].as_array().expect("items").len(), 1);
    let filtered = json_of(app.get("/api/v1/courses?min_rating=3.56").await).await;
    assert_eq!(filtered["items"].as_array().expect("items").len(), 0);
}

async fn instructor_ratings_need_a_completed_session(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor_token = app.user("mentor@example.com", "instructor").await;
    let student = app.user("mentee@example.com", "student").await;
    let (course, _) = published_course(&app, &instructor_token, &course_body("Mentoring")).await;
    let instructor = json_of(
        app.send(Method::GET, "/api/v1/me", &instructor_token, None)
            .await,
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let student_id = json_of(app.send(Method::GET, "/api/v1/me", &student, None).await).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/api/v1/instructors/{instructor}/rating");
    assert_eq!(
        app.send(Method::PUT, &path, &student, Some(&json!({"rating": 4})))
            .await
            .status(),
        403
    );

    // Bookings arrive with the scheduling work; until then the store writes one.
    let (slot, booking) = (
        medicaledu_domain::Id::generate(),
        medicaledu_domain::Id::generate(),
    );
    let start = medicaledu_domain::Timestamp::parse_rfc3339("2026-01-05T09:00:00Z").expect("time");
    let end = medicaledu_domain::Timestamp::parse_rfc3339("2026-01-05T10:00:00Z").expect("time");
    let course_id: medicaledu_domain::Id = course.parse().expect("id");
    let student_id: medicaledu_domain::Id = student_id.parse().expect("id");
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query(
            "INSERT INTO availability_slots (id, course_id, starts_at, ends_at, timezone, capacity, seats_booked, price_minor, currency) \
             VALUES ($1, $2, $3, $4, 'Europe/Berlin', 1, 1, 0, 'USD')",
        )
        .bind(slot).bind(course_id).bind(start).bind(end)
        .execute(pool).await.expect("slot");
        sqlx::query(
            "INSERT INTO bookings (id, slot_id, student_id, status, list_price_minor, total_minor, currency, completed_at) \
             VALUES ($1, $2, $3, 'completed', 0, 0, 'USD', $4)",
        )
        .bind(booking).bind(slot).bind(student_id).bind(end)
        .execute(pool).await.expect("booking");
    });
    let rated = app
        .send(
            Method::PUT,
            &path,
            &student,
            Some(&json!({"rating": 4, "review": "Clear and kind"})),
        )
        .await;
    assert_eq!(rated.status(), 201);
    assert_eq!(
        app.send(Method::PUT, &path, &student, Some(&json!({"rating": 6})))
            .await
            .status(),
        422
    );
    let listed = json_of(
        app.get(&format!("/api/v1/instructors/{instructor}/ratings"))
            .await,
    )
    .await;
    assert_eq!(listed["items"][0]["review"], "Clear and kind");
    let detail = json_of(app.get(&format!("/api/v1/courses/{course}")).await).await;
    assert_eq!(detail["instructor"]["rating_avg"], json!(4.0));
    assert_eq!(detail["instructor"]["rating_count"], 1);
}

async fn confirmed_booking_enrollment_is_ensured_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("paid@example.com", "instructor").await;
    let student = app.user("buyer@example.com", "student").await;
    let mut body = course_body("Paid workshop");
    body["price_minor"] = json!(15000);
    let (course, _) = published_course(&app, &instructor, &body).await;
    let student_id = json_of(app.send(Method::GET, "/api/v1/me", &student, None).await).await["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("id");
    let course_id = course.parse().expect("id");
    let meta = medicaledu_store::audit::RequestMeta::default();
    let mut ids = Vec::new();
    for expect_new in [true, false] {
        let now = medicaledu_domain::Timestamp::now();
        let mut tx = app.test_db.db.begin_write().await.expect("tx");
        let (row, created) = medicaledu_app::enrollments::ensure_for_booking(
            &mut tx, &meta, student_id, course_id, now,
        )
        .await
        .expect("ensure");
        tx.commit().await.expect("commit");
        assert_eq!(created, expect_new);
        assert_eq!(row.source, EnrollmentSource::Booking);
        ids.push(row.id);
    }
    assert_eq!(ids[0], ids[1]);
    let mine = json_of(
        app.send(Method::GET, "/api/v1/me/enrollments", &student, None)
            .await,
    )
    .await;
    assert_eq!(mine["items"][0]["source"], "booking");
}

/// One course of the text-search data set: what the search reads, and
/// whether the catalog lists it at all.
struct SearchCourse {
    title: &'static str,
    summary: &'static str,
    tags: &'static [&'static str],
    listed: bool,
}

const fn listed(
    title: &'static str,
    summary: &'static str,
    tags: &'static [&'static str],
) -> SearchCourse {
    SearchCourse {
        title,
        summary,
        tags,
        listed: true,
    }
}

/// Text that tests the edges of a substring search: LIKE wildcards, GLOB
/// wildcards, quotes, backslashes, letters outside ASCII in both cases,
/// characters that JSON escapes in tags, and words in a course that is not
/// listed (a draft, an archived and a deleted one).
const SEARCH_COURSES: [SearchCourse; 16] = [
    listed(
        "Ärzte im Notdienst",
        "Für Ärzte und Pflege",
        &["notfall", "ÄRZTE"],
    ),
    listed(
        "Naïve Bayes for Clinicians",
        "Statistics, NAÏVELY",
        &["stats"],
    ),
    listed("Naive approaches", "Plain ASCII text", &["naive"]),
    listed("100% Pass Rate", "Discounts of 50% off", &["sale"]),
    listed("snake_case and CamelCase", "Under_score names", &["a_b"]),
    listed(
        "O'Brien's \"Quoted\" Course",
        "it's quoted",
        &["o'brien", "say \"hi\""],
    ),
    listed(
        "Backslash \\ path C:\\temp",
        "escape \\% sequences",
        &["back\\slash"],
    ),
    listed("Кардиология для всех", "КАРДИОЛОГИЯ ЭКГ", &["сердце"]),
    listed("Straße und Weg", "STRASSE upper", &[]),
    listed(
        "Cardiology Basics",
        "ECG for everyone",
        &["cardiology", "ecg"],
    ),
    listed("Advanced Cardiology", "Heart failure", &["heart"]),
    listed("x", "y", &["z"]),
    listed("Wildcards * ? [abc]", "glob*chars", &["[x]"]),
    SearchCourse {
        title: "Cardiology Draft",
        summary: "unlisted draft hiddenword",
        tags: &["hiddenword"],
        listed: false,
    },
    SearchCourse {
        title: "Cardiology Archive",
        summary: "unlisted archived hiddenword",
        tags: &[],
        listed: false,
    },
    SearchCourse {
        title: "Cardiology Deleted",
        summary: "unlisted deleted hiddenword",
        tags: &[],
        listed: false,
    },
];

/// Queries as the API passes them (trimmed, 1 to 100 characters). None
/// contains `",`, where a tag list's JSON text differs between the backends
/// (PostgreSQL's jsonb prints `", "`).
const SEARCH_QUERIES: [&str; 48] = [
    "ärzte",
    "ÄRZTE",
    "Ärz",
    "rzt",
    "naïve",
    "NAÏ",
    "naive",
    "Naïvely",
    "100%",
    "%",
    "0%",
    "50% o",
    "_",
    "a_b",
    "e_c",
    "r_s",
    "'",
    "o'brien",
    "O'BRIEN'S",
    "\"",
    "\"hi\"",
    "\\\"hi",
    "\\",
    "\\%",
    "c:\\t",
    "кардио",
    "КАРДИОЛОГИЯ",
    "экг",
    "straße",
    "STRASSE",
    "ß",
    "cardio",
    "CARDIOLOGY",
    "ecg",
    "e",
    "ec",
    "x",
    "[abc]",
    "*",
    "?",
    "[",
    "]",
    "glob*",
    "heart failure",
    "hiddenword",
    "nothing like this",
    "ä",
    "Äр",
];

fn search_tags(course: &SearchCourse) -> Vec<String> {
    course.tags.iter().map(|t| (*t).to_owned()).collect()
}

/// What the search must find, computed without a database: a course whose
/// title, summary or tags (as compact JSON, as the store writes them)
/// contains the query, ignoring case.
fn search_model(course: &SearchCourse, q: &str) -> bool {
    let q = q.to_lowercase();
    let tags = serde_json::to_string(&search_tags(course)).expect("tags serialize");
    course.listed
        && [course.title, course.summary, tags.as_str()]
            .iter()
            .any(|text| text.to_lowercase().contains(&q))
}

/// Seeds `SEARCH_COURSES` through the store, each published at its own
/// minute (two at the same one, to exercise the id tie-break), priced so the
/// price order differs from the newest order. Returns ids in data-set order.
async fn seed_search_courses(db: &Db) -> Vec<Id> {
    let now = Timestamp::now();
    let instructor = Id::generate();
    let mut tx = db.begin_write().await.expect("begin");
    users::insert(
        &mut tx,
        &users::NewUser {
            id: instructor,
            email: "search@example.com",
            password_hash: "not a real hash",
            full_name: "Search Instructor",
            role: medicaledu_domain::Role::Instructor,
            timezone: "UTC",
            locale: "en",
            now,
        },
    )
    .await
    .expect("instructor");
    let mut ids = Vec::new();
    for (i, course) in SEARCH_COURSES.iter().enumerate() {
        let id = Id::generate();
        let fields = CourseFields {
            title: course.title.to_owned(),
            summary: course.summary.to_owned(),
            description: "Not searched: cardiology ärzte".to_owned(),
            category: "Search".to_owned(),
            specialty: None,
            tags: search_tags(course),
            level: CourseLevel::Beginner,
            language: "en".to_owned(),
            price_minor: i64::try_from((i * 7919) % 13).expect("small") * 100,
            currency: "USD".to_owned(),
            cme_credit_hundredths: 0,
        };
        courses::insert(
            &mut tx,
            id,
            instructor,
            &format!("search-{i}"),
            &fields,
            now,
        )
        .await
        .expect("insert course");
        let minute = i64::try_from(i.min(11)).expect("small");
        let at = Timestamp::from(
            chrono::DateTime::from_timestamp(1_700_000_000 + 60 * minute, 0).expect("time"),
        );
        if course.summary.contains("draft") {
            ids.push(id);
            continue;
        }
        courses::set_status(
            &mut tx,
            id,
            CourseStatus::Draft,
            CourseStatus::Published,
            Some(at),
            now,
        )
        .await
        .expect("publish")
        .expect("published");
        if course.summary.contains("archived") {
            courses::set_status(
                &mut tx,
                id,
                CourseStatus::Published,
                CourseStatus::Archived,
                None,
                now,
            )
            .await
            .expect("archive")
            .expect("archived");
        }
        if course.summary.contains("deleted") {
            assert!(
                courses::soft_delete(&mut tx, id, now)
                    .await
                    .expect("delete")
            );
        }
        ids.push(id);
    }
    tx.commit().await.expect("commit");
    ids
}

/// Every course the catalog returns for `q` in `sort` order, page by page
/// (pages of two, so the cursor crosses the search's results many times).
async fn search_all(db: &Db, q: &str, sort: CatalogSort) -> Vec<Id> {
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let filter = CatalogFilter {
            query: Some(q.to_owned()),
            sort,
            after,
            limit: 2,
            ..CatalogFilter::default()
        };
        let page = courses::catalog(db, &filter).await.expect("catalog");
        found.extend(page.iter().map(|c| c.id));
        match page.last() {
            Some(last) if page.len() == 2 => after = Some((last.catalog_key(sort), last.id)),
            _ => return found,
        }
    }
}

/// The text condition the catalog used before the trigram indexes: a scan.
async fn old_like_search(db: &Db, q: &str) -> BTreeSet<Id> {
    let escaped = q
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    let sql = "SELECT c.id FROM courses c WHERE c.status = 'published' AND c.deleted_at IS NULL \
         AND (lower(c.title) LIKE $1 ESCAPE '\\' OR lower(c.summary) LIKE $1 ESCAPE '\\' \
         OR lower(CAST(c.tags AS TEXT)) LIKE $1 ESCAPE '\\')";
    let ids: Vec<Id> = medicaledu_store::on_db!(db, pool => {
        sqlx::query_scalar(sql).bind(&pattern).fetch_all(pool).await.expect("old search")
    });
    ids.into_iter().collect()
}

/// The indexed search finds exactly what a scan finds, in the catalog's
/// order and across pages, for queries long enough for trigrams and shorter.
async fn text_search_finds_what_a_scan_finds(backend: Backend) {
    let Some(test_db) = TestDb::migrated(backend).await else {
        return;
    };
    let db = &test_db.db;
    let ids = seed_search_courses(db).await;
    let rows: Vec<CourseRow> = {
        let mut rows = Vec::new();
        for id in &ids {
            rows.push(
                courses::find_by_id_any(db, *id)
                    .await
                    .expect("find")
                    .expect("course"),
            );
        }
        rows
    };
    for q in SEARCH_QUERIES {
        for sort in [CatalogSort::Newest, CatalogSort::Price] {
            let mut expected: Vec<&CourseRow> = SEARCH_COURSES
                .iter()
                .zip(&rows)
                .filter(|(course, _)| search_model(course, q))
                .map(|(_, row)| row)
                .collect();
            expected.sort_by(|a, b| match sort {
                CatalogSort::Price => (a.price_minor, a.id).cmp(&(b.price_minor, b.id)),
                _ => (b.published_at, b.id).cmp(&(a.published_at, a.id)),
            });
            let expected: Vec<Id> = expected.iter().map(|row| row.id).collect();
            let found = search_all(db, q, sort).await;
            assert_eq!(found, expected, "{backend}: q = {q:?}, {sort:?}");
        }

        // Against the old scan: PostgreSQL's lower() and LIKE always folded
        // case over Unicode. SQLite's fold only ASCII, so there the old scan
        // missed courses for a query with other letters, and found the same
        // for any ASCII query.
        let found: BTreeSet<Id> = search_all(db, q, CatalogSort::Newest)
            .await
            .into_iter()
            .collect();
        let old = old_like_search(db, q).await;
        if backend == Backend::Postgres || q.is_ascii() {
            assert_eq!(found, old, "{backend}: q = {q:?} against the old LIKE");
        } else {
            assert!(old.is_subset(&found), "{backend}: q = {q:?} lost {old:?}");
        }
    }
    // The case the old SQLite scan got wrong: `Ärzte` for `ärzte`.
    let arzte = search_all(db, "ärzte", CatalogSort::Newest).await;
    assert_eq!(arzte, [ids[0]]);
    if backend == Backend::Sqlite {
        assert!(!old_like_search(db, "ärzte").await.contains(&ids[0]));
    }
    // Filters still apply with a search.
    let filter = CatalogFilter {
        query: Some("cardio".to_owned()),
        max_price_minor: Some(500),
        currency: Some("USD".to_owned()),
        limit: 20,
        ..CatalogFilter::default()
    };
    let free_cardio = courses::catalog(db, &filter).await.expect("catalog");
    let expected: Vec<Id> = SEARCH_COURSES
        .iter()
        .zip(&rows)
        .filter(|(course, row)| search_model(course, "cardio") && row.price_minor <= 500)
        .map(|(_, row)| row.id)
        .collect();
    let mut free_ids: Vec<Id> = free_cardio.iter().map(|row| row.id).collect();
    free_ids.sort();
    let mut expected = expected;
    expected.sort();
    assert!(!expected.is_empty());
    assert_eq!(free_ids, expected, "{backend}: q with a price filter");
}

/// A word in so many courses that SQLite walks the sort order's index and
/// keeps the matches, rather than fetching every match and sorting: the pages
/// are the same as for a rare word, in every order and across cursors.
async fn text_search_of_a_common_word_pages_in_order(backend: Backend) {
    let Some(test_db) = TestDb::migrated(backend).await else {
        return;
    };
    let db = &test_db.db;
    let now = Timestamp::now();
    let instructor = Id::generate();
    let mut tx = db.begin_write().await.expect("begin");
    users::insert(
        &mut tx,
        &users::NewUser {
            id: instructor,
            email: "common@example.com",
            password_hash: "not a real hash",
            full_name: "Common Instructor",
            role: medicaledu_domain::Role::Instructor,
            timezone: "UTC",
            locale: "en",
            now,
        },
    )
    .await
    .expect("instructor");
    let mut expected = Vec::new();
    let mut seldom = Vec::new();
    for i in 0..700_i64 {
        let id = Id::generate();
        let common = i % 7 != 0;
        let fields = CourseFields {
            title: format!("Course {i}"),
            summary: if common {
                "A Frequent topic"
            } else {
                "A seldom topic"
            }
            .to_owned(),
            description: String::new(),
            category: if i % 2 == 0 { "Even" } else { "Odd" }.to_owned(),
            specialty: None,
            tags: Vec::new(),
            level: CourseLevel::Beginner,
            language: "en".to_owned(),
            price_minor: (i * 37) % 1000,
            currency: "USD".to_owned(),
            cme_credit_hundredths: 0,
        };
        courses::insert(
            &mut tx,
            id,
            instructor,
            &format!("common-{i}"),
            &fields,
            now,
        )
        .await
        .expect("insert course");
        let at = Timestamp::from(
            chrono::DateTime::from_timestamp(1_700_000_000 + 60 * (i / 2), 0).expect("time"),
        );
        let published = courses::set_status(
            &mut tx,
            id,
            CourseStatus::Draft,
            CourseStatus::Published,
            Some(at),
            now,
        )
        .await
        .expect("publish")
        .expect("published");
        if common {
            expected.push(published);
        } else {
            seldom.push(published);
        }
    }
    tx.commit().await.expect("commit");
    assert!(expected.len() >= 500, "enough matches for SQLite to walk");

    if backend == Backend::Sqlite {
        let filter = CatalogFilter {
            query: Some("frequent".to_owned()),
            limit: 21,
            ..CatalogFilter::default()
        };
        let (sql, _) = courses::catalog_statement(db, &filter)
            .await
            .expect("statement");
        assert!(sql.contains("c.title LIKE"), "a common word walks: {sql}");
    }
    let words = [("FREQUENT", &expected), ("Seldom", &seldom)];
    for ((word, matching), sort) in words.into_iter().flat_map(|w| {
        [
            CatalogSort::Newest,
            CatalogSort::Price,
            CatalogSort::Popularity,
        ]
        .map(|sort| (w, sort))
    }) {
        let mut rows: Vec<&CourseRow> = matching.iter().collect();
        rows.sort_by(|a, b| match sort {
            CatalogSort::Price => (a.price_minor, a.id).cmp(&(b.price_minor, b.id)),
            CatalogSort::Popularity => (b.enrollment_count, b.id).cmp(&(a.enrollment_count, a.id)),
            _ => (b.published_at, b.id).cmp(&(a.published_at, a.id)),
        });
        let ids: Vec<Id> = rows.iter().map(|row| row.id).collect();
        assert_eq!(
            search_all(db, word, sort).await,
            ids,
            "{backend}: {word} {sort:?}"
        );
    }
    let filter = CatalogFilter {
        query: Some("frequent".to_owned()),
        category: Some("Odd".to_owned()),
        limit: 1000,
        ..CatalogFilter::default()
    };
    let odd = courses::catalog(db, &filter).await.expect("catalog");
    let expected_odd = expected.iter().filter(|row| row.category == "Odd").count();
    assert_eq!(odd.len(), expected_odd);
    assert!(odd.iter().all(|row| row.category == "Odd"));
}

/// On SQLite, the FTS5 table holds one row per course with the course's
/// current text under its rowid, and passes FTS5's own consistency check.
async fn assert_search_table_in_step(db: &Db) {
    if let Db::Sqlite(pool) = db {
        let courses: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM courses")
            .fetch_one(pool)
            .await
            .expect("count courses");
        let indexed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM courses_search")
            .fetch_one(pool)
            .await
            .expect("count search rows");
        assert_eq!(indexed, courses, "one search row per course");
        let unpaired: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM courses_search s WHERE NOT EXISTS (SELECT 1 FROM courses c \
             WHERE c.rowid = s.rowid AND c.title = s.title AND c.summary = s.summary AND c.tags = s.tags)",
        )
        .fetch_one(pool)
        .await
        .expect("pairing");
        assert_eq!(
            unpaired, 0,
            "every search row has its course's current text"
        );
        sqlx::query("INSERT INTO courses_search (courses_search) VALUES ('integrity-check')")
            .execute(pool)
            .await
            .expect("FTS5 integrity check");
    }
}

async fn found(db: &Db, q: &str) -> Vec<Id> {
    search_all(db, q, CatalogSort::Newest).await
}

/// Publishing, editing, archiving, deleting: the search follows every change
/// of a course's text or of whether it is listed, and nothing else.
async fn text_search_follows_course_changes(backend: Backend) {
    let Some(test_db) = TestDb::migrated(backend).await else {
        return;
    };
    let db = &test_db.db;
    let ids = seed_search_courses(db).await;
    assert_search_table_in_step(db).await;
    let id = ids[9];
    assert_eq!(found(db, "cardiology basics").await, [id]);

    let now = Timestamp::now();
    let mut tx = db.begin_write().await.expect("begin");
    let row = courses::find_live_tx(&mut tx, id)
        .await
        .expect("find")
        .expect("course");
    let fields = CourseFields {
        title: "Toxicology Basics".to_owned(),
        summary: row.summary.clone(),
        description: row.description.clone(),
        category: row.category.clone(),
        specialty: row.specialty.clone(),
        tags: vec!["poisons".to_owned()],
        level: row.level,
        language: row.language.clone(),
        price_minor: row.price_minor,
        currency: row.currency.clone(),
        cme_credit_hundredths: row.cme_credit_hundredths,
    };
    courses::update(&mut tx, id, &row.slug, &fields, now)
        .await
        .expect("update")
        .expect("updated");
    tx.commit().await.expect("commit");
    assert_search_table_in_step(db).await;
    assert!(found(db, "cardiology basics").await.is_empty());
    assert_eq!(found(db, "TOXICOLOGY").await, [id]);
    assert_eq!(found(db, "poison").await, [id]);

    // Counters change often and are not searched.
    let mut tx = db.begin_write().await.expect("begin");
    medicaledu_store::on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE courses SET enrollment_count = enrollment_count + 1 WHERE id = $1")
            .bind(id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
            .expect("count an enrollment")
    });
    tx.commit().await.expect("commit");
    assert_search_table_in_step(db).await;
    assert_eq!(found(db, "toxicology").await, [id]);

    let mut tx = db.begin_write().await.expect("begin");
    courses::set_status(
        &mut tx,
        id,
        CourseStatus::Published,
        CourseStatus::Archived,
        None,
        now,
    )
    .await
    .expect("archive")
    .expect("archived");
    tx.commit().await.expect("commit");
    assert_search_table_in_step(db).await;
    assert!(found(db, "toxicology").await.is_empty());

    let mut tx = db.begin_write().await.expect("begin");
    courses::set_status(
        &mut tx,
        id,
        CourseStatus::Archived,
        CourseStatus::Published,
        None,
        now,
    )
    .await
    .expect("republish")
    .expect("republished");
    tx.commit().await.expect("commit");
    assert_search_table_in_step(db).await;
    assert_eq!(found(db, "toxicology").await, [id]);

    let mut tx = db.begin_write().await.expect("begin");
    assert!(
        courses::soft_delete(&mut tx, id, now)
            .await
            .expect("delete")
    );
    tx.commit().await.expect("commit");
    assert_search_table_in_step(db).await;
    assert!(found(db, "toxicology").await.is_empty());

    // The application never deletes a course row, but a database tidy-up may.
    let gone = ids[10];
    assert_eq!(found(db, "heart failure").await, [gone]);
    medicaledu_store::on_db!(db, pool => {
        sqlx::query("DELETE FROM courses WHERE id = $1")
            .bind(gone)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .expect("delete the row")
    });
    assert_search_table_in_step(db).await;
    assert!(found(db, "heart failure").await.is_empty());
}

/// Migration 0006 indexes the courses that exist when it runs: here it is
/// undone on a database with courses and run again.
async fn search_migration_indexes_existing_courses(backend: Backend) {
    let Some(test_db) = TestDb::migrated(backend).await else {
        return;
    };
    let db = &test_db.db;
    let ids = seed_search_courses(db).await;
    let (undo, redo) = match backend {
        Backend::Sqlite => (
            "DROP TRIGGER tr_courses_search_insert; DROP TRIGGER tr_courses_search_update; \
             DROP TRIGGER tr_courses_search_delete; DROP TABLE courses_search;",
            include_str!("../../../store/migrations/sqlite/0006_catalog_search.sql"),
        ),
        Backend::Postgres => (
            "DROP INDEX courses_search;",
            include_str!("../../../store/migrations/postgres/0006_catalog_search.sql"),
        ),
    };
    for sql in [undo, redo] {
        medicaledu_store::on_db!(db, pool => {
            sqlx::raw_sql(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
            .expect("run the migration's SQL")
        });
    }
    assert_search_table_in_step(db).await;
    assert_eq!(found(db, "notdienst").await, [ids[0]]);
    assert_eq!(found(db, "cardiology basics").await, [ids[9]]);
}

both_backends!(
    instructor_builds_and_publishes_a_course,
    only_owners_and_admins_change_courses,
    course_input_is_validated_field_by_field,
    catalog_filters_sorts_and_pages,
    material_content_is_shown_only_to_those_entitled,
    materials_reorder_atomically,
    enrolling_is_idempotent_even_under_concurrency,
    progress_is_monotonic_idempotent_and_completes_the_course,
    ratings_need_enrollment_and_averages_stay_exact,
    instructor_ratings_need_a_completed_session,
    confirmed_booking_enrollment_is_ensured_once,
    text_search_finds_what_a_scan_finds,
    text_search_of_a_common_word_pages_in_order,
    text_search_follows_course_changes,
    search_migration_indexes_existing_courses,
);
