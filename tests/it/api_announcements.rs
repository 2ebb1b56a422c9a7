//! Announcements on one instance: who publishes, what is stored, who sees
//! what in the timeline, read receipts, reminders, attachments and feeds.

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use preau::db::Run;
use serde_json::{Value, json};

use crate::harness::{Reply, TestApp};

/// A circonscription, its instance admin, a director, a teacher, an advisor (publisher),
/// and an outsider who only follows it.
struct Circo {
    app: TestApp,
    admin: String,
    advisor: String,
    director: String,
    teacher: String,
    outsider: String,
}

async fn member(app: &TestApp, admin: &str, username: &str, role: &str) -> String {
    let token = app.account(username, false).await;
    let added = app
        .post(
            "/api/v1/organisations/nantes-3/members",
            admin,
            json!({"username": username, "role": role}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    token
}

async fn circo() -> Circo {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "nantes-3", "name": "Circonscription Nantes 3", "kind": "circonscription"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let advisor = member(&app, &admin, "cpc", "advisor").await;
    let director = member(&app, &admin, "directrice", "director").await;
    let teacher = member(&app, &admin, "prof", "teacher").await;
    let outsider = app.account("parent", false).await;
    let followed = app
        .post("/api/v1/follows", &outsider, json!({"target": "nantes-3"}))
        .await;
    assert_eq!(followed.status, StatusCode::CREATED, "{}", followed.body);
    Circo {
        app,
        admin,
        advisor,
        director,
        teacher,
        outsider,
    }
}

async fn publish(app: &TestApp, token: &str, body: Value) -> Reply {
    app.post("/api/v1/organisations/nantes-3/announcements", token, body)
        .await
}

fn titles(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["title"].as_str().expect("title").to_string())
        .collect()
}

#[tokio::test]
async fn a_publisher_publishes_and_injected_html_is_stored_clean() {
    let c = circo().await;
    let reply = publish(
        &c.app,
        &c.advisor,
        json!({"title": "Animation pédagogique", "category": "pedagogy",
               "body": "Mercredi **9 h**.<script>alert(1)</script><style>*{}</style>\n\n<a href=\"javascript:x()\" onclick=\"y()\">lien</a>",
               "ack_requested": true, "pinned": true}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let body = &reply.body;
    let id = body["id"].as_str().expect("ActivityPub id");
    assert!(id.starts_with("http://preau.test/announcements/"), "{id}");
    let content = body["content"].as_str().expect("content");
    assert!(content.contains("<strong>9 h</strong>"), "{content}");
    for bad in ["script", "alert", "style", "javascript", "onclick"] {
        assert!(!content.contains(bad), "{bad} kept in {content}");
    }
    assert_eq!(body["summary"], "Mercredi 9 h. lien");
    assert_eq!(body["public"], true);
    assert_eq!(body["ack_requested"], true);
    assert_eq!(body["organisation"]["slug"], "nantes-3");
    assert_eq!(body["author"]["id"], "http://preau.test/users/cpc");

    // The Article a peer fetches carries the same, and the Préau terms.
    let key = body["key"].as_str().expect("key");
    let article = c
        .app
        .get_as(
            &format!("/announcements/{key}"),
            "application/activity+json",
        )
        .await;
    assert_eq!(article.status, StatusCode::OK, "{}", article.body);
    assert_eq!(article.body["type"], "Article");
    assert_eq!(article.body["name"], "Animation pédagogique");
    assert_eq!(article.body["audience"], "http://preau.test/orgs/nantes-3");
    assert_eq!(article.body["attributedTo"], "http://preau.test/users/cpc");
    assert_eq!(article.body["preau:category"], "pedagogy");
    assert_eq!(article.body["preau:ackRequested"], true);
    assert_eq!(
        article.body["to"][0],
        "https://www.w3.org/ns/activitystreams#Public"
    );
}

#[tokio::test]
async fn only_publishers_publish_and_bad_input_says_why() {
    let c = circo().await;
    let ok = json!({"title": "Note", "body": "Texte"});
    let teacher = publish(&c.app, &c.teacher, ok.clone()).await;
    assert_eq!(teacher.status, StatusCode::FORBIDDEN, "{}", teacher.body);
    let outsider = publish(&c.app, &c.outsider, ok.clone()).await;
    assert_eq!(outsider.status, StatusCode::FORBIDDEN, "{}", outsider.body);
    let anonymous = c
        .app
        .call(
            Method::POST,
            "/api/v1/organisations/nantes-3/announcements",
            None,
            Some(ok),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let cases = [
        (json!({"title": "", "body": "x"}), "title"),
        (json!({"title": "t", "body": "  "}), "body"),
        (
            json!({"title": "t", "body": "x", "category": "gossip"}),
            "administrative, pedagogy, event, urgent",
        ),
        (
            json!({"title": "t", "body": "x", "target_roles": ["principal"]}),
            "principal",
        ),
        (
            json!({"title": "t", "body": "x", "target_roles": ["director"], "public": true}),
            "cannot be public",
        ),
        (
            json!({"title": "t", "body": "x", "category": "event"}),
            "starts_at",
        ),
        (
            json!({"title": "t", "body": "x", "expires_at": "2001-01-01T00:00:00Z"}),
            "future",
        ),
        (
            json!({"title": "t", "body": "x", "attachments": [{"sha256": "ab", "name": "x.pdf"}]}),
            "upload it",
        ),
    ];
    for (body, expected) in cases {
        let reply = publish(&c.app, &c.director, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            reply.body
        );
        let message = reply.body["message"].as_str().unwrap_or("");
        assert!(message.contains(expected), "{body}: {message}");
    }
    let unknown_field = publish(
        &c.app,
        &c.director,
        json!({"title": "t", "body": "x", "colour": "red"}),
    )
    .await;
    assert_eq!(
        unknown_field.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown_field.body
    );

    // An admin-defined category is accepted once added.
    let admin = c.app.account("chef", true).await;
    let added = c
        .app
        .post(
            "/api/v1/admin/categories",
            &admin,
            json!({"slug": "sortie", "label": "Sortie scolaire"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let not_admin = c
        .app
        .post(
            "/api/v1/admin/categories",
            &c.director,
            json!({"slug": "x", "label": "X"}),
        )
        .await;
    assert_eq!(not_admin.status, StatusCode::FORBIDDEN);
    let listed = c.app.get("/api/v1/categories", None).await;
    assert!(
        listed.body.to_string().contains("Sortie scolaire"),
        "{}",
        listed.body
    );
    let reply = publish(
        &c.app,
        &c.director,
        json!({"title": "t", "body": "x", "category": "sortie"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

#[tokio::test]
async fn timelines_show_each_reader_what_is_addressed_to_them() {
    let c = circo().await;
    for (title, roles, category) in [
        ("Pour tous", json!([]), "administrative"),
        ("Pour les directeurs", json!(["director"]), "administrative"),
        ("Pour les enseignants", json!(["teacher"]), "pedagogy"),
    ] {
        let reply = publish(
            &c.app,
            &c.advisor,
            json!({"title": title, "body": "Texte", "target_roles": roles, "category": category}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let home = |token: String, query: &'static str| {
        let app = &c.app;
        async move {
            titles(
                &app.get(&format!("/api/v1/timeline{query}"), Some(&token))
                    .await,
            )
        }
    };
    assert_eq!(
        home(c.director.clone(), "").await,
        ["Pour les directeurs", "Pour tous"]
    );
    assert_eq!(
        home(c.teacher.clone(), "").await,
        ["Pour les enseignants", "Pour tous"]
    );
    assert_eq!(
        home(c.outsider.clone(), "").await,
        ["Pour tous"],
        "a follower sees public ones only"
    );
    assert_eq!(
        home(c.teacher.clone(), "?category=pedagogy").await,
        ["Pour les enseignants"]
    );
    assert_eq!(
        home(c.teacher.clone(), "?organisation=nantes-3&limit=1").await,
        ["Pour les enseignants"]
    );

    // Cursor paging walks the rest.
    let first = c
        .app
        .get("/api/v1/timeline?limit=1", Some(&c.teacher))
        .await;
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("more")
        .to_string();
    let second = c
        .app
        .get(
            &format!("/api/v1/timeline?limit=1&cursor={cursor}"),
            Some(&c.teacher),
        )
        .await;
    assert_eq!(titles(&second), ["Pour tous"]);
    assert!(second.body["next_cursor"].is_null(), "{}", second.body);

    // A role-targeted announcement is hidden from others, even by key.
    let directors_only = c.app.get("/api/v1/timeline", Some(&c.director)).await;
    let key = directors_only.body["items"][0]["key"]
        .as_str()
        .expect("key")
        .to_string();
    let hidden = c
        .app
        .get(&format!("/api/v1/announcements/{key}"), Some(&c.teacher))
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let anonymous = c
        .app
        .get(&format!("/api/v1/announcements/{key}"), None)
        .await;
    assert_eq!(anonymous.status, StatusCode::NOT_FOUND);
    let public_list = c
        .app
        .get("/api/v1/organisations/nantes-3/announcements", None)
        .await;
    assert_eq!(titles(&public_list), ["Pour tous"]);

    // Unread filter: once acknowledged, it leaves the unread view.
    let everyone = c
        .app
        .get("/api/v1/timeline?category=administrative", Some(&c.teacher))
        .await;
    let key = everyone.body["items"][0]["key"]
        .as_str()
        .expect("key")
        .to_string();
    assert_eq!(everyone.body["items"][0]["read"], false);
    let read = c
        .app
        .call(
            Method::POST,
            &format!("/api/v1/announcements/{key}/read"),
            Some(&c.teacher),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(read.body["read"], true);
    assert_eq!(
        home(c.teacher.clone(), "?unread=true").await,
        ["Pour les enseignants"]
    );

    // An expired announcement disappears.
    let expired = key.clone();
    c.app
        .state
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            use preau::db::schema::announcements::dsl;
            diesel::update(dsl::announcements.filter(dsl::public_id.eq(expired)))
                .set(dsl::expires_at.eq(Some(preau::db::now() - chrono::TimeDelta::minutes(1))))
                .exec(conn)?;
            Ok::<_, preau::AppError>(())
        })
        .await
        .expect("expire");
    assert_eq!(home(c.teacher.clone(), "").await, ["Pour les enseignants"]);
}

#[tokio::test]
async fn the_publisher_sees_who_read_and_reminds_the_others() {
    let c = circo().await;
    let reply = publish(
        &c.app,
        &c.advisor,
        json!({"title": "Enquête", "body": "Merci de répondre", "ack_requested": true}),
    )
    .await;
    let key = reply.body["key"].as_str().expect("key").to_string();
    let read = c
        .app
        .call(
            Method::POST,
            &format!("/api/v1/announcements/{key}/read"),
            Some(&c.teacher),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    let again = c
        .app
        .call(
            Method::POST,
            &format!("/api/v1/announcements/{key}/read"),
            Some(&c.teacher),
            None,
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "acknowledging twice is harmless"
    );

    let forbidden = c
        .app
        .get(
            &format!("/api/v1/announcements/{key}/reads"),
            Some(&c.teacher),
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let report = c
        .app
        .get(
            &format!("/api/v1/announcements/{key}/reads"),
            Some(&c.advisor),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    // Members (cpc, directrice, prof) and the follower (parent).
    assert_eq!(report.body["read"], 1, "{}", report.body);
    assert_eq!(report.body["not_read"], 3, "{}", report.body);
    let readers: Vec<(String, bool)> = report.body["local"]
        .as_array()
        .expect("local")
        .iter()
        .map(|r| {
            (
                r["username"].as_str().expect("u").to_string(),
                !r["read_at"].is_null(),
            )
        })
        .collect();
    assert_eq!(
        readers,
        [
            ("prof".to_string(), true),
            ("cpc".to_string(), false),
            ("directrice".to_string(), false),
            ("parent".to_string(), false)
        ]
    );

    // A disabled account is no longer counted, nor reminded.
    let disable = serde_json::from_value(json!({"disabled": true})).expect("a change");
    preau::services::accounts::update(
        &c.app.state,
        &preau::services::Caller::Operator,
        "parent",
        disable,
    )
    .await
    .expect("disable parent");
    let report = c
        .app
        .get(
            &format!("/api/v1/announcements/{key}/reads"),
            Some(&c.advisor),
        )
        .await;
    assert_eq!(report.body["not_read"], 2, "{}", report.body);
    assert!(
        !report.body.to_string().contains("\"parent\""),
        "{}",
        report.body
    );

    let reminded = c
        .app
        .call(
            Method::POST,
            &format!("/api/v1/announcements/{key}/remind"),
            Some(&c.advisor),
            None,
        )
        .await;
    assert_eq!(reminded.body["reminded"], 2, "{}", reminded.body);
    let notes = c.app.get("/api/v1/notifications", Some(&c.director)).await;
    assert_eq!(notes.body["items"][0]["kind"], "reminder", "{}", notes.body);
    assert_eq!(notes.body["items"][0]["announcement"]["title"], "Enquête");
    let none = c.app.get("/api/v1/notifications", Some(&c.teacher)).await;
    assert_eq!(none.body["items"], json!([]), "who read is not reminded");
}

#[tokio::test]
async fn edits_and_deletes_belong_to_the_author_and_the_admins() {
    let c = circo().await;
    let reply = publish(
        &c.app,
        &c.director,
        json!({"title": "Réunion", "body": "Lundi"}),
    )
    .await;
    let key = reply.body["key"].as_str().expect("key").to_string();
    let path = format!("/api/v1/announcements/{key}");

    let by_teacher = c
        .app
        .patch(&path, &c.teacher, json!({"title": "Piraté"}))
        .await;
    assert_eq!(by_teacher.status, StatusCode::FORBIDDEN);
    let by_other_publisher = c
        .app
        .patch(&path, &c.advisor, json!({"title": "Autre"}))
        .await;
    assert_eq!(by_other_publisher.status, StatusCode::FORBIDDEN);

    let edited = c
        .app
        .patch(
            &path,
            &c.director,
            json!({"title": "Réunion reportée", "body": "Mardi", "target_roles": ["teacher"]}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.body["title"], "Réunion reportée");
    assert_eq!(
        edited.body["public"], false,
        "addressed to roles, so not public"
    );
    assert!(edited.body["updated"].as_str() > edited.body["published"].as_str());

    let removed = c.app.delete(&path, &c.teacher).await;
    assert_eq!(removed.status, StatusCode::FORBIDDEN);
    let removed = c.app.delete(&path, &c.director).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        c.app.get(&path, Some(&c.director)).await.status,
        StatusCode::NOT_FOUND
    );
    let gone = c
        .app
        .get_as(
            &format!("/announcements/{key}"),
            "application/activity+json",
        )
        .await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert_eq!(gone.body["type"], "Tombstone");
}

async fn upload(app: &TestApp, token: &str, media_type: &str, bytes: Vec<u8>) -> Reply {
    app.send(
        Request::post("/api/v1/files")
            .header(header::HOST, "preau.test")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, media_type)
            .body(Body::from(bytes))
            .expect("request"),
    )
    .await
}

#[tokio::test]
async fn attachments_are_stored_once_and_served_safely() {
    let c = circo().await;
    let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
    let first = upload(&c.app, &c.advisor, "application/pdf", pdf.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = upload(&c.app, &c.advisor, "application/pdf", pdf.clone()).await;
    assert_eq!(again.body["sha256"], first.body["sha256"]);
    let sha = first.body["sha256"].as_str().expect("sha").to_string();

    let lying = upload(&c.app, &c.advisor, "image/png", pdf.clone()).await;
    assert_eq!(
        lying.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        lying.body
    );
    let anonymous = c
        .app
        .send(
            Request::post("/api/v1/files")
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("x"))
                .expect("r"),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let reply = publish(
        &c.app,
        &c.advisor,
        json!({"title": "Programme", "body": "Ci-joint", "attachments": [{"sha256": sha, "name": "programme.pdf"}]}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let attachment = &reply.body["attachments"][0];
    assert_eq!(attachment["name"], "programme.pdf");
    assert_eq!(attachment["media_type"], "application/pdf");
    let url = attachment["url"].as_str().expect("url");
    let path = url.trim_start_matches("http://preau.test");
    let download = c.app.get(path, None).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(download.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        download.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("csp")
            .contains("sandbox")
    );
    assert_eq!(
        download.body.as_str().map(str::as_bytes),
        Some(pdf.as_slice())
    );
}

#[tokio::test]
async fn an_upload_over_the_limit_is_413_and_leaves_nothing() {
    let app = TestApp::with_settings(|s| s.limits.max_upload_bytes = 1000).await;
    let token = app.account("cpc", false).await;
    let reply = upload(&app, &token, "text/plain", vec![b'a'; 5000]).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    let files = app.state.settings.data_dir.join("files");
    let staged = std::fs::read_dir(files.join(".staging"))
        .expect("staging")
        .count();
    assert_eq!(staged, 0);
    assert!(!files.join("sha256").exists());
}

#[tokio::test]
async fn feeds_list_public_announcements_and_events() {
    let c = circo().await;
    publish(
        &c.app,
        &c.advisor,
        json!({"title": "Rentrée", "body": "Le **1er** septembre"}),
    )
    .await;
    publish(
        &c.app,
        &c.advisor,
        json!({"title": "Fête de l'école", "body": "Venez !", "category": "event",
               "starts_at": "2027-06-25T16:00:00Z", "ends_at": "2027-06-25T19:00:00Z"}),
    )
    .await;
    publish(
        &c.app,
        &c.advisor,
        json!({"title": "Secret", "body": "x", "target_roles": ["director"]}),
    )
    .await;

    let get_text = |path: &'static str| {
        let app = &c.app;
        async move {
            let reply = app.get(path, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
            let content_type = reply.headers[header::CONTENT_TYPE]
                .to_str()
                .expect("type")
                .to_string();
            (content_type, reply.body.as_str().expect("text").to_string())
        }
    };
    let (atom_type, atom) = get_text("/orgs/nantes-3/feed.atom").await;
    assert!(atom_type.starts_with("application/atom+xml"));
    let feed = feed_rs::parser::parse(atom.as_bytes()).expect("valid Atom");
    let entries: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.as_ref().expect("title").content.clone())
        .collect();
    assert_eq!(
        entries,
        ["Fête de l'école", "Rentrée"],
        "role-targeted ones stay out"
    );
    let rentree = &feed.entries[1];
    assert!(
        rentree
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .expect("content")
            .contains("<strong>1er</strong>")
    );
    assert!(
        rentree.links[0]
            .href
            .starts_with("http://preau.test/announcements/"),
        "{:?}",
        rentree.links
    );

    let (rss_type, rss) = get_text("/orgs/nantes-3/feed.rss").await;
    assert!(rss_type.starts_with("application/rss+xml"));
    let feed = feed_rs::parser::parse(rss.as_bytes()).expect("valid RSS");
    assert_eq!(feed.entries.len(), 2);
    assert_eq!(
        feed.title.as_ref().expect("title").content,
        "Circonscription Nantes 3"
    );

    let (ics_type, ics) = get_text("/orgs/nantes-3/events.ics").await;
    assert!(ics_type.starts_with("text/calendar"));
    let calendar: icalendar::Calendar = ics.parse().expect("valid iCalendar");
    let events: Vec<&icalendar::Event> = calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    assert_eq!(events.len(), 1, "{ics}");
    use icalendar::Component;
    assert_eq!(events[0].get_summary(), Some("Fête de l'école"));
    assert!(
        events[0].get_start().is_some() && events[0].get_end().is_some(),
        "{ics}"
    );

    let page = c.app.get_as("/orgs/nantes-3", "text/html").await;
    let html = page.body.as_str().expect("html");
    for (kind, href) in [
        ("application/atom+xml", "/orgs/nantes-3/feed.atom"),
        ("application/rss+xml", "/orgs/nantes-3/feed.rss"),
        ("text/calendar", "/orgs/nantes-3/events.ics"),
    ] {
        assert!(
            html.contains(&format!(r#"type="{kind}""#)) && html.contains(href),
            "no alternate link for {kind} in {html}"
        );
    }
    assert!(
        html.contains("Rentrée") && !html.contains("Secret"),
        "{html}"
    );
}

#[tokio::test]
async fn home_feeds_follow_memberships_and_follows_as_they_change() {
    let c = circo().await;
    publish(
        &c.app,
        &c.advisor,
        json!({"title": "Pour tous", "body": "x"}),
    )
    .await;
    publish(
        &c.app,
        &c.advisor,
        json!({"title": "Pour les directeurs", "body": "x", "target_roles": ["director"]}),
    )
    .await;
    let home = |token: String| {
        let app = &c.app;
        async move { titles(&app.get("/api/v1/timeline", Some(&token)).await) }
    };
    // A new member reads what was published before (backfill)…
    let admin = c.app.account("chef", true).await;
    let newcomer = member(&c.app, &admin, "nouvelle", "teacher").await;
    assert_eq!(home(newcomer.clone()).await, ["Pour tous"]);
    // …a new role brings what is addressed to it, and leaving takes it away.
    let promoted = c
        .app
        .post(
            "/api/v1/organisations/nantes-3/members",
            &admin,
            json!({"username": "nouvelle", "role": "director"}),
        )
        .await;
    assert_eq!(promoted.status, StatusCode::CREATED, "{}", promoted.body);
    assert_eq!(
        home(newcomer.clone()).await,
        ["Pour les directeurs", "Pour tous"]
    );
    for role in ["director", "teacher"] {
        let removed = c
            .app
            .delete(
                &format!("/api/v1/organisations/nantes-3/members/nouvelle/{role}"),
                &admin,
            )
            .await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    }
    assert!(home(newcomer).await.is_empty());
    // Unfollowing empties a follower's feed; following again fills it.
    let unfollowed = c
        .app
        .call(
            Method::DELETE,
            "/api/v1/follows?target=nantes-3",
            Some(&c.outsider),
            None,
        )
        .await;
    assert_eq!(
        unfollowed.status,
        StatusCode::NO_CONTENT,
        "{}",
        unfollowed.body
    );
    assert!(home(c.outsider.clone()).await.is_empty());
    c.app
        .post(
            "/api/v1/follows",
            &c.outsider,
            json!({"target": "nantes-3"}),
        )
        .await;
    assert_eq!(home(c.outsider.clone()).await, ["Pour tous"]);
    // An edit that narrows the audience leaves the feeds it no longer reaches.
    let key = c.app.get("/api/v1/timeline", Some(&c.outsider)).await.body["items"][0]["key"]
        .as_str()
        .expect("key")
        .to_string();
    let edited = c
        .app
        .patch(
            &format!("/api/v1/announcements/{key}"),
            &c.advisor,
            json!({"target_roles": ["teacher"]}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert!(home(c.outsider.clone()).await.is_empty());
    assert_eq!(home(c.teacher.clone()).await, ["Pour tous"]);
    assert_eq!(home(c.director.clone()).await, ["Pour les directeurs"]);
}

#[tokio::test]
async fn rights_come_from_roles_held_there_and_from_the_admins_of_parents() {
    let c = circo().await;
    let admin = c.admin.clone();
    let school = c
        .app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "ecole-a", "name": "École A", "kind": "ecole", "parent": "nantes-3"}),
        )
        .await;
    assert_eq!(school.status, StatusCode::CREATED, "{}", school.body);
    let join = |username: &'static str, organisation: &'static str, role: &'static str| {
        let (app, admin) = (&c.app, admin.clone());
        async move {
            let added = app
                .post(
                    &format!("/api/v1/organisations/{organisation}/members"),
                    &admin,
                    json!({"username": username, "role": role}),
                )
                .await;
            assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
        }
    };
    let ien = c.app.account("ien", false).await;
    join("ien", "nantes-3", "admin").await;
    let directeur = c.app.account("directeur-a", false).await;
    join("directeur-a", "ecole-a", "director").await;
    let adjoint = c.app.account("adjoint-a", false).await;
    join("adjoint-a", "ecole-a", "teacher").await;
    let codirection = c.app.account("codirection-a", false).await;
    join("codirection-a", "ecole-a", "director").await;
    let admin_a = c.app.account("admin-a", false).await;
    join("admin-a", "ecole-a", "admin").await;

    let note = json!({"title": "Note", "body": "Texte"});
    let mut by_director = None;
    for (who, token, slug, expected) in [
        // An admin of the parent publishes in the school.
        ("ien", &ien, "ecole-a", StatusCode::CREATED),
        // A publishing role counts where it is held, not in the children.
        ("cpc", &c.advisor, "ecole-a", StatusCode::FORBIDDEN),
        ("cpc", &c.advisor, "nantes-3", StatusCode::CREATED),
        // Nor in the parent.
        ("directeur-a", &directeur, "ecole-a", StatusCode::CREATED),
        ("directeur-a", &directeur, "nantes-3", StatusCode::FORBIDDEN),
        // A teacher does not publish, even where they are a member.
        ("adjoint-a", &adjoint, "ecole-a", StatusCode::FORBIDDEN),
        // An admin role counts down the chain, never up it.
        ("admin-a", &admin_a, "ecole-a", StatusCode::CREATED),
        ("admin-a", &admin_a, "nantes-3", StatusCode::FORBIDDEN),
    ] {
        let path = format!("/api/v1/organisations/{slug}/announcements");
        let reply = c.app.post(&path, token, note.clone()).await;
        assert_eq!(reply.status, expected, "{who} in {slug}: {}", reply.body);
        if who == "directeur-a" && reply.status == StatusCode::CREATED {
            by_director = reply.body["key"].as_str().map(str::to_string);
        }
    }

    // An announcement is changed by its author while a publisher there,
    // and by the admins of the organisation or of a parent.
    let path = format!(
        "/api/v1/announcements/{}",
        by_director.expect("the director's announcement")
    );
    for (who, token, expected) in [
        ("cpc", &c.advisor, StatusCode::FORBIDDEN),
        ("adjoint-a", &adjoint, StatusCode::FORBIDDEN),
        // Another publisher there is not its author.
        ("codirection-a", &codirection, StatusCode::FORBIDDEN),
        ("ien", &ien, StatusCode::OK),
        ("directeur-a", &directeur, StatusCode::OK),
    ] {
        let reply = c.app.patch(&path, token, json!({"title": who})).await;
        assert_eq!(reply.status, expected, "{who} edits: {}", reply.body);
    }
    // Still a member there, no longer a publisher: no longer the author's.
    join("directeur-a", "ecole-a", "teacher").await;
    let left = c
        .app
        .delete(
            "/api/v1/organisations/ecole-a/members/directeur-a/director",
            &admin,
        )
        .await;
    assert!(left.status.is_success(), "{}", left.body);
    let former = c
        .app
        .patch(&path, &directeur, json!({"title": "Encore"}))
        .await;
    assert_eq!(former.status, StatusCode::FORBIDDEN, "{}", former.body);

    // Sharing a resource takes any role there, or admin of a parent.
    for (who, token, slug, expected) in [
        ("adjoint-a", &adjoint, "ecole-a", StatusCode::CREATED),
        ("adjoint-a", &adjoint, "nantes-3", StatusCode::FORBIDDEN),
        ("ien", &ien, "ecole-a", StatusCode::CREATED),
        ("prof", &c.teacher, "ecole-a", StatusCode::FORBIDDEN),
    ] {
        let reply = crate::resources::post_multipart(
            &c.app,
            &format!("/api/v1/organisations/{slug}/resources"),
            token,
            &[
                crate::resources::meta(json!({"title": "Fiche", "licence": "CC0-1.0"})),
                ("file", Some("fiche.txt"), "text/plain", b"Lire.\n".to_vec()),
            ],
        )
        .await;
        assert_eq!(
            reply.status, expected,
            "{who} shares in {slug}: {}",
            reply.body
        );
    }
}
