//! The instructor's schedule beyond the week (`/teach/schedule/month`,
//! `/teach/sessions/{id}/edit`), driven over HTTP like a browser without
//! JavaScript: a month view that puts each session on its local day; a
//! monthly series on the last day with a skipped date, previewed and
//! created; moving "this and the following" sessions of a weekly series
//! across the spring clock change, which keeps their new local hour; and
//! edits refused for a clash or for seats already booked, changing nothing.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::pages::{Jar, csrf_of, location, page, post_same_site, refused_page, submit};
use crate::support::{TestApp, both_backends, json_of, spawn_app};
use crate::teach::instructor;

both_backends!(
    the_month_view_shows_each_session_on_its_local_day,
    a_monthly_series_on_the_last_day_skips_a_date,
    moving_the_following_sessions_keeps_their_new_local_hour,
    an_edit_that_clashes_or_drops_below_the_bookings_changes_nothing,
);

/// Creates sessions through the new-session form; `fields` without `intent`.
async fn new_sessions(
    app: &TestApp,
    jar: &mut Jar,
    course: &str,
    fields: &[(&str, &str)],
    intent: &str,
) -> reqwest::Response {
    let mut all = vec![("course", course), ("intent", intent)];
    all.extend_from_slice(fields);
    submit(
        app,
        jar,
        &format!("/teach/sessions/new?course={course}"),
        "/teach/sessions/new",
        &all,
    )
    .await
}

/// The course's sessions in `[from, to)` as the API lists them.
async fn sessions_of(app: &TestApp, course: &str, from: NaiveDate, to: NaiveDate) -> Vec<Value> {
    let listed = json_of(
        app.get(&format!(
            "/api/v1/courses/{course}/slots?from={from}T00:00:00Z&to={to}T00:00:00Z"
        ))
        .await,
    )
    .await;
    listed["items"].as_array().expect("items").clone()
}

fn start_times(sessions: &[Value]) -> Vec<String> {
    sessions
        .iter()
        .map(|s| s["starts_at"].as_str().expect("starts_at").to_owned())
        .collect()
}

