//! Durable delivery: peers that are down, fail, or a sender that crashes;
//! nothing is lost, nothing takes effect twice, order holds per domain.

use preau::db::Run;
use std::{
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex, atomic::Ordering},
};

use axum::{Json, Router, http::StatusCode, routing::get};
use diesel::prelude::*;
use preau::db::schema::{outbox, received_activities};
use rsa::{RsaPrivateKey, RsaPublicKey, pkcs8::EncodePublicKey};
use serde_json::{Value, json};

use super::instances::{Instance, SignedPost, Signer, eventually, listener};

/// A remote server we control: one actor, an inbox that records what it
/// gets, or answers 500 forever.
struct FakePeer {
    domain: String,
    actor: String,
    signer: Signer,
    received: Arc<Mutex<Vec<Value>>>,
    server: tokio::task::JoinHandle<()>,
}

impl FakePeer {
    async fn start(failing: bool) -> Self {
        Self::serving(failing, |document| document).await
    }

    /// A peer whose actor looks like a Mastodon account (from the fixture
    /// `federation-spec/examples/mastodon-person.json`).
    async fn mastodon() -> Self {
        Self::serving(false, |ours| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("federation-spec/examples/mastodon-person.json");
            let mut document: Value =
                serde_json::from_str(&std::fs::read_to_string(path).expect("fixture"))
                    .expect("json");
            for field in ["id", "inbox", "publicKey", "preferredUsername"] {
                document[field] = ours[field].clone();
            }
            document["endpoints"]["sharedInbox"] = ours["inbox"].clone();
            document
        })
        .await
    }

    async fn serving(failing: bool, shape: impl FnOnce(Value) -> Value) -> Self {
        let (listener, domain) = listener().await;
        let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("key");
        let pem = RsaPublicKey::from(&key)
            .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
            .expect("pem");
        let actor = format!("http://{domain}/users/peer");
        let document = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "type": "Person",
            "id": actor,
            "preferredUsername": "peer",
            "inbox": format!("http://{domain}/inbox"),
            "publicKey": {"id": format!("{actor}#main-key"), "owner": actor, "publicKeyPem": pem},
        });
        let document = shape(document);
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        let app = Router::new()
            .route(
                "/users/peer",
                get(move || {
                    let document = document.clone();
                    async move {
                        (
                            [("content-type", "application/activity+json")],
                            document.to_string(),
                        )
                    }
                }),
            )
            .route(
                "/inbox",
                axum::routing::post(move |Json(activity): Json<Value>| {
                    let store = store.clone();
                    async move {
                        if failing {
                            return StatusCode::INTERNAL_SERVER_ERROR;
                        }
                        store.lock().expect("lock").push(activity);
                        StatusCode::ACCEPTED
                    }
                }),
            );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            signer: Signer {
                key_id: format!("{actor}#main-key"),
                key,
            },
            domain,
            actor,
            received,
            server,
        }
    }

    /// Follows a group on an instance that allows this peer.
    async fn follow(&self, instance: &Instance, group: &str) {
        let follow = json!({
            "id": format!("http://{}/activities/follow/{}", self.domain, rand::random::<u32>()),
            "type": "Follow",
            "actor": self.actor,
            "object": group,
        });
        let status = SignedPost::new(instance.url("/inbox"), &follow)
            .send(&self.signer)
            .await;
        assert_eq!(status, reqwest::StatusCode::ACCEPTED);
    }

    fn updates(&self) -> Vec<String> {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .filter(|a| a["type"] == "Update")
            .filter_map(|a| a["id"].as_str().map(str::to_string))
            .collect()
    }
}

impl Drop for FakePeer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Makes `count` profile changes of a group, each one an `Update` for its
/// followers; returns nothing, the outbox holds them.
async fn publish(instance: &Instance, admin: &str, slug: &str, count: usize) {
    for i in 0..count {
        let reply = instance
            .app
            .patch(
                &format!("/api/v1/organisations/{slug}"),
                admin,
                json!({"description": format!("version {i}")}),
            )
            .await;
        assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.body);
    }
}

