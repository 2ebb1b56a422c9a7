//! A shared resource as a `Document`, both ways. Remote resources are
//! stored with their origin, each version's files with their digests and
//! their origin's address; a tombstone keeps a deleted one from returning.

use activitypub_federation::{
    config::Data,
    fetch::object_id::ObjectId,
    kinds::{object::DocumentType, public},
};
use url::Url;

use super::{group::ApubGroup, person::ApubPerson, plain_text, to_utc};
use crate::{
    AppState,
    config::Settings,
    db::{
        self, DbConn, follows,
        organisations::Organisation,
        resources::{self, Content, File, Identity, NewFile, Resource, join_list, split_list},
        tombstones,
    },
    error::AppError,
    federation::{
        FederationError,
        policy::{is_local, verify_same_origin},
        protocol::objects::{
            Attachment, Hashtag, ResourceDocument, multibase_sha256, sha256_multibase,
        },
    },
    vocabulary,
};

use super::announcement::new_public_id;

/// The `Document` of a local resource, with the files of its current
/// version (downloadable from this instance).
pub fn document(
    row: &Resource,
    files: &[File],
    organisation: &Organisation,
    settings: &Settings,
) -> Result<ResourceDocument, FederationError> {
    let audience = Url::parse(&organisation.ap_id)?;
    let followers = Url::parse(&format!("{}/followers", organisation.ap_id))?;
    let attachment = files
        .iter()
        .filter(|f| f.version == row.version)
        .map(|f| {
            Ok(Attachment {
                kind: DocumentType::Document,
                url: Url::parse(
                    &settings.url(&format!("/resources/{}/files/{}", row.public_id, f.sha256)),
                )?,
                name: Some(f.name.clone()),
                media_type: Some(f.media_type.clone()),
                size: Some(f.size),
                digest_multibase: sha256_multibase(&f.sha256),
            })
        })
        .collect::<Result<Vec<_>, FederationError>>()?;
    Ok(ResourceDocument {
        kind: DocumentType::Document,
        id: Url::parse(&row.ap_id)?,
        attributed_to: Url::parse(&row.author_ap_id)?,
        audience,
        to: vec![public()],
        cc: vec![followers],
        name: row.title.clone(),
        content: if row.description.is_empty() {
            String::new()
        } else {
            format!("<p>{}</p>", super::escape_html(&row.description))
        },
        url: Some(Url::parse(&row.url)?),
        published: to_utc(row.published_at),
        updated: (row.updated_at != row.published_at).then(|| to_utc(row.updated_at)),
        attachment,
        tag: split_list(&row.tags)
            .into_iter()
            .map(|t| Hashtag {
                kind: "Hashtag".into(),
                name: format!("#{t}"),
            })
            .collect(),
        license: row.licence.clone(),
        levels: split_list(&row.levels),
        subjects: split_list(&row.subjects),
        version: row.version,
    })
}

/// Checks that hold for any resource from a peer: it lives on its author's
/// and its group's instance, and so do its files.
pub fn verify_document(doc: &ResourceDocument, settings: &Settings) -> Result<(), FederationError> {
    verify_same_origin(&doc.id, &doc.attributed_to)?;
    verify_same_origin(&doc.id, &doc.audience)?;
    for file in &doc.attachment {
        verify_same_origin(&doc.id, &file.url)?;
    }
    if is_local(settings, &doc.id) {
        return Err(FederationError::Invalid(
            "a resource with an id on this instance".into(),
        ));
    }
    Ok(())
}

/// A remote resource, with what storing it needs that only the network
/// could tell.
pub struct RemoteResource {
    pub doc: ResourceDocument,
    pub organisation_id: i64,
    pub author_name: String,
}

impl RemoteResource {
    /// `None` when nobody here follows its organisation: nothing is stored
    /// for unsolicited content.
    pub async fn prepare(
        doc: ResourceDocument,
        data: &Data<AppState>,
    ) -> Result<Option<Self>, FederationError> {
        let (group_id, prefix) = (doc.audience.to_string(), data.settings.url("/"));
        let followed = data
            .db
            .read(move |conn| {
                Ok::<_, AppError>(follows::has_follower_under(conn, &group_id, &prefix)?)
            })
            .await?;
        if !followed {
            tracing::info!(group = %doc.audience, resource = %doc.id,
                "resource of a group nobody here follows: ignored");
            return Ok(None);
        }
        let group: ObjectId<ApubGroup> = doc.audience.clone().into();
        let organisation_id = group.dereference(data).await?.id;
        let author: ObjectId<ApubPerson> = doc.attributed_to.clone().into();
        let author_name = match author.dereference(data).await {
            Ok(person) => person.display_name.clone(),
            Err(error) => {
                tracing::warn!(author = %doc.attributed_to, %error, "author not fetched");
                String::new()
            }
        };
        Ok(Some(Self {
            doc,
            organisation_id,
            author_name,
        }))
    }

