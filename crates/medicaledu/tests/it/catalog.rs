//! Courses, the catalog, materials, enrollments, progress and ratings, over HTTP.

use std::sync::Arc;

use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::support::{TestApp, both_backends, spawn_app};

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

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json body")
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
        let (row, created) = medicaledu_api::enrollments::ensure_for_booking(
            &mut tx, &meta, student_id, course_id, now,
        )
        .await
        .expect("ensure");
        tx.commit().await.expect("commit");
        assert_eq!(created, expect_new);
        assert_eq!(row.source, "booking");
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
);
