//! The directory in the browser: organisation and people search with
//! filters, an organisation's page (profile, parent, children, members
//! with the roles the visitor may see, follow button, feeds), a person's
//! page, and following or unfollowing.

use std::fmt;

use activitypub_federation::config::Data;
use askama::Template;
use axum::{
    Router,
    extract::{Path, Query, State},
    response::Response,
    routing::{get, post},
};
use serde::Deserialize;

use super::{Chrome, Visitor, WebForm, checked, encode, given, ok};
use crate::{
    AppState,
    error::{AppError, AppResult},
    model::{OrgKind, Role},
    services::{
        announcements,
        directory::{
            self, Child, OrganisationEntry, OrganisationProfile, OrganisationQuery, PeopleQuery,
            PersonEntry,
        },
        follows::{self, Follower},
        modules::{self, Module},
    },
    web::i18n::Tr,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/directory/people", get(search_people))
        .route("/directory/people/{username}", get(person))
        .route("/directory/organisations/{handle}", get(organisation))
        .route("/follows", post(follow))
        .route("/follows/delete", post(unfollow))
}

/// Where a local person's page is.
fn person_path(username: &str) -> String {
    PersonPath(username).to_string()
}

/// Where a local person's page is, written straight into the page.
struct PersonPath<'a>(&'a str);

impl fmt::Display for PersonPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/directory/people/{}", self.0)
    }
}

/// Where an organisation's page is on this instance.
pub fn organisation_path(slug: &str, domain: &str, local: bool) -> String {
    OrgPath {
        slug,
        domain,
        local,
    }
    .to_string()
}

/// Where an organisation's page is, written straight into the page: a
/// list of a hundred organisations builds no string for each.
pub struct OrgPath<'a> {
    slug: &'a str,
    domain: &'a str,
    local: bool,
}

impl fmt::Display for OrgPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.local {
            write!(f, "/directory/organisations/{}", self.slug)
        } else {
            write!(f, "/directory/organisations/{}@{}", self.slug, self.domain)
        }
    }
}

pub fn kind_key(kind: &str) -> &'static str {
    match kind.parse::<OrgKind>() {
        Ok(OrgKind::Academy) => "kind.academy",
        Ok(OrgKind::Department) => "kind.department",
        Ok(OrgKind::Circonscription) => "kind.circonscription",
        Ok(OrgKind::Ecole) => "kind.ecole",
        Ok(OrgKind::College) => "kind.college",
        Ok(OrgKind::Lycee) => "kind.lycee",
        Ok(OrgKind::Erea) => "kind.erea",
        Ok(OrgKind::Service) => "kind.service",
        _ => "kind.other",
    }
}

pub fn role_key(role: &str) -> &'static str {
    match role.parse::<Role>() {
        Ok(Role::Admin) => "role.admin",
        Ok(Role::Advisor) => "role.advisor",
        Ok(Role::Director) => "role.director",
        Ok(Role::Teacher) => "role.teacher",
        Ok(Role::Inspector) => "role.inspector",
        _ => "role.staff",
    }
}

/// An organisation as a result line, borrowed from the entry it shows.
pub struct OrgLine<'a> {
    pub path: OrgPath<'a>,
    pub name: &'a str,
    pub kind: &'static str,
    pub place: Place<'a>,
    pub uai: Option<&'a str>,
    pub origin: Option<&'a str>,
    pub closed: bool,
}

/// "44000 Nantes", or whichever of the two is known.
pub struct Place<'a> {
    postal_code: Option<&'a str>,
    city: Option<&'a str>,
}

impl Place<'_> {
    /// Whether it writes nothing (a blank field counts as unknown).
    pub fn is_empty(&self) -> bool {
        [self.postal_code, self.city]
            .iter()
            .all(|part| part.is_none_or(str::is_empty))
    }
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.postal_code, self.city) {
            (Some(code), Some(city)) => write!(f, "{code} {city}"),
            (one, other) => f.write_str(one.or(other).unwrap_or_default()),
        }
    }
}

