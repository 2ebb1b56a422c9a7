//! Reading announcements: the home timeline with its filters and unread
//! marks, an announcement's page with "I have read this", and the
//! publisher's view of who has read.

use askama::Template;
use axum::{
    Router,
    extract::{Path, Query, State},
    response::Response,
    routing::{get, post},
};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Chrome, CsrfOnly, Visitor, WebForm, checked, encode, ok};
use crate::{
    AppState,
    error::AppResult,
    model::BUILTIN_CATEGORIES,
    services::{
        acknowledgements::{self, ReadReport},
        announcements::{self, Powers},
        modules::{self, Module},
        timeline::{self, AnnouncementLineView, AnnouncementView, TimelineQuery},
    },
    web::i18n::{Locale, Tr},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/timeline", get(home_timeline))
        .route("/announcements/{key}/read", post(acknowledge))
        .route("/announcements/{key}/reads", get(reads))
        .route("/announcements/{key}/remind", post(remind))
}

/// The label of a category in the visitor's language; admin-defined ones
/// have one label.
pub fn category_label(tr: Tr, slug: &str, custom: &[(String, String)]) -> String {
    if let Some((_, fr, en)) = BUILTIN_CATEGORIES.iter().find(|(s, ..)| *s == slug) {
        return match tr.locale {
            Locale::Fr => (*fr).to_string(),
            Locale::En => (*en).to_string(),
        };
    }
    custom
        .iter()
        .find(|(s, _)| s == slug)
        .map_or_else(|| slug.to_string(), |(_, label)| label.clone())
}

/// What a line in a list and an announcement's own page both show: its
/// address, date and category, in the reader's language.
pub struct Meta {
    pub path: String,
    pub published: String,
    pub published_iso: String,
    pub category: String,
}

impl Meta {
    fn new(
        tr: Tr,
        key: &str,
        published: DateTime<Utc>,
        category: &str,
        custom: &[(String, String)],
    ) -> Self {
        Self {
            path: format!("/announcements/{key}"),
            published: tr.date(published),
            published_iso: published.to_rfc3339(),
            category: category_label(tr, category, custom),
        }
    }
}

/// An announcement as lists show it.
pub struct Line {
    pub v: AnnouncementLineView,
    pub meta: Meta,
    pub unread: bool,
}

impl Line {
    pub fn new(tr: Tr, v: AnnouncementLineView, custom: &[(String, String)]) -> Self {
        Self {
            meta: Meta::new(tr, &v.key, v.published, &v.category, custom),
            unread: v.ack_requested && v.read == Some(false),
            v,
        }
    }
}

/// An announcement as its page shows it.
pub struct Item {
    pub v: AnnouncementView,
    pub meta: Meta,
    pub starts: Option<String>,
    pub ends: Option<String>,
    pub expires: Option<String>,
    pub roles: Vec<&'static str>,
}

impl Item {
    pub fn new(tr: Tr, v: AnnouncementView, custom: &[(String, String)]) -> Self {
        let roles = v
            .target_roles
            .iter()
            .map(|r| tr.t(super::directory::role_key(r)))
            .collect();
        Self {
            meta: Meta::new(tr, &v.key, v.published, &v.category, custom),
            starts: v.starts_at.map(|t| tr.date(t)),
            ends: v.ends_at.map(|t| tr.date(t)),
            expires: v.expires_at.map(|t| tr.date(t)),
            roles,
            v,
        }
    }
}

