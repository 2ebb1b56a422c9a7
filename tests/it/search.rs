//! Searching the directory: organisations of the national fixture and
//! people of the instance, accents optional, each entry and field shown to
//! the viewers its visibility allows. Runs on both backends (one query
//! function, FTS5 or `tsvector` underneath).

use preau::{db::Run, directory::import::Scope};
use serde_json::{Value, json};

use crate::{
    directory::{fixture, run},
    harness::TestApp,
};

async fn imported() -> TestApp {
    let app = TestApp::new().await;
    run(&app, fixture(), Scope::default()).await;
    app
}

fn names(reply: &Value) -> Vec<String> {
    reply["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().expect("name").to_string())
        .collect()
}

async fn search(app: &TestApp, query: &str, token: Option<&str>) -> Value {
    let reply = app
        .get(&format!("/api/v1/directory/organisations?{query}"), token)
        .await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.body);
    reply.body
}

#[tokio::test]
async fn words_match_without_accents_case_or_punctuation() {
    let app = imported().await;
    assert_eq!(
        names(&search(&app, "q=ecole%20jules%20verne", None).await),
        ["École maternelle Jules Verne"]
    );
    assert_eq!(
        names(&search(&app, "q=jules%20verne", None).await),
        ["Collège Jules Verne", "École maternelle Jules Verne"],
        "both kinds, in name order"
    );
    // Accents in the query, none in the name, and the other way round.
    assert_eq!(
        names(&search(&app, "q=Chene%20creux", None).await),
        ["École maternelle Chêne Creux", "Lycée Chêne Creux"]
    );
    assert_eq!(
        names(&search(&app, "q=%C3%A9l%C3%A8ve%20%C3%89LIE", None).await),
        Vec::<String>::new(),
        "every word must match"
    );
    assert_eq!(
        names(&search(&app, "q=FRAN%C3%87OISE", None).await),
        ["École maternelle Françoise Dolto", "EREA Françoise Élie"]
    );
    // Prefixes, hyphens and the UAI are words too.
    assert_eq!(
        names(&search(&app, "q=saint%20exup", None).await),
        ["École élémentaire Saint-Exupéry"]
    );
    assert_eq!(
        names(&search(&app, "q=0440295g", None).await),
        ["Collège Jules Verne"]
    );
    // Punctuation and SQL are only separators.
    assert!(
        names(
            &search(
                &app,
                "q=%22%3B%20DROP%20TABLE%20organisations%3B%20--",
                None
            )
            .await
        )
        .is_empty()
    );
}

