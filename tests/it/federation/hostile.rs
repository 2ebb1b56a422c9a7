//! Hostile inboxes inputs (DESIGN §7): each is refused and leaves nothing
//! stored; then the same request made properly goes through, which shows
//! that the refusals were for the reason tested.

use preau::db::Run;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use rsa::RsaPrivateKey;
use serde_json::{Value, json};

use super::instances::{Instance, SignedPost, Signer, eventually};

fn follow(from: &Instance, actor: &str, object: &str, n: u32) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": from.url(&format!("/activities/follow/{n}")),
        "type": "Follow",
        "actor": actor,
        "object": object,
    })
}

#[tokio::test]
async fn forged_tampered_stale_and_misattributed_requests_are_refused_with_nothing_stored() {
    // A allows B; C is a third instance A does not know.
    let instances = Instance::several(&[&[1], &[0], &[]]).await;
    let (a, b, c) = (&instances[0], &instances[1], &instances[2]);
    let group = a.org("ecole-a", false).await;
    let other_group = c.org("ecole-c", false).await;
    let (_, mallory) = b.person("mallory").await;
    let (_, alice) = b.person("alice").await;
    let mallory_key = b.signer("mallory").await;
    let alice_key = b.signer("alice").await;
    let inbox = a.url("/inbox");
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };

    // Claims Mallory's key id, signs with another key.
    let forger = Signer {
        key_id: mallory_key.key_id.clone(),
        key: RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("key"),
    };
    let cases: Vec<(&str, SignedPost, &Signer, StatusCode)> = vec![
        (
            "forged signature",
            SignedPost::new(inbox.clone(), &follow(b, &mallory, &group, next())),
            &forger,
            StatusCode::UNAUTHORIZED,
        ),
        {
            let mut post = SignedPost::new(inbox.clone(), &follow(b, &mallory, &group, next()));
            post.sent_body = Some(follow(b, &mallory, &group, 999).to_string());
            (
                "body changed after signing",
                post,
                &mallory_key,
                StatusCode::UNAUTHORIZED,
            )
        },
        {
            let mut post = SignedPost::new(inbox.clone(), &follow(b, &mallory, &group, next()));
            post.headers = "(request-target) host date";
            (
                "Digest not signed",
                post,
                &mallory_key,
                StatusCode::UNAUTHORIZED,
            )
        },
        {
            let mut post = SignedPost::new(inbox.clone(), &follow(b, &mallory, &group, next()));
            post.date = SystemTime::now() - Duration::from_secs(3 * 3600);
            ("expired Date", post, &mallory_key, StatusCode::UNAUTHORIZED)
        },
        {
            let mut activity = follow(b, &mallory, &group, next());
            activity["id"] = json!(c.url("/activities/follow/elsewhere"));
            (
                "activity id on another domain than its actor",
                SignedPost::new(inbox.clone(), &activity),
                &mallory_key,
                StatusCode::BAD_REQUEST,
            )
        },
        (
            "keyId of one actor with another actor",
            SignedPost::new(inbox.clone(), &follow(b, &mallory, &group, next())),
            &alice_key,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "Follow of a group that lives on another instance",
            SignedPost::new(inbox.clone(), &follow(b, &mallory, &other_group, next())),
            &mallory_key,
            StatusCode::BAD_REQUEST,
        ),
        {
            // Mallory undoes a follow that claims to be Alice's.
            let undo = json!({
                "id": b.url("/activities/undo/1"),
                "type": "Undo",
                "actor": mallory,
                "object": follow(b, &alice, &group, next()),
            });
            (
                "Undo of an object that claims another origin",
                SignedPost::new(inbox.clone(), &undo),
                &mallory_key,
                StatusCode::FORBIDDEN,
            )
        },
        {
            let mut post = SignedPost::new(inbox.clone(), &follow(b, &mallory, &group, next()));
            post.host = Some("evil.example".into());
            (
                "Host that is not ours",
                post,
                &mallory_key,
                StatusCode::BAD_REQUEST,
            )
        },
        {
            let mut activity = follow(b, &mallory, &group, next());
            activity["id"] = json!(a.url("/activities/follow/spoof"));
            activity["actor"] = json!(a.url("/users/someone"));
            (
                "activity claiming to come from the receiving instance",
                SignedPost::new(inbox.clone(), &activity),
                &mallory_key,
                StatusCode::BAD_REQUEST,
            )
        },
    ];
    for (what, post, signer, expected) in cases {
        let status = post.send(signer).await;
        assert_eq!(status, expected, "{what}");
    }

    // Unsigned.
    let unsigned = reqwest::Client::new()
        .post(&inbox)
        .header("content-type", "application/activity+json")
        .body(follow(b, &mallory, &group, next()).to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);

    // Too big, with and without Content-Length; too deep.
    let mut big = follow(b, &mallory, &group, next());
    big["padding"] = json!("x".repeat(1024 * 1024 + 10));
    let status = SignedPost::new(inbox.clone(), &big)
        .send(&mallory_key)
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big
        .to_string()
        .into_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let chunked = reqwest::Client::new()
        .post(&inbox)
        .header("content-type", "application/activity+json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .expect("send");
    assert_eq!(chunked.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let mut deep = follow(b, &mallory, &group, next());
    let mut nested = json!("bottom");
    for _ in 0..200 {
        nested = json!([nested]);
    }
    deep["tag"] = nested;
    let status = SignedPost::new(inbox.clone(), &deep)
        .send(&mallory_key)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // From an instance A does not list: refused before anything is fetched.
    let (_, eve) = c.person("eve").await;
    let eve_key = c.signer("eve").await;
    let status = SignedPost::new(inbox.clone(), &follow(c, &eve, &group, next()))
        .send(&eve_key)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Nothing of any of it was stored.
    assert_eq!(a.count("follows").await, 0);
    assert_eq!(a.count("remote_accounts").await, 0);
    assert_eq!(a.count("received").await, 0);

    // The same request, made properly, is accepted: the refusals above were
    // for the reasons tested, not for a broken signer.
    let status = SignedPost::new(inbox.clone(), &follow(b, &mallory, &group, next()))
        .send(&mallory_key)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    eventually("the follow is stored", || async {
        a.follow_state(&mallory, &group).await == Some(true)
    })
    .await;
}

#[tokio::test]
async fn a_blocked_domain_is_refused_whatever_the_case_or_trailing_dot() {
    let instances = Instance::several(&[&[1], &[0]]).await;
    let (a, b) = (&instances[0], &instances[1]);
    let group = a.org("ecole-a", false).await;
    let (_, mallory) = b.person("mallory").await;
    let key = b.signer("mallory").await;
    let admin = a.admin_token().await;
    let blocked = a
        .app
        .post(
            "/api/v1/admin/federation/domains",
            &admin,
            json!({"domain": format!("LOCALHOST.:{}", b.domain.rsplit(':').next().expect("port")), "policy": "block"}),
        )
        .await;
    assert_eq!(
        blocked.status,
        axum::http::StatusCode::NO_CONTENT,
        "{}",
        blocked.body
    );
    let status = SignedPost::new(a.url("/inbox"), &follow(b, &mallory, &group, 1))
        .send(&key)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(a.count("remote_accounts").await, 0);

    let not_admin = b.person("nobody").await.0;
    let forbidden = a
        .app
        .post(
            "/api/v1/admin/federation/domains",
            &not_admin,
            json!({"domain": "x.example", "policy": "block"}),
        )
        .await;
    // `nobody` lives on B, so A does not know the token at all.
    assert_eq!(forbidden.status, axum::http::StatusCode::UNAUTHORIZED);
    let a_user = a.person("teacher").await.0;
    let forbidden = a
        .app
        .post(
            "/api/v1/admin/federation/domains",
            &a_user,
            json!({"domain": "x.example", "policy": "block"}),
        )
        .await;
    assert_eq!(forbidden.status, axum::http::StatusCode::FORBIDDEN);
}

/// Builds a served document from the URL it is served at.
type DocumentFor<'a> = dyn Fn(&str) -> Value + 'a;

/// A fake remote server, which A is told to allow, serving one actor
/// document as the test wants it (wrong id, wrong content type…).
async fn fake_actor_server(
    document: impl FnOnce(&str) -> Value,
    content_type: &'static str,
) -> (String, tokio::task::JoinHandle<()>) {
    let (listener, domain) = super::instances::listener().await;
    let body = document(&format!("http://{domain}/users/fake")).to_string();
    let app = axum::Router::new().route(
        "/users/fake",
        axum::routing::get(move || async move { ([("content-type", content_type)], body) }),
    );
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (domain, server)
}

#[tokio::test]
async fn fetched_actors_that_claim_another_origin_or_type_are_refused() {
    let instances = Instance::several(&[&[1], &[0]]).await;
    let (a, b) = (&instances[0], &instances[1]);
    let group = a.org("ecole-a", false).await;
    let (_, mallory) = b.person("mallory").await;
    let key = b.signer("mallory").await;
    let real: Value = reqwest::Client::new()
        .get(&mallory)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let admin = a.admin_token().await;

    let claims_mallory = |_: &str| real.clone();
    let own_id_wrong_type = |id: &str| {
        let mut doc = real.clone();
        doc["id"] = json!(id);
        doc
    };
    let cases: [(&DocumentFor<'_>, &'static str); 2] = [
        // Served by the fake server, but claiming to be Mallory on B.
        (&claims_mallory, "application/activity+json"),
        // Its own id, but served as a web page.
        (&own_id_wrong_type, "text/html"),
    ];
    for (document, content_type) in cases {
        let (domain, server) = fake_actor_server(document, content_type).await;
        let allowed = a
            .app
            .post(
                "/api/v1/admin/federation/domains",
                &admin,
                json!({"domain": domain, "policy": "allow"}),
            )
            .await;
        assert_eq!(allowed.status, axum::http::StatusCode::NO_CONTENT);
        let fake_id = format!("http://{domain}/users/fake");
        let activity = json!({
            "id": format!("http://{domain}/activities/1"),
            "type": "Follow",
            "actor": fake_id,
            "object": group,
        });
        let mut post = SignedPost::new(a.url("/inbox"), &activity);
        post.key_id = Some(format!("{fake_id}#main-key"));
        let status = post.send(&key).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type}");
        server.abort();
    }
    assert_eq!(a.count("remote_accounts").await, 0);
    assert_eq!(a.count("follows").await, 0);
}