fn ids(sessions: &[Value]) -> Vec<String> {
    sessions
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The month view's cell of `day`.
fn cell(html: &str, day: NaiveDate) -> &str {
    let start = html
        .find(&format!("id=\"day-{day}\""))
        .unwrap_or_else(|| panic!("no cell for {day} in {html}"));
    let end = html[start..].find("</td>").expect("cell end");
    &html[start..start + end]
}

/// The first `weekday` of `month` next year.
fn first_of_next_year(month: u32, weekday: Weekday) -> NaiveDate {
    let year = Utc::now().year() + 1;
    let mut day = NaiveDate::from_ymd_opt(year, month, 1).expect("date");
    while day.weekday() != weekday {
        day += Duration::days(1);
    }
    day
}

/// The last Sunday of March (the European spring clock change) at least
/// three weeks away, and the Monday before it.
fn spring_change() -> (NaiveDate, NaiveDate) {
    let today = Utc::now().date_naive();
    let mut year = today.year();
    loop {
        let last = NaiveDate::from_ymd_opt(year, 3, 31).expect("date");
        let sunday = last - Duration::days(i64::from(last.weekday().num_days_from_sunday()));
        if sunday - today > Duration::days(21) {
            return (sunday, sunday - Duration::days(6));
        }
        year += 1;
    }
}

async fn the_month_view_shows_each_session_on_its_local_day(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // 21:00 in New York is 02:00Z the next day: the month must show the
    // local day, not the UTC one.
    let (token, mut jar) = instructor(&app, "evenings@example.com", "America/New_York").await;
    let course = app.course(&token).title("Night Shift ECG").create().await;
    let first = first_of_next_year(2, Weekday::Mon);
    let starts = format!("{first}T21:00");
    let created = new_sessions(
        &app,
        &mut jar,
        &course,
        &[
            ("starts", &starts),
            ("duration", "45"),
            ("capacity", "4"),
            ("repeat", "weekly"),
            ("day_mo", "1"),
            ("times", "5"),
        ],
        "create",
    )
    .await;
    assert_eq!(created.status(), 303);
    assert!(location(&created).ends_with("created=5"));

    let month = first.format("%Y-%m").to_string();
    let (status, html) = page(
        &app,
        &mut jar,
        &format!("/teach/schedule/month?month={month}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!(
        "<caption class=\"visually-hidden\">Sessions in {}</caption>",
        first.format("%B %Y")
    )));
    assert!(html.contains("<th scope=\"col\">Monday</th>"));
    assert!(
        html.contains("<a href=\"/teach/schedule\" aria-current=\"page\">"),
        "the month view is part of the schedule in the navigation"
    );
    assert!(
        html.contains("<a href=\"/teach\">"),
        "the dashboard is not current"
    );
    assert!(html.contains("<th scope=\"col\">Sunday</th>"));
    assert!(html.contains("America/New_York"), "the zone is named");
    let mondays: Vec<NaiveDate> = (0..5).map(|w| first + Duration::weeks(w)).collect();
    for day in mondays.iter().filter(|d| d.month() == first.month()) {
        let shown = cell(&html, *day);
        assert!(
            shown.contains("<strong class=\"session-time\">21:00</strong> Night Shift ECG"),
            "{day}: {shown}"
        );
        let tuesday = *day + Duration::days(1);
        if tuesday.month() == day.month() {
            assert!(
                !cell(&html, tuesday).contains("Night Shift ECG"),
                "not on the UTC day"
            );
        }
    }
    // The fifth Monday is in the next month: this month's grid leaves it out.
    let later = mondays[4];
    if later.month() != first.month() {
        assert!(!html.contains(&format!("id=\"day-{later}\"")));
        let next = later.format("%Y-%m").to_string();
        assert!(html.contains(&format!("href=\"/teach/schedule/month?month={next}\"")));
        let (_, html) = page(
            &app,
            &mut jar,
            &format!("/teach/schedule/month?month={next}"),
        )
        .await;
        assert!(cell(&html, later).contains("21:00</strong> Night Shift ECG"));
    }

    // The week view keeps its address and leads to the month, and back.
    let (status, week) = page(&app, &mut jar, &format!("/teach/schedule?week={first}")).await;
    assert_eq!(status, 200);
    assert!(week.contains("<strong class=\"session-time\">21:00–21:45</strong> Night Shift ECG"));
    assert!(week.contains(&format!("href=\"/teach/schedule/month?month={month}\"")));
    assert!(week.contains("aria-current=\"page\">Week</a>"));
    assert!(html.contains("aria-current=\"page\">Month</a>"));
    let month_start = first.with_day(1).expect("first of the month");
    let its_monday =
        month_start - Duration::days(i64::from(month_start.weekday().num_days_from_monday()));
    assert!(html.contains(&format!("href=\"/teach/schedule?week={its_monday}\"")));
    // A month that is no month shows this one; nobody else's sessions show.
    let (status, _) = page(&app, &mut jar, "/teach/schedule/month?month=soon").await;
    assert_eq!(status, 200);
    let (_, mut other) = instructor(&app, "other@example.com", "UTC").await;
    let (_, theirs) = page(
        &app,
        &mut other,
        &format!("/teach/schedule/month?month={month}"),
    )
    .await;
    assert!(!theirs.contains("Night Shift ECG"));
    assert!(theirs.contains("No sessions this month."));
    let anonymous = app.get("/teach/schedule/month").await;
    assert_eq!(location(&anonymous), "/signin?next=/teach/schedule/month");
}

