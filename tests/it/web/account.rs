//! The first run, signing in and out, CSRF refusals, the account page and
//! the language choice.

use axum::http::{StatusCode, header};
use preau::services::{Caller, auth};
use serde_json::Value;

use super::{
    Browser, NOTE, PASSWORD, announcement_count, circo, markup::assert_sound_page, outing,
};
use crate::harness::TestApp;

#[tokio::test]
async fn the_first_visit_creates_the_first_admin_and_only_once() {
    let app = TestApp::new().await;
    let mut browser = Browser::new(&app);

    let mut first = Browser::new(&app);
    let home = first.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/setup");
    let login = first.get("/login").await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.location(), "/setup");

    // Without the code of the server's log, the page only says where to
    // find the link.
    let locked = first.get("/setup").await;
    assert_eq!(locked.status, StatusCode::FORBIDDEN, "{}", locked.show());
    assert!(!locked.has("name=\"password\""), "{}", locked.show());
    assert!(locked.has("preau admin setup-link"), "{}", locked.show());
    let guessed = first.get("/setup?code=00000-00000-00000-00000").await;
    assert_eq!(guessed.status, StatusCode::FORBIDDEN);
    let link = preau::services::sessions::setup_link(&app.state)
        .await
        .expect("link");
    let code = link.split_once("code=").expect("a code").1.to_string();
    let setup = browser.get(&format!("/setup?code={code}")).await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.show());
    assert_eq!(setup.input("code").as_deref(), Some(code.as_str()));
    assert_sound_page("/setup", &setup);
    let token = setup
        .set_cookie("preau_csrf")
        .expect("the setup page sets the csrf cookie");
    assert_eq!(setup.csrf(), token, "the form carries the cookie's token");
    let line = setup.set_cookie_line("preau_csrf").expect("csrf cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(line.contains(attribute), "{line}");
    }
    for field in ["username", "display_name", "password", "password_confirm"] {
        assert!(setup.has(&format!("name=\"{field}\"")), "{field}");
    }

    let fields = |csrf: &'static str| {
        vec![
            ("csrf", csrf),
            ("username", "directrice"),
            ("display_name", "Claire Martin"),
            ("password", "un mot de passe très sûr"),
            ("password_confirm", "un mot de passe très sûr"),
        ]
    };
    // From another site: no cookie, no field.
    let mut stranger = Browser::new(&app);
    let forged = stranger.post("/setup", &fields("")[1..]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.show());
    // A token of its own, without the matching cookie.
    let forged = stranger.post("/setup", &fields("made-up")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.show());
    assert!(stranger.cookie("preau_session").is_none());
    // The cookie but a wrong field.
    let forged = browser.post("/setup", &fields("made-up")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.show());
    assert!(
        preau::services::sessions::needs_setup(&app.state)
            .await
            .expect("needs_setup"),
        "a refused form created an account"
    );
    let again = browser.get(&format!("/setup?code={code}")).await;
    assert_eq!(again.status, StatusCode::OK, "still the first run");
    // The right form without the code creates nobody.
    let no_code = browser
        .post(
            "/setup",
            &[
                ("csrf", &token),
                ("code", "00000-00000-00000-00000"),
                ("username", "intrus"),
                ("display_name", "Intrus"),
                ("password", "un mot de passe très sûr"),
                ("password_confirm", "un mot de passe très sûr"),
            ],
        )
        .await;
    assert_eq!(no_code.status, StatusCode::FORBIDDEN, "{}", no_code.show());
    assert!(
        preau::services::sessions::needs_setup(&app.state)
            .await
            .expect("needs_setup"),
        "a form without the code created an account"
    );

    // Two passwords that differ: the form comes back with what was typed.
    let differ = browser
        .post(
            "/setup",
            &[
                ("csrf", &token),
                ("code", &code),
                ("username", "directrice"),
                ("display_name", "Claire Martin"),
                ("password", "un mot de passe très sûr"),
                ("password_confirm", "un autre mot de passe"),
            ],
        )
        .await;
    assert_eq!(
        differ.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        differ.show()
    );
    assert!(differ.has("role=\"alert\""), "{}", differ.show());
    assert_eq!(differ.input("username").as_deref(), Some("directrice"));

    let created = browser
        .post(
            "/setup",
            &[
                ("csrf", &token),
                ("code", &code),
                ("username", "directrice"),
                ("display_name", "Claire Martin"),
                ("password", "un mot de passe très sûr"),
                ("password_confirm", "un mot de passe très sûr"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.show());
    assert_eq!(created.location(), "/admin");
    let line = created
        .set_cookie_line("preau_session")
        .expect("signed in at once");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(line.contains(attribute), "{line}");
    }
    let home = browser.get("/").await;
    assert_eq!(home.location(), "/timeline", "the new admin is signed in");
    let account = browser.get("/account").await;
    assert_eq!(account.status, StatusCode::OK, "{}", account.show());
    assert!(account.has("directrice"));

    // The first run is over, for everyone.
    let mut late = Browser::new(&app);
    let setup = late.get("/setup").await;
    assert_eq!(setup.status, StatusCode::SEE_OTHER);
    assert_eq!(setup.location(), "/login");
    let login = late.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    let csrf = late.cookie("preau_csrf").expect("csrf cookie").to_string();
    let second = late
        .post(
            "/setup",
            &[
                ("csrf", &csrf),
                ("username", "intrus"),
                ("display_name", "Intrus"),
                ("password", "un mot de passe très sûr"),
                ("password_confirm", "un mot de passe très sûr"),
            ],
        )
        .await;
    assert!(
        second.status.is_client_error(),
        "a second setup: {}",
        second.show()
    );
    assert!(late.cookie("preau_session").is_none());

    let admin_token = auth::create_token(&app.state, &Caller::Operator, "directrice", "test")
        .await
        .expect("token");
    let listed = app.get("/api/v1/accounts", Some(&admin_token)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let names: Vec<&str> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["username"].as_str())
        .collect();
    assert_eq!(names, ["directrice"]);
    let me = app.get("/api/v1/accounts/me", Some(&admin_token)).await;
    assert_eq!(me.body["is_admin"], true, "{}", me.body);
}

