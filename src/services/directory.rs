//! The directory as people search it: organisations (local and synced from
//! peers) and people (accounts of this instance), each entry and each field
//! shown only to the viewers its visibility allows.

use std::{collections::HashMap, sync::Arc};

use serde::{Deserialize, Serialize};

use super::{
    directory_copies::Renderings,
    pagination::{Page, PageRequest},
};
use crate::{
    AppState,
    db::{
        DbConn, accounts,
        directory::{
            self, OrganisationListing, OrganisationSearch, Origin, PeopleSearch, PersonListing,
        },
        directory_version, memberships,
        organisations::{self, OrganisationName},
    },
    directory::text,
    error::{AppError, AppResult},
    model::{OrgKind, Role, Viewer, Visibility, normalize_department, normalize_uai},
};

/// Entries per page unless `limit` says otherwise.
const PAGE_SIZE: i64 = 20;

/// `GET /api/v1/directory/organisations` filters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationQuery {
    /// Words of the name, commune, postal code or UAI, accents optional.
    pub q: Option<String>,
    pub kind: Option<String>,
    /// A commune name or a postal code.
    pub commune: Option<String>,
    /// A department code (`44`, `044`, `2A`).
    pub department: Option<String>,
    /// The slug (or actor id) of a circonscription: its schools.
    pub circonscription: Option<String>,
    pub uai: Option<String>,
    /// `local`, `remote`, or an instance's domain.
    pub origin: Option<String>,
    /// Include closed establishments.
    #[serde(default)]
    pub closed: bool,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// `GET /api/v1/directory/people` filters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeopleQuery {
    pub q: Option<String>,
    pub role: Option<String>,
    /// The slug of an organisation of this instance: its members.
    pub organisation: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// An organisation as the directory lists it.
#[derive(Debug, Serialize)]
pub struct OrganisationEntry {
    pub id: String,
    pub slug: String,
    pub domain: String,
    pub local: bool,
    pub kind: String,
    pub name: String,
    pub uai: Option<String>,
    pub parent: Option<ParentRef>,
    pub department: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub closed: bool,
    pub visibility: String,
}

#[derive(Debug, Serialize)]
pub struct ParentRef {
    pub id: String,
    pub slug: String,
    pub name: String,
}

