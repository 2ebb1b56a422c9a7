//! The audit log of admin actions, through `/api/v1/admin/audit`.

use axum::http::{Method, StatusCode};
use chrono::{TimeDelta, Utc};
use diesel::{ExpressionMethods, QueryDsl};
use preau::db::{Run, schema::audit_log};
use serde_json::{Value, json};

use crate::harness::TestApp;

/// The log's entries as (actor, action, target, detail), newest first.
async fn entries(app: &TestApp, token: &str, query: &str) -> Vec<(String, String, String, String)> {
    let reply = app
        .get(
            &format!("/api/v1/admin/audit?limit=200{query}"),
            Some(token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            let field = |name: &str| e[name].as_str().unwrap_or_default().to_string();
            (
                field("actor"),
                field("action"),
                field("target"),
                field("detail"),
            )
        })
        .collect()
}

fn entry(
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> (String, String, String, String) {
    (actor.into(), action.into(), target.into(), detail.into())
}

#[tokio::test]
async fn admin_actions_are_logged_with_who_what_and_when_and_nothing_else_is() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let teacher = app.account("prof", false).await;
    let before = entries(&app, &admin, "").await.len();
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
    app.delete("/api/v1/organisations/ecole-a/members/prof/teacher", &admin)
        .await
        .expect(StatusCode::NO_CONTENT);
    app.patch(
        "/api/v1/organisations/ecole-a",
        &admin,
        json!({"name": "École Anatole", "visibility": "instance"}),
    )
    .await
    .expect(StatusCode::OK);
    app.patch("/api/v1/accounts/prof", &admin, json!({"disabled": true}))
        .await
        .expect(StatusCode::OK);
    app.call(
        Method::PUT,
        "/api/v1/admin/federation/mode",
        Some(&admin),
        Some(json!({"mode": "closed"})),
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    app.post(
        "/api/v1/admin/federation/domains",
        &admin,
        json!({"domain": "Spam.Example.", "policy": "block", "note": "pourriels"}),
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    app.delete("/api/v1/admin/federation/domains/spam.example", &admin)
        .await
        .expect(StatusCode::NO_CONTENT);

    // Refused changes leave no entry: a role that does not exist, a
    // member's change of a right, a rule that was never set.
    app.post(
        "/api/v1/organisations/ecole-a/members",
        &admin,
        json!({"username": "admin", "role": "king"}),
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let other = app.account("other", false).await;
    app.patch("/api/v1/accounts/other", &other, json!({"is_admin": true}))
        .await
        .expect(StatusCode::FORBIDDEN);
    app.delete("/api/v1/admin/federation/domains/never.example", &admin)
        .await
        .expect(StatusCode::NOT_FOUND);
    // Someone changing their own profile is not an admin action.
    app.patch(
        "/api/v1/accounts/other",
        &other,
        json!({"display_name": "Autre personne"}),
    )
    .await
    .expect(StatusCode::OK);

    let log = entries(&app, &admin, "").await;
    // Creating `other` and its token, as the operator, came in between.
    let ours: Vec<_> = log.iter().filter(|e| e.0 == "admin").cloned().collect();
    assert_eq!(
        ours,
        vec![
            entry("admin", "federation_domain_removed", "spam.example", ""),
            entry(
                "admin",
                "federation_domain_set",
                "spam.example",
                "block: pourriels"
            ),
            entry("admin", "federation_mode", "closed", ""),
            entry("admin", "account_changed", "prof", "disabled=true"),
            entry(
                "admin",
                "organisation_changed",
                "ecole-a",
                "name, visibility=instance"
            ),
            entry("admin", "member_removed", "ecole-a", "prof: teacher"),
            entry("admin", "member_added", "ecole-a", "prof: teacher"),
            entry("admin", "organisation_created", "ecole-a", "kind=ecole"),
        ]
    );
    let by_operator: Vec<_> = log[..log.len() - before]
        .iter()
        .filter(|e| e.0 != "admin")
        .cloned()
        .collect();
    assert_eq!(
        by_operator,
        vec![
            entry("@operator", "token_issued", "other", "test"),
            entry("@operator", "account_created", "other", ""),
        ]
    );

    // One action's entries only; an unknown action is refused.
    let modes = entries(&app, &admin, "&action=federation_mode").await;
    assert_eq!(modes, vec![entry("admin", "federation_mode", "closed", "")]);
    let unknown = app
        .get("/api/v1/admin/audit?action=account_vanished", Some(&admin))
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.body
    );

    // Admins only.
    let refused = app.get("/api/v1/admin/audit", Some(&teacher)).await;
    assert!(
        matches!(
            refused.status,
            StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED
        ),
        "{}",
        refused.status
    );
    let refused = app.get("/api/v1/admin/audit", Some(&other)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
}

#[tokio::test]
async fn the_log_pages_newest_first_and_forgets_entries_after_a_year() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for mode in ["closed", "open", "allowlist"] {
        let reply = app
            .call(
                Method::PUT,
                "/api/v1/admin/federation/mode",
                Some(&admin),
                Some(json!({"mode": mode})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    }

    let first = app
        .get(
            "/api/v1/admin/audit?action=federation_mode&limit=2",
            Some(&admin),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let targets = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| e["target"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(targets(&first.body), ["allowlist", "open"]);
    let at = first.body["items"][0]["at"].as_str().expect("at");
    let at = chrono::DateTime::parse_from_rfc3339(at).expect("RFC 3339");
    assert!((Utc::now() - at.to_utc()).num_seconds().abs() < 60, "{at}");
    let cursor = first.body["next_cursor"].as_str().expect("a next page");
    let second = app
        .get(
            &format!("/api/v1/admin/audit?action=federation_mode&limit=2&cursor={cursor}"),
            Some(&admin),
        )
        .await;
    assert_eq!(targets(&second.body), ["closed"]);
    assert!(second.body["next_cursor"].is_null());

    // An entry older than a year goes with the next admin action; a
    // recent one stays.
    let mut conn = app.state.db.get().expect("connection");
    let now = preau::db::now();
    for (days, target) in [(400, "ancien"), (300, "récent")] {
        diesel::insert_into(audit_log::table)
            .values((
                audit_log::at.eq(now - TimeDelta::days(days)),
                audit_log::actor.eq("admin"),
                audit_log::action.eq("federation_mode"),
                audit_log::target.eq(target),
                audit_log::detail.eq(""),
            ))
            .exec(&mut conn)
            .expect("insert");
    }
    drop(conn);
    let targets_now = |log: Vec<(String, String, String, String)>| -> Vec<String> {
        log.into_iter().map(|e| e.2).collect()
    };
    let log = entries(&app, &admin, "&action=federation_mode").await;
    assert!(targets_now(log).contains(&"ancien".to_string()));
    let reply = app
        .call(
            Method::PUT,
            "/api/v1/admin/federation/mode",
            Some(&admin),
            Some(json!({"mode": "open"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let log = targets_now(entries(&app, &admin, "&action=federation_mode").await);
    assert!(!log.contains(&"ancien".to_string()), "{log:?}");
    assert!(log.contains(&"récent".to_string()), "{log:?}");
    let mut conn = app.state.db.get().expect("connection");
    let left: i64 = audit_log::table
        .filter(audit_log::target.eq("ancien"))
        .count()
        .fetch_one(&mut conn)
        .expect("count");
    assert_eq!(left, 0);
}
