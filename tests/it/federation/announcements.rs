//! Announcements across three instances: a circonscription on A publishes;
//! a school on B follows it as an organisation (its director and teacher
//! read through their roles); an inspector on C follows it in person.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::instances::{Instance, SignedPost, eventually};

/// Titles in an account's home timeline.
async fn home(instance: &Instance, token: &str) -> Vec<String> {
    let reply = instance.app.get("/api/v1/timeline", Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["title"].as_str().expect("title").to_string())
        .collect()
}

async fn add_member(
    instance: &Instance,
    admin: &str,
    slug: &str,
    username: &str,
    role: &str,
) -> String {
    let (token, _) = instance.person(username).await;
    let reply = instance
        .app
        .post(
            &format!("/api/v1/organisations/{slug}/members"),
            admin,
            json!({"username": username, "role": role}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    token
}

async fn publish(a: &Instance, token: &str, body: Value) -> Value {
    let reply = a
        .app
        .post("/api/v1/organisations/circo/announcements", token, body)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn announcements_reach_the_right_readers_on_three_instances() {
    let instances = Instance::several(&[&[1, 2], &[0], &[0]]).await;
    let (a, b, c) = (&instances[0], &instances[1], &instances[2]);

    let a_admin = a.admin_token().await;
    let circo = a.org("circo", false).await;
    let cpc = add_member(a, &a_admin, "circo", "cpc", "advisor").await;

    let b_admin = b.admin_token().await;
    b.org("ecole-b", false).await;
    let director = add_member(b, &b_admin, "ecole-b", "dir-b", "director").await;
    let teacher = add_member(b, &b_admin, "ecole-b", "prof-b", "teacher").await;
    let school_follows = b
        .app
        .post(
            "/api/v1/organisations/ecole-b/follows",
            &b_admin,
            json!({"target": format!("circo@{}", a.domain)}),
        )
        .await;
    assert_eq!(
        school_follows.status,
        StatusCode::ACCEPTED,
        "{}",
        school_follows.body
    );
    let not_admin = b
        .app
        .post(
            "/api/v1/organisations/ecole-b/follows",
            &teacher,
            json!({"target": format!("circo@{}", a.domain)}),
        )
        .await;
    assert_eq!(
        not_admin.status,
        StatusCode::FORBIDDEN,
        "{}",
        not_admin.body
    );

    let (inspector, inspector_id) = c.person("ien-c").await;
    assert_eq!(
        c.follow(&inspector, "circo", a).await.status,
        StatusCode::ACCEPTED
    );
    let school_id = b.url("/orgs/ecole-b");
    eventually("both follows are accepted", || async {
        b.follow_state(&school_id, &circo).await == Some(true)
            && c.follow_state(&inspector_id, &circo).await == Some(true)
    })
    .await;

    // A public announcement reaches everyone; one for directors reaches
    // only the school's director, and never reaches C at all.
    let public = publish(
        a,
        &cpc,
        json!({"title": "Rentrée 2027", "body": "Le **1er** septembre", "ack_requested": true}),
    )
    .await;
    publish(
        a,
        &cpc,
        json!({"title": "Réunion des directeurs", "body": "Jeudi", "target_roles": ["director"]}),
    )
    .await;
    eventually("the director reads both", || async {
        home(b, &director).await == ["Réunion des directeurs", "Rentrée 2027"]
    })
    .await;
    eventually("the inspector reads the public one", || async {
        home(c, &inspector).await == ["Rentrée 2027"]
    })
    .await;
    assert_eq!(
        home(b, &teacher).await,
        ["Rentrée 2027"],
        "not addressed to teachers"
    );
    assert_eq!(
        c.count("announcements").await,
        1,
        "the role-targeted one was not sent to C"
    );

    // What B stored keeps its origin and its clean content.
    let on_b = b.app.get("/api/v1/timeline", Some(&teacher)).await;
    let item = &on_b.body["items"][0];
    assert_eq!(item["id"], public["id"]);
    assert_eq!(item["local"], false);
    assert_eq!(item["organisation"]["id"], circo);
    assert_eq!(item["author"]["id"], a.url("/users/cpc"));
    assert!(
        item["content"]
            .as_str()
            .expect("content")
            .contains("<strong>1er</strong>")
    );

    // Edits and deletions propagate.
    let key = public["key"].as_str().expect("key");
    let edited = a
        .app
        .patch(
            &format!("/api/v1/announcements/{key}"),
            &cpc,
            json!({"title": "Rentrée 2027 (horaires)"}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    eventually("the edit reaches B and C", || async {
        home(b, &teacher).await == ["Rentrée 2027 (horaires)"]
            && home(c, &inspector).await == ["Rentrée 2027 (horaires)"]
    })
    .await;

    // The inspector acknowledges on C; A's publisher sees it, counted for C.
    let c_key = c.app.get("/api/v1/timeline", Some(&inspector)).await.body["items"][0]["key"]
        .as_str()
        .expect("key")
        .to_string();
    let read = c
        .app
        .call(
            Method::POST,
            &format!("/api/v1/announcements/{c_key}/read"),
            Some(&inspector),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    eventually("A counts C's reader", || async {
        let report = a
            .app
            .get(&format!("/api/v1/announcements/{key}/reads"), Some(&cpc))
            .await;
        report.body["remote"] == json!([{"domain": c.domain, "read": 1}])
    })
    .await;

    let deleted = a
        .app
        .delete(&format!("/api/v1/announcements/{key}"), &cpc)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    eventually("the deletion reaches B and C", || async {
        home(b, &teacher).await.is_empty() && home(c, &inspector).await.is_empty()
    })
    .await;
    assert_eq!(home(b, &director).await, ["Réunion des directeurs"]);
}

#[tokio::test]
async fn forged_updates_and_unknown_reads_change_nothing() {
    let instances = Instance::several(&[&[1, 2], &[0, 2], &[0, 1]]).await;
    let (a, b, c) = (&instances[0], &instances[1], &instances[2]);
    let a_admin = a.admin_token().await;
    let circo = a.org("circo", false).await;
    let cpc = add_member(a, &a_admin, "circo", "cpc", "advisor").await;
    let (reader, reader_id) = b.person("lecteur").await;
    assert_eq!(
        b.follow(&reader, "circo", a).await.status,
        StatusCode::ACCEPTED
    );
    eventually("the follow is accepted", || async {
        b.follow_state(&reader_id, &circo).await == Some(true)
    })
    .await;
    let published = publish(a, &cpc, json!({"title": "Original", "body": "Texte"})).await;
    eventually("B has it", || async {
        home(b, &reader).await == ["Original"]
    })
    .await;

    // C's user claims an Update of A's article: another origin, refused.
    c.person("faussaire").await;
    let forger = c.signer("faussaire").await;
    let mut article = a
        .app
        .get(
            &format!(
                "/api/v1/announcements/{}",
                published["key"].as_str().expect("key")
            ),
            None,
        )
        .await
        .body;
    article["title"] = json!("Falsifié");
    let forged = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": c.url("/activities/update/forged"),
        "type": "Update",
        "actor": c.url("/users/faussaire"),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": published["id"], "type": "Article", "name": "Falsifié",
            "content": "<p>faux</p>", "attributedTo": c.url("/users/faussaire"),
            "audience": circo, "published": published["published"],
            "updated": "2030-01-01T00:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"]
        }
    });
    let status = SignedPost::new(b.url("/inbox"), &forged)
        .send(&forger)
        .await;
    assert!(status.is_client_error(), "forged Update answered {status}");
    assert_eq!(home(b, &reader).await, ["Original"]);

    // A Read of an object A does not have is ignored (and logged).
    let stranger = b.signer("lecteur").await;
    let read = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": b.url("/activities/read/1"),
        "type": "Read",
        "actor": reader_id,
        "object": a.url("/announcements/0000000000000000"),
        "to": [circo],
    });
    let status = SignedPost::new(a.url("/inbox"), &read)
        .send(&stranger)
        .await;
    assert!(status.is_success(), "unknown Read answered {status}");
    assert_eq!(a.count("acknowledgements").await, 0);
}
