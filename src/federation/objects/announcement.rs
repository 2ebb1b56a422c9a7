//! `ApubAnnouncement`: an announcement as an `Article`, with the
//! conversions both ways. Remote articles are stored with their origin and
//! cleaned on the way in; a tombstone keeps a deleted one from returning.

use std::ops::Deref;

use activitypub_federation::{
    config::Data,
    fetch::object_id::ObjectId,
    kinds::{object::ArticleType, object::DocumentType, public},
    traits::Object,
};
use async_trait::async_trait;
use url::Url;

use super::{group::ApubGroup, person::ApubPerson, plain_text, to_utc};
use crate::{
    AppState,
    config::Settings,
    db::{
        self, DbConn,
        announcements::{self, Announcement, Attachment, Content, Identity, NewAttachment},
        follows, tombstones,
    },
    error::AppError,
    federation::{
        FederationError,
        policy::{is_local, verify_same_origin},
        protocol::objects::{self as wire, Article, Source, multibase_sha256, sha256_multibase},
    },
    html,
    model::{Role, validate_category},
};

/// An announcement with what its document needs.
#[derive(Debug, Clone)]
pub struct ApubAnnouncement {
    pub row: Announcement,
    pub attachments: Vec<Attachment>,
    /// The organisation's actor id (the `audience`).
    pub audience: Url,
    id: Url,
}

impl Deref for ApubAnnouncement {
    type Target = Announcement;
    fn deref(&self) -> &Announcement {
        &self.row
    }
}

/// Longest title and summary kept from a peer.
const MAX_TITLE: usize = 200;
const MAX_SUMMARY: usize = 500;
/// Longest body kept from a peer (Mastodon drops payloads over 1 MB anyway).
const MAX_BODY: usize = 200_000;

impl ApubAnnouncement {
    pub fn new(
        row: Announcement,
        attachments: Vec<Attachment>,
        audience: &str,
    ) -> Result<Self, FederationError> {
        Ok(Self {
            id: Url::parse(&row.ap_id)?,
            audience: Url::parse(audience)?,
            row,
            attachments,
        })
    }

    /// Loads an announcement by row, with its attachments and organisation.
    pub fn load(conn: &mut DbConn, row: Announcement) -> Result<Self, AppError> {
        let attachments = announcements::attachments_of(conn, &[row.id])?;
        let organisation = db::organisations::by_id(conn, row.organisation_id)?;
        Self::new(row, attachments, &organisation.ap_id)
            .map_err(|e| AppError::internal(e.to_string()))
    }

    fn followers(&self) -> Result<Url, FederationError> {
        Ok(Url::parse(&format!("{}/followers", self.audience))?)
    }

    /// `to` and `cc`: public ones to everyone with the followers in copy,
    /// role-targeted ones to the followers only.
    pub fn addressing(&self) -> Result<(Vec<Url>, Vec<Url>), FederationError> {
        let followers = self.followers()?;
        Ok(if self.row.public {
            (vec![public()], vec![followers])
        } else {
            (vec![followers], Vec::new())
        })
    }

    /// The `Article` of a local announcement.
    pub fn document(&self) -> Result<Article, FederationError> {
        let row = &self.row;
        let (to, cc) = self.addressing()?;
        let attachment = self
            .attachments
            .iter()
            .map(|a| {
                Ok(wire::Attachment {
                    kind: DocumentType::Document,
                    url: Url::parse(&a.url)?,
                    name: Some(a.name.clone()),
                    media_type: Some(a.media_type.clone()),
                    size: a.size,
                    digest_multibase: a.sha256.as_deref().and_then(sha256_multibase),
                })
            })
            .collect::<Result<Vec<_>, FederationError>>()?;
        Ok(Article {
            kind: ArticleType::Article,
            id: self.id.clone(),
            attributed_to: Url::parse(&row.author_ap_id)?,
            audience: self.audience.clone(),
            to,
            cc,
            name: row.title.clone(),
            content: row.body_html.clone(),
            media_type: Some("text/html".into()),
            summary: Some(row.summary.clone()),
            source: row.body_markdown.as_ref().map(|md| Source {
                content: md.clone(),
                media_type: "text/markdown".into(),
            }),
            url: Some(Url::parse(&row.url)?),
            published: to_utc(row.published_at),
            updated: (row.updated_at != row.published_at).then(|| to_utc(row.updated_at)),
            attachment,
            start_time: row.starts_at.map(to_utc),
            end_time: row.ends_at.map(to_utc),
            category: Some(row.category.clone()),
            target_roles: row.roles().into_iter().map(str::to_string).collect(),
            expires: row.expires_at.map(to_utc),
            ack_requested: row.ack_requested,
            pinned: row.pinned,
        })
    }
}

