//! The resources library in the browser: search with filters, a
//! resource's page (licence, versions, files with their download counts),
//! the share form, new versions and deletion.

use askama::Template;
use axum::{
    Router,
    extract::{DefaultBodyLimit, Multipart, Path, Query, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use serde::Deserialize;

use super::{Chrome, CsrfOnly, Visitor, WebForm, encode, given, ok, render, upload};
use crate::{
    AppState,
    error::{AppError, AppResult, ErrorKind},
    services::{
        modules::{self, Module},
        resources::{self, ResourceLine, ResourceMeta, ResourceQuery, ResourceView, VersionMeta},
    },
    vocabulary::{LEVELS, LICENCES, SUBJECTS, fold_keyword},
    web::i18n::{Locale, Tr},
};

pub fn routes(max_upload: u64) -> Router<AppState> {
    let limit = usize::try_from(max_upload.saturating_add(1024 * 1024)).unwrap_or(usize::MAX);
    Router::new()
        .route("/resources", get(library))
        .route(
            "/resources/new",
            get(share_page)
                .post(share)
                .layer(DefaultBodyLimit::max(limit)),
        )
        .route(
            "/resources/{key}/versions",
            post(add_version).layer(DefaultBodyLimit::max(limit)),
        )
        .route("/resources/{key}/delete", post(delete))
}

fn level_key(level: &str) -> &'static str {
    match level {
        "cycle-1" => "resources.level_cycle_1",
        "cycle-2" => "resources.level_cycle_2",
        "cycle-3" => "resources.level_cycle_3",
        "cycle-4" => "resources.level_cycle_4",
        _ => "resources.level_lycee",
    }
}

/// A subject as people read it: a curriculum subject by its name in the
/// reader's language, any other as it is stored.
fn subject_label(tr: Tr, subject: &str) -> String {
    if SUBJECTS.contains(&subject) {
        tr.t(&format!("subject.{}", subject.replace('-', "_")))
            .to_string()
    } else {
        subject.to_string()
    }
}

/// The curriculum subjects' names, which the forms suggest (a typed name
/// folds to the subject's keyword).
fn subject_names(tr: Tr) -> Vec<String> {
    SUBJECTS.iter().map(|s| subject_label(tr, s)).collect()
}

/// The keyword of a typed subject: a curriculum subject's name in either
/// language gives its keyword (`Mathematics` and `Mathématiques` are
/// `mathematiques`); anything else is kept for the service to fold.
fn subject_key(typed: &str) -> String {
    let folded = fold_keyword(typed);
    Locale::ALL
        .iter()
        .flat_map(|locale| {
            SUBJECTS
                .iter()
                .map(move |s| (*s, subject_label(Tr::new(*locale, chrono_tz::UTC), s)))
        })
        .find(|(_, label)| fold_keyword(label) == folded)
        .map_or_else(|| typed.to_string(), |(subject, _)| subject.to_string())
}

/// Comma-separated words into a list.
fn words(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Bytes as people read them.
pub fn size(bytes: &i64) -> String {
    let b = *bytes as f64;
    if b >= 1_048_576.0 {
        format!("{:.1} Mo", b / 1_048_576.0)
    } else if b >= 1024.0 {
        format!("{:.0} ko", b / 1024.0)
    } else {
        format!("{bytes} o")
    }
}

#[derive(Deserialize, Default)]
struct LibraryForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    tag: String,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "resources/library.html")]
struct LibraryPage {
    c: Chrome,
    f: LibraryForm,
    licences: &'static [(&'static str, &'static str)],
    levels: Vec<(&'static str, &'static str)>,
    subjects: Vec<String>,
    results: Vec<ResourceLine>,
    next: Option<String>,
}

