//! Accounts and tokens through `/api/v1`.

use axum::http::StatusCode;
use serde_json::json;

use crate::harness::TestApp;

#[tokio::test]
async fn an_admin_creates_reads_updates_and_lists_accounts() {
    let app = TestApp::new().await;
    let admin = app.admin().await;

    let created = app
        .post(
            "/api/v1/accounts",
            &admin,
            json!({"username": "claire.martin", "password": "un mot de passe sûr",
                   "display_name": "Claire Martin", "email": "claire@ac-nantes.fr"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["username"], "claire.martin");
    assert_eq!(created.body["id"], "http://preau.test/users/claire.martin");
    assert_eq!(created.body["email"], "claire@ac-nantes.fr");
    assert!(created.body.get("password_hash").is_none());

    let patched = app
        .patch(
            "/api/v1/accounts/claire.martin",
            &admin,
            json!({"display_name": "Claire Martin-Leroy", "email": null}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.body["display_name"], "Claire Martin-Leroy");
    assert!(patched.body.get("email").is_none(), "email cleared");

    let shown = app
        .get("/api/v1/accounts/claire.martin", Some(&admin))
        .await;
    assert_eq!(shown.body["display_name"], "Claire Martin-Leroy");

    let listed = app.get("/api/v1/accounts", Some(&admin)).await;
    assert_eq!(listed.status, StatusCode::OK);
    let names: Vec<&str> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["username"].as_str())
        .collect();
    assert_eq!(names, ["admin", "claire.martin"]);
    assert!(listed.body["next_cursor"].is_null());
}

#[tokio::test]
async fn account_lists_are_paged_with_cursors() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for i in 0..5 {
        app.account(&format!("teacher{i}"), false).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/accounts?limit=2".to_string();
    loop {
        let page = app.get(&path, Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let items = page.body["items"].as_array().expect("items");
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|a| a["username"].as_str().expect("name").to_string()),
        );
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/accounts?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "admin", "teacher0", "teacher1", "teacher2", "teacher3", "teacher4"
        ]
    );

    let bad = app
        .get("/api/v1/accounts?cursor=garbage", Some(&admin))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = app.get("/api/v1/accounts?limit=100000", Some(&admin)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn people_change_their_own_profile_only_and_see_others_emails_only_as_admins() {
    let app = TestApp::new().await;
    app.admin().await;
    let alice = app.account("alice", false).await;
    app.account("bruno", false).await;

    let own = app
        .patch(
            "/api/v1/accounts/alice",
            &alice,
            json!({"display_name": "Alice B."}),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK);

    let other = app
        .patch(
            "/api/v1/accounts/bruno",
            &alice,
            json!({"display_name": "Hacked"}),
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(other.error_code(), "forbidden");

    let escalate = app
        .patch("/api/v1/accounts/alice", &alice, json!({"is_admin": true}))
        .await;
    assert_eq!(escalate.status, StatusCode::FORBIDDEN);

    let create = app
        .post("/api/v1/accounts", &alice, json!({"username": "mallory"}))
        .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);

    let bruno = app.get("/api/v1/accounts/bruno", Some(&alice)).await;
    assert_eq!(bruno.status, StatusCode::OK);
    assert!(bruno.body.get("email").is_none(), "{}", bruno.body);
    let me = app.get("/api/v1/accounts/me", Some(&alice)).await;
    assert_eq!(me.body["email"], "alice@example.fr");
    assert_eq!(me.body["display_name"], "Alice B.");
}

#[tokio::test]
async fn a_password_login_gives_a_token_that_can_be_revoked() {
    let app = TestApp::new().await;
    app.account("alice", false).await;

    let wrong = app
        .call(
            axum::http::Method::POST,
            "/api/v1/tokens",
            None,
            Some(json!({"username": "alice", "password": "not the password"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let unknown = app
        .call(
            axum::http::Method::POST,
            "/api/v1/tokens",
            None,
            Some(json!({"username": "nobody", "password": "a long enough password"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong.body, unknown.body,
        "failures must not tell which part was wrong"
    );

    let ok = app
        .call(
            axum::http::Method::POST,
            "/api/v1/tokens",
            None,
            Some(
                json!({"username": "alice", "password": "a long enough password", "name": "phone"}),
            ),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    let token = ok.body["token"].as_str().expect("token").to_string();
    assert_eq!(
        app.get("/api/v1/accounts/me", Some(&token)).await.status,
        StatusCode::OK
    );

    assert_eq!(
        app.delete("/api/v1/tokens/current", &token).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/v1/accounts/me", Some(&token)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_disabled_account_loses_access_and_the_last_admin_stays_admin() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let alice = app.account("alice", false).await;
    let off = app
        .patch("/api/v1/accounts/alice", &admin, json!({"disabled": true}))
        .await;
    assert_eq!(off.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/accounts/me", Some(&alice)).await.status,
        StatusCode::UNAUTHORIZED
    );

    let demote = app
        .patch("/api/v1/accounts/admin", &admin, json!({"is_admin": false}))
        .await;
    assert_eq!(
        demote.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        demote.body
    );
}

#[tokio::test]
async fn invalid_account_input_is_refused_with_the_field_named() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for (body, field) in [
        (json!({"username": "Bad Name"}), "username"),
        (
            json!({"username": "okname", "password": "short"}),
            "password",
        ),
        (
            json!({"username": "okname", "email": "not-an-email"}),
            "email",
        ),
    ] {
        let reply = app.post("/api/v1/accounts", &admin, body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert_eq!(reply.error_code(), "invalid");
        assert!(
            reply.body["message"]
                .as_str()
                .expect("message")
                .contains(field),
            "{}",
            reply.body
        );
    }
    let dup = app
        .post("/api/v1/accounts", &admin, json!({"username": "admin"}))
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.error_code(), "conflict");
}

#[tokio::test]
async fn repeated_failed_sign_ins_lock_the_account_out_for_a_while() {
    let app = TestApp::new().await;
    app.account("alice", false).await;
    app.account("bruno", false).await;
    let login = |username: &'static str, password: &'static str| {
        app.call(
            axum::http::Method::POST,
            "/api/v1/tokens",
            None,
            Some(json!({"username": username, "password": password})),
        )
    };
    for _ in 0..preau::services::throttle::MAX_FAILURES {
        assert_eq!(
            login("alice", "wrong guess!!").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = login("alice", "a long enough password").await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password"
    );
    assert_eq!(locked.error_code(), "too_many_requests");
    assert_eq!(
        login("bruno", "a long enough password").await.status,
        StatusCode::CREATED,
        "other accounts are not affected"
    );
}
