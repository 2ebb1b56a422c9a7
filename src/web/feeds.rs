//! Feeds of an organisation's public announcements: Atom, RSS 2.0, and an
//! iCalendar of its events. Built with the `atom_syndication`, `rss` and
//! `icalendar` crates rather than by hand, so the output is well formed.

use atom_syndication as atom;
use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::{DateTime, FixedOffset, Utc};
use icalendar::{Calendar, Component, EventLike};

use super::pages::{local_organisation, public_announcements};
use crate::{AppState, db::announcements::Announcement, error::AppError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs/{slug}/feed.atom", get(atom_feed))
        .route("/orgs/{slug}/feed.rss", get(rss_feed))
        .route("/orgs/{slug}/events.ics", get(calendar))
}

fn with_type(body: String, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn fixed(t: chrono::NaiveDateTime) -> DateTime<FixedOffset> {
    t.and_utc().fixed_offset()
}

async fn load(
    state: &AppState,
    slug: &str,
) -> Result<(crate::db::organisations::Organisation, Vec<Announcement>), AppError> {
    let org = local_organisation(state, slug).await?;
    let id = org.id;
    let mut rows = state
        .db
        .read(move |conn| public_announcements(conn, id))
        .await?;
    // Feeds are in publication order, pins do not apply.
    rows.sort_by_key(|r| std::cmp::Reverse(r.id));
    Ok((org, rows))
}

async fn atom_feed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (org, rows) = load(&state, &slug).await?;
    let updated = rows
        .iter()
        .map(|r| r.updated_at)
        .max()
        .unwrap_or(org.updated_at);
    let feed = atom::Feed {
        title: atom::Text::plain(org.name.clone()),
        id: format!("{}/feed.atom", org.ap_id),
        updated: fixed(updated),
        subtitle: (!org.description.is_empty()).then(|| atom::Text::plain(org.description.clone())),
        links: vec![
            atom::Link {
                href: org.ap_id.clone(),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..atom::Link::default()
            },
            atom::Link {
                href: format!("{}/feed.atom", org.ap_id),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..atom::Link::default()
            },
        ],
        entries: rows
            .iter()
            .map(|r| atom::Entry {
                title: atom::Text::plain(r.title.clone()),
                id: r.ap_id.clone(),
                updated: fixed(r.updated_at),
                published: Some(fixed(r.published_at)),
                authors: vec![atom::Person {
                    name: r.author_name.clone(),
                    uri: Some(r.author_ap_id.clone()),
                    ..atom::Person::default()
                }],
                categories: vec![atom::Category {
                    term: r.category.clone(),
                    ..atom::Category::default()
                }],
                links: vec![atom::Link {
                    href: r.url.clone(),
                    rel: "alternate".into(),
                    mime_type: Some("text/html".into()),
                    ..atom::Link::default()
                }],
                summary: Some(atom::Text::plain(r.summary.clone())),
                content: Some(atom::Content {
                    value: Some(r.body_html.clone()),
                    content_type: Some("html".into()),
                    ..atom::Content::default()
                }),
                ..atom::Entry::default()
            })
            .collect(),
        ..atom::Feed::default()
    };
    Ok(with_type(
        feed.to_string(),
        "application/atom+xml; charset=utf-8",
    ))
}

async fn rss_feed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (org, rows) = load(&state, &slug).await?;
    let channel = rss::Channel {
        title: org.name.clone(),
        link: org.ap_id.clone(),
        description: if org.description.is_empty() {
            format!("Annonces de {}", org.name)
        } else {
            org.description.clone()
        },
        language: Some("fr".into()),
        generator: Some("Préau".into()),
        last_build_date: rows.first().map(|r| r.updated_at.and_utc().to_rfc2822()),
        items: rows
            .iter()
            .map(|r| rss::Item {
                title: Some(r.title.clone()),
                link: Some(r.url.clone()),
                description: Some(r.summary.clone()),
                content: Some(r.body_html.clone()),
                categories: vec![rss::Category {
                    name: r.category.clone(),
                    domain: None,
                }],
                guid: Some(rss::Guid {
                    value: r.ap_id.clone(),
                    permalink: true,
                }),
                pub_date: Some(r.published_at.and_utc().to_rfc2822()),
                ..rss::Item::default()
            })
            .collect(),
        ..rss::Channel::default()
    };
    Ok(with_type(
        channel.to_string(),
        "application/rss+xml; charset=utf-8",
    ))
}

async fn calendar(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (org, rows) = load(&state, &slug).await?;
    let mut calendar = Calendar::new();
    calendar.name(&org.name);
    for r in rows.iter().filter(|r| r.category == "event") {
        let Some(start) = r.starts_at else { continue };
        let start: DateTime<Utc> = start.and_utc();
        let end = r
            .ends_at
            .map_or(start + chrono::TimeDelta::hours(1), |e| e.and_utc());
        calendar.push(
            icalendar::Event::new()
                .uid(&r.ap_id)
                .summary(&r.title)
                .description(&r.summary)
                .url(&r.url)
                .timestamp(r.updated_at.and_utc())
                .starts(start)
                .ends(end)
                .done(),
        );
    }
    Ok(with_type(
        calendar.done().to_string(),
        "text/calendar; charset=utf-8",
    ))
}