/// A person as the directory shows them to one viewer: fields the viewer
/// may not see are absent.
#[derive(Debug, Serialize)]
pub struct PersonEntry {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub job_title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<RoleEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct RoleEntry {
    pub organisation: String,
    pub organisation_name: String,
    pub role: String,
}

fn parse<T: std::str::FromStr<Err = String>>(field: &str, value: &str) -> AppResult<T> {
    value.parse().map_err(|e| {
        AppError::invalid(format!("{field}: {e}")).says(
            "refused.filter_invalid",
            &[("field", &field), ("value", &value)],
        )
    })
}

/// Some(non-blank trimmed text).
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn origin(value: Option<&str>) -> Origin {
    match value {
        None => Origin::Any,
        Some("local") => Origin::Local,
        Some("remote") => Origin::Remote,
        Some(domain) => Origin::Domain(crate::federation::policy::normalize_domain(domain)),
    }
}

/// Resolves a circonscription given by local slug or actor id.
fn organisation_id(conn: &mut DbConn, key: &str) -> AppResult<i64> {
    let found = if key.starts_with("http://") || key.starts_with("https://") {
        organisations::by_ap_id(conn, key)?
    } else {
        organisations::local_by_slug(conn, key)?
    };
    found
        .map(|o| o.id)
        .ok_or_else(|| AppError::not_found("organisation"))
}

fn organisation_entry(
    org: OrganisationListing,
    parents: &HashMap<i64, OrganisationName>,
) -> OrganisationEntry {
    let parent = org
        .parent_id
        .and_then(|id| parents.get(&id))
        .map(|p| ParentRef {
            id: p.ap_id.clone(),
            slug: p.slug.clone(),
            name: p.name.clone(),
        });
    OrganisationEntry {
        id: org.ap_id,
        slug: org.slug,
        domain: org.domain,
        local: org.local,
        kind: org.kind,
        name: org.name,
        uai: org.uai,
        parent,
        department: org.department_code,
        address: org.address,
        postal_code: org.postal_code,
        city: org.city,
        phone: org.phone,
        email: org.email,
        website: org.website,
        closed: org.closed,
        visibility: org.visibility,
    }
}

/// Searches organisations, local and remote, in name order.
pub async fn organisations(
    state: &AppState,
    viewer: Viewer,
    query: OrganisationQuery,
) -> AppResult<Page<OrganisationEntry>> {
    let (offset, limit) = PageRequest {
        cursor: query.cursor.clone(),
        limit: query.limit.or(Some(PAGE_SIZE)),
    }
    .bounds()?;
    let mut search = OrganisationSearch {
        terms: given(&query.q).map(text::terms).unwrap_or_default(),
        kind: given(&query.kind)
            .map(|k| parse::<OrgKind>("kind", k))
            .transpose()?
            .map(|k| k.as_str().to_string()),
        commune: given(&query.commune).map(text::words),
        department: given(&query.department).map(normalize_department),
        uai: given(&query.uai)
            .map(normalize_uai)
            .transpose()
            .map_err(|e| {
                AppError::invalid(e).says(
                    "refused.filter_invalid",
                    &[
                        ("field", &"uai"),
                        ("value", &query.uai.as_deref().unwrap_or("")),
                    ],
                )
            })?,
        origin: origin(given(&query.origin)),
        include_closed: query.closed,
        visibilities: viewer.visible(),
        ..OrganisationSearch::default()
    };
    let circonscription = given(&query.circonscription).map(str::to_string);
    state
        .db
        .read(move |conn| {
            if let Some(key) = circonscription {
                search.parent_id = Some(organisation_id(conn, &key)?);
            }
            let rows = directory::search_organisations(conn, &search, offset, limit + 1)?;
            let numbered = number(rows, offset);
            Page::try_from_rows_with(
                numbered,
                limit,
                |(n, _)| *n,
                |rows| {
                    let orgs: Vec<OrganisationListing> = rows.into_iter().map(|(_, o)| o).collect();
                    let parent_ids: Vec<i64> = orgs.iter().filter_map(|o| o.parent_id).collect();
                    let parents = organisations::names_by_ids(conn, &parent_ids)?
                        .into_iter()
                        .map(|p| (p.id, p))
                        .collect::<HashMap<_, _>>();
                    Ok::<_, AppError>(
                        orgs.into_iter()
                            .map(|o| organisation_entry(o, &parents))
                            .collect(),
                    )
                },
            )
        })
        .await
}

/// Rows of an offset page with their position, which the next page's
/// cursor carries.
fn number<T>(rows: Vec<T>, offset: i64) -> Vec<(i64, T)> {
    (offset + 1..).zip(rows).collect()
}

/// What `viewer` sees of a person. People see all of their own entry.
fn person_entry(account: PersonListing, viewer: Viewer, roles: Vec<RoleEntry>) -> PersonEntry {
    let sees = |stored: &str| {
        stored
            .parse::<Visibility>()
            .is_ok_and(|visibility| viewer.sees(visibility))
    };
    PersonEntry {
        id: account.ap_id,
        username: account.username,
        display_name: account.display_name,
        job_title: account.job_title,
        roles: sees(&account.roles_visibility).then_some(roles),
        email: account.email.filter(|_| sees(&account.email_visibility)),
        phone: account.phone.filter(|_| sees(&account.phone_visibility)),
    }
}

fn roles_by_account(
    conn: &mut DbConn,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<RoleEntry>>, diesel::result::Error> {
    let mut roles: HashMap<i64, Vec<RoleEntry>> = HashMap::new();
    for m in memberships::of_accounts(conn, ids)? {
        roles.entry(m.account_id).or_default().push(RoleEntry {
            organisation: m.organisation_slug,
            organisation_name: m.organisation_name,
            role: m.role,
        });
    }
    Ok(roles)
}

/// Searches the people of this instance, in name order.
pub async fn people(
    state: &AppState,
    viewer: Viewer,
    query: PeopleQuery,
) -> AppResult<Page<PersonEntry>> {
    let (offset, limit) = PageRequest {
        cursor: query.cursor.clone(),
        limit: query.limit.or(Some(PAGE_SIZE)),
    }
    .bounds()?;
    let mut search = PeopleSearch {
        terms: given(&query.q).map(text::terms).unwrap_or_default(),
        role: given(&query.role)
            .map(|r| parse::<Role>("role", r))
            .transpose()?
            .map(|r| r.as_str().to_string()),
        visibilities: viewer.visible(),
        ..PeopleSearch::default()
    };
    let organisation = given(&query.organisation).map(str::to_string);
    state
        .db
        .read(move |conn| {
            if let Some(slug) = organisation {
                search.organisation_id = Some(organisation_id(conn, &slug)?);
            }
            let rows = directory::search_people(conn, &search, offset, limit + 1)?;
            Page::try_from_rows_with(
                number(rows, offset),
                limit,
                |(n, _)| *n,
                |rows| {
                    let ids: Vec<i64> = rows.iter().map(|(_, a)| a.id).collect();
                    let mut roles = roles_by_account(conn, &ids)?;
                    Ok::<_, AppError>(
                        rows.into_iter()
                            .map(|(_, a)| {
                                let r = roles.remove(&a.id).unwrap_or_default();
                                person_entry(a, viewer, r)
                            })
                            .collect(),
                    )
                },
            )
        })
        .await
}

/// One person's entry; 404 when the viewer may not see it.
pub async fn person(
    state: &AppState,
    viewer: Viewer,
    caller_id: Option<i64>,
    username: &str,
) -> AppResult<PersonEntry> {
    let username = username.to_string();
    state
        .db
        .read(move |conn| {
            let account = accounts::local_by_username(conn, &username)?
                .filter(|a| !a.disabled)
                .ok_or_else(|| AppError::not_found("person"))?;
            let viewer = if caller_id == Some(account.id) {
                Viewer::Admin
            } else {
                viewer
            };
            let visible = account
                .name_visibility
                .parse::<Visibility>()
                .is_ok_and(|v| viewer.sees(v));
            if !visible {
                return Err(AppError::not_found("person"));
            }
            let mut roles = roles_by_account(conn, &[account.id])?;
            let r = roles.remove(&account.id).unwrap_or_default();
            Ok(person_entry(account.into(), viewer, r))
        })
        .await
}

/// An organisation's page: its entry, description, and the children and
/// members the viewer may see.
#[derive(Debug)]
pub struct OrganisationProfile {
    pub entry: OrganisationEntry,
    pub description: String,
    /// Its open children, in name order.
    pub children: Vec<Child>,
    /// Whether it has more children than `children` holds.
    pub more_children: bool,
    /// Its local members, in name order, with the roles they hold here;
    /// empty for a remote organisation (its instance keeps its members).
    pub members: Vec<Member>,
    /// Whether it has more members than `members` holds.
    pub more_members: bool,
    /// Its lists as pages showed them, kept with the copy.
    pub rendered: Renderings,
}

/// Someone who holds roles in an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub username: String,
    pub display_name: String,
    /// Role names (`Role::as_str`), in name order.
    pub roles: Vec<String>,
}

pub use crate::db::organisations::Child;

/// How many children an organisation's page lists.
const PROFILE_CHILDREN: i64 = 100;
/// How many members an organisation's page lists.
const PROFILE_MEMBERS: usize = 100;

/// The first `people` members from rows of roles in name order, and
/// whether more followed.
fn members_from(rows: Vec<memberships::MemberRole>, people: usize) -> (Vec<Member>, bool) {
    let mut members: Vec<Member> = Vec::new();
    for row in rows {
        match members.last_mut() {
            Some(last) if last.username == row.username => last.roles.push(row.role),
            _ => members.push(Member {
                username: row.username,
                display_name: row.display_name,
                roles: vec![row.role],
            }),
        }
    }
    let more = members.len() > people;
    members.truncate(people);
    (members, more)
}

/// An organisation by `slug` (this instance) or `slug@domain`; 404 when
/// the viewer may not see it. Served from this process's copy while the
/// directory has not changed (`directory_copies`).
pub async fn organisation(
    state: &AppState,
    viewer: Viewer,
    handle: &str,
) -> AppResult<Arc<OrganisationProfile>> {
    let handle = handle.trim().trim_start_matches('@').to_string();
    let shared = state.clone();
    state
        .db
        .read(move |conn| {
            let (copies, domain) = (&shared.profiles, &shared.settings.domain);
            let version = directory_version::current(conn)?;
            if let Some(kept) = copies.get(version, &handle, viewer) {
                return Ok(kept);
            }
            let profile = Arc::new(read_profile(conn, viewer, &handle, domain)?);
            copies.keep(version, handle, viewer, profile.clone());
            Ok(profile)
        })
        .await
}

fn read_profile(
    conn: &mut DbConn,
    viewer: Viewer,
    handle: &str,
    domain: &str,
) -> AppResult<OrganisationProfile> {
    let found = match handle.split_once('@') {
        Some((slug, d)) if d != domain => organisations::by_slug_and_domain(conn, slug, d)?,
        Some((slug, _)) => organisations::local_by_slug(conn, slug)?,
        None => organisations::local_by_slug(conn, handle)?,
    };
    let org = found
        .filter(|o| {
            o.visibility
                .parse::<Visibility>()
                .is_ok_and(|v| viewer.sees(v))
        })
        .ok_or_else(|| AppError::not_found("organisation"))?;
    let mut children =
        organisations::children_of(conn, org.id, &viewer.visible(), PROFILE_CHILDREN + 1)?;
    let more_children = children.len() as i64 > PROFILE_CHILDREN;
    children.truncate(PROFILE_CHILDREN as usize);
    let parents =
        organisations::names_by_ids(conn, &org.parent_id.into_iter().collect::<Vec<_>>())?
            .into_iter()
            .map(|p| (p.id, p))
            .collect::<HashMap<_, _>>();
    let (members, more_members) = if org.local {
        // Enough rows for one more person than the page lists, were each
        // to hold every role.
        let rows = (PROFILE_MEMBERS as i64 + 1) * Role::ALL.len() as i64;
        let roles = memberships::members_of(conn, org.id, &viewer.visible(), rows)?;
        members_from(roles, PROFILE_MEMBERS)
    } else {
        (Vec::new(), false)
    };
    let description = org.description.clone();
    Ok(OrganisationProfile {
        members,
        more_members,
        entry: organisation_entry(org.into(), &parents),
        description,
        children,
        more_children,
        rendered: Renderings::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::accounts::Account;

    fn account() -> Account {
        let now = crate::db::now();
        Account {
            id: 1,
            username: "jdupont".into(),
            domain: "example.org".into(),
            local: true,
            ap_id: "https://example.org/users/jdupont".into(),
            inbox_url: "https://example.org/users/jdupont/inbox".into(),
            shared_inbox_url: None,
            display_name: "Jeanne Dupont".into(),
            email: Some("jeanne@example.org".into()),
            password_hash: None,
            is_admin: false,
            disabled: false,
            public_key: None,
            private_key: None,
            created_at: now,
            updated_at: now,
            last_refreshed_at: now,
            phone: Some("02 40 00 00 00".into()),
            job_title: "Directrice".into(),
            name_visibility: "public".into(),
            roles_visibility: "federation".into(),
            email_visibility: "instance".into(),
            phone_visibility: "private".into(),
            locale: None,
        }
    }

    #[test]
    fn each_field_shows_only_to_its_audience() {
        let roles = || {
            vec![RoleEntry {
                organisation: "ecole-a".into(),
                organisation_name: "École A".into(),
                role: "director".into(),
            }]
        };
        let anonymous = person_entry(account().into(), Viewer::Anonymous, roles());
        assert!(anonymous.roles.is_none() && anonymous.email.is_none());
        assert!(anonymous.phone.is_none());
        let peer = person_entry(account().into(), Viewer::Peer, roles());
        assert_eq!(peer.roles.as_ref().map(Vec::len), Some(1));
        assert!(peer.email.is_none());
        let colleague = person_entry(account().into(), Viewer::Account, roles());
        assert_eq!(colleague.email.as_deref(), Some("jeanne@example.org"));
        assert!(colleague.phone.is_none(), "phone is private by default");
        let admin = person_entry(account().into(), Viewer::Admin, roles());
        assert_eq!(admin.phone.as_deref(), Some("02 40 00 00 00"));
    }

    #[test]
    fn members_gather_their_roles_and_the_page_stops_at_its_size() {
        let row = |username: &str, role: &str| memberships::MemberRole {
            username: username.into(),
            display_name: username.to_uppercase(),
            role: role.into(),
        };
        let rows = vec![
            row("amel", "director"),
            row("amel", "teacher"),
            row("bruno", "teacher"),
            row("chloe", "advisor"),
            row("chloe", "teacher"),
        ];
        let (members, more) = members_from(rows.clone(), 3);
        assert!(!more);
        let roles: Vec<(&str, Vec<&str>)> = members
            .iter()
            .map(|m| {
                (
                    m.username.as_str(),
                    m.roles.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            roles,
            [
                ("amel", vec!["director", "teacher"]),
                ("bruno", vec!["teacher"]),
                ("chloe", vec!["advisor", "teacher"]),
            ]
        );
        assert_eq!(members[0].display_name, "AMEL");
        let (members, more) = members_from(rows, 2);
        assert!(more);
        assert_eq!(members.len(), 2);
        assert_eq!(members[1].username, "bruno");
    }
}