#[tokio::test]
async fn a_rotated_key_is_fetched_again_once() {
    let instances = Instance::several(&[&[1], &[0]]).await;
    let (a, b) = (&instances[0], &instances[1]);
    let group = a.org("ecole-a", false).await;
    let (_, mallory) = b.person("mallory").await;
    let old_key = b.signer("mallory").await;
    let status = SignedPost::new(a.url("/inbox"), &follow(b, &mallory, &group, 1))
        .send(&old_key)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "A now stores the old key");

    // B rotates Mallory's key.
    let keys = activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
    let (public, private) = (keys.public_key.clone(), keys.private_key.clone());
    b.app
        .state
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            use preau::db::schema::accounts::dsl;
            diesel::update(dsl::accounts.filter(dsl::username.eq("mallory")))
                .set((dsl::public_key.eq(public), dsl::private_key.eq(private)))
                .exec(conn)?;
            Ok::<_, preau::AppError>(())
        })
        .await
        .expect("rotate");
    let new_key = b.signer("mallory").await;
    let status = SignedPost::new(a.url("/inbox"), &follow(b, &mallory, &group, 2))
        .send(&new_key)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "refetched and verified");
    let status = SignedPost::new(a.url("/inbox"), &follow(b, &mallory, &group, 3))
        .send(&old_key)
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old key no longer works"
    );
}

#[tokio::test]
async fn a_peer_that_floods_the_inbox_is_slowed_down() {
    let (la, da) = super::instances::listener().await;
    let (lb, db) = super::instances::listener().await;
    let (da2, db2) = (da.clone(), db.clone());
    let a = Instance::start(la, &da, move |s| {
        s.federation.allowlist = vec![db2];
        s.limits.inbox_per_domain_per_minute = 3;
    })
    .await;
    let b = Instance::start(lb, &db, move |s| s.federation.allowlist = vec![da2]).await;
    let group = a.org("ecole-a", true).await;
    let (_, mallory) = b.person("mallory").await;
    let key = b.signer("mallory").await;
    for n in 0..3 {
        let status = SignedPost::new(a.url("/inbox"), &follow(&b, &mallory, &group, n))
            .send(&key)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let status = SignedPost::new(a.url("/inbox"), &follow(&b, &mallory, &group, 9))
        .send(&key)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