impl<'a> OrgLine<'a> {
    fn new(tr: Tr, e: &'a OrganisationEntry) -> Self {
        Self {
            path: OrgPath {
                slug: &e.slug,
                domain: &e.domain,
                local: e.local,
            },
            name: &e.name,
            kind: tr.t(kind_key(&e.kind)),
            place: Place {
                postal_code: e.postal_code.as_deref(),
                city: e.city.as_deref(),
            },
            uai: e.uai.as_deref(),
            origin: (!e.local).then_some(e.domain.as_str()),
            closed: e.closed,
        }
    }

    /// A child on its parent's page: closed ones are not listed there.
    fn child(tr: Tr, c: &'a Child) -> Self {
        Self {
            path: OrgPath {
                slug: &c.slug,
                domain: &c.domain,
                local: c.local,
            },
            name: &c.name,
            kind: tr.t(kind_key(&c.kind)),
            place: Place {
                postal_code: c.postal_code.as_deref(),
                city: c.city.as_deref(),
            },
            uai: c.uai.as_deref(),
            origin: (!c.local).then_some(c.domain.as_str()),
            closed: false,
        }
    }
}

#[derive(Deserialize, Default)]
struct OrgSearchForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    circonscription: String,
    #[serde(default)]
    uai: String,
    closed: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "directory/search.html")]
struct SearchPage<'a> {
    c: Chrome,
    f: OrgSearchForm,
    kinds: Vec<(&'static str, &'static str)>,
    results: Vec<OrgLine<'a>>,
    next: Option<String>,
}

/// The organisation search page (`GET /directory` from a browser).
pub async fn search_page(state: &AppState, v: Visitor, uri: &axum::http::Uri) -> Response {
    let result = async {
        let Query(f) = Query::<OrgSearchForm>::try_from_uri(uri).map_err(|e| {
            crate::error::AppError::bad_request(e.body_text()).says("refused.query_unreadable", &[])
        })?;
        modules::require(state, Module::Directory).await?;
        let tr = v.tr();
        let page = directory::organisations(
            state,
            v.viewer(),
            OrganisationQuery {
                q: given(&f.q),
                kind: given(&f.kind),
                commune: given(&f.commune),
                department: given(&f.department),
                circonscription: given(&f.circonscription),
                uai: given(&f.uai),
                closed: checked(f.closed.as_deref()),
                cursor: f.cursor.clone(),
                ..OrganisationQuery::default()
            },
        )
        .await?;
        let next = page.next_cursor.as_ref().map(|cursor| {
            let mut url = format!("/directory?cursor={}", encode(cursor));
            for (name, value) in [
                ("q", &f.q),
                ("kind", &f.kind),
                ("department", &f.department),
                ("commune", &f.commune),
                ("circonscription", &f.circonscription),
                ("uai", &f.uai),
            ] {
                if !value.is_empty() {
                    url.push_str(&format!("&{name}={}", encode(value)));
                }
            }
            if checked(f.closed.as_deref()) {
                url.push_str("&closed=on");
            }
            url
        });
        ok(&SearchPage {
            c: v.chrome("directory"),
            kinds: OrgKind::ALL
                .iter()
                .map(|k| (k.as_str(), tr.t(kind_key(k.as_str()))))
                .collect(),
            results: page.items.iter().map(|e| OrgLine::new(tr, e)).collect(),
            next,
            f,
        })
    }
    .await;
    v.finish(result)
}

#[derive(Deserialize, Default)]
struct PeopleForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    organisation: String,
    cursor: Option<String>,
}

