//! The federation story with three instances: follow, unfollow, refusal
//! of an unlisted instance, and peering approved by an admin.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::instances::{Instance, eventually};

#[tokio::test]
async fn a_person_on_b_follows_a_group_on_a_then_unfollows() {
    // A and B allow each other; C is allowed by nobody yet.
    let instances = Instance::several(&[&[1], &[0], &[]]).await;
    let (a, b) = (&instances[0], &instances[1]);
    let group = a.org("ecole-a", false).await;
    let (token, person) = b.person("ien.b").await;

    let followed = b.follow(&token, "ecole-a", a).await;
    assert_eq!(followed.status, StatusCode::ACCEPTED, "{}", followed.body);
    assert_eq!(followed.body["target"], group);

    eventually("A records the follower", || async {
        a.follow_state(&person, &group).await == Some(true)
    })
    .await;
    eventually("B receives the Accept", || async {
        b.follow_state(&person, &group).await == Some(true)
    })
    .await;

    // A's followers collection names the person from B.
    let followers = reqwest::Client::new()
        .get(a.url("/orgs/ecole-a/followers?page=0"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("followers");
    assert_eq!(
        followers.headers()["content-type"],
        "application/activity+json"
    );
    let page: serde_json::Value = followers.json().await.expect("json");
    assert_eq!(page["orderedItems"], json!([person]));
    assert_eq!(page["totalItems"], 1);

    // B keeps a copy of the remote group, with its origin.
    let mine = b.app.get("/api/v1/follows", Some(&token)).await;
    assert_eq!(mine.body, json!([{"target": group, "pending": false}]));
    assert_eq!(b.count("remote_orgs").await, 1);

    let unfollowed = b
        .app
        .call(
            Method::DELETE,
            &format!("/api/v1/follows?target={}", urlencode(&group)),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        unfollowed.status,
        StatusCode::NO_CONTENT,
        "{}",
        unfollowed.body
    );
    eventually("A removes the follower", || async {
        a.follow_state(&person, &group).await.is_none()
    })
    .await;
    assert_eq!(b.follow_state(&person, &group).await, None);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn an_unlisted_instance_is_refused_until_its_peering_is_accepted() {
    // A allows B only; C allows B only (it will add A when it asks to peer).
    let instances = Instance::several(&[&[1], &[0, 2], &[1]]).await;
    let (a, c) = (&instances[0], &instances[2]);
    let group = a.org("ecole-a", false).await;
    let (token, person) = c.person("ien.c").await;
    let admin_a = a.admin_token().await;
    let admin_c = c.admin_token().await;

    // C cannot even reach A: C's own policy refuses A before anything is sent.
    let refused = c.follow(&token, "ecole-a", a).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    // C's admin asks A to peer; C now allows A, A keeps the request pending.
    let asked = c
        .app
        .post(
            "/api/v1/admin/federation/peers",
            &admin_c,
            json!({"domain": a.domain}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.body);
    let c_actor = c.url("/actor");
    let a_actor = a.url("/actor");
    eventually("A records the peering request", || async {
        a.follow_state(&c_actor, &a_actor).await == Some(false)
    })
    .await;

    // Until A's admin accepts, C's people are refused by A with a 403 and
    // nothing of theirs is stored.
    let signer = c.signer("ien.c").await;
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": c.url("/activities/follow/1"),
        "type": "Follow",
        "actor": person,
        "object": group,
    });
    let status = super::instances::SignedPost::new(a.url("/inbox"), &follow)
        .send(&signer)
        .await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
    assert_eq!(a.count("remote_accounts").await, 0);
    assert_eq!(a.follow_state(&person, &group).await, None);

    let status_a = a.app.get("/api/v1/admin/federation", Some(&admin_a)).await;
    assert_eq!(status_a.body["peering_requests"], json!([c.domain]));

    let accepted = a
        .app
        .call(
            Method::POST,
            &format!(
                "/api/v1/admin/federation/peering-requests/{}/accept",
                c.domain
            ),
            Some(&admin_a),
            None,
        )
        .await;
    assert_eq!(accepted.status, StatusCode::NO_CONTENT, "{}", accepted.body);
    eventually("C learns that A accepted", || async {
        c.follow_state(&c_actor, &a_actor).await == Some(true)
    })
    .await;
    assert_eq!(a.follow_state(&c_actor, &a_actor).await, Some(true));
    let status_a = a.app.get("/api/v1/admin/federation", Some(&admin_a)).await;
    assert!(
        status_a.body["allowlist"]
            .as_array()
            .expect("list")
            .contains(&json!(c.domain)),
        "{}",
        status_a.body
    );
    assert_eq!(status_a.body["peers"][0]["incoming"], "accepted");

    // Now C's people can follow A's schools.
    let followed = c.follow(&token, "ecole-a", a).await;
    assert_eq!(followed.status, StatusCode::ACCEPTED, "{}", followed.body);
    eventually("A records C's follower", || async {
        a.follow_state(&person, &group).await == Some(true)
    })
    .await;
}

#[tokio::test]
async fn a_group_that_approves_followers_keeps_the_follow_pending() {
    let instances = Instance::several(&[&[1], &[0]]).await;
    let (a, b) = (&instances[0], &instances[1]);
    let group = a.org("college-b", true).await;
    let (token, person) = b.person("parent.b").await;
    let followed = b.follow(&token, "college-b", a).await;
    assert_eq!(followed.status, StatusCode::ACCEPTED);
    eventually("A records a pending follow", || async {
        a.follow_state(&person, &group).await == Some(false)
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        b.follow_state(&person, &group).await,
        Some(false),
        "no Accept was sent"
    );
}

#[tokio::test]
async fn redelivering_a_follow_has_one_effect() {
    let instances = Instance::several(&[&[1], &[0]]).await;
    let (a, b) = (&instances[0], &instances[1]);
    let group = a.org("ecole-a", false).await;
    let (_, person) = b.person("ien.b").await;
    let signer = b.signer("ien.b").await;
    let follow = json!({
        "id": b.url("/activities/follow/twice"),
        "type": "Follow",
        "actor": person,
        "object": group,
    });
    for _ in 0..5 {
        let status = super::instances::SignedPost::new(a.url("/inbox"), &follow)
            .send(&signer)
            .await;
        assert_eq!(status, reqwest::StatusCode::ACCEPTED);
    }
    assert_eq!(a.count("follows").await, 1);
    assert_eq!(a.count("received").await, 1);
}

#[tokio::test]
async fn an_accept_that_names_its_follow_by_id_is_understood() {
    let instances = Instance::several(&[&[1], &[0]]).await;
    let (a, b) = (&instances[0], &instances[1]);
    let group = a.org("college-b", true).await;
    let other = a.org("college-c", false).await;
    let (token, person) = b.person("parent.b").await;
    let followed = b.follow(&token, "college-b", a).await;
    assert_eq!(followed.status, StatusCode::ACCEPTED);
    eventually("A holds the follow for approval", || async {
        a.follow_state(&person, &group).await == Some(false)
    })
    .await;
    let follow_id = {
        let (p, g) = (person.clone(), group.clone());
        b.app
            .state
            .db
            .run(move |conn| {
                Ok::<_, preau::AppError>(preau::db::follows::get(conn, &p, &g)?.expect("row"))
            })
            .await
            .expect("row")
            .activity_ap_id
    };
    let accept = |actor: &str, n: u32| {
        json!({
            "id": a.url(&format!("/activities/accept/by-id-{n}")),
            "type": "Accept",
            "actor": actor,
            "object": follow_id,
        })
    };
    // Another group cannot answer for this one.
    let other_key = a.group_signer("college-c").await;
    let status = super::instances::SignedPost::new(b.url("/inbox"), &accept(&other, 1))
        .send(&other_key)
        .await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
    assert_eq!(b.follow_state(&person, &group).await, Some(false));

    let key = a.group_signer("college-b").await;
    let status = super::instances::SignedPost::new(b.url("/inbox"), &accept(&group, 2))
        .send(&key)
        .await;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED);
    assert_eq!(b.follow_state(&person, &group).await, Some(true));
}
