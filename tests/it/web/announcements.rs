//! Publishing through the multipart form, previews and refused forms,
//! editing, deleting, acknowledging, and the timeline's filters.

use axum::http::StatusCode;
use serde_json::json;

use super::{
    Browser, NOTE, Page, announcement_count, circo, markup::assert_sound_page,
    markup::element_around, markup::opening_before, outing, publish_outing, unescape,
};

#[tokio::test]
async fn a_publisher_publishes_with_a_file_and_a_teacher_acknowledges() {
    let c = circo().await;
    let mut cpc = Browser::signed_in(&c.app, "cpc").await;
    let form = cpc.get("/publish").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.show());
    assert!(form.has("enctype=\"multipart/form-data\""));
    assert!(form.has("<option value=\"nantes-3\""), "{}", form.show());
    assert!(form.has("type=\"file\" id=\"attachments\" name=\"attachments\" multiple"));

    let key = publish_outing(&mut cpc).await;
    assert_eq!(announcement_count(&c).await, 1);
    let page = cpc.get(&format!("/announcements/{key}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.show());
    assert!(page.has("<h1>Sortie au musée</h1>"), "{}", page.show());
    assert!(page.has("<strong>sortie</strong>"));
    assert!(page.has("class=\"flash\""), "published message");
    let link = page
        .html
        .find(">sortie.txt</a>")
        .and_then(|at| page.html[..at].rfind("href=\"").map(|s| (s + 6, at)))
        .map(|(start, end)| {
            let href = &page.html[start..end];
            href[..href.find('"').unwrap_or(href.len())].to_string()
        })
        .unwrap_or_else(|| panic!("no attachment link: {}", page.show()));
    assert!(page.has(&format!("href=\"/announcements/{key}/reads\"")));
    assert!(page.has(&format!("href=\"/announcements/{key}/edit\"")));
    assert!(page.has(&format!("action=\"/announcements/{key}/delete\"")));

    // The teacher it is addressed to: unread in the timeline, then read.
    let mut prof = Browser::signed_in(&c.app, "prof").await;
    let timeline = prof.get("/timeline").await;
    assert_eq!(timeline.status, StatusCode::OK, "{}", timeline.show());
    let article = opening_before(
        &timeline.html,
        &format!("href=\"/announcements/{key}\""),
        "article",
    )
    .unwrap_or_else(|| panic!("not in the timeline: {}", timeline.show()));
    assert_eq!(article, "<article class=\"announcement unread\">");
    // A line shows its organisation, category, date and summary.
    let line = |page: &Page| {
        let needle = format!("href=\"/announcements/{key}\"");
        element_around(&page.html, &needle, "article")
            .unwrap_or_else(|| panic!("no line for {key}: {}", page.show()))
            .to_string()
    };
    let shown = line(&timeline);
    for part in [
        "Sortie au musée</a>",
        "(non lue)",
        "<p class=\"meta\">Circonscription Nantes 3 · <span class=\"tag\">Administratif</span> · <time datetime=\"20",
        "<p>Une sortie au musée jeudi.</p>",
    ] {
        assert!(shown.contains(part), "{part:?} not in {shown}");
    }
    // The organisation's page lists it the same way, to its publisher.
    let organisation = cpc.get("/directory/organisations/nantes-3").await;
    let listed = line(&organisation);
    assert!(
        listed.contains("<p>Une sortie au musée jeudi.</p>")
            && listed.contains("<span class=\"tag\">Administratif</span>"),
        "{listed}"
    );
    let unread_only = prof.get("/timeline?unread=on").await;
    assert!(unread_only.has("Sortie au musée"));
    // The filters: the organisation select's values and the categories.
    let source = "http://preau.test/orgs/nantes-3";
    assert!(
        timeline.has(&format!(
            "<option value=\"{source}\">Circonscription Nantes 3</option>"
        )),
        "{}",
        timeline.show()
    );
    let by_organisation = prof
        .get(&format!(
            "/timeline?organisation={}",
            url::form_urlencoded::byte_serialize(source.as_bytes()).collect::<String>()
        ))
        .await;
    assert_eq!(
        by_organisation.status,
        StatusCode::OK,
        "{}",
        by_organisation.show()
    );
    assert!(by_organisation.has("Sortie au musée"));
    assert!(by_organisation.has(&format!("<option value=\"{source}\" selected>")));
    let other_category = prof.get("/timeline?category=pedagogy").await;
    assert_eq!(other_category.status, StatusCode::OK);
    assert!(!other_category.has("Sortie au musée"));
    assert!(other_category.has("<option value=\"pedagogy\" selected>"));
    let same_category = prof.get("/timeline?category=administrative").await;
    assert!(same_category.has("Sortie au musée"));

    let attachment = link
        .strip_prefix("http://preau.test")
        .unwrap_or(&link)
        .to_string();
    let file = prof.get(&attachment).await;
    assert_eq!(file.status, StatusCode::OK, "{attachment}: {}", file.show());
    assert_eq!(file.html, "Départ à 8 h 30 devant l'école.\n");

    let page = prof.get(&format!("/announcements/{key}")).await;
    let read_form = format!("action=\"/announcements/{key}/read\"");
    assert!(page.has(&read_form), "{}", page.show());
    assert!(
        !page.has(&format!("href=\"/announcements/{key}/edit\"")),
        "a reader gets no publisher tools"
    );
    let read = prof
        .post(
            &format!("/announcements/{key}/read"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(read.status, StatusCode::SEE_OTHER, "{}", read.show());
    assert_eq!(read.location(), format!("/announcements/{key}"));
    let page = prof.get(&format!("/announcements/{key}")).await;
    assert!(!page.has(&read_form), "no button once read");
    let timeline = prof.get("/timeline").await;
    let article = opening_before(
        &timeline.html,
        &format!("href=\"/announcements/{key}\""),
        "article",
    )
    .expect("still in the timeline");
    assert_eq!(article, "<article class=\"announcement\">");
    let unread_only = prof.get("/timeline?unread=on").await;
    assert!(!unread_only.has("Sortie au musée"));

    let reads = cpc.get(&format!("/announcements/{key}/reads")).await;
    assert_eq!(reads.status, StatusCode::OK, "{}", reads.show());
    let row = opening_before(&reads.html, "(prof)", "tr")
        .unwrap_or_else(|| panic!("prof not listed: {}", reads.show()));
    assert_eq!(row, "<tr class=\"read\">");
    let forbidden = prof.get(&format!("/announcements/{key}/reads")).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    // Not for parents: neither the page nor the form.
    let mut parent = Browser::signed_in(&c.app, "parent").await;
    let hidden = parent.get(&format!("/announcements/{key}")).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.show());
    let publish = parent.get("/publish").await;
    assert_eq!(publish.status, StatusCode::FORBIDDEN, "{}", publish.show());
    assert!(publish.has("role=\"alert\""));
    let mut anonymous = Browser::new(&c.app);
    let publish = anonymous.get("/publish").await;
    assert_eq!(publish.status, StatusCode::SEE_OTHER);
    assert_eq!(publish.location(), "/login?next=%2Fpublish");
}

#[tokio::test]
async fn a_preview_and_a_refused_form_keep_what_was_typed_and_publish_nothing() {
    let c = circo().await;
    let mut cpc = Browser::signed_in(&c.app, "cpc").await;
    let csrf = cpc.get("/publish").await.csrf();

    let preview = cpc
        .post_multipart(
            "/publish",
            &outing(&csrf, "Sortie au musée", "preview"),
            &[NOTE],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.show());
    assert!(preview.has("class=\"preview\""), "{}", preview.show());
    assert!(preview.has("<strong>sortie</strong>"));
    assert!(preview.has(">Une **sortie** au musée jeudi.</textarea>"));
    assert_eq!(preview.input("title").as_deref(), Some("Sortie au musée"));
    let kept = preview
        .input("kept")
        .unwrap_or_else(|| panic!("the file is kept: {}", preview.show()));
    assert!(kept.ends_with(":sortie.txt"), "{kept}");
    assert!(preview.has("name=\"roles\" value=\"teacher\" checked"));
    assert!(preview.has("name=\"ack_requested\" checked"));
    assert_eq!(
        announcement_count(&c).await,
        0,
        "a preview publishes nothing"
    );

    // What is typed is shown as text, and the Markdown is cleaned.
    let mut hostile = outing(&csrf, "Réunion <b>parents</b>", "preview");
    hostile[3] = (
        "body",
        "Bonjour <script>alert(1)</script> <a href=\"javascript:x()\" onclick=\"y()\">lien</a>",
    );
    let preview = cpc.post_multipart("/publish", &hostile, &[]).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.show());
    assert!(!preview.has("<b>parents</b>"), "{}", preview.show());
    assert_eq!(
        preview.input("title").as_deref(),
        Some("Réunion <b>parents</b>")
    );
    let section = &preview.html[preview.html.find("class=\"preview\"").expect("preview")..];
    let section = &section[..section.find("</section>").expect("end of preview")];
    assert!(
        section.contains("Bonjour") && section.contains("lien"),
        "{section}"
    );
    for bad in ["<script", "javascript:", "onclick"] {
        assert!(!section.contains(bad), "{bad} in the preview: {section}");
    }
    assert_eq!(announcement_count(&c).await, 0);

    let mut empty_title = outing(&csrf, "", "publish");
    empty_title[3] = ("body", "Texte gardé");
    let refused = cpc.post_multipart("/publish", &empty_title, &[]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.show()
    );
    assert_sound_page("/publish (refused)", &refused);
    assert!(refused.has("role=\"alert\""));
    assert!(refused.has(">Texte gardé</textarea>"), "{}", refused.show());
    assert!(refused.has("name=\"roles\" value=\"teacher\" checked"));
    assert_eq!(announcement_count(&c).await, 0);

    // The kept file of the preview goes out with the publication.
    let mut fields = outing(&csrf, "Sortie au musée", "publish");
    fields.push(("kept", &kept));
    let published = cpc.post_multipart("/publish", &fields, &[]).await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.show()
    );
    let page = cpc.get(published.location()).await;
    assert!(page.has(">sortie.txt</a>"), "{}", page.show());
    assert_eq!(announcement_count(&c).await, 1);
}