#[derive(Template)]
#[template(path = "announcements/timeline.html")]
struct TimelinePage {
    c: Chrome,
    lines: Vec<Line>,
    sources: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    organisation: String,
    category: String,
    unread: bool,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
struct TimelineForm {
    organisation: Option<String>,
    category: Option<String>,
    unread: Option<String>,
    cursor: Option<String>,
}

async fn home_timeline(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<TimelineForm>,
) -> Response {
    let result = async {
        modules::require(&state, Module::Announcements).await?;
        let account = v.account()?;
        let tr = v.tr();
        let organisation = q.organisation.clone().filter(|s| !s.is_empty());
        let category = q.category.clone().filter(|s| !s.is_empty());
        let unread = checked(q.unread.as_deref());
        let page = timeline::home(
            &state,
            account,
            TimelineQuery {
                organisation: organisation.clone(),
                category: category.clone(),
                unread,
                cursor: q.cursor.clone(),
                limit: None,
            },
        )
        .await?;
        let custom = announcements::categories(&state).await?;
        let next = page.next_cursor.as_ref().map(|cursor| {
            let mut query = format!("/timeline?cursor={}", encode(cursor));
            if let Some(o) = &organisation {
                query.push_str(&format!("&organisation={}", encode(o)));
            }
            if let Some(c) = &category {
                query.push_str(&format!("&category={}", encode(c)));
            }
            if unread {
                query.push_str("&unread=on");
            }
            query
        });
        ok(&TimelinePage {
            c: v.chrome("timeline"),
            lines: page
                .items
                .into_iter()
                .map(|a| Line::new(tr, a, &custom))
                .collect(),
            sources: timeline::sources(&state, account).await?,
            categories: custom
                .iter()
                .map(|(slug, _)| (slug.clone(), category_label(tr, slug, &custom)))
                .collect(),
            organisation: organisation.unwrap_or_default(),
            category: category.unwrap_or_default(),
            unread,
            next,
        })
    }
    .await;
    v.finish(result)
}

#[derive(Template)]
#[template(path = "announcements/page.html")]
struct AnnouncementPage {
    c: Chrome,
    item: Item,
    powers: Powers,
    organisation_path: String,
    feeds: bool,
}

/// The page of an announcement (`GET /announcements/{key}` from a
/// browser): public ones for everyone, others for their readers.
pub async fn page(state: &AppState, v: Visitor, key: &str) -> Response {
    let result = async {
        modules::require(state, Module::Announcements).await?;
        let view = announcements::get(state, v.account.as_ref(), key).await?;
        let powers = match &v.account {
            Some(_) => announcements::powers(state, &v.caller()?, key).await?,
            None => Powers::default(),
        };
        let custom = announcements::categories(state).await?;
        let organisation_path = super::directory::organisation_path(
            &view.organisation.slug,
            &view.organisation.domain,
            view.organisation.local,
        );
        ok(&AnnouncementPage {
            c: v.chrome("timeline"),
            feeds: view.organisation.local,
            item: Item::new(v.tr(), view, &custom),
            powers,
            organisation_path,
        })
    }
    .await;
    v.finish(result)
}

async fn acknowledge(
    State(state): State<AppState>,
    v: Visitor,
    Path(key): Path<String>,
    WebForm(form): WebForm<CsrfOnly>,
) -> Response {
    let result = async {
        v.check_csrf(&form?.csrf)?;
        acknowledgements::acknowledge(&state, v.account()?, &key).await?;
        Ok(v.redirect_with(
            &format!("/announcements/{key}"),
            "announcements.acknowledged",
        ))
    }
    .await;
    v.finish(result)
}

#[derive(Template)]
#[template(path = "announcements/reads.html")]
struct ReadsPage {
    c: Chrome,
    title: String,
    path: String,
    key: String,
    report: ReadReport,
    read_dates: Vec<Option<String>>,
}

async fn reads(State(state): State<AppState>, v: Visitor, Path(key): Path<String>) -> Response {
    let result = async {
        modules::require(&state, Module::Announcements).await?;
        let caller = v.caller()?;
        let view = announcements::get(&state, v.account.as_ref(), &key).await?;
        let report = acknowledgements::report(&state, &caller, &key).await?;
        let tr = v.tr();
        ok(&ReadsPage {
            c: v.chrome("timeline"),
            title: view.title,
            path: format!("/announcements/{key}"),
            read_dates: report
                .local
                .iter()
                .map(|r| r.read_at.map(|t| tr.date(t)))
                .collect(),
            key,
            report,
        })
    }
    .await;
    v.finish(result)
}

async fn remind(
    State(state): State<AppState>,
    v: Visitor,
    Path(key): Path<String>,
    WebForm(form): WebForm<CsrfOnly>,
) -> Response {
    let result: AppResult<Response> = async {
        v.check_csrf(&form?.csrf)?;
        acknowledgements::remind(&state, &v.caller()?, &key).await?;
        Ok(v.redirect_with(
            &format!("/announcements/{key}/reads"),
            "announcements.reminded",
        ))
    }
    .await;
    v.finish(result)
}