#[tokio::test]
async fn filters_narrow_by_kind_place_parent_uai_and_state() {
    let app = imported().await;
    let colleges = names(&search(&app, "kind=college", None).await);
    assert_eq!(colleges.len(), 8, "{colleges:?}");
    assert!(colleges.iter().all(|n| n.starts_with("Collège")));

    let reze = search(&app, "commune=reze&limit=200", None).await;
    let by_postcode = search(&app, "commune=44400&limit=200", None).await;
    assert!(names(&reze).len() > 5);
    assert_eq!(names(&reze), names(&by_postcode));
    assert!(
        reze["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|i| i["city"] == "Rezé")
    );

    let dep = names(&search(&app, "department=44&limit=200", None).await);
    assert_eq!(
        dep,
        names(&search(&app, "department=044&limit=200", None).await)
    );
    assert!(dep.len() > 50, "{}", dep.len());
    assert!(names(&search(&app, "department=75", None).await).is_empty());

    let circo = search(&app, "circonscription=circo-0442200s&limit=200", None).await;
    let items = circo["items"].as_array().expect("items");
    assert!(items.len() > 10);
    assert!(
        items
            .iter()
            .all(|i| i["parent"]["slug"] == "circo-0442200s" && i["department"] == "44"),
        "{circo}"
    );

    let one = search(&app, "uai=0440008v", None).await;
    assert_eq!(names(&one), ["École maternelle Jules Verne"]);

    assert!(names(&search(&app, "q=coteaux", None).await).is_empty());
    assert_eq!(
        names(&search(&app, "q=coteaux&closed=true", None).await),
        ["École primaire Les Coteaux"]
    );

    // Local and remote entries share one search; `origin` tells them apart.
    let local = names(&search(&app, "origin=local&q=jules%20verne", None).await);
    assert_eq!(local.len(), 2);
    assert!(names(&search(&app, "origin=remote", None).await).is_empty());
}

#[tokio::test]
async fn bad_filters_are_refused_with_the_reason() {
    let app = imported().await;
    for (query, needle) in [
        ("kind=chateau", "college"),
        ("uai=0440008X", "check letter"),
        ("uai=123", "not a UAI"),
        ("limit=0", "limit"),
        ("nope=1", "unknown field"),
    ] {
        let reply = app
            .get(&format!("/api/v1/directory/organisations?{query}"), None)
            .await;
        assert!(
            reply.status == 400 || reply.status == 422,
            "{query}: {}",
            reply.status
        );
        assert!(
            reply.body["message"]
                .as_str()
                .is_some_and(|m| m.contains(needle)),
            "{query}: {}",
            reply.body
        );
    }
    let unknown = app
        .get(
            "/api/v1/directory/organisations?circonscription=circo-nope",
            None,
        )
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn pages_follow_each_other_in_name_order() {
    let app = imported().await;
    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("q=ecole&limit=7&cursor={c}"),
            None => "q=ecole&limit=7".into(),
        };
        let page = search(&app, &query, None).await;
        let batch = names(&page);
        assert!(batch.len() <= 7);
        seen.extend(batch);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let all = names(&search(&app, "q=ecole&limit=200", None).await);
    assert_eq!(seen, all);
    assert!(all.len() > 30, "{}", all.len());
    let mut sorted = all.clone();
    sorted.sort_by_key(|n| preau::directory::text::words(n));
    assert_eq!(all, sorted, "name order, accents ignored");
}

#[tokio::test]
async fn an_organisation_shows_only_to_its_audience() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let teacher = app.account("prof", false).await;
    for (slug, visibility) in [("service-rh", "instance"), ("cellule-crise", "private")] {
        let created = app
            .post(
                "/api/v1/organisations",
                &admin,
                json!({"slug": slug, "name": format!("Service {slug}"), "kind": "service",
                       "visibility": visibility}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
    }
    let bad = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "x-y", "name": "X", "kind": "service", "visibility": "secret"}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);

    assert_eq!(
        app.get("/api/v1/organisations/service-rh", None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.get("/api/v1/organisations/service-rh", Some(&teacher))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get("/api/v1/organisations/cellule-crise", Some(&teacher))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get("/api/v1/organisations/cellule-crise", Some(&admin))
            .await
            .status,
        200
    );
    assert!(names(&search(&app, "q=service", None).await).is_empty());
    assert_eq!(
        names(&search(&app, "q=service", Some(&teacher)).await),
        ["Service service-rh"]
    );
    assert_eq!(
        names(&search(&app, "q=service", Some(&admin)).await).len(),
        2
    );
    let listed = app.get("/api/v1/organisations", None).await;
    assert_eq!(listed.body["items"], json!([]), "{}", listed.body);
}

#[tokio::test]
async fn people_fields_follow_their_visibility() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let jeanne = app.account("jdupont", false).await;
    let colleague = app.account("pmartin", false).await;
    let created = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "ecole-a", "name": "École A", "kind": "ecole"}),
        )
        .await;
    assert_eq!(created.status, 201);
    for (user, role) in [("jdupont", "director"), ("pmartin", "teacher")] {
        let added = app
            .post(
                "/api/v1/organisations/ecole-a/members",
                &admin,
                json!({"username": user, "role": role}),
            )
            .await;
        assert_eq!(added.status, 201, "{}", added.body);
    }
    let changed = app
        .patch(
            "/api/v1/accounts/jdupont",
            &jeanne,
            json!({"display_name": "Jeanne Dupont-Lefèvre", "job_title": "Directrice",
                   "phone": "02 40 00 00 00",
                   "visibility": {"name": "public", "roles": "public"}}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["visibility"]["phone"], "private");
    assert_eq!(changed.body["visibility"]["email"], "instance");

    // The web sees her name, title and roles; never her email or phone.
    let anonymous = app.get("/api/v1/directory/people?q=lefevre", None).await;
    assert_eq!(anonymous.status, 200);
    let entry = &anonymous.body["items"][0];
    assert_eq!(entry["display_name"], "Jeanne Dupont-Lefèvre");
    assert_eq!(entry["job_title"], "Directrice");
    assert_eq!(entry["roles"][0]["role"], "director");
    assert!(
        entry.get("email").is_none() && entry.get("phone").is_none(),
        "{entry}"
    );
    assert_eq!(anonymous.body["items"].as_array().map(Vec::len), Some(1));

    // A colleague on the instance sees the email, not the private phone.
    let seen = app
        .get("/api/v1/directory/people/jdupont", Some(&colleague))
        .await;
    assert_eq!(seen.body["email"], "jdupont@example.fr");
    assert!(seen.body.get("phone").is_none());
    let by_admin = app
        .get("/api/v1/directory/people/jdupont", Some(&admin))
        .await;
    assert_eq!(by_admin.body["phone"], "02 40 00 00 00");
    let herself = app
        .get("/api/v1/directory/people/jdupont", Some(&jeanne))
        .await;
    assert_eq!(herself.body["phone"], "02 40 00 00 00");

    // People who said nothing are only visible inside the instance.
    assert_eq!(
        app.get("/api/v1/directory/people/pmartin", None)
            .await
            .status,
        404
    );
    let none = app.get("/api/v1/directory/people?q=pmartin", None).await;
    assert_eq!(none.body["items"], json!([]));
    let inside = app
        .get("/api/v1/directory/people?q=pmartin", Some(&jeanne))
        .await;
    assert_eq!(inside.body["items"][0]["username"], "pmartin");

    // A role filter never reveals roles the viewer may not see.
    let _ = app
        .patch(
            "/api/v1/accounts/pmartin",
            &colleague,
            json!({"visibility": {"name": "public"}}),
        )
        .await;
    let teachers = app.get("/api/v1/directory/people?role=teacher", None).await;
    assert_eq!(teachers.body["items"], json!([]), "{}", teachers.body);
    let teachers = app
        .get("/api/v1/directory/people?role=teacher", Some(&jeanne))
        .await;
    assert_eq!(teachers.body["items"][0]["username"], "pmartin");
    let directors = app
        .get(
            "/api/v1/directory/people?role=director&organisation=ecole-a",
            None,
        )
        .await;
    assert_eq!(directors.body["items"][0]["username"], "jdupont");

    // Bad values are refused, and nothing changes.
    for body in [
        json!({"visibility": {"phone": "everyone"}}),
        json!({"phone": "call me"}),
        json!({"job_title": "x".repeat(101)}),
    ] {
        let refused = app.patch("/api/v1/accounts/jdupont", &jeanne, body).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
    }
    let after = app
        .get("/api/v1/directory/people/jdupont", Some(&admin))
        .await;
    assert_eq!(after.body["phone"], "02 40 00 00 00");
    let role = app
        .get("/api/v1/directory/people?role=principal", None)
        .await;
    assert_eq!(role.status, 422);
}