async fn a_monthly_series_on_the_last_day_skips_a_date(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, mut jar) = instructor(&app, "monthly@example.com", "Europe/Berlin").await;
    let course = app.course(&token).title("Journal Club").create().await;
    let year = Utc::now().year() + 1;
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d).expect("date");
    let end_of_february = day(3, 1) - Duration::days(1);
    let skipped = end_of_february.to_string();
    let starts = format!("{}T09:00", day(1, 31));
    let fields = [
        ("starts", starts.as_str()),
        ("duration", "60"),
        ("capacity", "12"),
        ("price", "0"),
        ("repeat", "monthly"),
        ("month_day", "last"),
        ("times", "4"),
        ("skipped", skipped.as_str()),
    ];
    let previewed = new_sessions(&app, &mut jar, &course, &fields, "preview").await;
    assert_eq!(previewed.status(), 200);
    let html = previewed.text().await.expect("html");
    let local = |d: NaiveDate| format!("{}, 09:00 (Europe/Berlin)", d.format("%A %-d %B %Y"));
    assert!(html.contains("3 sessions; 1 date is skipped."), "{html}");
    for kept in [day(1, 31), day(3, 31), day(4, 30)] {
        assert!(
            html.contains(&format!("<li>{}</li>", local(kept))),
            "{kept}: {html}"
        );
    }
    assert!(
        html.contains(&format!(
            "<li class=\"skipped\">{}: skipped</li>",
            local(end_of_february)
        )),
        "{html}"
    );
    assert!(html.contains("<option value=\"last\" selected>The last day of the month</option>"));
    assert!(
        html.contains(&format!("value=\"{skipped}\"")),
        "the skip is kept"
    );
    assert!(
        sessions_of(&app, &course, day(1, 1), day(4, 1))
            .await
            .is_empty(),
        "a preview creates nothing"
    );

    // A skipped date that is no date is refused at its field.
    let mut bad = fields;
    bad[7] = ("skipped", "31/12");
    let refused = new_sessions(&app, &mut jar, &course, &bad, "preview").await;
    let html = refused_page(refused).await;
    assert!(html.contains("id=\"skipped-error\""), "{html}");

    let created = new_sessions(&app, &mut jar, &course, &fields, "create").await;
    assert_eq!(created.status(), 303);
    assert!(location(&created).ends_with("created=3"));
    // Winter time (UTC+1) in January, summer time (UTC+2) from April.
    assert_eq!(
        start_times(&sessions_of(&app, &course, day(1, 31), day(5, 1)).await),
        [
            format!("{}T08:00:00Z", day(1, 31)),
            format!("{}T07:00:00Z", day(3, 31)),
            format!("{}T07:00:00Z", day(4, 30)),
        ]
    );
    let (_, html) = page(
        &app,
        &mut jar,
        &format!("/teach/schedule/month?month={year}-02"),
    )
    .await;
    assert!(!cell(&html, end_of_february).contains("Journal Club"));
    let (_, html) = page(
        &app,
        &mut jar,
        &format!("/teach/schedule/month?month={year}-03"),
    )
    .await;
    assert!(cell(&html, day(3, 31)).contains("09:00</strong> Journal Club"));
}

