//! Organisations and members through `/api/v1`.

use axum::http::StatusCode;
use serde_json::json;

use crate::harness::TestApp;

#[tokio::test]
async fn an_admin_builds_the_hierarchy_of_a_circonscription() {
    let app = TestApp::new().await;
    let admin = app.admin().await;

    let dept = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "dsden44", "name": "DSDEN de Loire-Atlantique", "kind": "department"}),
        )
        .await;
    assert_eq!(dept.status, StatusCode::CREATED, "{}", dept.body);
    let circo = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "nantes-3", "name": "Circonscription Nantes 3", "kind": "circonscription",
                   "parent": "dsden44"}),
        )
        .await;
    assert_eq!(circo.status, StatusCode::CREATED, "{}", circo.body);
    let school = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "ecole-jules-verne", "name": "École Jules Verne", "kind": "ecole",
                   "uai": "0440001m", "parent": "nantes-3", "city": "Nantes",
                   "postal_code": "44000", "website": "https://jules-verne.example.fr",
                   "latitude": 47.218, "longitude": -1.553}),
        )
        .await;
    assert_eq!(school.status, StatusCode::CREATED, "{}", school.body);
    assert_eq!(school.body["uai"], "0440001M", "UAI is normalised");
    assert_eq!(school.body["parent"], "nantes-3");
    assert_eq!(
        school.body["id"],
        "http://preau.test/orgs/ecole-jules-verne"
    );
    assert_eq!(school.body["name"], "École Jules Verne");

    let public = app
        .get("/api/v1/organisations/ecole-jules-verne", None)
        .await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(public.body["city"], "Nantes");

    let patched = app
        .patch(
            "/api/v1/organisations/ecole-jules-verne",
            &admin,
            json!({"name": "École élémentaire Jules Verne", "website": null, "approve_followers": true}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.body["name"], "École élémentaire Jules Verne");
    assert!(patched.body["website"].is_null());
    assert_eq!(patched.body["city"], "Nantes", "absent fields are kept");
    assert_eq!(patched.body["approve_followers"], true);

    let cycle = app
        .patch(
            "/api/v1/organisations/dsden44",
            &admin,
            json!({"parent": "ecole-jules-verne"}),
        )
        .await;
    assert_eq!(
        cycle.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        cycle.body
    );

    let listed = app.get("/api/v1/organisations?limit=2", None).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(2));
    let cursor = listed.body["next_cursor"].as_str().expect("more");
    let rest = app
        .get(
            &format!("/api/v1/organisations?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(rest.body["items"][0]["slug"], "ecole-jules-verne");
    assert!(rest.body["next_cursor"].is_null());
}

#[tokio::test]
async fn duplicate_slugs_and_uai_are_conflicts() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let first = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "lycee-clemenceau", "name": "Lycée Clemenceau", "kind": "lycee", "uai": "0440021J"}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);

    let same_slug = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "lycee-clemenceau", "name": "Autre", "kind": "lycee"}),
        )
        .await;
    assert_eq!(same_slug.status, StatusCode::CONFLICT);
    assert!(
        same_slug.body["message"]
            .as_str()
            .expect("msg")
            .contains("slug")
    );

    let same_uai = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "autre-lycee", "name": "Autre", "kind": "lycee", "uai": "0440021j"}),
        )
        .await;
    assert_eq!(same_uai.status, StatusCode::CONFLICT);
    assert!(
        same_uai.body["message"]
            .as_str()
            .expect("msg")
            .contains("UAI")
    );

    let clash_with_user = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "admin2", "name": "x", "kind": "service"}),
        )
        .await;
    assert_eq!(clash_with_user.status, StatusCode::CREATED);
    let account_named_like_org = app
        .post(
            "/api/v1/accounts",
            &admin,
            json!({"username": "lycee-clemenceau"}),
        )
        .await;
    assert_eq!(
        account_named_like_org.status,
        StatusCode::CONFLICT,
        "one WebFinger namespace"
    );

    let count = app.get("/api/v1/organisations", None).await;
    assert_eq!(
        count.body["items"].as_array().map(Vec::len),
        Some(2),
        "nothing half-created"
    );
}