    /// Stores it, or its new version; an older or equal version changes
    /// nothing, a tombstoned id is ignored. Call inside a transaction.
    /// Returns the row when something was written.
    pub fn store(&self, conn: &mut DbConn) -> Result<Option<Resource>, AppError> {
        let doc = &self.doc;
        if tombstones::contains(conn, doc.id.as_str())? {
            tracing::info!(resource = %doc.id, "resource deleted at its origin: ignored");
            return Ok(None);
        }
        let content = remote_content(doc);
        let files = remote_files(doc);
        let row = match resources::by_ap_id(conn, doc.id.as_str())? {
            Some(row) if row.local => {
                return Err(AppError::forbidden("a peer cannot change a local resource"));
            }
            Some(row) if row.organisation_id != self.organisation_id => {
                return Err(AppError::forbidden(
                    "a resource cannot move to another group",
                ));
            }
            Some(row) if content.version <= row.version => return Ok(None),
            Some(row) => resources::update_content(conn, row.id, &content)?,
            None => {
                let identity = Identity {
                    public_id: new_public_id(),
                    ap_id: doc.id.to_string(),
                    local: false,
                    organisation_id: self.organisation_id,
                    author_ap_id: doc.attributed_to.to_string(),
                    author_name: plain_text(&self.author_name, 100),
                    author_account_id: None,
                    url: doc.url.as_ref().unwrap_or(&doc.id).to_string(),
                    published_at: db::stored(doc.published),
                    received_at: db::now(),
                };
                resources::insert(conn, &identity, &content)?
            }
        };
        resources::add_version(
            conn,
            row.id,
            content.version,
            "",
            &files,
            content.updated_at,
        )?;
        Ok(Some(row))
    }
}

/// What we keep of a peer's resource: cleaned, bounded, known vocabulary
/// only (an unknown licence is kept as "all rights reserved": nothing is
/// granted that the origin did not say).
fn remote_content(doc: &ResourceDocument) -> Content {
    let title = plain_text(&doc.name, 200);
    let description = plain_text(&doc.content, 10_000);
    let levels: Vec<&str> = doc
        .levels
        .iter()
        .filter_map(|l| vocabulary::level(l).ok())
        .collect();
    let keywords = |values: &mut dyn Iterator<Item = &str>, field: &str| -> Vec<String> {
        values
            .filter_map(|v| vocabulary::keyword(field, v).ok())
            .take(20)
            .collect()
    };
    let subjects = join_list(&keywords(
        &mut doc.subjects.iter().map(String::as_str),
        "subjects",
    ));
    let tags = join_list(&keywords(
        &mut doc.tag.iter().map(|t| t.name.trim_start_matches('#')),
        "tags",
    ));
    Content {
        search_text: Content::words(&title, &description, &subjects, &tags),
        title,
        description,
        licence: vocabulary::licence(&doc.license)
            .unwrap_or(vocabulary::ALL_RIGHTS_RESERVED)
            .to_string(),
        levels: join_list(&levels),
        subjects,
        tags,
        version: doc.version.max(1),
        updated_at: db::stored(doc.updated.unwrap_or(doc.published)),
    }
}

/// The files of a peer's resource that carry a sha256 digest; the others
/// could not be checked, so they are not kept.
fn remote_files(doc: &ResourceDocument) -> Vec<NewFile> {
    doc.attachment
        .iter()
        .take(20)
        .filter_map(|a| {
            let sha256 = a.digest_multibase.as_deref().and_then(multibase_sha256)?;
            Some(NewFile {
                name: crate::services::resources::file_name(a.name.as_deref().unwrap_or("")),
                sha256,
                media_type: a
                    .media_type
                    .clone()
                    .filter(|m| m.len() < 100)
                    .unwrap_or_else(|| "application/octet-stream".into()),
                size: a.size.unwrap_or(0).max(0),
                remote_url: Some(a.url.to_string()),
            })
        })
        .collect()
}