async fn moving_the_following_sessions_keeps_their_new_local_hour(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, mut jar) = instructor(&app, "mover@example.com", "Europe/Berlin").await;
    let course = app.course(&token).title("Airway Skills").create().await;
    let (change, monday) = spring_change();
    assert_eq!(change.weekday(), Weekday::Sun);
    // Two Mondays before the change, two after.
    let first = monday - Duration::weeks(1);
    let weeks: Vec<NaiveDate> = (0..4).map(|w| first + Duration::weeks(w)).collect();
    let starts = format!("{first}T09:00");
    let created = new_sessions(
        &app,
        &mut jar,
        &course,
        &[
            ("starts", &starts),
            ("duration", "60"),
            ("capacity", "5"),
            ("price", "0"),
            ("location", "Skills lab 2"),
            ("repeat", "weekly"),
            ("day_mo", "1"),
            ("times", "4"),
        ],
        "create",
    )
    .await;
    assert!(location(&created).ends_with("created=4"));
    let listed = sessions_of(&app, &course, first, first + Duration::weeks(4)).await;
    let slot_ids = ids(&listed);
    assert_eq!(slot_ids.len(), 4);
    let student = app.user("booked@example.com", "student").await;
    let booked = app.book(&student, &slot_ids[3]).await;
    assert_eq!(booked.status(), 201);

    // The roster leads to the edit page, which offers the series' scopes.
    let second = &slot_ids[1];
    let (_, roster) = page(&app, &mut jar, &format!("/teach/sessions/{second}")).await;
    assert!(roster.contains(&format!("href=\"/teach/sessions/{second}/edit\"")));
    let edit = format!("/teach/sessions/{second}/edit");
    let (status, html) = page(&app, &mut jar, &format!("{edit}?scope=following")).await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"scope\" value=\"following\" checked"));
    assert!(
        html.contains(&format!("value=\"{}T09:00\"", weeks[1])),
        "{html}"
    );
    assert!(html.contains("value=\"Skills lab 2\""));

    let new_start = format!("{}T10:00", weeks[1]);
    let moved = submit(
        &app,
        &mut jar,
        &edit,
        &edit,
        &[
            ("scope", "following"),
            ("starts", &new_start),
            ("duration", "60"),
            ("capacity", "6"),
            ("price", "25.00"),
            ("location", "Skills lab 3"),
            ("meeting_url", ""),
        ],
    )
    .await;
    assert_eq!(moved.status(), 303);
    assert_eq!(
        location(&moved),
        format!("/teach/schedule?week={}&changed=3", weeks[1])
    );

    // 10:00 local on each Monday from the second: 09:00Z in winter time,
    // 08:00Z in summer time; the first is untouched at 09:00 local.
    let listed = sessions_of(&app, &course, first, first + Duration::weeks(4)).await;
    assert_eq!(ids(&listed), slot_ids, "the same sessions, moved");
    assert_eq!(
        start_times(&listed),
        [
            format!("{}T08:00:00Z", weeks[0]),
            format!("{}T09:00:00Z", weeks[1]),
            format!("{}T08:00:00Z", weeks[2]),
            format!("{}T08:00:00Z", weeks[3]),
        ]
    );
    let field = |name: &str| -> Vec<Value> { listed.iter().map(|s| s[name].clone()).collect() };
    assert_eq!(field("capacity"), [json!(5), json!(6), json!(6), json!(6)]);
    assert_eq!(
        field("price_minor"),
        [json!(0), json!(2500), json!(2500), json!(2500)]
    );
    assert_eq!(
        field("location"),
        [
            json!("Skills lab 2"),
            json!("Skills lab 3"),
            json!("Skills lab 3"),
            json!("Skills lab 3")
        ]
    );
    for (i, day) in weeks.iter().enumerate() {
        let (_, week) = page(&app, &mut jar, &format!("/teach/schedule?week={day}")).await;
        let time = if i == 0 {
            "09:00–10:00"
        } else {
            "10:00–11:00"
        };
        assert!(
            week.contains(&format!(
                "<strong class=\"session-time\">{time}</strong> Airway Skills"
            )),
            "{day}: {week}"
        );
    }
    // The booked student is told their session moved.
    let inbox = json_of(
        app.send(Method::GET, "/api/v1/me/notifications", &student, None)
            .await,
    )
    .await;
    assert!(inbox.to_string().contains("Session moved"), "{inbox}");
}