#[tokio::test]
async fn signing_in_keeps_the_username_and_follows_only_local_paths() {
    let app = TestApp::new().await;
    app.account("claire", false).await;

    let mut browser = Browser::new(&app);
    let wrong = browser.sign_in("claire", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.show());
    assert_sound_page("/login (wrong password)", &wrong);
    assert!(wrong.has("role=\"alert\""), "{}", wrong.show());
    assert!(wrong.has("Identifiant ou mot de passe incorrect."));
    assert_eq!(wrong.input("username").as_deref(), Some("claire"));
    assert!(browser.cookie("preau_session").is_none());
    let unknown = browser.sign_in("nobody", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);

    // A page that needs an account sends to sign-in, and back after it.
    let guarded = browser.get("/account").await;
    assert_eq!(guarded.status, StatusCode::SEE_OTHER);
    assert_eq!(guarded.location(), "/login?next=%2Faccount");
    let form = browser.get(guarded.location()).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.show());
    assert_eq!(form.input("next").as_deref(), Some("/account"));
    let csrf = form.csrf();
    let signed = browser
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "claire"),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.show());
    assert_eq!(signed.location(), "/account");
    assert!(signed.set_cookie("preau_session").is_some());
    let account = browser.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);

    // A query in `next` comes back whole.
    let mut filtered = Browser::new(&app);
    let guarded = filtered.get("/timeline?unread=on").await;
    assert_eq!(guarded.location(), "/login?next=%2Ftimeline%3Funread%3Don");
    let form = filtered.get(guarded.location()).await;
    assert_eq!(form.input("next").as_deref(), Some("/timeline?unread=on"));
    let csrf = form.csrf();
    let signed = filtered
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "claire"),
                ("password", PASSWORD),
                ("next", "/timeline?unread=on"),
            ],
        )
        .await;
    assert_eq!(
        signed.location(),
        "/timeline?unread=on",
        "{}",
        signed.show()
    );

    // Another site as `next` is not followed.
    for evil in ["//evil.example", "https://evil.example/", "/\\evil.example"] {
        let mut other = Browser::new(&app);
        let form = other
            .get(&format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert_eq!(form.input("next").as_deref(), Some("/"), "{evil}");
        let csrf = form.csrf();
        let signed = other
            .post(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", "claire"),
                    ("password", PASSWORD),
                    ("next", evil),
                ],
            )
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.show());
        assert_eq!(signed.location(), "/", "{evil}");
    }
}

#[tokio::test]
async fn signing_out_ends_the_session_for_good() {
    let app = TestApp::new().await;
    app.account("claire", false).await;
    let mut browser = Browser::signed_in(&app, "claire").await;
    let old = browser
        .cookie("preau_session")
        .expect("session")
        .to_string();

    let timeline = browser.get("/timeline").await;
    assert_eq!(timeline.status, StatusCode::OK, "{}", timeline.show());
    assert!(timeline.has("action=\"/logout\""), "sign-out in the header");
    let csrf = timeline.csrf();

    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.show());
    assert_eq!(out.location(), "/login");
    assert!(browser.cookie("preau_session").is_none(), "cookie removed");

    // The old cookie, kept by someone, opens nothing any more.
    let mut thief = Browser::new(&app);
    thief.cookies.insert("preau_session".into(), old);
    let timeline = thief.get("/timeline").await;
    assert_eq!(timeline.status, StatusCode::SEE_OTHER);
    assert_eq!(timeline.location(), "/login?next=%2Ftimeline");
    let home = thief.get("/").await;
    assert_eq!(home.location(), "/login");
}