/// The names of each search's first `count` pages of `size`, read one page
/// at a time.
async fn pages_of<S: Send + 'static>(
    app: &TestApp,
    searches: Vec<S>,
    count: i64,
    size: i64,
    page: fn(&mut preau::db::DbConn, &S, i64, i64) -> diesel::QueryResult<Vec<String>>,
) -> Vec<Vec<String>> {
    app.state
        .db
        .run(move |conn| {
            let mut pages = Vec::new();
            for search in &searches {
                let mut names = Vec::new();
                for n in 0..count {
                    names.extend(page(conn, search, n * size, size)?);
                }
                pages.push(names);
            }
            Ok::<_, preau::AppError>(pages)
        })
        .await
        .expect("search")
}

/// Broad queries (more matches than are worth sorting) are answered by
/// splitting on the first word, or by reading the name-ordered index: every
/// path must give the same pages, words at the start of a name or later.
#[tokio::test]
async fn every_search_path_gives_the_same_entries() {
    use preau::{
        db::directory::{OrganisationSearch, TextPath, search_organisations},
        services::{
            Caller,
            organisations::{self, CreateOrganisation},
        },
    };
    let app = imported().await;
    // "école" as a later word, a first word that only starts with it and
    // comes again in the slug, and "école" first and again in the slug.
    for (slug, name) in [
        ("gs-ecole-verte", "Groupe scolaire de l'École verte"),
        ("maison-ecole", "Maison de l'école et de la famille"),
        ("ecoles-reunies", "Écoles réunies de Rezé"),
        ("ecole-jules-ferry", "École Jules Ferry"),
    ] {
        organisations::create(
            &app.state,
            &Caller::Operator,
            CreateOrganisation {
                slug: slug.into(),
                name: name.into(),
                kind: "ecole".into(),
                ..CreateOrganisation::default()
            },
        )
        .await
        .expect("organisation");
    }
    let cases: Vec<(Vec<&str>, Option<&str>, Option<&str>)> = vec![
        (vec!["ecole"], None, None),
        (vec!["ecole", "mat"], None, None),
        (vec!["ecole", "verte"], None, None),
        (vec!["ecole", "ecole"], None, None),
        (vec!["ecoles"], None, None),
        (vec!["college"], Some("college"), None),
        (vec!["ecole"], Some("ecole"), Some("44")),
        (vec!["reze"], None, Some("44")),
        (vec!["verne"], None, None),
        (vec!["zzz"], None, None),
    ];
    for (terms, kind, department) in cases {
        let search_by = |path: TextPath| OrganisationSearch {
            terms: terms.iter().map(ToString::to_string).collect(),
            kind: kind.map(str::to_string),
            department: department.map(str::to_string),
            visibilities: vec!["public"],
            path,
            ..OrganisationSearch::default()
        };
        let paths = [TextPath::Sorted, TextPath::Leading, TextPath::Scan];
        let searches: Vec<_> = paths.iter().map(|p| search_by(*p)).collect();
        let pages = pages_of(&app, searches, 5, 5, |conn, search, offset, limit| {
            Ok(search_organisations(conn, search, offset, limit)?
                .into_iter()
                .map(|o| o.name)
                .collect())
        })
        .await;
        for (path, page) in paths.iter().zip(&pages).skip(1) {
            assert_eq!(
                &pages[0], page,
                "{path:?}: {terms:?} {kind:?} {department:?}"
            );
        }
        if terms != ["zzz"] {
            assert!(!pages[0].is_empty(), "{terms:?}");
        }
    }
    // A later word is found in its place in name order.
    let verte = search(&app, "q=ecole%20verte", None).await;
    assert_eq!(names(&verte), vec!["Groupe scolaire de l'École verte"]);

    // SQLite's index of later words holds "ecole" for the rows where it
    // comes after another word, not for those that begin with it and
    // repeat it in their slug: the name index's range finds those.
    if app.state.db.backend() == preau::db::Backend::Sqlite {
        let slugs = app
            .state
            .db
            .run(|conn| {
                let sql = "SELECT o.slug AS slug FROM organisations_later_fts l \
                           JOIN organisations o ON o.id = l.rowid \
                           WHERE organisations_later_fts MATCH '\"ecole\"' ORDER BY o.slug";
                Ok::<_, preau::AppError>(
                    diesel::sql_query(sql)
                        .fetch::<Slug>(conn)?
                        .into_iter()
                        .map(|s| s.slug)
                        .collect::<Vec<_>>(),
                )
            })
            .await
            .expect("later words");
        assert_eq!(slugs, ["gs-ecole-verte", "maison-ecole"]);
    }
}