/// Activity ids waiting in an instance's outbox for a domain, oldest first.
async fn queued_for(instance: &Instance, domain: &str) -> Vec<String> {
    let domain = domain.to_string();
    instance
        .app
        .state
        .db
        .run(move |conn| {
            Ok::<_, preau::AppError>(
                outbox::table
                    .filter(outbox::domain.eq(domain))
                    .order(outbox::id.asc())
                    .select(outbox::activity_id)
                    .fetch::<String>(conn)?,
            )
        })
        .await
        .expect("outbox")
}

/// Update ids an instance processed, in the order it processed them.
async fn processed_updates(instance: &Instance) -> Vec<String> {
    instance
        .app
        .state
        .db
        .run(|conn| {
            Ok::<_, preau::AppError>(
                received_activities::table
                    .filter(received_activities::ap_id.like("%/activities/update/%"))
                    .order(received_activities::received_at.asc())
                    .select(received_activities::ap_id)
                    .fetch::<String>(conn)?,
            )
        })
        .await
        .expect("received")
}

#[tokio::test]
async fn a_peer_that_was_down_receives_everything_once_and_in_order() {
    let mut instances = Instance::several(&[&[1], &[0]]).await;
    let admin = instances[0].admin_token().await;
    let group = instances[0].org("ecole-a", false).await;
    let (token, person) = instances[1].person("ien.b").await;
    let reply = instances[1].follow(&token, "ecole-a", &instances[0]).await;
    assert_eq!(reply.status, axum::http::StatusCode::ACCEPTED);
    eventually("the follow is accepted", || async {
        instances[1].follow_state(&person, &group).await == Some(true)
    })
    .await;

    instances[1].stop().await;
    let b_domain = instances[1].domain.clone();
    publish(&instances[0], &admin, "ecole-a", 50).await;
    let a = &instances[0];
    eventually("A has tried B and backed off", || async {
        let domain = b_domain.clone();
        let lane = a
            .app
            .state
            .db
            .run(move |conn| Ok::<_, preau::AppError>(preau::db::outbox::lane(conn, &domain)?))
            .await
            .expect("lane");
        lane.is_some_and(|l| l.failures >= 2 && l.last_error.is_some())
    })
    .await;
    let expected = queued_for(&instances[0], &b_domain).await;
    assert_eq!(expected.len(), 50, "all 50 wait in the outbox");

    instances[1].restart().await;
    let b = &instances[1];
    eventually("B processed the 50 updates", || async {
        processed_updates(b).await.len() == 50
    })
    .await;
    assert_eq!(processed_updates(b).await, expected, "once each, in order");
    let a = &instances[0];
    eventually("A's outbox is empty", || async {
        queued_for(a, &b_domain).await.is_empty()
    })
    .await;
    // B's copy of the group is the last version.
    let description = b
        .app
        .state
        .db
        .run(move |conn| {
            use preau::db::schema::organisations::dsl;
            Ok::<_, preau::AppError>(
                dsl::organisations
                    .filter(dsl::ap_id.eq(group))
                    .select(dsl::description)
                    .fetch_first::<String>(conn)?,
            )
        })
        .await
        .expect("copy");
    assert_eq!(description, "version 49");
}