#[tokio::test]
async fn forms_without_the_session_token_change_nothing() {
    let c = circo().await;
    let mut cpc = Browser::signed_in(&c.app, "cpc").await;
    let form = cpc.get("/publish").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.show());
    let good = form.csrf();
    // The anonymous token of the sign-in page is not the session's.
    let anonymous = cpc
        .cookie("preau_csrf")
        .expect("the sign-in page left its csrf cookie")
        .to_string();
    assert_ne!(anonymous, good, "the session has a token of its own");

    for csrf in ["", "wrong", anonymous.as_str()] {
        let mut fields = outing(csrf, "Sortie au musée", "publish");
        if csrf.is_empty() {
            fields.remove(0);
        }
        let refused = cpc.post_multipart("/publish", &fields, &[NOTE]).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "csrf {csrf:?}: {}",
            refused.show()
        );
        assert!(refused.has("role=\"alert\""));
    }
    assert_eq!(announcement_count(&c).await, 0, "nothing published");

    // The password stays.
    for fields in [
        vec![
            ("current_password", PASSWORD),
            ("new_password", "un nouveau mot de passe"),
            ("new_password_confirm", "un nouveau mot de passe"),
        ],
        vec![
            ("csrf", anonymous.as_str()),
            ("current_password", PASSWORD),
            ("new_password", "un nouveau mot de passe"),
            ("new_password_confirm", "un nouveau mot de passe"),
        ],
    ] {
        let refused = cpc.post("/account/password", &fields).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.show());
    }
    let mut again = Browser::new(&c.app);
    let signed = again.sign_in("cpc", PASSWORD).await;
    assert_eq!(
        signed.status,
        StatusCode::SEE_OTHER,
        "old password still works"
    );

    // Nor does a sign-out or a follow go through.
    let out = cpc.post("/logout", &[("csrf", "wrong")]).await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    assert_eq!(cpc.get("/account").await.status, StatusCode::OK);
    let follow = cpc
        .post(
            "/follows",
            &[
                ("csrf", "wrong"),
                ("target", "http://preau.test/orgs/nantes-3"),
            ],
        )
        .await;
    assert_eq!(follow.status, StatusCode::FORBIDDEN);

    // A sign-in form from another site is refused too.
    let mut stranger = Browser::new(&c.app);
    let forged = stranger
        .post("/login", &[("username", "cpc"), ("password", PASSWORD)])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.show());
    assert!(stranger.cookie("preau_session").is_none());
}

#[tokio::test]
async fn changing_the_password_closes_the_other_sessions() {
    let app = TestApp::new().await;
    app.account("prof", false).await;
    let mut laptop = Browser::signed_in(&app, "prof").await;
    let mut phone = Browser::signed_in(&app, "prof").await;
    let csrf = laptop.csrf().await;
    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        [
            ("current_password", current),
            ("new_password", new),
            ("new_password_confirm", confirm),
        ]
    };

    let wrong = {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(change(
            "not the password",
            "un nouveau mot de passe",
            "un nouveau mot de passe",
        ));
        laptop.post("/account/password", &fields).await
    };
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.show()
    );
    assert_sound_page("/account/password (wrong)", &wrong);
    assert!(wrong.has("role=\"alert\""));

    let differ = {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(change(
            PASSWORD,
            "un nouveau mot de passe",
            "un autre mot de passe",
        ));
        laptop.post("/account/password", &fields).await
    };
    assert_eq!(
        differ.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        differ.show()
    );
    assert!(differ.has("role=\"alert\""));
    assert!(differ.has("Les deux mots de passe ne sont pas identiques."));
    assert_eq!(
        phone.get("/account").await.status,
        StatusCode::OK,
        "refused changes close nothing"
    );

    let changed = {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(change(
            PASSWORD,
            "un nouveau mot de passe",
            "un nouveau mot de passe",
        ));
        laptop.post("/account/password", &fields).await
    };
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.show());
    assert_eq!(changed.location(), "/account");
    let after = laptop.get("/account").await;
    assert_eq!(after.status, StatusCode::OK, "this session stays");
    assert!(after.has("class=\"flash\""), "a message says it is done");
    let later = laptop.get("/account").await;
    assert!(!later.has("class=\"flash\""), "the message is shown once");

    let closed = phone.get("/account").await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.show());
    assert_eq!(closed.location(), "/login?next=%2Faccount");

    let mut fresh = Browser::new(&app);
    let old = fresh.sign_in("prof", PASSWORD).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED, "the old password");
    let new = fresh.sign_in("prof", "un nouveau mot de passe").await;
    assert_eq!(new.status, StatusCode::SEE_OTHER, "{}", new.show());
}

