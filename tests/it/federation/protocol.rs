//! Discovery and documents as other servers see them: WebFinger, NodeInfo,
//! actors by content negotiation, collections, lazy keys, and the examples
//! of `federation-spec/` parsed by our own wire types.

use preau::db::Run;
use std::path::Path;

use preau::federation::protocol::{
    activities::{
        announce::Announce,
        create_or_update::CreateOrUpdateArticle,
        deletion::Delete,
        following::{Accept, Follow, UndoFollow},
        reading::Read,
    },
    actors::{Application, Group, Person},
    collections::{DirectoryPage, OrderedCollection, OrderedCollectionPage},
    objects::{Article, ResourceDocument},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::instances::Instance;

async fn get(url: &str, accept: &str) -> (StatusCode, String, String) {
    let response = reqwest::Client::new()
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .expect("get");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|c| c.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, content_type, response.text().await.expect("body"))
}

/// Writes a served document to `federation-spec/examples/` when
/// `PREAU_WRITE_EXAMPLES=1`, with the test ports replaced by stable names.
pub(super) fn example(name: &str, body: &str, instance: &Instance) {
    if std::env::var("PREAU_WRITE_EXAMPLES").as_deref() != Ok("1") {
        return;
    }
    let text = body.replace(
        &format!("http://{}", instance.domain),
        "https://ent.circo-nantes.example",
    );
    let text = text.replace(&instance.domain, "ent.circo-nantes.example");
    let value: Value = serde_json::from_str(&text).expect("json");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("federation-spec/examples")
        .join(name);
    std::fs::write(
        path,
        serde_json::to_string_pretty(&value).expect("pretty") + "\n",
    )
    .expect("write example");
}

