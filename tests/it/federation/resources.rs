//! Resources across instances: a follower instance lists what a school
//! shares, with its origin and versions; a mirroring instance keeps
//! checked copies and serves them with the origin stopped; a file whose
//! digest does not match is discarded.

use diesel::prelude::*;
use preau::db::Run;
use preau::db::schema::resource_files;
use serde_json::{Value, json};

use super::instances::{Instance, eventually};
use crate::resources::{PDF, meta, post_multipart};

async fn remote_resources(b: &Instance, token: &str) -> Vec<Value> {
    let reply = b
        .app
        .get("/api/v1/resources?origin=remote", Some(token))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn followers_list_remote_resources_and_a_mirror_survives_the_origin() {
    let mut instances = Instance::several(&[&[1], &[0]]).await;
    let (a_admin, b_token) = {
        let (a, b) = (&instances[0], &instances[1]);
        a.org("ecole-a", false).await;
        let admin = a.admin_token().await;
        let (b_token, _) = b.person("ien.b").await;
        let followed = b.follow(&b_token, "ecole-a", a).await;
        assert!(followed.status.is_success(), "{}", followed.body);
        let group = a.url("/orgs/ecole-a");
        let person = b.url("/users/ien.b");
        eventually("A accepts B's follow", || async {
            a.follow_state(&person, &group).await == Some(true)
        })
        .await;
        (admin, b_token)
    };
    let (a, b) = (&instances[0], &instances[1]);
    let shared = post_multipart(
        &a.app,
        "/api/v1/organisations/ecole-a/resources",
        &a_admin,
        &[
            meta(json!({"title": "Lecture suivie", "licence": "CC-BY-4.0",
                        "levels": ["cycle-2"], "subjects": ["français"], "tags": ["lecture"]})),
            ("file", Some("lecture.pdf"), "application/pdf", PDF.to_vec()),
            (
                "file",
                Some("notes.txt"),
                "text/plain",
                b"Notes de lecture".to_vec(),
            ),
        ],
    )
    .await;
    assert_eq!(shared.status, 201, "{}", shared.body);
    let key = shared.body["key"].as_str().expect("key").to_string();

    eventually("B lists A's resource", || async {
        remote_resources(b, &b_token).await.len() == 1
    })
    .await;
    // The Document as A serves it, parsed back.
    let served = reqwest::Client::new()
        .get(a.url(&format!("/resources/{key}")))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("document");
    assert_eq!(served.status(), 200);
    let text = served.text().await.expect("body");
    let doc: preau::federation::protocol::objects::ResourceDocument =
        serde_json::from_str(&text).expect("our own Document parses");
    assert_eq!(doc.license, "CC-BY-4.0");
    assert_eq!(doc.attachment.len(), 2);
    assert!(doc.attachment.iter().all(|f| f.digest_multibase.is_some()));
    super::protocol::example("document.json", &text, a);
    let listed = &remote_resources(b, &b_token).await[0];
    assert_eq!(listed["title"], "Lecture suivie");
    assert_eq!(listed["organisation"]["domain"], a.domain);
    assert_eq!(listed["licence"]["id"], "CC-BY-4.0");
    assert_eq!(listed["levels"], json!(["cycle-2"]));
    assert_eq!(listed["subjects"], json!(["francais"]));
    assert_eq!(listed["files"][0]["mirrored"], false);
    // Not mirrored: B sends the client to the origin.
    let b_url = listed["files"][0]["url"].as_str().expect("url").to_string();
    let b_path = b_url
        .trim_start_matches(&format!("http://{}", b.domain))
        .to_string();
    let redirect = b.app.get(&b_path, None).await;
    assert_eq!(redirect.status, 307);
    assert!(
        redirect.headers["location"]
            .to_str()
            .expect("location")
            .starts_with(&a.url(&format!("/resources/{key}/files/")))
    );

    // A new version reaches B.
    let v2 = post_multipart(
        &a.app,
        &format!("/api/v1/resources/{key}/versions"),
        &a_admin,
        &[meta(
            json!({"note": "Questions ajoutées", "title": "Lecture suivie (v2)"}),
        )],
    )
    .await;
    assert_eq!(v2.status, 201, "{}", v2.body);
    eventually("B has version 2", || async {
        remote_resources(b, &b_token).await[0]["version"] == 2
    })
    .await;
    let listed = &remote_resources(b, &b_token).await[0];
    assert_eq!(listed["title"], "Lecture suivie (v2)");
    assert_eq!(listed["versions"].as_array().map(Vec::len), Some(2));

    // B's admin mirrors A: B copies the files and checks their digests.
    let b_admin = b.admin_token().await;
    let on = b
        .app
        .call(
            axum::http::Method::PUT,
            &format!("/api/v1/admin/federation/mirrors/{}", a.domain),
            Some(&b_admin),
            None,
        )
        .await;
    assert_eq!(on.status, 204, "{}", on.body);
    eventually("B mirrors A's files", || async {
        remote_resources(b, &b_token).await[0]["files"]
            .as_array()
            .expect("files")
            .iter()
            .all(|f| f["mirrored"] == true)
    })
    .await;

    // With A stopped, B still serves the file, byte for byte.
    instances[0].stop().await;
    let b = &instances[1];
    let served = b.app.get(&b_path, None).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.body.as_str().map(str::as_bytes), Some(PDF));
    assert_eq!(served.headers["content-type"], "application/pdf");

    // Deletion reaches B once A is back.
    instances[0].restart().await;
    let (a, b) = (&instances[0], &instances[1]);
    let deleted = a
        .app
        .delete(&format!("/api/v1/resources/{key}"), &a_admin)
        .await;
    assert_eq!(deleted.status, 204);
    eventually("B drops the deleted resource", || async {
        remote_resources(b, &b_token).await.is_empty()
    })
    .await;
}

