//! The export of one person's data: what it holds, what it never holds,
//! who may ask for it.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::TestApp;

/// An instance where `prof` teaches at ecole-a, has read an announcement,
/// and was renamed by the admin. Returns the app, the admin's token and
/// prof's.
async fn school() -> (TestApp, String, String) {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let prof = app.account("prof", false).await;
    app.post(
        "/api/v1/organisations",
        &admin,
        json!({"slug": "ecole-a", "name": "École A", "kind": "ecole"}),
    )
    .await
    .expect(StatusCode::CREATED);
    app.post(
        "/api/v1/organisations/ecole-a/members",
        &admin,
        json!({"username": "prof", "role": "teacher"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let published = app
        .post(
            "/api/v1/organisations/ecole-a/announcements",
            &admin,
            json!({"title": "Conseil d'école", "body": "Mardi à 18 h.", "ack_requested": true}),
        )
        .await
        .expect(StatusCode::CREATED);
    let key = published.body["key"].as_str().expect("key");
    app.call(
        Method::POST,
        &format!("/api/v1/announcements/{key}/read"),
        Some(&prof),
        None,
    )
    .await
    .expect(StatusCode::OK);
    app.patch(
        "/api/v1/accounts/prof",
        &admin,
        json!({"display_name": "Camille Prof"}),
    )
    .await
    .expect(StatusCode::OK);
    (app, admin, prof)
}

fn actions(data: &Value) -> Vec<(String, String)> {
    data["audit"]
        .as_array()
        .expect("audit")
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or_default().to_string(),
                e["action"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_person_exports_everything_held_about_them_and_no_secret() {
    let (app, _admin, prof) = school().await;
    let export = app.get("/api/v1/accounts/prof/export", Some(&prof)).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    let data = &export.body;
    assert_eq!(data["instance"], "preau.test");
    assert_eq!(data["account"]["username"], "prof");
    assert_eq!(data["account"]["display_name"], "Camille Prof");
    assert_eq!(data["account"]["email"], "prof@example.fr");
    assert_eq!(
        data["memberships"],
        json!([{"organisation": "ecole-a", "organisation_name": "École A", "role": "teacher",
                "since": data["memberships"][0]["since"]}])
    );
    assert_eq!(data["reads"][0]["title"], "Conseil d'école");
    assert_eq!(data["api_tokens"][0]["name"], "test");
    assert_eq!(data["active_weeks"].as_array().map(Vec::len), Some(1));
    assert_eq!(data["announcements"], json!([]));
    assert_eq!(
        actions(data),
        [
            ("@operator", "account_created"),
            ("@operator", "token_issued"),
            ("admin", "member_added"),
            ("admin", "account_changed"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let text = data.to_string();
    for secret in [
        "password",
        "private_key",
        "public_key",
        "token_hash",
        "secret_hash",
        "csrf",
        "\"id\"",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    // Exporting one's own data is not an admin action.
    assert!(!text.contains("personal_data_exported"));
}

#[tokio::test]
async fn only_the_person_and_instance_admins_export_and_admins_are_audited() {
    let (app, admin, _prof) = school().await;
    let other = app.account("autre", false).await;
    let refused = app.get("/api/v1/accounts/prof/export", Some(&other)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let unknown = app
        .get("/api/v1/accounts/personne/export", Some(&admin))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);

    let by_admin = app.get("/api/v1/accounts/prof/export", Some(&admin)).await;
    assert_eq!(by_admin.status, StatusCode::OK, "{}", by_admin.body);
    assert_eq!(by_admin.body["account"]["username"], "prof");
    let log = app
        .get(
            "/api/v1/admin/audit?action=personal_data_exported",
            Some(&admin),
        )
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    assert_eq!(log.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(log.body["items"][0]["actor"], "admin");
    assert_eq!(log.body["items"][0]["target"], "prof");
}

#[tokio::test]
async fn an_admin_deletes_an_account_for_good_and_its_name_is_not_given_again() {
    use diesel::{ExpressionMethods, QueryDsl};
    use preau::{
        db::{
            Run,
            schema::{acknowledgements, outbox},
        },
        services::{Caller, account_deletion},
    };

    let (app, admin, prof) = school().await;
    app.delete("/api/v1/accounts/prof", &prof)
        .await
        .expect(StatusCode::FORBIDDEN);
    app.delete("/api/v1/accounts/admin", &admin)
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    app.delete("/api/v1/accounts/personne", &admin)
        .await
        .expect(StatusCode::NOT_FOUND);
    let last = account_deletion::delete(&app.state, &Caller::Operator, "admin")
        .await
        .expect_err("the last admin stays");
    assert_eq!(last.said.map(|s| s.key), Some("refused.last_admin"));

    // An activity of prof's still waiting for a peer: it could no longer
    // be signed, and would hold up that peer's lane.
    let mut conn = app.state.db.get().expect("connection");
    diesel::insert_into(outbox::table)
        .values((
            outbox::activity_id.eq("http://preau.test/activities/read/1"),
            outbox::actor_ap_id.eq("http://preau.test/users/prof"),
            outbox::inbox_url.eq("https://ailleurs.example/inbox"),
            outbox::domain.eq("ailleurs.example"),
            outbox::payload.eq("{}"),
            outbox::attempts.eq(0),
            outbox::created_at.eq(preau::db::now()),
        ))
        .exec(&mut conn)
        .expect("queued");
    drop(conn);

    app.delete("/api/v1/accounts/prof", &admin)
        .await
        .expect(StatusCode::NO_CONTENT);
    app.get("/api/v1/accounts/prof", Some(&admin))
        .await
        .expect(StatusCode::NOT_FOUND);
    app.get("/api/v1/accounts/me", Some(&prof))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    let members = app
        .get("/api/v1/organisations/ecole-a/members", Some(&admin))
        .await
        .expect(StatusCode::OK);
    assert_eq!(members.body["items"], json!([]));
    let mut conn = app.state.db.get().expect("connection");
    let receipts: i64 = acknowledgements::table
        .count()
        .fetch_one(&mut conn)
        .expect("count");
    assert_eq!(receipts, 0, "prof's read mark went with the account");
    let waiting: Vec<String> = outbox::table
        .select(outbox::actor_ap_id)
        .fetch(&mut conn)
        .expect("outbox");
    assert!(
        !waiting.iter().any(|a| a.ends_with("/users/prof")),
        "{waiting:?}"
    );
    drop(conn);
    let log = app
        .get("/api/v1/admin/audit?action=account_deleted", Some(&admin))
        .await
        .expect(StatusCode::OK);
    assert_eq!(log.body["items"][0]["actor"], "admin");
    assert_eq!(log.body["items"][0]["target"], "prof");

    // Peers keep the deleted id's tombstone: the name is not given again.
    let again = app
        .post(
            "/api/v1/accounts",
            &admin,
            json!({"username": "prof", "password": "un mot de passe assez long"}),
        )
        .await
        .expect(StatusCode::CONFLICT);
    assert_eq!(again.body["refusal"], "refused.username_taken");
}