#[tokio::test]
async fn a_peer_that_fails_forever_is_backed_off_and_delays_no_one() {
    let instances = Instance::several(&[&[]]).await;
    let a = &instances[0];
    let failing = FakePeer::start(true).await;
    let healthy = FakePeer::start(false).await;
    let admin = a.admin_token().await;
    for peer in [&failing, &healthy] {
        let allowed = a
            .app
            .post(
                "/api/v1/admin/federation/domains",
                &admin,
                json!({"domain": peer.domain, "policy": "allow"}),
            )
            .await;
        assert_eq!(allowed.status, axum::http::StatusCode::NO_CONTENT);
    }
    let group = a.org("ecole-a", false).await;
    failing.follow(a, &group).await;
    healthy.follow(a, &group).await;

    publish(a, &admin, "ecole-a", 10).await;
    eventually("the healthy peer got all 10 updates", || async {
        healthy.updates().len() == 10
    })
    .await;
    let failing_domain = failing.domain.clone();
    let lane = a
        .app
        .state
        .db
        .run(move |conn| Ok::<_, preau::AppError>(preau::db::outbox::lane(conn, &failing_domain)?))
        .await
        .expect("lane")
        .expect("a lane for the failing peer");
    assert!(lane.failures >= 1, "{lane:?}");
    assert!(
        lane.last_error.as_deref().unwrap_or("").contains("500"),
        "{lane:?}"
    );
    assert!(lane.next_attempt_at > preau::db::now() - chrono::TimeDelta::seconds(1));
    assert_eq!(
        queued_for(a, &failing.domain).await.len(),
        11,
        "the Accept and the 10 updates wait, in order"
    );

    // Admins see it in the metrics and the status.
    let metrics = a.metrics().await;
    assert!(
        metrics.contains(&format!(
            "preau_outbox_pending{{domain=\"{}\"}} 11",
            failing.domain
        )),
        "{metrics}"
    );
    assert!(metrics.contains("preau_delivery_failures_total"));
    // The two follows were accepted by the inbox and timed.
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing: {metrics}"))
    };
    assert!(value("preau_inbox_accepted_total") >= 2.0, "{metrics}");
    assert!(
        value("preau_inbox_latency_seconds_count") >= 2.0,
        "{metrics}"
    );
    let status = a
        .app
        .get("/api/v1/admin/federation/deliveries", Some(&admin))
        .await;
    assert_eq!(status.status, axum::http::StatusCode::OK, "{}", status.body);
    let lanes = status.body.as_array().expect("lanes");
    let entry = lanes
        .iter()
        .find(|l| l["domain"] == failing.domain)
        .expect("failing lane listed");
    assert_eq!(entry["pending"], 11);
    assert_eq!(entry["dead"], false);
    assert!(entry["last_error"].as_str().expect("error").contains("500"));
}

