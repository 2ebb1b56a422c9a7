//! Writing announcements: the publish form (Markdown with a preview,
//! category, target roles, attachments, dates, pin, acknowledgement), its
//! edit twin, and deletion. A refused form comes back with everything the
//! author typed, and with the files already sent kept as attachments.

use askama::Template;
use axum::{
    Router,
    extract::{DefaultBodyLimit, Multipart, Path, Query, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::{
    Chrome, CsrfOnly, Visitor, WebForm, announcements::category_label, checked, render, upload,
};
use crate::{
    AppState,
    error::{AppError, AppResult, ErrorKind},
    html::render_markdown,
    model::Role,
    services::{
        announcements::{self, AnnouncementChanges, AttachmentRef, NewAnnouncement},
        modules::{self, Module},
        resources::UploadedFile,
        timeline::AnnouncementView,
        uploads,
    },
    web::i18n::Tr,
};

pub fn routes(max_upload: u64) -> Router<AppState> {
    let limit = usize::try_from(max_upload.saturating_add(1024 * 1024)).unwrap_or(usize::MAX);
    Router::new()
        .route(
            "/publish",
            get(publish_page)
                .post(publish)
                .layer(DefaultBodyLimit::max(limit)),
        )
        .route(
            "/announcements/{key}/edit",
            get(edit_page)
                .post(edit)
                .layer(DefaultBodyLimit::max(limit)),
        )
        .route("/announcements/{key}/delete", post(delete))
}

/// The form's fields, as typed.
#[derive(Deserialize, Default)]
struct Fields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    roles: Vec<String>,
    public: Option<String>,
    pinned: Option<String>,
    ack_requested: Option<String>,
    #[serde(default)]
    expires_at: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    /// Attachments sent with an earlier preview, or kept from before an
    /// edit, as `sha256:name`.
    #[serde(default)]
    kept: Vec<String>,
    #[serde(default)]
    action: String,
}

impl Fields {
    fn kept(&self) -> Vec<AttachmentRef> {
        self.kept
            .iter()
            .filter_map(|k| k.split_once(':'))
            .map(|(sha256, name)| AttachmentRef {
                sha256: sha256.to_string(),
                name: name.to_string(),
            })
            .collect()
    }

    fn from_view(v: &AnnouncementView, tr: Tr) -> Self {
        let local = |t: Option<DateTime<Utc>>| t.map(|t| tr.input_time(t)).unwrap_or_default();
        Self {
            organisation: v.organisation.slug.clone(),
            title: v.title.clone(),
            body: v.body.clone().unwrap_or_default(),
            summary: v.summary.clone(),
            category: v.category.clone(),
            roles: v.target_roles.clone(),
            public: v.public.then(|| "on".into()),
            pinned: v.pinned.then(|| "on".into()),
            ack_requested: v.ack_requested.then(|| "on".into()),
            expires_at: local(v.expires_at),
            starts_at: local(v.starts_at),
            ends_at: local(v.ends_at),
            kept: v
                .attachments
                .iter()
                .filter_map(|a| a.sha256.as_ref().map(|s| format!("{s}:{}", a.name)))
                .collect(),
            ..Self::default()
        }
    }
}

/// A `datetime-local` value, on the reader's clock; blank is none.
fn parse_time(tr: Tr, field: &str, value: &str) -> AppResult<Option<DateTime<Utc>>> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let typed = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
        .ok_or_else(|| {
            AppError::invalid(format!("{field}: `{value}` is not a date and time"))
                .says("refused.time_invalid", &[("value", &value)])
        })?;
    tr.read_time(typed).map(Some).ok_or_else(|| {
        AppError::invalid(format!(
            "{field}: {value} does not exist in {} (the clocks go forward then)",
            tr.zone
        ))
        .says(
            "refused.time_skipped",
            &[("value", &value), ("zone", &tr.zone)],
        )
    })
}

struct RoleBox {
    value: &'static str,
    label_key: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "announcements/publish.html")]
struct PublishPage {
    c: Chrome,
    action: String,
    editing: bool,
    organisations: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    roles: Vec<RoleBox>,
    f: Fields,
    kept: Vec<AttachmentRef>,
    preview: Option<String>,
    error: Option<String>,
}