#[tokio::test]
async fn the_publisher_edits_then_deletes_through_the_forms() {
    let c = circo().await;
    let mut cpc = Browser::signed_in(&c.app, "cpc").await;
    let key = publish_outing(&mut cpc).await;
    let edit_path = format!("/announcements/{key}/edit");

    let form = cpc.get(&edit_path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.show());
    assert_sound_page(&edit_path, &form);
    assert!(form.has(&format!("action=\"{edit_path}\"")));
    assert_eq!(form.input("title").as_deref(), Some("Sortie au musée"));
    assert!(
        !form.has("<select id=\"organisation\""),
        "no organisation choice"
    );
    let kept = form.input("kept").expect("the attachment is offered");
    let csrf = form.csrf();

    let mut prof = Browser::signed_in(&c.app, "prof").await;
    let not_yours = prof.get(&edit_path).await;
    assert_eq!(
        not_yours.status,
        StatusCode::FORBIDDEN,
        "{}",
        not_yours.show()
    );

    let mut fields = outing(&csrf, "Sortie au musée (horaires changés)", "publish");
    fields.remove(1);
    fields.push(("organisation", "nantes-3"));
    fields.push(("kept", &kept));
    // A time typed in the form is on the instance's clock (Paris): the
    // spring change skips 02:30 on 28 March 2027.
    let starts = fields
        .iter()
        .position(|(k, _)| *k == "starts_at")
        .expect("field");
    fields[starts].1 = "2027-03-28T02:30";
    let skipped = cpc.post_multipart(&edit_path, &fields, &[]).await;
    assert_eq!(
        skipped.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        skipped.show()
    );
    assert!(skipped.has("Europe/Paris"), "{}", skipped.show());
    fields[starts].1 = "2026-12-03T14:00";
    let edited = cpc.post_multipart(&edit_path, &fields, &[]).await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.show());
    assert_eq!(edited.location(), format!("/announcements/{key}"));
    let page = cpc.get(edited.location()).await;
    assert!(
        page.has("<h1>Sortie au musée (horaires changés)</h1>"),
        "{}",
        page.show()
    );
    assert!(page.has(">sortie.txt</a>"), "the attachment stays");
    assert!(page.has("03/12/2026 à 14:00"), "{}", page.show());
    let listed = c
        .app
        .get("/api/v1/organisations/nantes-3/announcements", Some(&c.cpc))
        .await;
    let stored = listed.body["items"][0]["starts_at"]
        .as_str()
        .unwrap_or_default();
    assert!(stored.starts_with("2026-12-03T13:00:00"), "{stored}");
    let again = cpc.get(&edit_path).await;
    assert_eq!(
        again.input("starts_at").as_deref(),
        Some("2026-12-03T14:00")
    );

    let mut empty = fields.clone();
    empty[1] = ("title", "");
    let refused = cpc.post_multipart(&edit_path, &empty, &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.has("role=\"alert\""));
    // The service's refusal, in the page's language.
    assert!(
        refused.has("Le titre doit compter de 1 à"),
        "{}",
        refused.show()
    );

    let forged = cpc
        .post(&format!("/announcements/{key}/delete"), &[("csrf", "x")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let prof_csrf = prof.csrf().await;
    let by_reader = prof
        .post(
            &format!("/announcements/{key}/delete"),
            &[("csrf", &prof_csrf)],
        )
        .await;
    assert_eq!(
        by_reader.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_reader.show()
    );
    assert_eq!(announcement_count(&c).await, 1);

    let deleted = cpc
        .post(&format!("/announcements/{key}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.show());
    assert_eq!(deleted.location(), "/timeline");
    let gone = cpc.get(&format!("/announcements/{key}")).await;
    assert!(
        matches!(gone.status, StatusCode::NOT_FOUND | StatusCode::GONE),
        "{}",
        gone.show()
    );
    assert_eq!(announcement_count(&c).await, 0);
    let timeline = prof.get("/timeline").await;
    assert!(!timeline.has("Sortie au musée"));
}

#[tokio::test]
async fn the_timeline_pages_keep_their_filters() {
    let c = circo().await;
    for n in 0..23 {
        let published = c
            .app
            .post(
                "/api/v1/organisations/nantes-3/announcements",
                &c.cpc,
                json!({"title": format!("Note {n:02}"), "body": "Texte", "category": "pedagogy"}),
            )
            .await;
        assert_eq!(published.status, StatusCode::CREATED, "{}", published.body);
    }
    let mut prof = Browser::signed_in(&c.app, "prof").await;
    let first = prof.get("/timeline?category=pedagogy").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.show());
    let titles = |page: &Page| -> Vec<String> {
        page.html
            .match_indices("<h2><a href=\"/announcements/")
            .filter_map(|(at, _)| {
                let rest = &page.html[at..];
                let start = rest.find("\">")? + 2;
                let end = rest.find("</a>")?;
                Some(rest[start..end].to_string())
            })
            .collect()
    };
    let first_titles = titles(&first);
    assert_eq!(first_titles.len(), 20, "{first_titles:?}");
    assert_eq!(first_titles[0], "Note 22", "newest first");
    let marker = "rel=\"next\" href=\"";
    let start = first
        .html
        .find(marker)
        .unwrap_or_else(|| panic!("no next page: {}", first.show()))
        + marker.len();
    let next = unescape(&first.html[start..start + first.html[start..].find('"').expect("end")]);
    assert!(next.contains("category=pedagogy"), "{next}");
    let second = prof.get(&next).await;
    assert_eq!(second.status, StatusCode::OK, "{next}: {}", second.show());
    let second_titles = titles(&second);
    assert_eq!(second_titles, ["Note 02", "Note 01", "Note 00"]);
    assert!(!second.has("rel=\"next\""));
}

#[tokio::test]
async fn a_public_announcement_is_open_to_anonymous_readers() {
    let c = circo().await;
    let published = c
        .app
        .post(
            "/api/v1/organisations/nantes-3/announcements",
            &c.cpc,
            json!({"title": "Fête de l'école", "body": "Samedi **10 h**.", "ack_requested": true}),
        )
        .await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.body);
    let key = published.body["key"].as_str().expect("key").to_string();
    let path = format!("/announcements/{key}");
    let mut anonymous = Browser::new(&c.app);
    let page = anonymous.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.show());
    assert_sound_page(&path, &page);
    assert!(page.has("<strong>10 h</strong>"));
    assert!(
        !page.has(&format!("action=\"{path}/read\"")),
        "no acknowledgement without an account"
    );
    assert!(!page.has(&format!("href=\"{path}/edit\"")));
    let reads = anonymous.get(&format!("{path}/reads")).await;
    assert_eq!(reads.status, StatusCode::SEE_OTHER);
    assert_eq!(
        reads.location(),
        format!("/login?next=%2Fannouncements%2F{key}%2Freads")
    );
    let json = c.app.get_as(&path, "application/activity+json").await;
    assert_eq!(json.body["type"], "Article", "peers still get the Article");
}