#[tokio::test]
async fn a_mirrored_file_with_the_wrong_digest_is_discarded() {
    let instances = Instance::several(&[&[1], &[0]]).await;
    let (a, b) = (&instances[0], &instances[1]);
    a.org("ecole-a", false).await;
    let a_admin = a.admin_token().await;
    let (b_token, _) = b.person("ien.b").await;
    assert!(b.follow(&b_token, "ecole-a", a).await.status.is_success());
    let (group, person) = (a.url("/orgs/ecole-a"), b.url("/users/ien.b"));
    eventually("A accepts B's follow", || async {
        a.follow_state(&person, &group).await == Some(true)
    })
    .await;
    let shared = post_multipart(
        &a.app,
        "/api/v1/organisations/ecole-a/resources",
        &a_admin,
        &[
            meta(json!({"title": "Fiche", "licence": "CC0-1.0"})),
            (
                "file",
                Some("fiche.txt"),
                "text/plain",
                b"Fiche authentique".to_vec(),
            ),
        ],
    )
    .await;
    assert_eq!(shared.status, 201);
    eventually("B lists the resource", || async {
        remote_resources(b, &b_token).await.len() == 1
    })
    .await;

    // What B was told the file is does not match what the origin serves.
    let forged = "ab".repeat(32);
    let set = forged.clone();
    b.app
        .state
        .db
        .run(move |conn| {
            diesel::update(resource_files::table)
                .set(resource_files::sha256.eq(set))
                .exec(conn)?;
            Ok::<_, preau::AppError>(())
        })
        .await
        .expect("forge");
    let report = preau::federation::mirror::mirror_domain(&b.app.state, &a.domain)
        .await
        .expect("mirror pass");
    assert_eq!((report.copied, report.mismatched), (0, 1), "{report:?}");
    assert_eq!(
        crate::resources::blobs(&b.app),
        0,
        "the download was discarded"
    );
    let listed = &remote_resources(b, &b_token).await[0];
    assert_eq!(listed["files"][0]["mirrored"], false);
    assert_eq!(listed["files"][0]["sha256"], forged);
}
