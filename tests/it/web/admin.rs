//! The admin pages, the module switches, the statistics, and sharing a
//! resource through the browser.

use std::sync::atomic::Ordering;

use axum::http::StatusCode;

use super::{Browser, PASSWORD, Upload, circo, markup::item_around, publish_outing};

const SHEET: Upload = Upload {
    field: "files",
    name: "fiche-loup.txt",
    media_type: "text/plain",
    content: "Le loup et l'agneau : questions de lecture.\n".as_bytes(),
};

/// The first row of the first table body of a page.
fn first_row(html: &str) -> &str {
    let body = html.split("<tbody>").nth(1).unwrap_or("");
    body.split("</tr>").next().unwrap_or("")
}

#[tokio::test]
async fn admins_create_accounts_organisations_and_roles_and_nobody_else_does() {
    let c = circo().await;
    let mut admin = Browser::signed_in(&c.app, "admin").await;
    let page = admin.get("/admin/accounts").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.show());
    let csrf = page.csrf();

    // A refused account comes back with what was typed.
    let refused = admin
        .post(
            "/admin/accounts",
            &[
                ("csrf", &csrf),
                ("username", "Pas Valide!"),
                ("display_name", "Claire Martin"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.show()
    );
    assert!(refused.has("role=\"alert\""), "{}", refused.show());
    assert!(refused.has("value=\"Claire Martin\""), "{}", refused.show());

    let created = admin
        .post(
            "/admin/accounts",
            &[
                ("csrf", &csrf),
                ("username", "directrice"),
                ("display_name", "Claire Martin"),
                ("email", "claire@example.fr"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.show());
    assert!(admin.get("/admin/accounts").await.has("Claire Martin"));

    let org = admin
        .post(
            "/admin/organisations",
            &[
                ("csrf", &csrf),
                ("slug", "ecole-a"),
                ("name", "École Anne Frank"),
                ("kind", "ecole"),
                ("uai", ""),
                ("parent", "nantes-3"),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(org.status, StatusCode::SEE_OTHER, "{}", org.show());
    let school = admin.get("/directory/organisations/ecole-a").await;
    assert!(school.has("Circonscription Nantes 3"), "{}", school.show());

    let added = admin
        .post(
            "/admin/members",
            &[
                ("csrf", &csrf),
                ("username", "directrice"),
                ("organisation", "ecole-a"),
                ("role", "director"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.show());
    assert_eq!(added.location(), "/admin/members?organisation=ecole-a");
    let members = admin.get(added.location()).await;
    assert!(members.has("<td>directrice</td>"), "{}", members.show());
    // The accounts list shows each account's own memberships.
    let accounts = admin.get("/admin/accounts").await;
    let row = |name: &str| {
        let at = accounts.html.find(name).expect(name);
        accounts.html[at..]
            .split("</tr>")
            .next()
            .unwrap_or("")
            .to_string()
    };
    assert!(
        row("Claire Martin").contains("ecole-a (director)"),
        "{}",
        row("Claire Martin")
    );
    assert!(
        row(">cpc<").contains("nantes-3 (advisor)"),
        "{}",
        row(">cpc<")
    );
    assert!(!row(">cpc<").contains("ecole-a"), "{}", row(">cpc<"));
    let school = admin.get("/directory/organisations/ecole-a").await;
    assert!(school.has("Claire Martin"), "{}", school.show());

    // An unknown organisation is said, and nothing is added.
    let unknown = admin
        .post(
            "/admin/members",
            &[
                ("csrf", &csrf),
                ("username", "directrice"),
                ("organisation", "nulle-part"),
                ("role", "teacher"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.show());
    assert!(unknown.has("role=\"alert\""), "{}", unknown.show());
    assert!(unknown.has("value=\"directrice\""), "{}", unknown.show());

    let removed = admin
        .post(
            "/admin/members/delete",
            &[
                ("csrf", &csrf),
                ("username", "directrice"),
                ("organisation", "ecole-a"),
                ("role", "director"),
            ],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.show());
    assert!(
        !admin
            .get(removed.location())
            .await
            .has("<td>directrice</td>")
    );

    // A suspended account cannot sign in any more.
    let mut claire = Browser::new(&c.app);
    assert_eq!(
        claire.sign_in("directrice", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let suspended = admin
        .post(
            "/admin/accounts/disabled",
            &[
                ("csrf", &csrf),
                ("username", "directrice"),
                ("disabled", "true"),
            ],
        )
        .await;
    assert_eq!(
        suspended.status,
        StatusCode::SEE_OTHER,
        "{}",
        suspended.show()
    );
    let mut again = Browser::new(&c.app);
    assert_eq!(
        again.sign_in("directrice", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(claire.get("/timeline").await.status, StatusCode::SEE_OTHER);

    // Others: refused, or sent to sign in.
    let mut prof = Browser::signed_in(&c.app, "prof").await;
    for path in [
        "/admin",
        "/admin/accounts",
        "/admin/federation",
        "/admin/statistics",
        "/admin/audit",
    ] {
        assert_eq!(prof.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    // The admins' list of accounts refuses anyone else behind the page too.
    let prof_account = c
        .app
        .state
        .db
        .run(|conn| {
            Ok::<_, preau::AppError>(
                preau::db::accounts::local_by_username(conn, "prof")?.expect("prof"),
            )
        })
        .await
        .expect("prof's account");
    let as_prof = preau::services::Caller::Account(Box::new(prof_account.into()));
    let refused = preau::services::accounts::roster(&c.app.state, &as_prof, &Default::default())
        .await
        .expect_err("a teacher lists no accounts");
    assert_eq!(refused.kind.status(), StatusCode::FORBIDDEN);
    let prof_csrf = prof.csrf().await;
    let forged = prof
        .post(
            "/admin/accounts",
            &[
                ("csrf", &prof_csrf),
                ("username", "intrus"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!admin.get("/admin/accounts").await.has("intrus"));
    let anonymous = Browser::new(&c.app).get("/admin/federation").await;
    assert_eq!(anonymous.location(), "/login?next=%2Fadmin%2Ffederation");
}

#[tokio::test]
async fn organisations_are_picked_by_words_of_their_name() {
    let c = circo().await;
    let mut admin = Browser::signed_in(&c.app, "admin").await;
    let csrf = admin.csrf().await;

    // Words rather than an identifier: the organisations they match.
    let found = admin
        .get("/admin/members?organisation=circonscription")
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.show());
    assert!(
        found.has("Organisations qui correspondent à « circonscription »"),
        "{}",
        found.show()
    );
    assert!(
        found.has("href=\"/admin/members?organisation=nantes-3#add-member\""),
        "{}",
        found.show()
    );
    assert!(!found.has("Membres de"), "{}", found.show());
    let nothing = admin.get("/admin/members?organisation=zzzz").await;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND, "{}", nothing.show());
    assert!(nothing.has("role=\"alert\""), "{}", nothing.show());

    // The add form sent with words comes back with the matches; the one
    // picked keeps the person and the role typed.
    let words = admin
        .post(
            "/admin/members",
            &[
                ("csrf", &csrf),
                ("username", "parent"),
                ("organisation", "nantes 3"),
                ("role", "director"),
            ],
        )
        .await;
    assert!(words.has("role=\"alert\""), "{}", words.show());
    let pick =
        "/admin/members?organisation=nantes-3&#38;username=parent&#38;role=director#add-member";
    assert!(words.has(pick), "{}", words.show());
    let picked = admin.get(&pick.replace("&#38;", "&")).await;
    assert_eq!(picked.status, StatusCode::OK, "{}", picked.show());
    assert!(picked.has("Membres de nantes-3"), "{}", picked.show());
    assert!(picked.has("value=\"parent\""), "{}", picked.show());
    assert!(
        picked.has("<option value=\"director\" selected>"),
        "{}",
        picked.show()
    );
    assert!(!picked.has("<td>parent</td>"), "nobody added yet");

    // A parent typed as words is offered as choices, the form kept.
    let school = [
        ("csrf", csrf.as_str()),
        ("slug", "ecole-b"),
        ("name", "École Jules Verne"),
        ("kind", "ecole"),
        ("parent", "Nantes 3"),
        ("visibility", "public"),
    ];
    let choose = admin.post("/admin/organisations", &school).await;
    assert!(choose.has("role=\"alert\""), "{}", choose.show());
    assert!(
        choose.has("value=\"École Jules Verne\""),
        "{}",
        choose.show()
    );
    assert!(
        choose.has("name=\"parent_choice\" value=\"nantes-3\""),
        "{}",
        choose.show()
    );
    let mut chosen = school.to_vec();
    chosen.push(("parent_choice", "nantes-3"));
    let created = admin.post("/admin/organisations", &chosen).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.show());
    let page = admin.get("/directory/organisations/ecole-b").await;
    assert!(page.has("Circonscription Nantes 3"), "{}", page.show());

    // From the directory, an admin goes to an organisation's members.
    assert!(
        page.has("href=\"/admin/members?organisation=ecole-b\""),
        "{}",
        page.show()
    );
    let mut prof = Browser::signed_in(&c.app, "prof").await;
    let seen = prof.get("/directory/organisations/ecole-b").await;
    assert!(!seen.has("/admin/members"), "{}", seen.show());

    // The publish form offers an admin every organisation in name order,
    // accents ignored (a byte order puts "École" after "Zola").
    let zola = [
        ("csrf", csrf.as_str()),
        ("slug", "zola"),
        ("name", "Zola"),
        ("kind", "college"),
        ("visibility", "public"),
    ];
    let created = admin.post("/admin/organisations", &zola).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.show());
    let form = admin.get("/publish").await;
    let at = |name: &str| form.html.find(name).expect(name);
    assert!(at(">École Jules Verne<") < at(">Zola<"), "{}", form.show());
}

#[tokio::test]
async fn the_federation_mode_changes_from_its_page() {
    let c = circo().await;
    let mut admin = Browser::signed_in(&c.app, "admin").await;
    let page = admin.get("/admin/federation").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.show());
    let csrf = page.csrf();
    let changed = admin
        .post(
            "/admin/federation/mode",
            &[("csrf", &csrf), ("mode", "closed")],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.show());
    let page = admin.get("/admin/federation").await;
    assert!(
        page.has("<option value=\"closed\" selected>"),
        "{}",
        page.show()
    );
    let blocked = admin
        .post(
            "/admin/federation/domains",
            &[
                ("csrf", &csrf),
                ("domain", "spam.example"),
                ("rule", "block"),
            ],
        )
        .await;
    assert_eq!(blocked.status, StatusCode::SEE_OTHER, "{}", blocked.show());
    assert!(
        admin
            .get("/admin/federation")
            .await
            .has("<td>spam.example</td>")
    );
    let bad = admin
        .post(
            "/admin/federation/mode",
            &[("csrf", &csrf), ("mode", "grand-ouvert")],
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.show()
    );
    assert!(
        bad.has("<option value=\"closed\" selected>"),
        "{}",
        bad.show()
    );
}

#[tokio::test]
async fn a_module_switched_off_leaves_the_menu_and_its_pages() {
    let c = circo().await;
    let mut admin = Browser::signed_in(&c.app, "admin").await;
    let csrf = admin.csrf().await;
    assert!(admin.get("/timeline").await.has("href=\"/resources\""));
    let saved = admin
        .post(
            "/admin/modules",
            &[
                ("csrf", &csrf),
                ("modules", "announcements"),
                ("modules", "directory"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.show());
    let timeline = admin.get("/timeline").await;
    assert!(!timeline.has("href=\"/resources\""), "{}", timeline.show());
    let off = admin.get("/resources").await;
    assert_eq!(off.status, StatusCode::NOT_FOUND);
    // In the page frame, like any unknown address.
    assert!(off.has("<main id=\"main\""), "{}", off.show());
    let unknown = admin.get("/nulle-part").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.has("<main id=\"main\""), "{}", unknown.show());
    assert_eq!(
        admin.get("/resources/new").await.status,
        StatusCode::NOT_FOUND
    );
    let page = admin.get("/admin/modules").await;
    assert!(page.has("value=\"directory\" checked"), "{}", page.show());
    assert!(!page.has("value=\"resources\" checked"), "{}", page.show());
    // The API is not a module's page: it stays.
    let api = c.app.get("/api/v1/resources", Some(&c.cpc)).await;
    assert_eq!(api.status, StatusCode::OK);

    let all = admin
        .post(
            "/admin/modules",
            &[
                ("csrf", &csrf),
                ("modules", "announcements"),
                ("modules", "directory"),
                ("modules", "resources"),
            ],
        )
        .await;
    assert_eq!(all.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.get("/resources").await.status, StatusCode::OK);

    // Both switches are in the audit log, newest first, in French.
    let audit = admin.get("/admin/audit?action=modules_changed").await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.show());
    let row = first_row(&audit.html);
    assert!(row.contains("<td>admin</td>"), "{row}");
    assert!(
        row.contains("<td>Modules activés ou désactivés</td>"),
        "{row}"
    );
    assert!(
        row.contains("<td>announcements=true, directory=true, resources=true</td>"),
        "{row}"
    );
    assert!(
        audit.has("<td>announcements=true, directory=true, resources=false</td>"),
        "{}",
        audit.show()
    );
    assert!(
        audit.has("<option value=\"modules_changed\" selected>"),
        "{}",
        audit.show()
    );
    // Filtered: the circonscription's creation is in the whole log only.
    assert!(
        !audit.has("<td>Organisation créée</td>"),
        "{}",
        audit.show()
    );
    assert!(
        admin
            .get("/admin/audit")
            .await
            .has("<td>Organisation créée</td><td>nantes-3</td>")
    );
    let unknown = admin.get("/admin/audit?action=tout").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.has("action auditée « tout »"), "{}", unknown.show());
}

#[tokio::test]
async fn a_shared_resource_is_downloaded_and_the_statistics_count_it_all() {
    let c = circo().await;
    let mut cpc = Browser::signed_in(&c.app, "cpc").await;
    let key = publish_outing(&mut cpc).await;
    let mut prof = Browser::signed_in(&c.app, "prof").await;
    let csrf = prof.csrf().await;
    let read = prof
        .post(&format!("/announcements/{key}/read"), &[("csrf", &csrf)])
        .await;
    assert_eq!(read.status, StatusCode::SEE_OTHER, "{}", read.show());

    // Sharing: an unknown licence is refused with the form kept.
    let form = cpc.get("/resources/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.show());
    let csrf = form.csrf();
    let fields = |licence: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("organisation", "nantes-3".to_string()),
            ("title", "Le loup et l'agneau".to_string()),
            ("description", "Questions de lecture".to_string()),
            ("licence", licence.to_string()),
            ("levels", "cycle-3".to_string()),
            ("subjects", "français".to_string()),
            ("tags", "lecture, fable".to_string()),
        ]
    };
    let refused_fields = fields("WTFPL-9");
    let refused_fields: Vec<(&str, &str)> = refused_fields
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let refused = cpc
        .post_multipart("/resources/new", &refused_fields, &[SHEET])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.show()
    );
    assert!(refused.has("Questions de lecture"), "{}", refused.show());
    assert!(refused.has("La licence « WTFPL-9 »"), "{}", refused.show());
    assert!(refused.has("<datalist id=\"subject-names\"><option value=\"Français\">"));
    let good_fields = fields("CC-BY-4.0");
    let good_fields: Vec<(&str, &str)> =
        good_fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let shared = cpc
        .post_multipart("/resources/new", &good_fields, &[SHEET])
        .await;
    assert_eq!(shared.status, StatusCode::SEE_OTHER, "{}", shared.show());
    let page_path = shared.location().to_string();
    let page = prof.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.show());
    assert!(
        page.has("Creative Commons Attribution 4.0"),
        "{}",
        page.show()
    );
    // The curriculum subject by its name, not its keyword.
    assert!(page.has("<dd>Français</dd>"), "{}", page.show());
    let at = page.html.find("/files/").expect("a download link");
    let start = page.html[..at].rfind("href=\"").expect("href") + "href=\"".len();
    let end = at + page.html[at..].find('"').expect("end of link");
    let link = &page.html[start..end];
    let path = link
        .find("/resources/")
        .map(|i| &link[i..])
        .expect("a link to this instance");
    for _ in 0..2 {
        let file = prof.get(path).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.html.as_bytes(), SHEET.content);
    }
    assert!(prof.get(&page_path).await.has("2 téléchargement(s)"));
    let found = prof.get("/resources?q=agneau&level=cycle-3").await;
    assert!(found.has("Le loup et l&#39;agneau"), "{}", found.show());
    // Its line: where it comes from, its licence and its downloads.
    let line = item_around(&found.html, "Le loup et l&#39;agneau").expect("its line");
    for part in [
        page_path.as_str(),
        "Circonscription Nantes 3",
        "Creative Commons Attribution 4.0",
        "2 téléchargement(s)",
    ] {
        assert!(line.contains(part), "{part}: {line}");
    }
    let none = prof.get("/resources?q=agneau&level=lycee").await;
    assert!(!none.has("Le loup et l&#39;agneau"), "{}", none.show());

    // Federation traffic counted by the workers reaches the page.
    c.app.state.tally.received.fetch_add(3, Ordering::Relaxed);
    c.app.state.tally.delivered.fetch_add(5, Ordering::Relaxed);

    let mut admin = Browser::signed_in(&c.app, "admin").await;
    let stats = admin.get("/admin/statistics").await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.show());
    let week = first_row(&stats.html);
    // cpc, prof and admin signed in this week; one announcement, read by
    // the one teacher it was addressed to; 3 received, 5 delivered.
    assert!(week.contains("<td>3</td><td>1</td>"), "this week: {week}");
    assert!(week.contains("100 %"), "this week: {week}");
    assert!(
        week.contains("<td>3</td><td>5</td><td>0</td>"),
        "this week: {week}"
    );
    assert!(stats.has("<dd>2</dd>"), "downloads: {}", stats.show());
    assert!(stats.has("Le loup et l&#39;agneau"), "{}", stats.show());
    // Within the minute the page shows the figures it computed, and says
    // when it computed them.
    c.app.state.tally.delivered.fetch_add(1, Ordering::Relaxed);
    let kept = admin.get("/admin/statistics").await;
    assert!(first_row(&kept.html).contains("<td>3</td><td>5</td>"));
    assert!(kept.has("calculés le "), "{}", kept.show());
    assert!(kept.has("(Europe/Paris)"), "{}", kept.show());
    // Computed again, as a minute later: the first counters were written,
    // and the new delivery is counted.
    c.app.state.statistics.forget();
    let again = admin.get("/admin/statistics").await;
    assert!(
        first_row(&again.html).contains("<td>3</td><td>6</td>"),
        "{}",
        first_row(&again.html)
    );
}

#[tokio::test]
async fn an_admin_exports_a_persons_data_from_their_page_and_it_is_audited() {
    let c = circo().await;
    let mut admin = Browser::signed_in(&c.app, "admin").await;
    let page = admin.get("/directory/people/prof").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.show());
    assert!(
        page.has("action=\"/admin/accounts/export\""),
        "{}",
        page.show()
    );
    let csrf = page.csrf();
    let file = admin
        .post(
            "/admin/accounts/export",
            &[("csrf", &csrf), ("username", "prof")],
        )
        .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.show());
    assert_eq!(
        file.headers[axum::http::header::CONTENT_DISPOSITION],
        "attachment; filename=\"preau-prof.json\""
    );
    let data: serde_json::Value = serde_json::from_str(&file.html).expect("JSON");
    assert_eq!(data["account"]["username"], "prof");
    let audit = admin
        .get("/admin/audit?action=personal_data_exported")
        .await;
    let row = first_row(&audit.html);
    assert!(
        row.contains("<td>admin</td>") && row.contains("<td>prof</td>"),
        "{row}"
    );

    // Nobody else sees the form, or gets the file.
    let mut prof = Browser::signed_in(&c.app, "prof").await;
    let own = prof.get("/directory/people/prof").await;
    assert!(!own.has("/admin/accounts/export"), "{}", own.show());
    let csrf = prof.csrf().await;
    let refused = prof
        .post(
            "/admin/accounts/export",
            &[("csrf", &csrf), ("username", "prof")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_admin_deletes_an_account_from_its_page_once_confirmed() {
    let c = circo().await;
    let mut admin = Browser::signed_in(&c.app, "admin").await;
    let page = admin.get("/directory/people/prof").await;
    assert!(
        page.has("action=\"/admin/accounts/delete\""),
        "{}",
        page.show()
    );
    let csrf = page.csrf();
    let unconfirmed = admin
        .post(
            "/admin/accounts/delete",
            &[("csrf", &csrf), ("username", "prof")],
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unconfirmed.has("Cochez la case pour confirmer."),
        "{}",
        unconfirmed.show()
    );
    assert_eq!(
        admin.get("/directory/people/prof").await.status,
        StatusCode::OK
    );
    let deleted = admin
        .post(
            "/admin/accounts/delete",
            &[("csrf", &csrf), ("username", "prof"), ("confirm", "on")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.show());
    assert_eq!(deleted.location(), "/admin/accounts");
    assert_eq!(
        admin.get("/directory/people/prof").await.status,
        StatusCode::NOT_FOUND
    );
    let audit = admin.get("/admin/audit?action=account_deleted").await;
    assert!(
        first_row(&audit.html).contains("<td>Compte supprimé</td><td>prof</td>"),
        "{}",
        audit.show()
    );
}