#[tokio::test]
async fn webfinger_nodeinfo_and_actors_answer_as_other_servers_expect() {
    let mut instances = Instance::several(&[&[]]).await;
    let a = &mut instances[0];
    let group = a.org("ecole-jules-verne", false).await;
    let (_, person) = a.person("claire.martin").await;

    for (resource, expected) in [
        (
            format!("acct:ecole-jules-verne@{}", a.domain),
            group.clone(),
        ),
        (format!("acct:claire.martin@{}", a.domain), person.clone()),
        (format!("acct:instance@{}", a.domain), a.url("/actor")),
        (group.clone(), group.clone()),
    ] {
        let (status, content_type, body) = get(
            &a.url(&format!("/.well-known/webfinger?resource={resource}")),
            "application/jrd+json",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{resource}");
        assert_eq!(content_type, "application/jrd+json");
        let jrd: Value = serde_json::from_str(&body).expect("json");
        let selfs: Vec<&Value> = jrd["links"]
            .as_array()
            .expect("links")
            .iter()
            .filter(|l| l["rel"] == "self")
            .collect();
        assert_eq!(selfs[0]["href"], expected, "{resource}");
        assert_eq!(selfs[0]["type"], "application/activity+json");
        if resource.starts_with("acct:ecole") {
            example("webfinger.json", &body, a);
        }
    }
    for missing in [
        format!("acct:nobody@{}", a.domain),
        "acct:ecole-jules-verne@other.example".to_string(),
    ] {
        let (status, _, _) = get(
            &a.url(&format!("/.well-known/webfinger?resource={missing}")),
            "application/jrd+json",
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }

    let (status, _, body) = get(&a.url("/.well-known/nodeinfo"), "application/json").await;
    assert_eq!(status, StatusCode::OK);
    let links: Value = serde_json::from_str(&body).expect("json");
    let href = links["links"][0]["href"]
        .as_str()
        .expect("href")
        .to_string();
    let (status, content_type, body) = get(&href, "application/json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("nodeinfo.diaspora.software/ns/schema/2.1"));
    let nodeinfo: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(nodeinfo["software"]["name"], "preau");
    assert_eq!(nodeinfo["protocols"], json!(["activitypub"]));
    assert_eq!(nodeinfo["usage"]["users"]["total"], 1);
    example("nodeinfo.json", &body, a);

    for accept in [
        "application/activity+json",
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
    ] {
        let (status, content_type, body) = get(&group, accept).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, "application/activity+json");
        let doc: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(doc["type"], "Group");
        assert_eq!(doc["id"], group);
        assert_eq!(doc["preferredUsername"], "ecole-jules-verne");
        assert_eq!(doc["preau:kind"], "ecole");
        assert_eq!(doc["inbox"], format!("{group}/inbox"));
        assert_eq!(doc["endpoints"]["sharedInbox"], a.url("/inbox"));
        assert_eq!(doc["publicKey"]["id"], format!("{group}#main-key"));
        assert_eq!(doc["publicKey"]["owner"], group);
        assert!(
            doc["publicKey"]["publicKeyPem"]
                .as_str()
                .expect("pem")
                .starts_with("-----BEGIN PUBLIC KEY-----")
        );
        assert_eq!(
            doc["summary"], "<p>Une école &lt;b&gt;publique&lt;/b&gt;</p>",
            "plain text is escaped into HTML"
        );
        serde_json::from_value::<Group>(doc).expect("our own Group parses");
        example("group.json", &body, a);
    }
    let (status, content_type, body) = get(&group, "text/html,application/xhtml+xml").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"));
    assert!(body.contains("École ecole-jules-verne"));
    assert!(!body.contains("<b>publique</b>"), "escaped in HTML");

    let (_, _, body) = get(&person, "application/activity+json").await;
    let doc: Person = serde_json::from_str(&body).expect("person");
    assert_eq!(doc.preferred_username, "claire.martin");
    example("person.json", &body, a);
    let (_, _, body) = get(&a.url("/actor"), "application/activity+json").await;
    let doc: Application = serde_json::from_str(&body).expect("application");
    assert_eq!(doc.preferred_username, "instance");
    example("application.json", &body, a);

    let (status, _, body) = get(&format!("{group}/followers"), "application/activity+json").await;
    assert_eq!(status, StatusCode::OK);
    let collection: OrderedCollection = serde_json::from_str(&body).expect("collection");
    assert_eq!(collection.total_items, 0);
    example("followers.json", &body, a);
    let (_, _, body) = get(
        &format!("{group}/outbox?page=0"),
        "application/activity+json",
    )
    .await;
    let page: OrderedCollectionPage = serde_json::from_str(&body).expect("page");
    assert!(page.ordered_items.is_empty());
    let (status, _, body) = get(&a.url("/directory"), "application/activity+json").await;
    assert_eq!(status, StatusCode::OK);
    let directory: OrderedCollection = serde_json::from_str(&body).expect("directory");
    assert_eq!(directory.total_items, 1);
    example("directory.json", &body, a);
    let first = directory.first.expect("first page");
    let (_, _, body) = get(first.as_str(), "application/activity+json").await;
    let page: DirectoryPage = serde_json::from_str(&body).expect("directory page");
    assert_eq!(page.ordered_items[0].id.as_str(), group);
    assert_eq!(page.ordered_items[0].visibility.as_deref(), Some("public"));
    assert!(page.next.is_none());
    example("directory-page.json", &body, a);

    let (status, _, _) = get(&format!("{group}/nothing"), "application/activity+json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(&a.url("/orgs/missing"), "application/activity+json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    a.stop().await;
}

#[tokio::test]
async fn keys_are_made_when_an_actor_is_first_served_not_when_it_is_created() {
    let instances = Instance::several(&[&[]]).await;
    let a = &instances[0];
    for i in 0..20 {
        a.org(&format!("ecole-{i}"), false).await;
    }
    let keyed = || async {
        a.app
            .state
            .db
            .run(|conn| {
                use diesel::prelude::*;
                use preau::db::schema::organisations::dsl;
                Ok::<i64, preau::AppError>(
                    dsl::organisations
                        .filter(dsl::private_key.is_not_null())
                        .count()
                        .fetch_one(conn)?,
                )
            })
            .await
            .expect("count")
    };
    assert_eq!(keyed().await, 0, "creating organisations generated no key");
    let (_, _, body) = get(&a.url("/directory?after=0"), "application/activity+json").await;
    let page: DirectoryPage = serde_json::from_str(&body).expect("directory page");
    assert_eq!(page.ordered_items.len(), 20);
    assert_eq!(keyed().await, 0, "listing the directory generated no key");
    let (status, _, _) = get(&a.url("/orgs/ecole-7"), "application/activity+json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keyed().await, 1);
    let (_, _, first) = get(&a.url("/orgs/ecole-7"), "application/activity+json").await;
    let (_, _, second) = get(&a.url("/orgs/ecole-7"), "application/activity+json").await;
    let key = |body: &str| {
        serde_json::from_str::<Value>(body).expect("json")["publicKey"]["publicKeyPem"].clone()
    };
    assert_eq!(key(&first), key(&second), "the key is kept");
}

/// Every example in `federation-spec/examples/` parses with our wire types:
/// the documentation cannot drift from the code.
#[test]
fn federation_spec_examples_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("federation-spec/examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("examples directory") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&path).expect("read");
        let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let parsed = match name.as_str() {
            "group.json" => serde_json::from_value::<Group>(value).map(|_| ()),
            "person.json" => serde_json::from_value::<Person>(value).map(|_| ()),
            "application.json" => serde_json::from_value::<Application>(value).map(|_| ()),
            "follow.json" => serde_json::from_value::<Follow>(value).map(|_| ()),
            "accept.json" => serde_json::from_value::<Accept>(value).map(|_| ()),
            "undo-follow.json" => serde_json::from_value::<UndoFollow>(value).map(|_| ()),
            "followers.json" | "directory.json" => {
                serde_json::from_value::<OrderedCollection>(value).map(|_| ())
            }
            "directory-page.json" => serde_json::from_value::<DirectoryPage>(value).map(|_| ()),
            "article.json" => serde_json::from_value::<Article>(value).map(|_| ()),
            "document.json" => serde_json::from_value::<ResourceDocument>(value).map(|_| ()),
            "announce-create-article.json" | "announce-article.json" => {
                serde_json::from_value::<Announce>(value).map(|_| ())
            }
            "update-article.json" => {
                serde_json::from_value::<CreateOrUpdateArticle>(value).map(|_| ())
            }
            "read.json" => serde_json::from_value::<Read>(value).map(|_| ()),
            "webfinger.json" | "nodeinfo.json" => Ok(()),
            // Documents in the shape other servers send them.
            "mastodon-person.json" | "gotosocial-person.json" => {
                serde_json::from_value::<Person>(value).map(|_| ())
            }
            "lemmy-group.json" => serde_json::from_value::<Group>(value).map(|_| ()),
            "mastodon-follow.json" => serde_json::from_value::<Follow>(value).map(|_| ()),
            "mastodon-undo-follow.json" => serde_json::from_value::<UndoFollow>(value).map(|_| ()),
            "mastodon-accept.json" => serde_json::from_value::<Accept>(value).map(|_| ()),
            "mastodon-delete-actor.json" => serde_json::from_value::<Delete>(value).map(|_| ()),
            other => panic!("{other}: no wire type checks this example"),
        };
        parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
        seen += 1;
    }
    assert!(seen >= 24, "examples are missing: {seen}");
}
