//! The admin pages (instance admins only): accounts, organisations and
//! members here; federation, modules and statistics in the submodules.

mod accounts;
mod audit;
mod federation;
mod instance;
mod picker;

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use serde::Deserialize;

use super::{
    Chrome, Visitor, WebForm, directory::kind_key, directory::role_key, encode, given, ok, render,
};
use crate::{
    AppState,
    error::{AppError, AppResult, ErrorKind},
    model::{OrgKind, Role, Viewer},
    services::{
        Caller,
        organisations::{self, AddMember, CreateOrganisation, MemberView, OrganisationView},
        pagination::PageRequest,
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard))
        .route(
            "/admin/organisations",
            get(organisations_page).post(create_organisation),
        )
        .route("/admin/members", get(members_page).post(add_member))
        .route("/admin/members/delete", post(remove_member))
        .merge(accounts::routes())
        .merge(audit::routes())
        .merge(federation::routes())
        .merge(instance::routes())
}

/// The caller, when it is an instance admin; 403 otherwise (401 without a
/// session, which sends to sign-in).
pub(super) fn admin(v: &Visitor) -> AppResult<Caller> {
    let caller = v.caller()?;
    if caller.is_instance_admin() {
        Ok(caller)
    } else {
        Err(AppError::forbidden("only instance admins see this page")
            .says("admin.admins_only", &[]))
    }
}

/// A refusal the admin can correct, shown in the page; anything else is
/// an error page.
pub(super) fn correctable(tr: crate::web::i18n::Tr, e: AppError) -> AppResult<String> {
    if matches!(
        e.kind,
        ErrorKind::Invalid | ErrorKind::BadRequest | ErrorKind::Conflict | ErrorKind::NotFound
    ) {
        Ok(tr.explain(&e))
    } else {
        Err(e)
    }
}

pub(super) fn status_of(error: &Option<String>) -> StatusCode {
    if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct Dashboard {
    c: Chrome,
}

async fn dashboard(v: Visitor) -> Response {
    let result = admin(&v).and_then(|_| {
        ok(&Dashboard {
            c: v.chrome("admin"),
        })
    });
    v.finish(result)
}

#[derive(Deserialize, Default)]
pub(super) struct CursorQuery {
    pub(super) cursor: Option<String>,
}

#[derive(Deserialize, Default)]
struct OrganisationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    uai: String,
    #[serde(default)]
    parent: String,
    /// The parent picked among the matches of what `parent` held.
    #[serde(default)]
    parent_choice: String,
    #[serde(default)]
    visibility: String,
}

#[derive(Template)]
#[template(path = "admin/organisations.html")]
struct OrganisationsPage {
    c: Chrome,
    organisations: Vec<OrganisationView>,
    kinds: Vec<(&'static str, &'static str)>,
    visibilities: Vec<(&'static str, &'static str)>,
    next: Option<String>,
    f: OrganisationForm,
    error: Option<String>,
    /// Organisations matching the words typed as the parent.
    parent_matches: Vec<picker::Match>,
}

impl OrganisationsPage {
    fn parent_matches_title(&self) -> String {
        self.c
            .tr
            .f("admin.pick_parent", &[("typed", &self.f.parent)])
    }
}

async fn organisations_view(
    state: &AppState,
    v: &Visitor,
    cursor: Option<String>,
    f: OrganisationForm,
    error: Option<String>,
    parent_matches: Vec<picker::Match>,
) -> AppResult<Response> {
    let tr = v.tr();
    let page = organisations::list(
        state,
        Viewer::Admin,
        &PageRequest {
            cursor,
            limit: Some(50),
        },
    )
    .await?;
    render(
        status_of(&error),
        &OrganisationsPage {
            c: v.chrome("admin"),
            organisations: page.items,
            kinds: OrgKind::ALL
                .iter()
                .map(|k| (k.as_str(), tr.t(kind_key(k.as_str()))))
                .collect(),
            visibilities: ["public", "federation", "instance", "private"]
                .into_iter()
                .map(|vis| {
                    (
                        vis,
                        tr.t(match vis {
                            "public" => "admin.visibility_public",
                            "federation" => "admin.visibility_federation",
                            "instance" => "admin.visibility_instance",
                            _ => "admin.visibility_private",
                        }),
                    )
                })
                .collect(),
            next: page
                .next_cursor
                .map(|c| format!("/admin/organisations?cursor={}", encode(&c))),
            f,
            error,
            parent_matches,
        },
    )
}

async fn organisations_page(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<CursorQuery>,
) -> Response {
    let result = async {
        admin(&v)?;
        let f = OrganisationForm {
            kind: "ecole".into(),
            visibility: "public".into(),
            ..OrganisationForm::default()
        };
        organisations_view(&state, &v, q.cursor, f, None, Vec::new()).await
    }
    .await;
    v.finish(result)
}

async fn create_organisation(
    State(state): State<AppState>,
    v: Visitor,
    WebForm(form): WebForm<OrganisationForm>,
) -> Response {
    let result = async {
        let caller = admin(&v)?;
        let mut f = form?;
        v.check_csrf(&f.csrf)?;
        if !f.parent_choice.trim().is_empty() {
            f.parent = std::mem::take(&mut f.parent_choice);
        }
        let created = organisations::create(
            &state,
            &caller,
            CreateOrganisation {
                slug: f.slug.clone(),
                name: f.name.clone(),
                kind: f.kind.clone(),
                uai: given(&f.uai),
                parent: given(&f.parent),
                visibility: given(&f.visibility),
                ..CreateOrganisation::default()
            },
        )
        .await;
        match created {
            Ok(_) => Ok(v.redirect_with("/admin/organisations", "admin.organisation_created")),
            Err(e) => {
                // Words rather than the parent's identifier: offer what they match.
                let parent_matches = if e.kind == ErrorKind::NotFound {
                    picker::matches(&state, v.tr(), &f.parent).await?
                } else {
                    Vec::new()
                };
                let error = correctable(v.tr(), e)?;
                organisations_view(&state, &v, None, f, Some(error), parent_matches).await
            }
        }
    }
    .await;
    v.finish(result)
}