async fn form_page(
    state: &AppState,
    v: &Visitor,
    f: Fields,
    editing: Option<&str>,
    preview: Option<String>,
    error: Option<&AppError>,
) -> AppResult<Response> {
    let tr = v.tr();
    let organisations = match editing {
        Some(_) => Vec::new(),
        None => {
            let also = (!f.organisation.is_empty()).then(|| f.organisation.clone());
            announcements::publishable_organisations(state, &v.caller()?, also).await?
        }
    };
    if editing.is_none() && organisations.is_empty() {
        return Err(
            AppError::forbidden("the account publishes for no organisation")
                .says("announcements.no_organisation", &[]),
        );
    }
    let custom = announcements::categories(state).await?;
    let status = error.map_or(StatusCode::OK, |e| e.kind.status());
    render(
        status,
        &PublishPage {
            c: v.chrome("publish"),
            action: editing.map_or_else(
                || "/publish".to_string(),
                |k| format!("/announcements/{k}/edit"),
            ),
            editing: editing.is_some(),
            organisations,
            categories: custom
                .iter()
                .map(|(slug, _)| (slug.clone(), category_label(tr, slug, &custom)))
                .collect(),
            roles: Role::ALL
                .iter()
                .map(|r| RoleBox {
                    value: r.as_str(),
                    label_key: super::directory::role_key(r.as_str()),
                    checked: f.roles.iter().any(|x| x == r.as_str()),
                })
                .collect(),
            kept: f.kept(),
            f,
            preview,
            error: error.map(|e| v.tr().explain(e)),
        },
    )
}

#[derive(Deserialize)]
struct PublishQuery {
    organisation: Option<String>,
}

async fn publish_page(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<PublishQuery>,
) -> Response {
    let result = async {
        modules::require(&state, Module::Announcements).await?;
        let f = Fields {
            organisation: q.organisation.unwrap_or_default(),
            public: Some("on".into()),
            category: "administrative".into(),
            ..Fields::default()
        };
        form_page(&state, &v, f, None, None, None).await
    }
    .await;
    v.finish(result)
}

/// Records the files of the form so that announcements can refer to them.
async fn record(state: &AppState, uploaded: &[UploadedFile]) -> AppResult<Vec<AttachmentRef>> {
    let stored: Vec<_> = uploaded.iter().map(|u| u.stored.clone()).collect();
    uploads::keep(state, &stored).await?;
    Ok(uploaded
        .iter()
        .map(|u| AttachmentRef {
            sha256: u.stored.sha256.clone(),
            name: crate::services::resources::file_name(&u.name),
        })
        .collect())
}

/// Reads a publish or edit form: its fields, with the files it carried
/// recorded and added to the kept attachments.
async fn read_form(state: &AppState, v: &Visitor, multipart: Multipart) -> AppResult<Fields> {
    let form = upload::read(state, multipart, "attachments").await?;
    let parsed = form.parse::<Fields>().and_then(|f| {
        v.check_csrf(&f.csrf)?;
        Ok(f)
    });
    let mut fields = match parsed {
        Ok(f) => f,
        Err(e) => {
            form.discard(state).await;
            return Err(e);
        }
    };
    for file in record(state, &form.files).await? {
        fields.kept.push(format!("{}:{}", file.sha256, file.name));
    }
    Ok(fields)
}

struct Checked {
    roles: Vec<String>,
    public: bool,
    expires_at: Option<DateTime<Utc>>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    summary: Option<String>,
}

fn check(f: &Fields, tr: Tr) -> AppResult<Checked> {
    let roles: Vec<String> = f.roles.iter().filter(|r| !r.is_empty()).cloned().collect();
    Ok(Checked {
        // An announcement for some roles is never public.
        public: checked(f.public.as_deref()) && roles.is_empty(),
        roles,
        expires_at: parse_time(tr, "expires_at", &f.expires_at)?,
        starts_at: parse_time(tr, "starts_at", &f.starts_at)?,
        ends_at: parse_time(tr, "ends_at", &f.ends_at)?,
        summary: Some(f.summary.trim().to_string()).filter(|s| !s.is_empty()),
    })
}