#[tokio::test]
async fn an_activity_undeliverable_past_the_retry_window_is_given_up_and_reported() {
    let (listener, domain) = listener().await;
    let a = Instance::start(listener, &domain, |s| {
        s.federation.mode = preau::config::FederationMode::Open;
        // A two-second window stands for the fourteen days.
        s.delivery.give_up_after_days = 2.0 / 86_400.0;
    })
    .await;
    let failing = FakePeer::start(true).await;
    let group = a.org("ecole-a", false).await;
    failing.follow(&a, &group).await;
    let admin = a.admin_token().await;
    publish(&a, &admin, "ecole-a", 3).await;
    let lanes = || async {
        a.app
            .get("/api/v1/admin/federation/deliveries", Some(&admin))
            .await
            .body
    };
    eventually("the activities are given up", || async {
        let body = lanes().await;
        body[0]["given_up"] == 4 && body[0]["pending"] == 0
    })
    .await;
    let body = lanes().await;
    assert_eq!(body[0]["domain"], failing.domain);
    assert!(
        body[0]["last_error"]
            .as_str()
            .expect("error")
            .contains("500")
    );
    let metrics = a.metrics().await;
    assert!(
        metrics.contains(&format!(
            "preau_outbox_given_up{{domain=\"{}\"}} 4",
            failing.domain
        )),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_mastodon_account_follows_a_school_and_gets_its_updates() {
    let (listener, domain) = listener().await;
    let a = Instance::start(listener, &domain, |s| {
        s.federation.mode = preau::config::FederationMode::Open;
    })
    .await;
    let mastodon = FakePeer::mastodon().await;
    let group = a.org("ecole-jules-verne", false).await;
    mastodon.follow(&a, &group).await;
    eventually("the Mastodon account is a follower", || async {
        a.follow_state(&mastodon.actor, &group).await == Some(true)
    })
    .await;
    let admin = a.admin_token().await;
    publish(&a, &admin, "ecole-jules-verne", 1).await;
    eventually("Mastodon got the Accept and the Update", || async {
        let received = mastodon.received.lock().expect("lock").clone();
        received.iter().any(|a| a["type"] == "Accept")
            && received.iter().any(|a| a["type"] == "Update")
    })
    .await;
    let received = mastodon.received.lock().expect("lock").clone();
    let accept = received
        .iter()
        .find(|a| a["type"] == "Accept")
        .expect("accept");
    assert_eq!(accept["actor"], group);
    assert_eq!(accept["object"]["type"], "Follow");
    assert_eq!(accept["object"]["actor"], mastodon.actor);
}

#[tokio::test]
async fn a_delete_that_arrives_first_leaves_a_tombstone_the_object_cannot_pass() {
    let instances = Instance::several(&[&[1], &[0]]).await;
    let (a, b) = (&instances[0], &instances[1]);
    let group = a.org("ecole-fermee", false).await;
    let key = a.group_signer("ecole-fermee").await;
    let delete = json!({
        "id": a.url("/activities/delete/1"),
        "type": "Delete",
        "actor": group,
        "object": {"id": group, "type": "Tombstone"},
    });
    for _ in 0..5 {
        let status = SignedPost::new(b.url("/inbox"), &delete).send(&key).await;
        assert_eq!(status, reqwest::StatusCode::ACCEPTED);
    }
    assert_eq!(
        b.count("tombstones").await,
        1,
        "five deliveries, one effect"
    );

    // The group's profile arrives after its deletion: it does not come back.
    let document: Value = reqwest::Client::new()
        .get(&group)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let update = json!({
        "id": a.url("/activities/update/late"),
        "type": "Update",
        "actor": group,
        "object": document,
    });
    let status = SignedPost::new(b.url("/inbox"), &update).send(&key).await;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED);
    assert_eq!(b.count("remote_orgs").await, 0);

    // Nor can B's people follow it.
    let (token, _) = b.person("ien.b").await;
    let refused = b.follow(&token, "ecole-fermee", a).await;
    assert!(refused.status.is_client_error(), "{}", refused.body);
    assert_eq!(b.count("remote_orgs").await, 0);

    // Someone else's Delete of it would have been refused.
    let (_, mallory) = b.person("mallory").await;
    let spoof = json!({
        "id": b.url("/activities/delete/spoof"),
        "type": "Delete",
        "actor": mallory,
        "object": a.url("/orgs/other"),
    });
    let mallory_key = b.signer("mallory").await;
    let status = SignedPost::new(a.url("/inbox"), &spoof)
        .send(&mallory_key)
        .await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
    assert_eq!(a.count("tombstones").await, 0);
}

#[tokio::test]
async fn a_deleted_person_leaves_no_read_receipt_behind() {
    use preau::db::schema::{acknowledgements, announcements};

    let instances = Instance::several(&[&[1], &[0]]).await;
    let (a, b) = (&instances[0], &instances[1]);
    b.org("ecole-b", false).await;
    let admin = b.admin_token().await;
    b.app
        .post(
            "/api/v1/organisations/ecole-b/announcements",
            &admin,
            json!({"title": "Conseil d'école", "body": "Mardi.", "ack_requested": true}),
        )
        .await
        .expect(axum::http::StatusCode::CREATED);
    // A's person has read it: B holds the receipt of their `Read`.
    let (_, reader) = a.person("lecteur").await;
    let (r, domain) = (reader.clone(), a.domain.clone());
    b.app
        .state
        .db
        .run(move |conn| {
            let announcement: i64 = announcements::table
                .select(announcements::id)
                .fetch_first(conn)?;
            diesel::insert_into(acknowledgements::table)
                .values((
                    acknowledgements::announcement_id.eq(announcement),
                    acknowledgements::reader_ap_id.eq(r),
                    acknowledgements::reader_domain.eq(domain),
                    acknowledgements::read_at.eq(preau::db::now()),
                ))
                .exec(conn)?;
            Ok::<_, preau::AppError>(())
        })
        .await
        .expect("receipt");
    assert_eq!(b.count("acknowledgements").await, 1);

    // The person's account is deleted at home: B forgets what they read.
    let delete = json!({
        "id": a.url("/activities/delete/lecteur"),
        "type": "Delete",
        "actor": reader,
        "object": reader,
    });
    let key = a.signer("lecteur").await;
    let status = SignedPost::new(b.url("/inbox"), &delete).send(&key).await;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED);
    assert_eq!(b.count("acknowledgements").await, 0);
    assert_eq!(b.count("announcements").await, 1, "the announcement stays");
}