#[derive(Deserialize, Default)]
struct MembersQuery {
    #[serde(default)]
    organisation: String,
    cursor: Option<String>,
    /// The add form's fields, kept when an organisation is picked among
    /// the matches of what was typed.
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
}

#[derive(Deserialize, Default)]
struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    role: String,
}

#[derive(Template)]
#[template(path = "admin/members.html")]
struct MembersPage {
    c: Chrome,
    organisation: String,
    /// Whether `organisation` names one (else it was words to match).
    known: bool,
    /// Organisations matching what was typed, with the link that picks each.
    matches: Vec<(picker::Match, String)>,
    members: Vec<(MemberView, &'static str)>,
    roles: Vec<(&'static str, &'static str)>,
    next: Option<String>,
    f: MemberForm,
    error: Option<String>,
}

async fn members_view(
    state: &AppState,
    v: &Visitor,
    organisation: String,
    cursor: Option<String>,
    f: MemberForm,
    error: Option<String>,
) -> AppResult<Response> {
    let tr = v.tr();
    let mut status = status_of(&error);
    let mut error = error;
    let mut matches = Vec::new();
    let mut known = false;
    let (members, next) = if organisation.is_empty() {
        (Vec::new(), None)
    } else {
        let request = PageRequest {
            cursor,
            limit: Some(100),
        };
        match organisations::members(state, &organisation, &request).await {
            Ok(page) => {
                known = true;
                (
                    page.items
                        .into_iter()
                        .map(|m| {
                            let label = tr.t(role_key(&m.role));
                            (m, label)
                        })
                        .collect(),
                    page.next_cursor.map(|c| {
                        format!(
                            "/admin/members?organisation={}&cursor={}",
                            encode(&organisation),
                            encode(&c)
                        )
                    }),
                )
            }
            // Not an identifier: the organisations the words match, to
            // pick from; said in the page when there are none.
            Err(e) if e.kind == ErrorKind::NotFound => {
                let found = picker::matches(state, tr, &organisation).await?;
                if found.is_empty() {
                    status = StatusCode::NOT_FOUND;
                    error = Some(tr.explain(&e));
                }
                matches = found
                    .into_iter()
                    .map(|m| {
                        let mut link = format!("/admin/members?organisation={}", encode(&m.slug));
                        if !f.username.is_empty() {
                            link.push_str(&format!(
                                "&username={}&role={}",
                                encode(&f.username),
                                encode(&f.role)
                            ));
                        }
                        link.push_str("#add-member");
                        (m, link)
                    })
                    .collect();
                (Vec::new(), None)
            }
            Err(e) => return Err(e),
        }
    };
    render(
        status,
        &MembersPage {
            c: v.chrome("admin"),
            known,
            organisation,
            matches,
            members,
            roles: roles(v),
            next,
            f,
            error,
        },
    )
}

impl MembersPage {
    fn matches_title(&self) -> String {
        self.c.tr.f(
            "admin.matching_organisations",
            &[("typed", &self.organisation)],
        )
    }
}

fn roles(v: &Visitor) -> Vec<(&'static str, &'static str)> {
    let tr = v.tr();
    Role::ALL
        .iter()
        .map(|r| (r.as_str(), tr.t(role_key(r.as_str()))))
        .collect()
}

async fn members_page(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<MembersQuery>,
) -> Response {
    let result = async {
        admin(&v)?;
        let f = MemberForm {
            organisation: q.organisation.clone(),
            username: q.username.clone(),
            role: if q.role.is_empty() {
                "teacher".into()
            } else {
                q.role.clone()
            },
            ..MemberForm::default()
        };
        members_view(
            &state,
            &v,
            q.organisation.trim().to_string(),
            q.cursor,
            f,
            None,
        )
        .await
    }
    .await;
    v.finish(result)
}

async fn add_member(
    State(state): State<AppState>,
    v: Visitor,
    WebForm(form): WebForm<MemberForm>,
) -> Response {
    let result = async {
        let caller = admin(&v)?;
        let f = form?;
        v.check_csrf(&f.csrf)?;
        let organisation = f.organisation.trim().to_string();
        let added = organisations::add_member(
            &state,
            &caller,
            &organisation,
            AddMember {
                username: f.username.trim().to_string(),
                role: f.role.clone(),
            },
        )
        .await;
        match added {
            Ok(_) => Ok(v.redirect_with(
                &format!("/admin/members?organisation={}", encode(&organisation)),
                "admin.member_added",
            )),
            Err(e) => {
                let error = correctable(v.tr(), e)?;
                members_view(&state, &v, organisation, None, f, Some(error)).await
            }
        }
    }
    .await;
    v.finish(result)
}

async fn remove_member(
    State(state): State<AppState>,
    v: Visitor,
    WebForm(form): WebForm<MemberForm>,
) -> Response {
    let result = async {
        let caller = admin(&v)?;
        let f = form?;
        v.check_csrf(&f.csrf)?;
        organisations::remove_member(&state, &caller, &f.organisation, &f.username, &f.role)
            .await?;
        Ok(v.redirect_with(
            &format!("/admin/members?organisation={}", encode(&f.organisation)),
            "admin.member_removed",
        ))
    }
    .await;
    v.finish(result)
}