/// A person as a result line or on their page.
pub struct PersonLine {
    pub e: PersonEntry,
    pub path: String,
    /// (organisation page, organisation name, role key)
    pub roles: Vec<(String, String, &'static str)>,
}

impl PersonLine {
    fn new(e: PersonEntry, domain: &str) -> Self {
        let roles = e
            .roles
            .iter()
            .flatten()
            .map(|r| {
                let (slug, host) = r
                    .organisation
                    .split_once('@')
                    .unwrap_or((&r.organisation, domain));
                (
                    organisation_path(slug, host, host == domain),
                    r.organisation_name.clone(),
                    role_key(&r.role),
                )
            })
            .collect();
        Self {
            path: person_path(&e.username),
            roles,
            e,
        }
    }
}

#[derive(Template)]
#[template(path = "directory/people.html")]
struct PeoplePage {
    c: Chrome,
    f: PeopleForm,
    roles: Vec<(&'static str, &'static str)>,
    results: Vec<PersonLine>,
    next: Option<String>,
}

async fn search_people(
    State(state): State<AppState>,
    v: Visitor,
    Query(f): Query<PeopleForm>,
) -> Response {
    let result = async {
        modules::require(&state, Module::Directory).await?;
        let tr = v.tr();
        let page = directory::people(
            &state,
            v.viewer(),
            PeopleQuery {
                q: given(&f.q),
                role: given(&f.role),
                organisation: given(&f.organisation),
                cursor: f.cursor.clone(),
                limit: None,
            },
        )
        .await?;
        let next = page.next_cursor.as_ref().map(|cursor| {
            format!(
                "/directory/people?cursor={}&q={}&role={}&organisation={}",
                encode(cursor),
                encode(&f.q),
                encode(&f.role),
                encode(&f.organisation)
            )
        });
        let domain = &state.settings.domain;
        ok(&PeoplePage {
            c: v.chrome("directory"),
            roles: Role::ALL
                .iter()
                .map(|r| (r.as_str(), tr.t(role_key(r.as_str()))))
                .collect(),
            results: page
                .items
                .into_iter()
                .map(|e| PersonLine::new(e, domain))
                .collect(),
            next,
            f,
        })
    }
    .await;
    v.finish(result)
}

#[derive(Template)]
#[template(path = "directory/person.html")]
struct PersonPage {
    c: Chrome,
    p: PersonLine,
}

async fn person(
    State(state): State<AppState>,
    v: Visitor,
    Path(username): Path<String>,
) -> Response {
    let result = async {
        modules::require(&state, Module::Directory).await?;
        let entry = directory::person(
            &state,
            v.viewer(),
            v.account.as_ref().map(|a| a.id),
            &username,
        )
        .await?;
        ok(&PersonPage {
            c: v.chrome("directory"),
            p: PersonLine::new(entry, &state.settings.domain),
        })
    }
    .await;
    v.finish(result)
}

#[derive(Template)]
#[template(path = "directory/organisation.html")]
struct OrganisationPage<'a> {
    c: Chrome,
    e: &'a OrganisationEntry,
    kind: &'static str,
    description: &'a str,
    parent_path: Option<String>,
    /// The members and children, as `organisation_lists.html` wrote them.
    lists: &'a str,
    /// `None`: the visitor cannot follow (anonymous); else whether they do.
    following: Option<bool>,
    may_publish: bool,
    handle: String,
    /// Its latest announcements the visitor may read (local ones).
    lines: Vec<super::announcements::Line>,
}

/// An organisation's members and children, written once per kept profile
/// and language (see `Renderings`).
#[derive(Template)]
#[template(path = "directory/organisation_lists.html")]
struct Lists<'a> {
    c: Tr,
    slug: &'a str,
    id: &'a str,
    children: Vec<OrgLine<'a>>,
    more_children: bool,
    members: Vec<MemberLine<'a>>,
    more_members: bool,
}

impl<'a> Lists<'a> {
    fn of(tr: Tr, profile: &'a OrganisationProfile) -> Self {
        Self {
            c: tr,
            slug: &profile.entry.slug,
            id: &profile.entry.id,
            children: profile
                .children
                .iter()
                .map(|c| OrgLine::child(tr, c))
                .collect(),
            more_children: profile.more_children,
            members: profile
                .members
                .iter()
                .map(|m| MemberLine {
                    path: PersonPath(&m.username),
                    roles: &m.roles,
                    name: &m.display_name,
                })
                .collect(),
            more_members: profile.more_members,
        }
    }
}

/// A member on their organisation's page, borrowed from the profile.
struct MemberLine<'a> {
    path: PersonPath<'a>,
    name: &'a str,
    roles: &'a [String],
}

impl MemberLine<'_> {
    /// The translation keys of the roles they hold there.
    fn role_keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.roles.iter().map(|r| role_key(r))
    }
}