async fn an_edit_that_clashes_or_drops_below_the_bookings_changes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, mut jar) = instructor(&app, "careful@example.com", "Europe/Berlin").await;
    let course = app.course(&token).title("Triage Basics").create().await;
    let other = app.course(&token).title("Wound Care").create().await;
    let first = first_of_next_year(5, Weekday::Mon);
    let starts = format!("{first}T09:00");
    let created = new_sessions(
        &app,
        &mut jar,
        &course,
        &[
            ("starts", &starts),
            ("duration", "60"),
            ("capacity", "5"),
            ("repeat", "weekly"),
            ("day_mo", "1"),
            ("times", "3"),
        ],
        "create",
    )
    .await;
    assert!(location(&created).ends_with("created=3"));
    // Another course's session on the second Tuesday at 09:00.
    let tuesday = format!("{}T09:00", first + Duration::days(8));
    let single = new_sessions(
        &app,
        &mut jar,
        &other,
        &[
            ("starts", &tuesday),
            ("duration", "30"),
            ("capacity", "2"),
            ("repeat", "none"),
        ],
        "create",
    )
    .await;
    assert_eq!(single.status(), 303);
    let window = (first, first + Duration::weeks(3));
    let before = sessions_of(&app, &course, window.0, window.1).await;
    let slot_ids = ids(&before);
    for student in ["one@example.com", "two@example.com"] {
        let token = app.user(student, "student").await;
        assert_eq!(app.book(&token, &slot_ids[2]).await.status(), 201);
    }

    let edit = format!("/teach/sessions/{}/edit", slot_ids[0]);
    let fields = |scope: &'static str, starts: String, capacity: &'static str| {
        vec![
            ("scope", scope.to_owned()),
            ("starts", starts),
            ("duration", "60".to_owned()),
            ("capacity", capacity.to_owned()),
            ("price", "0".to_owned()),
            ("location", String::new()),
            ("meeting_url", String::new()),
        ]
    };
    // Moving the series to Tuesdays would put its second session on the
    // other course's: refused at "Starts", naming it.
    let tuesdays = fields(
        "series",
        format!("{}T09:00", first + Duration::days(1)),
        "5",
    );
    let clash = send(&app, &mut jar, &edit, &tuesdays).await;
    assert_eq!(clash.status(), 409);
    let html = clash.text().await.expect("html");
    assert!(html.contains("aria-describedby=\"starts-error\""), "{html}");
    assert!(
        html.contains(&format!(
            "This clashes with your session of “Wound Care” on {}, 09:00 (Europe/Berlin)",
            (first + Duration::days(8)).format("%A %-d %B %Y")
        )),
        "{html}"
    );

    // The third session has two seats booked: no capacity of one for the series.
    let full = send(
        &app,
        &mut jar,
        &edit,
        &fields("series", starts.clone(), "1"),
    )
    .await;
    assert_eq!(full.status(), 409);
    let html = full.text().await.expect("html");
    assert!(
        html.contains("aria-describedby=\"capacity-error\""),
        "{html}"
    );
    assert!(html.contains("2 seats are already booked; the capacity cannot go below that."));

    // Input that is no number is refused at its field.
    let typo = send(
        &app,
        &mut jar,
        &edit,
        &fields("this", starts.clone(), "many"),
    )
    .await;
    assert_eq!(typo.status(), 422);
    assert!(
        typo.text()
            .await
            .expect("html")
            .contains("id=\"capacity-error\"")
    );

    let after = sessions_of(&app, &course, window.0, window.1).await;
    assert_eq!(starts_and_capacity(&after), starts_and_capacity(&before));

    // Another instructor cannot open or change the edit page.
    let (_, mut stranger) = instructor(&app, "stranger@example.com", "UTC").await;
    let (status, _) = page(&app, &mut stranger, &edit).await;
    assert_eq!(status, 404);
    let (_, html) = page(&app, &mut stranger, "/teach").await;
    let token = csrf_of(&html);
    let taken = post_same_site(
        &app,
        &mut stranger,
        &edit,
        &[
            ("csrf", token.as_str()),
            ("scope", "series"),
            ("starts", &starts),
            ("duration", "90"),
            ("capacity", "9"),
            ("price", "0"),
        ],
    )
    .await;
    assert_eq!(taken.status(), 404);
    let after = sessions_of(&app, &course, window.0, window.1).await;
    assert_eq!(starts_and_capacity(&after), starts_and_capacity(&before));
}

/// Submits the edit form at `edit`.
async fn send(
    app: &TestApp,
    jar: &mut Jar,
    edit: &str,
    fields: &[(&'static str, String)],
) -> reqwest::Response {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    submit(app, jar, edit, edit, &refs).await
}

fn starts_and_capacity(sessions: &[Value]) -> Vec<(Value, Value, Value)> {
    sessions
        .iter()
        .map(|s| {
            (
                s["starts_at"].clone(),
                s["ends_at"].clone(),
                s["capacity"].clone(),
            )
        })
        .collect()
}
