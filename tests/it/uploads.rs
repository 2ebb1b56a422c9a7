//! Files nobody uses are removed a day after their last claim; files that
//! an announcement or a resource refers to stay.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use chrono::TimeDelta;
use diesel::{ExpressionMethods, QueryDsl};
use preau::{
    db::{Run, schema::files},
    files::Stored,
    services::{
        Caller,
        resources::{self, ResourceMeta, UploadedFile},
        uploads::{self, UNUSED_KEPT_FOR},
    },
};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::harness::{Reply, TestApp};

async fn upload(app: &TestApp, token: &str, text: &str) -> String {
    let reply = app
        .send(
            Request::post("/api/v1/files")
                .header(header::HOST, "preau.test")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from(text.to_string()))
                .expect("request"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["sha256"].as_str().expect("sha256").to_string()
}

async fn publish_with(app: &TestApp, token: &str, sha256: &str) -> Reply {
    app.post(
        "/api/v1/organisations/ecole-a/announcements",
        token,
        json!({"title": "Sortie", "body": "Ci-joint le programme.",
               "attachments": [{"sha256": sha256, "name": "programme.txt"}]}),
    )
    .await
}

async fn served(app: &TestApp, sha256: &str) -> StatusCode {
    app.get(&format!("/files/{sha256}"), None).await.status
}

/// Shares a resource with one text file, as the admin; returns its sha256.
async fn share(app: &TestApp, text: &'static str) -> String {
    let stored = app
        .state
        .files
        .put_stream(
            futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(
                text.as_bytes(),
            ))]),
            "text/plain",
            10_000,
        )
        .await
        .expect("stored");
    let admin = app
        .state
        .db
        .run(|conn| {
            Ok::<_, preau::AppError>(
                preau::db::accounts::local_by_username(conn, "admin")?.expect("admin"),
            )
        })
        .await
        .expect("admin");
    resources::publish(
        &app.state,
        &Caller::Account(Box::new(admin.into())),
        "ecole-a",
        ResourceMeta {
            title: "Fiche de lecture".into(),
            licence: Some("CC-BY-4.0".into()),
            ..ResourceMeta::default()
        },
        vec![UploadedFile {
            name: "fiche.txt".into(),
            stored: stored.clone(),
        }],
    )
    .await
    .expect("shared");
    stored.sha256
}

/// Moves a file's last claim `days` into the past.
fn claimed_days_ago(app: &TestApp, sha256: &str, days: i64) {
    let mut conn = app.state.db.get().expect("connection");
    diesel::update(files::table.find(sha256))
        .set(files::claimed_at.eq(preau::db::now() - TimeDelta::days(days)))
        .exec(&mut conn)
        .expect("claimed earlier");
}

#[tokio::test]
async fn unused_files_go_a_day_after_their_last_claim_and_used_ones_stay() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let org = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "ecole-a", "name": "École A", "kind": "ecole"}),
        )
        .await;
    assert_eq!(org.status, StatusCode::CREATED, "{}", org.body);

    let attached = upload(&app, &admin, "Programme de la sortie").await;
    let abandoned = upload(&app, &admin, "Brouillon jamais envoyé").await;
    let again = upload(&app, &admin, "Envoyé deux fois").await;
    let published = publish_with(&app, &admin, &attached).await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.body);
    let shared = share(&app, "Fiche de lecture").await;

    // A day has not passed: nothing goes.
    assert_eq!(
        uploads::sweep(&app.state, UNUSED_KEPT_FOR)
            .await
            .expect("sweep"),
        0
    );
    // Two days later, the unused file goes, bytes and row; the attached
    // one stays, and so does one that was uploaded again since.
    for sha in [&attached, &abandoned, &again, &shared] {
        claimed_days_ago(&app, sha, 2);
    }
    assert_eq!(upload(&app, &admin, "Envoyé deux fois").await, again);
    assert_eq!(
        uploads::sweep(&app.state, UNUSED_KEPT_FOR)
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(served(&app, &abandoned).await, StatusCode::NOT_FOUND);
    assert!(!app.state.files.exists(&abandoned).await.expect("head"));
    assert_eq!(served(&app, &attached).await, StatusCode::OK);
    assert_eq!(served(&app, &again).await, StatusCode::OK);
    assert!(app.state.files.exists(&shared).await.expect("head"));

    // A reference to a removed file is refused, and creates nothing.
    let refused = publish_with(&app, &admin, &abandoned).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.body["refusal"], "refused.attachment_missing");

    // Once its announcement is deleted, the attachment is unused too.
    let key = published.body["key"].as_str().expect("key");
    let deleted = app
        .delete(&format!("/api/v1/announcements/{key}"), &admin)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_eq!(
        uploads::sweep(&app.state, TimeDelta::zero())
            .await
            .expect("sweep"),
        2,
        "the deleted announcement's attachment and the file sent twice"
    );
    assert_eq!(served(&app, &attached).await, StatusCode::NOT_FOUND);
    let mut conn = app.state.db.get().expect("connection");
    let left: Vec<String> = files::table
        .select(files::sha256)
        .fetch(&mut conn)
        .expect("files");
    assert_eq!(left, [shared], "the shared resource's file stays");
}

#[tokio::test]
async fn an_upload_whose_bytes_went_meanwhile_is_refused_to_be_sent_again() {
    let app = TestApp::new().await;
    // As if the removal of an unused copy of the same bytes had deleted
    // them between the upload's store and its claim: the row is claimed,
    // the bytes are not there.
    let bytes = b"Les memes octets";
    let stored = Stored {
        sha256: preau::files::hex(&Sha256::digest(bytes)),
        size: bytes.len() as u64,
        media_type: "text/plain".into(),
    };
    let refused = uploads::keep(&app.state, std::slice::from_ref(&stored))
        .await
        .expect_err("the bytes are gone");
    assert_eq!(refused.kind.status(), StatusCode::CONFLICT);
    // Sent again, it is stored and kept.
    let token = app.admin().await;
    let sha = upload(&app, &token, "Les memes octets").await;
    assert_eq!(sha, stored.sha256);
    uploads::keep(&app.state, &[stored])
        .await
        .expect("kept once the bytes are back");
}
