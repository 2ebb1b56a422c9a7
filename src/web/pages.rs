//! Server-rendered pages (askama): an organisation's public page and an
//! announcement's page. The full web interface grows from these.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDateTime;

use crate::{
    AppState,
    db::{
        self,
        announcements::{self, Announcement, Filter},
        organisations::{self, Organisation},
    },
    error::AppError,
    model::Visibility,
    services::timeline::{AnnouncementView, views},
};

/// Dates as people read them (UTC until accounts carry a time zone).
pub fn human_date(t: NaiveDateTime) -> String {
    t.format("%d/%m/%Y à %H:%M UTC").to_string()
}

pub struct ListedAnnouncement {
    pub url: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub pinned: bool,
    pub published_iso: String,
    pub published_human: String,
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    domain: String,
    name: String,
    kind: String,
    uai: Option<String>,
    city: Option<String>,
    description: String,
    handle: String,
    actor: String,
    announcements: Vec<ListedAnnouncement>,
}

fn render<T: Template>(page: &T) -> Result<Response, AppError> {
    let html = page.render().map_err(AppError::internal)?;
    Ok(Html(html).into_response())
}

/// How many announcements an organisation's page and feeds show.
pub const PAGE_ANNOUNCEMENTS: i64 = 30;

/// The latest live public announcements of an organisation, pinned first.
pub fn public_announcements(
    conn: &mut db::DbConn,
    organisation_id: i64,
) -> Result<Vec<Announcement>, AppError> {
    let filter = Filter {
        live_at: Some(db::now()),
        ..Filter::default()
    };
    let mut rows =
        announcements::of_organisation(conn, organisation_id, true, &filter, PAGE_ANNOUNCEMENTS)?;
    rows.sort_by_key(|r| (!r.pinned, std::cmp::Reverse(r.id)));
    Ok(rows)
}

/// An organisation's public page, with its feeds announced by `<link
/// rel="alternate">`.
pub async fn organisation(state: &AppState, org: Organisation) -> Result<Response, AppError> {
    let id = org.id;
    let rows = state
        .db
        .run(move |conn| public_announcements(conn, id))
        .await?;
    render(&OrganisationPage {
        domain: state.settings.domain.clone(),
        handle: format!("{}@{}", org.slug, org.domain),
        actor: org.ap_id,
        name: org.name,
        kind: org.kind,
        uai: org.uai,
        city: org.city,
        description: org.description,
        announcements: rows
            .into_iter()
            .map(|r| ListedAnnouncement {
                published_iso: r.published_at.and_utc().to_rfc3339(),
                published_human: human_date(r.published_at),
                url: r.url,
                title: r.title,
                summary: r.summary,
                category: r.category,
                pinned: r.pinned,
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "announcement.html")]
struct AnnouncementPage {
    domain: String,
    id: String,
    title: String,
    organisation_name: String,
    organisation_url: String,
    author: String,
    category: String,
    published_iso: String,
    published_human: String,
    starts_human: Option<String>,
    ends_human: Option<String>,
    content: String,
    attachments: Vec<crate::services::timeline::AttachmentView>,
}

/// The page of a public announcement.
pub fn announcement(state: &AppState, view: AnnouncementView) -> Result<Response, AppError> {
    let fmt = |t: chrono::DateTime<chrono::Utc>| human_date(t.naive_utc());
    render(&AnnouncementPage {
        domain: state.settings.domain.clone(),
        id: view.id,
        title: view.title,
        organisation_name: view.organisation.name,
        organisation_url: view.organisation.id,
        author: view.author.name,
        category: view.category,
        published_iso: view.published.to_rfc3339(),
        published_human: fmt(view.published),
        starts_human: view.starts_at.map(fmt),
        ends_human: view.ends_at.map(fmt),
        // Sanitised when stored (ammonia), local or remote.
        content: view.content,
        attachments: view.attachments,
    })
}

/// A public announcement's view by key, or 404.
pub async fn public_announcement(
    state: &AppState,
    key: &str,
) -> Result<AnnouncementView, AppError> {
    let key = key.to_string();
    let mut found = state
        .db
        .run(move |conn| {
            let row = announcements::by_public_id(conn, &key)?
                .filter(|r| r.public)
                .ok_or_else(|| AppError::not_found("announcement"))?;
            views(conn, vec![row], None)
        })
        .await?;
    found
        .pop()
        .ok_or_else(|| AppError::not_found("announcement"))
}

/// A local organisation the whole web may see, by slug, or 404: these
/// pages and feeds are public.
pub async fn local_organisation(state: &AppState, slug: &str) -> Result<Organisation, AppError> {
    let slug = slug.to_string();
    state
        .db
        .run(move |conn| {
            organisations::local_by_slug(conn, &slug)?
                .filter(|o| o.visibility == Visibility::Public.as_str())
                .ok_or_else(|| AppError::not_found("organisation"))
        })
        .await
}