/// An organisation's page; `/orgs/{slug}` from a browser shows it too.
pub async fn organisation_page(state: &AppState, v: Visitor, handle: &str) -> Response {
    let result = async {
        modules::require(state, Module::Directory).await?;
        let tr = v.tr();
        let profile = directory::organisation(state, v.viewer(), handle).await?;
        let e = &profile.entry;
        let lists = profile
            .rendered
            .get_or_render(v.locale as usize, || Lists::of(tr, &profile).render())
            .map_err(AppError::internal)?;
        let following = match &v.account {
            Some(account) => Some(follows::is_following(state, &account.ap_id, &e.id).await?),
            None => None,
        };
        // A remote organisation's announcements are read on its own
        // instance, and nobody publishes for it here.
        let (lines, may_publish) = if e.local && v.modules.announcements {
            let custom = announcements::categories(state).await?;
            let front =
                announcements::front_of(state, v.account.as_ref(), &e.slug, None, Some(10)).await?;
            let lines = front
                .page
                .items
                .into_iter()
                .map(|a| super::announcements::Line::new(tr, a, &custom))
                .collect();
            (lines, front.may_publish)
        } else if e.local && v.account.is_some() && v.modules.resources {
            // Without announcements, publishers still share resources.
            let may = announcements::may_publish_for(state, &v.caller()?, &e.slug).await?;
            (Vec::new(), may)
        } else {
            (Vec::new(), false)
        };
        ok(&OrganisationPage {
            c: v.chrome("directory"),
            lines,
            kind: tr.t(kind_key(&e.kind)),
            description: &profile.description,
            parent_path: e.parent.as_ref().map(|p| {
                let domain = url::Url::parse(&p.id)
                    .ok()
                    .and_then(|u| {
                        u.host_str().map(|h| match u.port() {
                            Some(port) => format!("{h}:{port}"),
                            None => h.to_string(),
                        })
                    })
                    .unwrap_or_default();
                organisation_path(&p.slug, &domain, domain == state.settings.domain)
            }),
            lists: &lists,
            following,
            may_publish,
            handle: format!("{}@{}", e.slug, e.domain),
            e,
        })
    }
    .await;
    v.finish(result)
}

async fn organisation(
    State(state): State<AppState>,
    v: Visitor,
    Path(handle): Path<String>,
) -> Response {
    organisation_page(&state, v, &handle).await
}

#[derive(Deserialize)]
struct FollowForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    target: String,
    next: Option<String>,
}

async fn follow(data: Data<AppState>, v: Visitor, WebForm(form): WebForm<FollowForm>) -> Response {
    let result: AppResult<Response> = async {
        let form = form?;
        v.check_csrf(&form.csrf)?;
        let view = follows::follow(&data, &v.caller()?, Follower::Me, &form.target).await?;
        let flash = if view.pending {
            "directory.follow_pending"
        } else {
            "directory.followed"
        };
        Ok(v.redirect_with(super::safe_next(form.next.as_deref()), flash))
    }
    .await;
    v.finish(result)
}

async fn unfollow(
    data: Data<AppState>,
    v: Visitor,
    WebForm(form): WebForm<FollowForm>,
) -> Response {
    let result: AppResult<Response> = async {
        let form = form?;
        v.check_csrf(&form.csrf)?;
        follows::unfollow(&data, &v.caller()?, Follower::Me, &form.target).await?;
        Ok(v.redirect_with(
            super::safe_next(form.next.as_deref()),
            "directory.unfollowed",
        ))
    }
    .await;
    v.finish(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_writes_what_is_known_and_a_blank_field_counts_as_unknown() {
        let place = |postal_code, city| Place { postal_code, city };
        assert_eq!(
            place(Some("44000"), Some("Nantes")).to_string(),
            "44000 Nantes"
        );
        assert_eq!(place(None, Some("Nantes")).to_string(), "Nantes");
        assert_eq!(place(Some("44000"), None).to_string(), "44000");
        assert!(place(None, None).is_empty());
        assert!(place(Some(""), Some("")).is_empty());
        assert!(!place(Some(""), Some("Nantes")).is_empty());
    }

    #[test]
    fn paths_name_remote_organisations_by_their_domain() {
        assert_eq!(
            organisation_path("ecole-a", "example.org", true),
            "/directory/organisations/ecole-a"
        );
        assert_eq!(
            organisation_path("ecole-a", "autre.example", false),
            "/directory/organisations/ecole-a@autre.example"
        );
        assert_eq!(person_path("jdupont"), "/directory/people/jdupont");
    }
}