#[tokio::test]
async fn a_deleted_account_is_forgotten_by_the_instances_that_knew_it() {
    let instances = Instance::several(&[&[1], &[0]]).await;
    let (a, b) = (&instances[0], &instances[1]);
    let group = b.org("ecole-b", false).await;
    let (token, person) = a.person("partant").await;
    let reply = a.follow(&token, "ecole-b", b).await;
    assert_eq!(reply.status, axum::http::StatusCode::ACCEPTED);
    eventually("B has the follow", || async {
        b.follow_state(&person, &group).await == Some(true)
    })
    .await;

    let admin = a.admin_token().await;
    a.app
        .delete("/api/v1/accounts/partant", &admin)
        .await
        .expect(axum::http::StatusCode::NO_CONTENT);
    assert_eq!(a.follow_state(&person, &group).await, None);
    let gone = reqwest::Client::new()
        .get(&person)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("get");
    assert_eq!(gone.status(), reqwest::StatusCode::NOT_FOUND);
    eventually("B got the Delete, from A's instance actor", || async {
        b.follow_state(&person, &group).await.is_none() && b.count("tombstones").await == 1
    })
    .await;
}

const BIN: &str = env!("CARGO_BIN_EXE_preau");

/// `preau` as a separate process on an instance's data, for crash tests.
fn preau_process(dir: &std::path::Path, db_url: &str, domain: &str, allow: &str) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PREAU_DATABASE_URL", db_url)
        .env("PREAU_DATA_DIR", dir.join("data"))
        .env("PREAU_DOMAIN", domain)
        .env("PREAU_BIND", domain.replace("localhost", "127.0.0.1"))
        .env("PREAU_FEDERATION_DEBUG", "true")
        .env("PREAU_FEDERATION_ALLOWLIST", allow)
        .env("PREAU_DELIVERY_RETRY_BASE_SECS", "0.1")
        .env("PREAU_DELIVERY_RETRY_MAX_SECS", "0.5")
        .env("PREAU_DELIVERY_POLL_INTERVAL_MS", "50")
        .env("PREAU_DELIVERY_LEASE_SECS", "2")
        .stdout(Stdio::null())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open("/tmp/a-serve3.log")
                .expect("log"),
        );
    command
}