async fn library(
    State(state): State<AppState>,
    v: Visitor,
    Query(f): Query<LibraryForm>,
) -> Response {
    let result = async {
        modules::require(&state, Module::Resources).await?;
        let tr = v.tr();
        let page = resources::library(
            &state,
            v.viewer(),
            ResourceQuery {
                q: given(&f.q),
                licence: given(&f.licence),
                level: given(&f.level),
                subject: given(&f.subject).map(|s| subject_key(&s)),
                tag: given(&f.tag),
                cursor: f.cursor.clone(),
                ..ResourceQuery::default()
            },
        )
        .await?;
        let next = page.next_cursor.as_ref().map(|cursor| {
            format!(
                "/resources?cursor={}&q={}&licence={}&level={}&subject={}&tag={}",
                encode(cursor),
                encode(&f.q),
                encode(&f.licence),
                encode(&f.level),
                encode(&f.subject),
                encode(&f.tag)
            )
        });
        ok(&LibraryPage {
            c: v.chrome("resources"),
            licences: LICENCES,
            levels: LEVELS.iter().map(|l| (*l, tr.t(level_key(l)))).collect(),
            subjects: subject_names(tr),
            results: page.items,
            next,
            f,
        })
    }
    .await;
    v.finish(result)
}

#[derive(Template)]
#[template(path = "resources/page.html")]
struct ResourcePage {
    c: Chrome,
    r: ResourceView,
    levels: Vec<&'static str>,
    subjects: Vec<String>,
    published: String,
    versions: Vec<(String, String)>,
    may_edit: bool,
    organisation_path: String,
}

/// A resource's page (`GET /resources/{key}` from a browser).
pub async fn page(state: &AppState, v: Visitor, key: &str) -> Response {
    let result = async {
        modules::require(state, Module::Resources).await?;
        let tr = v.tr();
        let r = resources::get(state, v.viewer(), key).await?;
        let may_edit = match &v.account {
            Some(_) => resources::may_edit(state, &v.caller()?, key).await?,
            None => false,
        };
        ok(&ResourcePage {
            c: v.chrome("resources"),
            levels: r.levels.iter().map(|l| tr.t(level_key(l))).collect(),
            subjects: r.subjects.iter().map(|s| subject_label(tr, s)).collect(),
            published: tr.date(r.published_at),
            versions: r
                .versions
                .iter()
                .map(|ver| (tr.date(ver.created_at), ver.note.clone()))
                .collect(),
            may_edit,
            organisation_path: super::directory::organisation_path(
                &r.organisation.slug,
                &r.organisation.domain,
                r.local,
            ),
            r,
        })
    }
    .await;
    v.finish(result)
}

#[derive(Deserialize, Default)]
struct ShareFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    levels: Vec<String>,
    #[serde(default)]
    subjects: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "resources/share.html")]
struct SharePage {
    c: Chrome,
    organisations: Vec<(String, String)>,
    licences: &'static [(&'static str, &'static str)],
    levels: Vec<(&'static str, &'static str, bool)>,
    subjects: Vec<String>,
    f: ShareFields,
    error: Option<String>,
}

async fn share_form(
    state: &AppState,
    v: &Visitor,
    f: ShareFields,
    error: Option<&AppError>,
) -> AppResult<Response> {
    let tr = v.tr();
    let also = (!f.organisation.is_empty()).then(|| f.organisation.clone());
    let organisations = resources::shareable_organisations(state, &v.caller()?, also).await?;
    if organisations.is_empty() {
        return Err(
            AppError::forbidden("the account is a member of no organisation")
                .says("resources.no_organisation", &[]),
        );
    }
    render(
        error.map_or(StatusCode::OK, |e| e.kind.status()),
        &SharePage {
            c: v.chrome("resources"),
            organisations,
            subjects: subject_names(tr),
            licences: LICENCES,
            levels: LEVELS
                .iter()
                .map(|l| (*l, tr.t(level_key(l)), f.levels.iter().any(|x| x == l)))
                .collect(),
            f,
            error: error.map(|e| tr.explain(e)),
        },
    )
}

#[derive(Deserialize)]
struct ShareQuery {
    organisation: Option<String>,
}