async fn publish(State(state): State<AppState>, v: Visitor, multipart: Multipart) -> Response {
    let result = async {
        modules::require(&state, Module::Announcements).await?;
        let caller = v.caller()?;
        let f = read_form(&state, &v, multipart).await?;
        if f.action == "preview" {
            let preview = Some(render_markdown(&f.body));
            return form_page(&state, &v, f, None, preview, None).await;
        }
        let published = match check(&f, v.tr()) {
            Ok(c) => {
                announcements::publish(
                    &state,
                    &caller,
                    &f.organisation,
                    NewAnnouncement {
                        title: f.title.clone(),
                        body: f.body.clone(),
                        summary: c.summary,
                        category: Some(f.category.clone()).filter(|c| !c.is_empty()),
                        target_roles: c.roles,
                        public: Some(c.public),
                        pinned: checked(f.pinned.as_deref()),
                        ack_requested: checked(f.ack_requested.as_deref()),
                        expires_at: c.expires_at,
                        starts_at: c.starts_at,
                        ends_at: c.ends_at,
                        attachments: f.kept(),
                    },
                )
                .await
            }
            Err(e) => Err(e),
        };
        match published {
            Ok(view) => Ok(v.redirect_with(
                &format!("/announcements/{}", view.key),
                "announcements.published",
            )),
            Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::BadRequest) => {
                form_page(&state, &v, f, None, None, Some(&e)).await
            }
            Err(e) => Err(e),
        }
    }
    .await;
    v.finish(result)
}

async fn edit_page(State(state): State<AppState>, v: Visitor, Path(key): Path<String>) -> Response {
    let result = async {
        modules::require(&state, Module::Announcements).await?;
        let caller = v.caller()?;
        if !announcements::powers(&state, &caller, &key).await?.change {
            return Err(AppError::forbidden(
                "only its author or the organisation's admins change an announcement",
            )
            .says("announcements.not_yours", &[]));
        }
        let view = announcements::get(&state, v.account.as_ref(), &key).await?;
        form_page(
            &state,
            &v,
            Fields::from_view(&view, v.tr()),
            Some(&key),
            None,
            None,
        )
        .await
    }
    .await;
    v.finish(result)
}

async fn edit(
    State(state): State<AppState>,
    v: Visitor,
    Path(key): Path<String>,
    multipart: Multipart,
) -> Response {
    let result = async {
        modules::require(&state, Module::Announcements).await?;
        let caller = v.caller()?;
        let f = read_form(&state, &v, multipart).await?;
        if f.action == "preview" {
            let preview = Some(render_markdown(&f.body));
            return form_page(&state, &v, f, Some(&key), preview, None).await;
        }
        let edited = match check(&f, v.tr()) {
            Ok(c) => {
                announcements::edit(
                    &state,
                    &caller,
                    &key,
                    AnnouncementChanges {
                        title: Some(f.title.clone()),
                        body: Some(f.body.clone()),
                        summary: Some(c.summary),
                        category: Some(f.category.clone()).filter(|c| !c.is_empty()),
                        target_roles: Some(c.roles),
                        public: Some(c.public),
                        pinned: Some(checked(f.pinned.as_deref())),
                        ack_requested: Some(checked(f.ack_requested.as_deref())),
                        expires_at: Some(c.expires_at),
                        starts_at: Some(c.starts_at),
                        ends_at: Some(c.ends_at),
                        attachments: Some(f.kept()),
                    },
                )
                .await
            }
            Err(e) => Err(e),
        };
        match edited {
            Ok(view) => Ok(v.redirect_with(
                &format!("/announcements/{}", view.key),
                "announcements.edited",
            )),
            Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::BadRequest) => {
                form_page(&state, &v, f, Some(&key), None, Some(&e)).await
            }
            Err(e) => Err(e),
        }
    }
    .await;
    v.finish(result)
}

async fn delete(
    State(state): State<AppState>,
    v: Visitor,
    Path(key): Path<String>,
    WebForm(form): WebForm<CsrfOnly>,
) -> Response {
    let result = async {
        v.check_csrf(&form?.csrf)?;
        announcements::delete(&state, &v.caller()?, &key).await?;
        Ok(v.redirect_with("/timeline", "announcements.deleted"))
    }
    .await;
    v.finish(result)
}