#[tokio::test]
async fn bad_organisation_input_names_the_field() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for (body, field) in [
        (json!({"slug": "x y", "name": "n", "kind": "ecole"}), "slug"),
        (json!({"slug": "ok", "name": "", "kind": "ecole"}), "name"),
        (json!({"slug": "ok", "name": "n", "kind": "castle"}), "kind"),
        (
            json!({"slug": "ok", "name": "n", "kind": "ecole", "uai": "0440001A"}),
            "uai",
        ),
        (
            json!({"slug": "ok", "name": "n", "kind": "ecole", "latitude": 91.0}),
            "latitude",
        ),
        (
            json!({"slug": "ok", "name": "n", "kind": "ecole", "website": "javascript:alert(1)"}),
            "website",
        ),
        (
            json!({"slug": "ok", "name": "n", "kind": "ecole", "parent": "missing"}),
            "missing",
        ),
    ] {
        let reply = app
            .post("/api/v1/organisations", &admin, body.clone())
            .await;
        assert!(
            reply.status == StatusCode::UNPROCESSABLE_ENTITY
                || reply.status == StatusCode::NOT_FOUND,
            "{body}: {} {}",
            reply.status,
            reply.body
        );
        assert!(
            reply.body["message"]
                .as_str()
                .expect("message")
                .contains(field),
            "{body}: {}",
            reply.body
        );
    }
    let missing_field = app
        .post(
            "/api/v1/organisations",
            &admin,
            json!({"slug": "ok", "name": "n"}),
        )
        .await;
    assert_eq!(missing_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing_field.body["message"]
            .as_str()
            .expect("msg")
            .contains("kind")
    );
}

#[tokio::test]
async fn organisation_admins_manage_their_members_and_sub_organisations_only() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let advisor = app.account("cpc.nantes", false).await;
    let teacher = app.account("teacher", false).await;
    for (slug, kind, parent) in [
        ("nantes-3", "circonscription", None::<&str>),
        ("rennes-1", "circonscription", None),
    ] {
        let r = app
            .post(
                "/api/v1/organisations",
                &admin,
                json!({"slug": slug, "name": slug, "kind": kind, "parent": parent}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let made_admin = app
        .post(
            "/api/v1/organisations/nantes-3/members",
            &admin,
            json!({"username": "cpc.nantes", "role": "admin"}),
        )
        .await;
    assert_eq!(
        made_admin.status,
        StatusCode::CREATED,
        "{}",
        made_admin.body
    );

    // The circonscription's admin creates a school under it and adds a teacher.
    let school = app
        .post(
            "/api/v1/organisations",
            &advisor,
            json!({"slug": "ecole-a", "name": "École A", "kind": "ecole", "parent": "nantes-3"}),
        )
        .await;
    assert_eq!(school.status, StatusCode::CREATED, "{}", school.body);
    let member = app
        .post(
            "/api/v1/organisations/ecole-a/members",
            &advisor,
            json!({"username": "teacher", "role": "teacher"}),
        )
        .await;
    assert_eq!(member.status, StatusCode::CREATED);
    let again = app
        .post(
            "/api/v1/organisations/ecole-a/members",
            &advisor,
            json!({"username": "teacher", "role": "teacher"}),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::CREATED,
        "adding twice is harmless"
    );
    let members = app
        .get("/api/v1/organisations/ecole-a/members", Some(&teacher))
        .await;
    assert_eq!(
        members.body["items"],
        json!([{"username": "teacher", "role": "teacher"}])
    );

    // But not elsewhere, and a teacher manages nothing.
    let elsewhere = app
        .post(
            "/api/v1/organisations",
            &advisor,
            json!({"slug": "ecole-b", "name": "École B", "kind": "ecole", "parent": "rennes-1"}),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    let top_level = app
        .post(
            "/api/v1/organisations",
            &advisor,
            json!({"slug": "ecole-c", "name": "École C", "kind": "ecole"}),
        )
        .await;
    assert_eq!(top_level.status, StatusCode::FORBIDDEN);
    let by_teacher = app
        .patch(
            "/api/v1/organisations/ecole-a",
            &teacher,
            json!({"name": "Mine"}),
        )
        .await;
    assert_eq!(by_teacher.status, StatusCode::FORBIDDEN);
    let bad_role = app
        .post(
            "/api/v1/organisations/ecole-a/members",
            &advisor,
            json!({"username": "teacher", "role": "principal"}),
        )
        .await;
    assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_role.body["message"]
            .as_str()
            .expect("msg")
            .contains("director")
    );

    let removed = app
        .delete(
            "/api/v1/organisations/ecole-a/members/teacher/teacher",
            &advisor,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let me = app.get("/api/v1/accounts/me", Some(&teacher)).await;
    assert_eq!(me.body["memberships"], json!([]));
    let advisor_me = app.get("/api/v1/accounts/me", Some(&advisor)).await;
    assert_eq!(
        advisor_me.body["memberships"],
        json!([{"organisation": "nantes-3", "role": "admin"}])
    );
}