fn run_ok(mut command: Command, stdin: &str) -> String {
    use std::io::Write;
    command.stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut child = command.spawn().expect("run preau");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "preau failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_ready(domain: &str) {
    let url = format!("http://{domain}/readyz");
    eventually("the child instance is ready", || async {
        reqwest::get(&url)
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
}

#[tokio::test]
async fn a_sender_killed_while_delivering_loses_nothing_after_restart() {
    // A runs as a real process; B (in this process) follows its group.
    let (a_listener, a_domain) = listener().await;
    drop(a_listener);
    let (b_listener, b_domain) = listener().await;
    let a_domain_for = a_domain.clone();
    let b = Instance::start(b_listener, &b_domain, move |s| {
        s.federation.allowlist = vec![a_domain_for];
    })
    .await;
    let a_db = crate::harness::TestDb::new();
    let dir = a_db.dir.path().to_path_buf();
    let proc = |args: &[&str]| {
        let mut c = preau_process(&dir, &a_db.url, &a_domain, &b_domain);
        c.args(args);
        c
    };
    run_ok(
        proc(&["admin", "create-admin", "--username", "admin"]),
        "a long enough password\n",
    );
    let admin = run_ok(proc(&["admin", "token", "--username", "admin"]), "");
    run_ok(
        proc(&[
            "admin",
            "create-org",
            "--slug",
            "ecole-a",
            "--name",
            "École A",
            "--kind",
            "ecole",
        ]),
        "",
    );
    let mut a = Killed(proc(&["serve"]).spawn().expect("start A"));
    wait_ready(&a_domain).await;

    let (token, person) = b.person("ien.b").await;
    let group = format!("http://{a_domain}/orgs/ecole-a");
    let reply = b
        .app
        .post(
            "/api/v1/follows",
            &token,
            json!({"target": format!("ecole-a@{a_domain}")}),
        )
        .await;
    assert_eq!(
        reply.status,
        axum::http::StatusCode::ACCEPTED,
        "{}",
        reply.body
    );
    eventually("the follow is accepted", || async {
        b.follow_state(&person, &group).await == Some(true)
    })
    .await;

    // B's inbox is slow, so that A is still delivering when it is killed.
    b.inbox_delay_ms.store(15, Ordering::Relaxed);
    let client = reqwest::Client::new();
    for i in 0..200 {
        let status = client
            .patch(format!("http://{a_domain}/api/v1/organisations/ecole-a"))
            .bearer_auth(&admin)
            .json(&json!({"description": format!("version {i}")}))
            .send()
            .await
            .expect("patch")
            .status();
        assert_eq!(status, reqwest::StatusCode::OK);
    }
    eventually("B has received some updates", || async {
        processed_updates(&b).await.len() >= 20
    })
    .await;
    a.0.kill().expect("SIGKILL");
    a.0.wait().expect("reaped");
    let at_kill = processed_updates(&b).await.len();
    assert!(
        at_kill < 200,
        "A was killed mid-delivery ({at_kill} delivered)"
    );

    b.inbox_delay_ms.store(0, Ordering::Relaxed);
    let _restarted = Killed(proc(&["serve"]).spawn().expect("restart A"));
    wait_ready(&a_domain).await;
    let b_ref = &b;
    eventually("B has all 200 updates", || async {
        processed_updates(b_ref).await.len() == 200
    })
    .await;
    let ids = processed_updates(&b).await;
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 200, "each update took effect once");
}

#[tokio::test]
async fn two_processes_on_one_postgresql_database_share_the_work_without_duplicates() {
    let db = crate::harness::TestDb::new();
    if !db.is_postgres() {
        eprintln!("skipped on SQLite: several processes share one database on PostgreSQL only");
        return;
    }
    let sink = FakePeer::start(false).await;
    let (first, domain) = listener().await;
    let (second, second_addr) = listener().await;
    drop((first, second));
    let dir = db.dir.path().to_path_buf();
    let proc = |bind: &str, args: &[&str]| {
        let mut c = preau_process(&dir, &db.url, &domain, &sink.domain);
        c.env("PREAU_BIND", bind.replace("localhost", "127.0.0.1"));
        c.args(args);
        c
    };
    run_ok(
        proc(&domain, &["admin", "create-admin", "--username", "admin"]),
        "a long enough password\n",
    );
    let admin = run_ok(
        proc(&domain, &["admin", "token", "--username", "admin"]),
        "",
    );
    run_ok(
        proc(
            &domain,
            &[
                "admin",
                "create-org",
                "--slug",
                "ecole-a",
                "--name",
                "École A",
                "--kind",
                "ecole",
            ],
        ),
        "",
    );
    let _one = Killed(proc(&domain, &["serve"]).spawn().expect("first process"));
    let _two = Killed(
        proc(&second_addr, &["serve"])
            .spawn()
            .expect("second process"),
    );
    wait_ready(&domain).await;
    wait_ready(&second_addr).await;

    let group = format!("http://{domain}/orgs/ecole-a");
    let follow = json!({
        "id": format!("http://{}/activities/follow/1", sink.domain),
        "type": "Follow",
        "actor": sink.actor,
        "object": group,
    });
    let status = SignedPost::new(format!("http://{domain}/inbox"), &follow)
        .send(&sink.signer)
        .await;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED);

    // 1,000 changes, half through each process, as a load balancer would.
    let client = reqwest::Client::new();
    for i in 0..1000 {
        let base = if i % 2 == 0 { &domain } else { &second_addr };
        let status = client
            .patch(format!("http://{base}/api/v1/organisations/ecole-a"))
            .bearer_auth(&admin)
            .json(&json!({"description": format!("version {i}")}))
            .send()
            .await
            .expect("patch")
            .status();
        assert_eq!(status, reqwest::StatusCode::OK);
    }
    let sink_ref = &sink;
    eventually("the sink received 1,000 updates", || async {
        sink_ref.updates().len() >= 1000
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let ids = sink.updates();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 1000, "nothing lost");
    assert_eq!(ids.len(), 1000, "nothing sent twice");
}