#[tokio::test]
async fn the_language_follows_the_browser_then_the_choice() {
    let app = TestApp::new().await;
    app.account("prof", false).await;

    let mut english = Browser::speaking(&app, "en-GB,en;q=0.9");
    let login = english.get("/login").await;
    assert!(login.has("<html lang=\"en\">"), "{}", login.show());
    assert!(login.has("Sign in") && login.has("Skip to content"));
    let mut french = Browser::new(&app);
    let login = french.get("/login").await;
    assert!(login.has("<html lang=\"fr\">"), "French by default");
    assert!(login.has("Connexion"));
    let mut prefers_french = Browser::speaking(&app, "en;q=0.5, fr");
    let login = prefers_french.get("/login").await;
    assert!(login.has("<html lang=\"fr\">"));

    // Anonymous: a cookie remembers the choice.
    let csrf = french.cookie("preau_csrf").expect("csrf").to_string();
    let chosen = french
        .post(
            "/account/language",
            &[("csrf", &csrf), ("lang", "en"), ("next", "/login")],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.show());
    assert_eq!(chosen.location(), "/login");
    assert_eq!(chosen.set_cookie("preau_lang").as_deref(), Some("en"));
    let login = french.get("/login").await;
    assert!(login.has("<html lang=\"en\">"), "{}", login.show());
    let unknown = french
        .post("/account/language", &[("csrf", &csrf), ("lang", "de")])
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Signed in: stored on the account, whatever the browser says.
    let mut laptop = Browser::speaking(&app, "en");
    let signed = laptop.sign_in("prof", PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let account = laptop.get("/account").await;
    assert!(account.has("<html lang=\"en\">"));
    let csrf = account.csrf();
    let chosen = laptop
        .post(
            "/account/language",
            &[("csrf", &csrf), ("lang", "fr"), ("next", "/account")],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.show());
    assert_eq!(chosen.location(), "/account");
    let account = laptop.get("/account").await;
    assert!(account.has("<html lang=\"fr\">"), "{}", account.show());
    assert!(account.has("Fil d'actualité") || account.has("Fil d&#39;actualité"));

    let mut phone = Browser::speaking(&app, "en");
    let signed = phone.sign_in("prof", PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert!(phone.cookie("preau_lang").is_none());
    let timeline = phone.get("/timeline").await;
    assert!(
        timeline.has("<html lang=\"fr\">"),
        "the account's language wins over Accept-Language: {}",
        timeline.show()
    );
}

/// The switch on a page answering a refused form brings back to a page,
/// not to the address the form was posted to.
#[tokio::test]
async fn the_language_switch_of_a_refused_form_returns_to_a_page() {
    let app = TestApp::new().await;
    app.account("prof", false).await;
    let mut laptop = Browser::signed_in(&app, "prof").await;
    let csrf = laptop.csrf().await;
    let refused = laptop
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", "not the password"),
                ("new_password", "un nouveau mot de passe"),
                ("new_password_confirm", "un nouveau mot de passe"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let back_to = refused.input("next").expect("the language form's next");
    let chosen = laptop
        .post(
            "/account/language",
            &[("csrf", &csrf), ("lang", "fr"), ("next", &back_to)],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER);
    let mut landed = laptop.get(chosen.location()).await;
    // Home sends a signed-in reader on to the timeline.
    if landed.status == StatusCode::SEE_OTHER {
        landed = laptop.get(landed.location()).await;
    }
    assert_eq!(
        landed.status,
        StatusCode::OK,
        "the language switch of a refused form's page sends to {:?}",
        chosen.location()
    );
}

#[tokio::test]
async fn the_account_page_downloads_ones_own_data() {
    let app = TestApp::new().await;
    app.account("prof", false).await;
    let mut prof = Browser::signed_in(&app, "prof").await;
    let page = prof.get("/account").await;
    assert!(page.has("href=\"/account/export\""), "{}", page.show());
    let file = prof.get("/account/export").await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.show());
    assert_eq!(
        file.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"preau-prof.json\""
    );
    // Like every signed-in page: kept by no cache.
    assert_eq!(file.headers[header::CACHE_CONTROL], "private, no-store");
    let data: Value = serde_json::from_str(&file.html).expect("JSON");
    assert_eq!(data["account"]["username"], "prof");
    let anonymous = Browser::new(&app).get("/account/export").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
}