/// Checks that hold for any article from a peer: it lives on its author's
/// and its group's instance, and not on ours.
pub fn verify_article(article: &Article, settings: &Settings) -> Result<(), FederationError> {
    verify_same_origin(&article.id, &article.attributed_to)?;
    verify_same_origin(&article.id, &article.audience)?;
    if is_local(settings, &article.id) {
        return Err(FederationError::Invalid(
            "an article with an id on this instance".into(),
        ));
    }
    Ok(())
}

/// A remote article, with what storing it needs that only the network or
/// the database could tell.
pub struct RemoteArticle {
    pub article: Article,
    pub organisation_id: i64,
    pub author_name: String,
}

impl RemoteArticle {
    /// Finds the article's organisation (which someone here must follow)
    /// and its author's name. `None` when nobody here follows the group:
    /// nothing is stored for unsolicited content.
    pub async fn prepare(
        article: Article,
        data: &Data<AppState>,
    ) -> Result<Option<Self>, FederationError> {
        // Checked before anything is fetched: unsolicited content costs
        // one query.
        let (group_id, prefix) = (article.audience.to_string(), data.settings.url("/"));
        let followed = data
            .db
            .read(move |conn| {
                Ok::<_, AppError>(follows::has_follower_under(conn, &group_id, &prefix)?)
            })
            .await?;
        if !followed {
            tracing::info!(group = %article.audience, article = %article.id,
                "article of a group nobody here follows: ignored");
            return Ok(None);
        }
        let group: ObjectId<ApubGroup> = article.audience.clone().into();
        let organisation_id = group.dereference(data).await?.id;
        let author: ObjectId<ApubPerson> = article.attributed_to.clone().into();
        let author_name = match author.dereference(data).await {
            Ok(person) => person.display_name.clone(),
            Err(error) => {
                // The announcement stays readable; the name is a courtesy.
                tracing::warn!(author = %article.attributed_to, %error, "author not fetched");
                article
                    .attributed_to
                    .path_segments()
                    .and_then(|mut s| s.next_back().map(str::to_string))
                    .unwrap_or_default()
            }
        };
        Ok(Some(Self {
            article,
            organisation_id,
            author_name,
        }))
    }

    /// Stores or updates it; an older edit than the one held changes
    /// nothing, a tombstoned id is ignored. Call inside a transaction.
    pub fn store(&self, conn: &mut DbConn) -> Result<Option<Announcement>, AppError> {
        let article = &self.article;
        if tombstones::contains(conn, article.id.as_str())? {
            tracing::info!(article = %article.id, "article deleted at its origin: ignored");
            return Ok(None);
        }
        let content = remote_content(article);
        let existing = announcements::by_ap_id(conn, article.id.as_str())?;
        let row = match existing {
            Some(row) if row.local => {
                return Err(AppError::forbidden(
                    "a peer cannot change a local announcement",
                ));
            }
            Some(row) if row.organisation_id != self.organisation_id => {
                return Err(AppError::forbidden(
                    "an article cannot move to another group",
                ));
            }
            Some(row) if content.updated_at <= row.updated_at => return Ok(Some(row)),
            Some(row) => announcements::update_content(conn, row.id, &content)?,
            None => {
                let identity = Identity {
                    public_id: new_public_id(),
                    ap_id: article.id.to_string(),
                    local: false,
                    organisation_id: self.organisation_id,
                    author_ap_id: article.attributed_to.to_string(),
                    author_name: plain_text(&self.author_name, 100),
                    author_account_id: None,
                    url: article.url.as_ref().unwrap_or(&article.id).to_string(),
                    published_at: db::stored(article.published),
                    received_at: db::now(),
                };
                announcements::insert(conn, &identity, &content)?
            }
        };
        announcements::set_attachments(conn, row.id, &remote_attachments(article))?;
        db::home_feed::fan_out(conn, &row)?;
        Ok(Some(row))
    }
}

