//! The directory through the browser: search, organisation pages and
//! following.

use axum::http::StatusCode;
use serde_json::json;

use super::{Browser, PASSWORD, markup::item_around};
use crate::harness::TestApp;
use preau::{
    AppState,
    services::{
        Caller, accounts,
        modules::{self, Modules},
        organisations::{self, AddMember},
    },
};

/// A department with a school under it and an inspector; an admin token.
async fn department() -> (TestApp, String) {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for body in [
        json!({"slug": "dsden44", "name": "DSDEN de Loire-Atlantique", "kind": "department"}),
        json!({"slug": "ecole-jules-verne", "name": "École Jules Verne", "kind": "ecole",
               "uai": "0440001m", "parent": "dsden44", "city": "Nantes"}),
    ] {
        let created = app.post("/api/v1/organisations", &admin, body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
    app.account("ines", false).await;
    app.account("parent", false).await;
    let added = app
        .post(
            "/api/v1/organisations/dsden44/members",
            &admin,
            json!({"username": "ines", "role": "inspector"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    (app, admin)
}

/// The page a process kept is shown again only while nothing it shows has
/// changed, whoever changed it: here another `preau` process on the same
/// database renames a child, hides a member's roles and adds a member.
#[tokio::test]
async fn an_organisation_page_shows_a_change_made_by_another_process_at_once() {
    let (app, _admin) = department().await;
    let other = AppState::open((*app.state.settings).clone())
        .await
        .expect("a second process");
    let mut parent = Browser::speaking(&app, "en");
    parent.sign_in("parent", PASSWORD).await;
    let path = "/directory/organisations/dsden44";
    let page = parent.get(path).await;
    assert!(page.has("/directory/people/ines\""), "{}", page.show());
    assert!(page.has("École Jules Verne"), "{}", page.show());
    assert!(!app.state.profiles.is_empty(), "the profile is kept");
    assert!(page.has(">Members</h2>"), "{}", page.show());
    assert!(page.has("Primary school"), "{}", page.show());

    // The lists are written once per language of the same copy: a French
    // reader after an English one reads them in French.
    let mut lecteur = Browser::speaking(&app, "fr");
    lecteur.sign_in("ines", PASSWORD).await;
    let page = lecteur.get(path).await;
    assert!(page.has(">Membres</h2>"), "{}", page.show());
    assert!(page.has("École · Nantes"), "{}", page.show());
    assert!(!page.has("Primary school"), "{}", page.show());
    assert!(parent.get(path).await.has(">Members</h2>"));

    // Kept per kind of visitor: roles visible to accounts only are not
    // shown to the web from the account's copy.
    let mut anonymous = Browser::speaking(&app, "en");
    let public = anonymous.get(path).await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.show());
    assert!(!public.has("/directory/people/ines\""), "{}", public.show());
    assert!(parent.get(path).await.has("/directory/people/ines\""));

    let operator = Caller::Operator;
    let rename = serde_json::from_value(json!({"name": "École Jules-Verne rénovée"}))
        .expect("an organisation change");
    organisations::update(&other, &operator, "ecole-jules-verne", rename)
        .await
        .expect("rename");
    let page = parent.get(path).await;
    assert!(page.has("École Jules-Verne rénovée"), "{}", page.show());

    let hide = serde_json::from_value(json!({"visibility": {"roles": "private"}}))
        .expect("an account change");
    accounts::update(&other, &operator, "ines", hide)
        .await
        .expect("hide roles");
    let page = parent.get(path).await;
    assert!(!page.has("/directory/people/ines\""), "{}", page.show());

    let join = AddMember {
        username: "parent".into(),
        role: "advisor".into(),
    };
    organisations::add_member(&other, &operator, "dsden44", join)
        .await
        .expect("add a member");
    let page = parent.get(path).await;
    assert!(page.has("/directory/people/parent\""), "{}", page.show());
}

#[tokio::test]
async fn an_organisation_page_lists_its_children_and_the_roles_held_there() {
    let (app, admin) = department().await;
    for body in [
        json!({"slug": "college-zola", "name": "Collège Émile Zola", "kind": "college",
               "parent": "dsden44"}),
        json!({"slug": "ecole-anne-frank", "name": "école Anne Frank", "kind": "ecole",
               "parent": "dsden44", "postal_code": "44000"}),
        json!({"slug": "ecole-fermee", "name": "École Fermée", "kind": "ecole",
               "parent": "dsden44"}),
    ] {
        let created = app.post("/api/v1/organisations", &admin, body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
    let closed = app
        .patch(
            "/api/v1/organisations/ecole-fermee",
            &admin,
            json!({"closed": true}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    for username in ["amel", "zoe", "discrete"] {
        app.account(username, false).await;
    }
    for (username, organisation, role) in [
        ("amel", "dsden44", "inspector"),
        ("amel", "dsden44", "advisor"),
        ("amel", "ecole-jules-verne", "teacher"),
        ("zoe", "dsden44", "admin"),
        ("discrete", "dsden44", "advisor"),
    ] {
        let added = app
            .post(
                &format!("/api/v1/organisations/{organisation}/members"),
                &admin,
                json!({"username": username, "role": role}),
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    }
    let hidden = app
        .patch(
            "/api/v1/accounts/discrete",
            &admin,
            json!({"visibility": {"roles": "private"}}),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.body);

    let mut parent = Browser::speaking(&app, "en");
    parent.sign_in("parent", PASSWORD).await;
    let page = parent.get("/directory/organisations/dsden44").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.show());
    // Children by name, accents and case aside; a closed one is not listed.
    let at = |needle: &str| {
        page.html
            .find(needle)
            .unwrap_or_else(|| panic!("{needle}: {}", page.show()))
    };
    let children = [
        "/directory/organisations/college-zola\"",
        "/directory/organisations/ecole-anne-frank\"",
        "/directory/organisations/ecole-jules-verne\"",
    ]
    .map(at);
    assert!(children.is_sorted(), "{children:?}: {}", page.show());
    assert!(!page.has("ecole-fermee"), "{}", page.show());
    let anne = item_around(&page.html, "ecole-anne-frank").expect("line");
    assert!(anne.contains("44000"), "{anne}");

    // Members by name, each with the roles held here only; someone whose
    // roles are private is left out.
    let members = [
        "/directory/people/amel\"",
        "/directory/people/ines\"",
        "/directory/people/zoe\"",
    ]
    .map(at);
    assert!(members.is_sorted(), "{members:?}: {}", page.show());
    let amel = item_around(&page.html, "/directory/people/amel\"").expect("amel");
    assert!(
        amel.contains("pedagogical advisor") && amel.contains("inspector"),
        "{amel}"
    );
    assert!(!amel.contains("teacher"), "a role elsewhere: {amel}");
    assert!(!page.has("/directory/people/discrete"), "{}", page.show());
    assert!(!page.has("/directory/people?organisation="), "all listed");

    // Publishing in its name is offered to its publishers only.
    assert!(
        !page.has("href=\"/publish?organisation="),
        "{}",
        page.show()
    );
    let mut advisor = Browser::speaking(&app, "en");
    advisor.sign_in("amel", PASSWORD).await;
    let theirs = advisor.get("/directory/organisations/dsden44").await;
    assert!(
        theirs.has("href=\"/publish?organisation=dsden44\""),
        "{}",
        theirs.show()
    );
    assert!(theirs.has("href=\"/resources/new?organisation=dsden44\""));
    let elsewhere = advisor
        .get("/directory/organisations/ecole-jules-verne")
        .await;
    assert!(
        !elsewhere.has("href=\"/publish?organisation="),
        "a teacher there: {}",
        elsewhere.show()
    );

    // With announcements switched off, publishers still share resources.
    let no_announcements = Modules {
        announcements: false,
        ..Modules::default()
    };
    modules::set(&app.state, &Caller::Operator, no_announcements)
        .await
        .expect("switch announcements off");
    let theirs = advisor.get("/directory/organisations/dsden44").await;
    assert!(
        !theirs.has("href=\"/publish?organisation="),
        "{}",
        theirs.show()
    );
    assert!(
        theirs.has("href=\"/resources/new?organisation=dsden44\""),
        "{}",
        theirs.show()
    );
    let page = parent.get("/directory/organisations/dsden44").await;
    assert!(
        !page.has("href=\"/resources/new?organisation="),
        "{}",
        page.show()
    );
}

#[tokio::test]
async fn the_directory_finds_shows_and_follows_organisations() {
    let (app, _admin) = department().await;
    let mut visitor = Browser::speaking(&app, "en");

    let search = visitor.get("/directory").await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.show());
    assert!(search.has("action=\"/directory\""), "{}", search.show());
    let json = app.get_as("/directory", "application/activity+json").await;
    assert_eq!(json.status, StatusCode::OK);
    assert_eq!(json.body["type"], "OrderedCollection", "{}", json.body);
    assert!(
        json.body["totalItems"].as_i64().unwrap_or(0) >= 2,
        "{}",
        json.body
    );

    let found = visitor.get("/directory?q=ecole").await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.show());
    let line = item_around(
        &found.html,
        "href=\"/directory/organisations/ecole-jules-verne\"",
    )
    .unwrap_or_else(|| panic!("no accent-free match: {}", found.show()));
    assert!(line.contains("École Jules Verne"), "{line}");
    assert!(!found.has("href=\"/directory/organisations/dsden44\""));
    assert_eq!(found.input("q").as_deref(), Some("ecole"));
    let nothing = visitor.get("/directory?q=zzzyx").await;
    assert!(!nothing.has("class=\"results\""));

    // The organisation's page, for a signed-in member of the public.
    let mut parent = Browser::speaking(&app, "en");
    assert_eq!(
        parent.sign_in("parent", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let path = "/directory/organisations/dsden44";
    let page = parent.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.show());
    assert!(page.has("<h1>DSDEN de Loire-Atlantique</h1>"));
    let child = item_around(
        &page.html,
        "href=\"/directory/organisations/ecole-jules-verne\"",
    )
    .unwrap_or_else(|| panic!("child missing: {}", page.show()));
    assert!(child.contains("École Jules Verne"));
    let member = item_around(&page.html, "href=\"/directory/people/ines\"")
        .unwrap_or_else(|| panic!("member missing: {}", page.show()));
    assert!(member.contains("inspector"), "{member}");
    let school = parent
        .get("/directory/organisations/ecole-jules-verne")
        .await;
    assert!(
        school.has("href=\"/directory/organisations/dsden44\""),
        "parent link: {}",
        school.show()
    );

    let actor = parent.get("/orgs/dsden44").await;
    assert_eq!(actor.status, StatusCode::OK, "{}", actor.show());
    assert!(actor.has("<h1>DSDEN de Loire-Atlantique</h1>"));
    assert!(actor.has("href=\"/directory/people/ines\""));

    // Follow, see it among the timeline's sources, unfollow.
    let target = "http://preau.test/orgs/dsden44";
    assert!(page.has("action=\"/follows\""), "{}", page.show());
    assert_eq!(page.input("target").as_deref(), Some(target));
    let option = format!("<option value=\"{target}\"");
    let timeline = parent.get("/timeline").await;
    assert!(!timeline.has(&option), "not followed yet");
    let followed = parent
        .post(
            "/follows",
            &[("csrf", &page.csrf()), ("target", target), ("next", path)],
        )
        .await;
    assert_eq!(
        followed.status,
        StatusCode::SEE_OTHER,
        "{}",
        followed.show()
    );
    assert_eq!(followed.location(), path);
    let page = parent.get(path).await;
    assert!(page.has("action=\"/follows/delete\""), "{}", page.show());
    assert!(page.has("class=\"flash\""));
    let timeline = parent.get("/timeline").await;
    assert!(timeline.has(&option), "{}", timeline.show());

    let unfollowed = parent
        .post(
            "/follows/delete",
            &[("csrf", &page.csrf()), ("target", target), ("next", path)],
        )
        .await;
    assert_eq!(
        unfollowed.status,
        StatusCode::SEE_OTHER,
        "{}",
        unfollowed.show()
    );
    let page = parent.get(path).await;
    assert!(page.has("action=\"/follows\""));
    let timeline = parent.get("/timeline").await;
    assert!(!timeline.has(&option), "{}", timeline.show());

    // Anonymous visitors see the page without a follow button.
    let page = visitor.get(path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.has("action=\"/follows\""));
}