async fn share_page(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<ShareQuery>,
) -> Response {
    let result = async {
        modules::require(&state, Module::Resources).await?;
        let f = ShareFields {
            organisation: q.organisation.unwrap_or_default(),
            licence: "CC-BY-4.0".into(),
            ..ShareFields::default()
        };
        share_form(&state, &v, f, None).await
    }
    .await;
    v.finish(result)
}

async fn share(State(state): State<AppState>, v: Visitor, multipart: Multipart) -> Response {
    let result = async {
        modules::require(&state, Module::Resources).await?;
        let caller = v.caller()?;
        let form = upload::read(&state, multipart, "files").await?;
        let f = match form
            .parse::<ShareFields>()
            .and_then(|f| v.check_csrf(&f.csrf).map(|()| f))
        {
            Ok(f) => f,
            Err(e) => {
                form.discard(&state).await;
                return Err(e);
            }
        };
        let shared = resources::publish(
            &state,
            &caller,
            &f.organisation,
            ResourceMeta {
                title: f.title.clone(),
                description: f.description.clone(),
                licence: given(&f.licence),
                levels: f.levels.clone(),
                subjects: words(&f.subjects).iter().map(|s| subject_key(s)).collect(),
                tags: words(&f.tags),
                note: given(&f.note),
            },
            form.files.clone(),
        )
        .await;
        match shared {
            Ok(view) => {
                Ok(v.redirect_with(&format!("/resources/{}", view.key), "resources.shared"))
            }
            Err(e) => {
                form.discard(&state).await;
                if matches!(e.kind, ErrorKind::Invalid | ErrorKind::BadRequest) {
                    share_form(&state, &v, f, Some(&e)).await
                } else {
                    Err(e)
                }
            }
        }
    }
    .await;
    v.finish(result)
}

#[derive(Deserialize, Default)]
struct VersionFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

async fn add_version(
    State(state): State<AppState>,
    v: Visitor,
    Path(key): Path<String>,
    multipart: Multipart,
) -> Response {
    let result = async {
        modules::require(&state, Module::Resources).await?;
        let caller = v.caller()?;
        let form = upload::read(&state, multipart, "files").await?;
        let checked = form
            .parse::<VersionFields>()
            .and_then(|f| v.check_csrf(&f.csrf).map(|()| f));
        let added = match checked {
            Ok(f) => {
                resources::add_version(
                    &state,
                    &caller,
                    &key,
                    VersionMeta {
                        note: given(&f.note),
                        ..VersionMeta::default()
                    },
                    form.files.clone(),
                )
                .await
            }
            Err(e) => Err(e),
        };
        match added {
            Ok(_) => Ok(v.redirect_with(&format!("/resources/{key}"), "resources.version_added")),
            Err(e) => {
                form.discard(&state).await;
                Err(e)
            }
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
        resources::delete(&state, &v.caller()?, &key).await?;
        Ok(v.redirect_with("/resources", "resources.deleted"))
    }
    .await;
    v.finish(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::keyword;

    #[test]
    fn curriculum_subjects_are_named_in_both_languages() {
        for locale in Locale::ALL {
            let tr = Tr::new(locale, chrono_tz::UTC);
            for subject in SUBJECTS {
                let label = subject_label(tr, subject);
                assert!(!label.starts_with("subject."), "{locale:?}: {subject}");
                // Whatever the reader picks from the suggestions is the subject.
                assert_eq!(subject_key(&label), *subject, "{locale:?}: {label}");
            }
        }
        assert_eq!(subject_key("Mathematics"), "mathematiques");
        assert_eq!(
            subject_key("Sciences de la vie et de la terre"),
            "sciences-de-la-vie-et-de-la-terre"
        );
        assert_eq!(subject_key("Jardinage"), "Jardinage");
        assert_eq!(
            keyword("subjects", &subject_key("Musique")).as_deref(),
            Ok("musique")
        );
        let fr = Tr::new(Locale::Fr, chrono_tz::UTC);
        assert_eq!(
            subject_label(fr, "education-musicale"),
            "Éducation musicale"
        );
        assert_eq!(subject_label(fr, "jardinage"), "jardinage");
    }
}