#[derive(diesel::QueryableByName)]
struct Slug {
    #[diesel(sql_type = diesel::sql_types::Text)]
    slug: String,
}

#[tokio::test]
async fn every_people_search_path_gives_the_same_people() {
    use preau::{
        db::directory::{PeopleSearch, TextPath, search_people},
        services::{Caller, accounts},
    };
    let app = TestApp::new().await;
    for (username, name) in [
        ("mmartin", "Marie Martin"),
        ("amdurand", "Anne-Marie Durand"),
        ("mroux", "Mariette Roux"),
        ("pmarie", "Paul Marie"),
        ("jdoe", "Jean Doe"),
    ] {
        accounts::create(
            &app.state,
            &Caller::Operator,
            accounts::CreateAccount {
                username: username.into(),
                password: None,
                display_name: Some(name.into()),
                email: None,
                is_admin: false,
            },
        )
        .await
        .expect("account");
    }
    for terms in [vec!["marie"], vec!["mari", "roux"], vec!["jean"]] {
        let paths = [TextPath::Sorted, TextPath::Leading, TextPath::Scan];
        let searches: Vec<_> = paths
            .iter()
            .map(|path| PeopleSearch {
                terms: terms.iter().map(ToString::to_string).collect(),
                visibilities: vec!["public", "federation", "instance"],
                path: *path,
                ..PeopleSearch::default()
            })
            .collect();
        let pages = pages_of(&app, searches, 3, 2, |conn, search, offset, limit| {
            Ok(search_people(conn, search, offset, limit)?
                .into_iter()
                .map(|p| p.display_name)
                .collect())
        })
        .await;
        assert!(!pages[0].is_empty(), "{terms:?}");
        for (path, page) in paths.iter().zip(&pages).skip(1) {
            assert_eq!(&pages[0], page, "{path:?}: {terms:?}");
        }
    }
}
