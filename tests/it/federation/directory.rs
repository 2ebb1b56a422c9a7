//! Federated directories: two peered instances read each other's
//! `/directory`, find each other's schools in one search, and see only the
//! entries their peering allows; a third instance that is not allowed sees
//! the public ones; a forged entry for another domain is rejected.

use activitypub_federation::fetch::fetch_object_http;
use axum::{Json, Router, http::Method, response::IntoResponse, routing::get};
use preau::{
    directory::import::Scope,
    federation::{
        directory::sync_peer,
        protocol::{
            actors::Group,
            collections::{DirectoryPage, OrderedCollection},
        },
    },
};
use serde_json::{Value, json};
use url::Url;

use super::instances::{Instance, eventually, listener};
use crate::directory::{fixture, run};

fn slugs(page: &DirectoryPage) -> Vec<&str> {
    page.ordered_items
        .iter()
        .map(|e| e.preferred_username.as_str())
        .collect()
}

async fn names(instance: &Instance, query: &str, token: Option<&str>) -> Vec<String> {
    let reply = instance
        .app
        .get(&format!("/api/v1/directory/organisations?{query}"), token)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().expect("name").to_string())
        .collect()
}

#[tokio::test]
async fn peers_find_each_others_schools_and_only_what_they_may_see() {
    // A allows nobody yet; B and C allow A. B peers with A; C never does.
    let instances = Instance::several(&[&[], &[0], &[0]]).await;
    let (a, b, c) = (&instances[0], &instances[1], &instances[2]);
    run(&a.app, fixture(), Scope::default()).await;
    let admin_a = a.admin_token().await;
    for (slug, visibility) in [("reseau-rased", "federation"), ("service-rh", "instance")] {
        let created = a
            .app
            .post(
                "/api/v1/organisations",
                &admin_a,
                json!({"slug": slug, "name": format!("Réseau {slug}"), "kind": "service",
                       "visibility": visibility}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
    }

    let admin_b = b.admin_token().await;
    let created = b
        .app
        .post(
            "/api/v1/organisations",
            &admin_b,
            json!({"slug": "ecole-bellevue", "name": "École élémentaire Bellevue-Sud",
                   "kind": "ecole", "city": "Saint-Nazaire", "postal_code": "44600"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let asked = b
        .app
        .post(
            "/api/v1/admin/federation/peers",
            &admin_b,
            json!({"domain": a.domain}),
        )
        .await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    let (a_actor, b_actor) = (a.url("/actor"), b.url("/actor"));
    eventually("A records B's peering request", || async {
        a.follow_state(&b_actor, &a_actor).await == Some(false)
    })
    .await;
    let accepted = a
        .app
        .call(
            Method::POST,
            &format!(
                "/api/v1/admin/federation/peering-requests/{}/accept",
                b.domain
            ),
            Some(&admin_a),
            None,
        )
        .await;
    assert_eq!(accepted.status, 204, "{}", accepted.body);

    // Peering starts a read of A's directory on B: A's schools appear in
    // B's search, accents optional, with their origin.
    let origin = format!("origin={}", a.domain);
    eventually("B lists A's schools", || async {
        names(b, &format!("q=ecole%20jules%20verne&{origin}"), None).await
            == ["École maternelle Jules Verne"]
    })
    .await;
    assert_eq!(
        names(b, "q=chene%20creux", None).await,
        ["École maternelle Chêne Creux", "Lycée Chêne Creux"]
    );
    let circo = b
        .app
        .get(
            &format!(
                "/api/v1/directory/organisations?q=jules%20verne&kind=ecole&department=44&{origin}"
            ),
            None,
        )
        .await;
    assert_eq!(circo.body["items"][0]["local"], false);
    assert_eq!(circo.body["items"][0]["domain"], a.domain);
    assert_eq!(
        circo.body["items"][0]["parent"]["slug"], "circo-0442123h",
        "parents are linked on the peer too"
    );

    // And A, which accepted, read B's directory.
    eventually("A lists B's school", || async {
        names(a, "q=bellevue%20sud&commune=saint%20nazaire", None).await
            == ["École élémentaire Bellevue-Sud"]
    })
    .await;

    // What B may see: `federation` entries to its accounts, not to the web;
    // `instance` ones never leave A.
    let teacher_b = b.app.account("prof.b", false).await;
    eventually("B has A's federation-only entry", || async {
        names(b, "q=rased", Some(&teacher_b)).await == ["Réseau reseau-rased"]
    })
    .await;
    assert!(names(b, "q=rased", None).await.is_empty());
    assert!(names(b, "q=service%20rh", Some(&admin_b)).await.is_empty());

    // An explicit read reports what it stored: every entry A lists to B.
    let synced = b
        .app
        .call(
            Method::POST,
            "/api/v1/admin/federation/directory/sync",
            Some(&admin_b),
            None,
        )
        .await;
    assert_eq!(synced.status, 200, "{}", synced.body);
    let listed_to_b: OrderedCollection =
        fetch_object_http(&Url::parse(&a.url("/directory")).expect("url"), &b.data())
            .await
            .expect("B reads A's collection")
            .object;
    assert_eq!(synced.body["synced"][0]["domain"], a.domain);
    assert_eq!(synced.body["synced"][0]["stored"], listed_to_b.total_items);
    assert_eq!(synced.body["synced"][0]["rejected"], 0);
    assert_eq!(synced.body["failed"], json!([]));

    // The same page, as the web, as B (allowed) and as C (signed, not
    // allowed by A).
    let page_url = Url::parse(&a.url("/directory?after=0")).expect("url");
    let web: DirectoryPage = reqwest::Client::new()
        .get(page_url.clone())
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("page");
    let as_b: DirectoryPage = fetch_object_http(&page_url, &b.data())
        .await
        .expect("signed by B")
        .object;
    let as_c: DirectoryPage = fetch_object_http(&page_url, &c.data())
        .await
        .expect("signed by C")
        .object;
    assert!(slugs(&as_b).contains(&"reseau-rased"));
    assert!(!slugs(&web).contains(&"reseau-rased"));
    assert!(!slugs(&as_c).contains(&"reseau-rased"));
    for page in [&web, &as_b, &as_c] {
        assert!(!slugs(page).contains(&"service-rh"));
        assert!(slugs(page).contains(&"0440008v"));
    }
    assert_eq!(slugs(&as_b).len(), slugs(&web).len() + 1);

    // The actors themselves follow the same rule.
    let rased = Url::parse(&a.url("/orgs/reseau-rased")).expect("url");
    let unsigned = reqwest::Client::new()
        .get(rased.clone())
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("get");
    assert_eq!(unsigned.status(), 404);
    let group: Group = fetch_object_http(&rased, &b.data())
        .await
        .expect("B may read the federation-only group")
        .object;
    assert_eq!(group.visibility.as_deref(), Some("federation"));
    assert!(
        fetch_object_http::<_, Group>(&rased, &c.data())
            .await
            .is_err()
    );
    let internal = Url::parse(&a.url("/orgs/service-rh")).expect("url");
    assert!(
        fetch_object_http::<_, Group>(&internal, &b.data())
            .await
            .is_err()
    );
    let finger = reqwest::get(a.url(&format!(
        "/.well-known/webfinger?resource=acct:service-rh@{}",
        a.domain
    )))
    .await
    .expect("webfinger");
    assert_eq!(finger.status(), 404);

    // A signature that is there but does not hold is refused.
    let forged = reqwest::Client::new()
        .get(page_url)
        .header("accept", "application/activity+json")
        .header(
            "date",
            httpdate::fmt_http_date(std::time::SystemTime::now()),
        )
        .header(
            "signature",
            format!(
                "keyId=\"{b_actor}#main-key\",algorithm=\"rsa-sha256\",\
                 headers=\"(request-target) host date\",signature=\"AAAA\""
            ),
        )
        .send()
        .await
        .expect("get");
    assert_eq!(forged.status(), 401);

    // A profile change on A reaches B as an `Update` of the group.
    let renamed = a
        .app
        .patch(
            "/api/v1/organisations/0440008v",
            &admin_a,
            json!({"name": "École maternelle Jules-Verne de Nantes"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    eventually("B learns the new name", || async {
        names(
            b,
            &format!("q=jules%20verne%20nantes&kind=ecole&{origin}"),
            None,
        )
        .await
            == ["École maternelle Jules-Verne de Nantes"]
    })
    .await;
}

/// A peer that lists a school of another domain among its own.
async fn forging_peer() -> (String, tokio::task::JoinHandle<()>) {
    let (listener, domain) = listener().await;
    let base = format!("http://{domain}");
    let entry = |id: &str, slug: &str| {
        json!({
            "type": "Group",
            "id": id,
            "preferredUsername": slug,
            "name": format!("École {slug}"),
            "inbox": format!("{id}/inbox"),
            "preau:kind": "ecole",
        })
    };
    let collection = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "OrderedCollection",
        "id": format!("{base}/directory"),
        "totalItems": 2,
        "first": format!("{base}/directory?after=0"),
    });
    let page = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "OrderedCollectionPage",
        "id": format!("{base}/directory?after=0"),
        "partOf": format!("{base}/directory"),
        "orderedItems": [
            entry(&format!("{base}/orgs/ecole-honnete"), "ecole-honnete"),
            entry("https://academie.example/orgs/ecole-volee", "ecole-volee"),
        ],
    });
    let json =
        |v: Value| ([("content-type", "application/activity+json")], Json(v)).into_response();
    let app = Router::new().route(
        "/directory",
        get(
            move |query: axum::extract::Query<std::collections::HashMap<String, String>>| {
                let (collection, page) = (collection.clone(), page.clone());
                async move {
                    if query.contains_key("after") {
                        json(page)
                    } else {
                        json(collection)
                    }
                }
            },
        ),
    );
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (domain, server)
}

#[tokio::test]
async fn an_entry_claiming_another_domain_is_rejected() {
    let (domain, server) = forging_peer().await;
    let (listener, own) = listener().await;
    let allowed = domain.clone();
    let b = Instance::start(listener, &own, move |s| {
        s.federation.allowlist = vec![allowed];
    })
    .await;
    let actor = Url::parse(&format!("http://{domain}/actor")).expect("url");
    let report = sync_peer(&b.data(), &actor).await.expect("read");
    assert_eq!((report.stored, report.rejected), (1, 1), "{report:?}");
    assert_eq!(names(&b, "q=honnete", None).await, ["École ecole-honnete"]);
    assert!(names(&b, "q=volee", None).await.is_empty());
    assert_eq!(b.count("remote_orgs").await, 1);
    server.abort();
}