/// A random id for URLs on this instance.
pub fn new_public_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// What we keep of a peer's article: cleaned, bounded, with known roles only.
fn remote_content(article: &Article) -> Content {
    let body_html = html::sanitize(&article.content.chars().take(MAX_BODY).collect::<String>());
    let summary = match &article.summary {
        Some(summary) if !summary.trim().is_empty() => plain_text(summary, MAX_SUMMARY),
        _ => html::excerpt(&body_html, 280),
    };
    let category = article
        .category
        .as_deref()
        .map(str::to_ascii_lowercase)
        .filter(|c| validate_category(c).is_ok())
        .unwrap_or_else(|| "administrative".into());
    let roles: Vec<&str> = article
        .target_roles
        .iter()
        .filter_map(|r| r.parse::<Role>().ok())
        .map(Role::as_str)
        .collect();
    let public = article.to.iter().chain(&article.cc).any(|u| *u == public());
    Content {
        title: plain_text(&article.name, MAX_TITLE),
        summary,
        body_markdown: article
            .source
            .as_ref()
            .filter(|s| s.media_type == "text/markdown")
            .map(|s| s.content.chars().take(MAX_BODY).collect()),
        body_html,
        category,
        target_roles: announcements::join_roles(&roles),
        // Addressed to roles means not for the whole web, whatever `to` says.
        public: public && roles.is_empty(),
        pinned: article.pinned,
        ack_requested: article.ack_requested,
        starts_at: article.start_time.map(db::stored),
        ends_at: article.end_time.map(db::stored),
        expires_at: article.expires.map(db::stored),
        updated_at: db::stored(article.updated.unwrap_or(article.published)),
    }
}

fn remote_attachments(article: &Article) -> Vec<NewAttachment> {
    article
        .attachment
        .iter()
        .filter(|a| matches!(a.url.scheme(), "https" | "http"))
        .take(20)
        .map(|a| NewAttachment {
            name: plain_text(a.name.as_deref().unwrap_or("fichier"), 200),
            media_type: a
                .media_type
                .clone()
                .filter(|m| m.len() < 100)
                .unwrap_or_else(|| "application/octet-stream".into()),
            size: a.size,
            url: a.url.to_string(),
            sha256: a.digest_multibase.as_deref().and_then(multibase_sha256),
        })
        .collect()
}

#[async_trait]
impl Object for ApubAnnouncement {
    type DataType = AppState;
    type Kind = Article;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    async fn read_from_id(id: Url, data: &Data<AppState>) -> Result<Option<Self>, FederationError> {
        let id = id.to_string();
        Ok(data
            .db
            .read(move |conn| {
                announcements::by_ap_id(conn, &id)?
                    .map(|row| ApubAnnouncement::load(conn, row))
                    .transpose()
            })
            .await?)
    }

    async fn into_json(self, _data: &Data<AppState>) -> Result<Article, FederationError> {
        self.document()
    }

    async fn verify(
        json: &Article,
        expected_domain: &Url,
        data: &Data<AppState>,
    ) -> Result<(), FederationError> {
        verify_same_origin(&json.id, expected_domain)?;
        verify_article(json, &data.settings)
    }

    async fn from_json(json: Article, data: &Data<AppState>) -> Result<Self, FederationError> {
        let remote = RemoteArticle::prepare(json, data)
            .await?
            .ok_or_else(|| FederationError::Refused("nobody here follows its group".into()))?;
        let stored = data
            .db
            .run(move |conn| {
                db::transaction(conn, |conn| {
                    remote
                        .store(conn)?
                        .map(|row| ApubAnnouncement::load(conn, row))
                        .transpose()
                })
            })
            .await?;
        stored.ok_or(FederationError::NotFound)
    }
}
