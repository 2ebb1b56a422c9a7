//! Organisations and their members: creation, profile changes, listing,
//! roles. Who may manage an organisation is decided here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Caller,
    audit::{self, Action, Actor},
    clean, double_option,
    pagination::Page,
};
use crate::{
    AppState,
    db::{
        self, DbConn, accounts, audit_log, is_unique_violation_on, memberships,
        organisations::{self as rows, NewOrganisation, Organisation, OrganisationChanges},
    },
    error::{AppError, AppResult},
    federation::{activities::updating::update_group, objects::group::ApubGroup, send},
    model::{OrgKind, Role, Viewer, Visibility, normalize_uai, validate_handle},
    services::pagination::PageRequest,
};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisation {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub uai: Option<String>,
    /// Slug of the parent organisation on this instance.
    pub parent: Option<String>,
    pub description: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    #[serde(default)]
    pub approve_followers: bool,
    /// Who sees it in the directory: `public` (default), `federation`,
    /// `instance` or `private`.
    pub visibility: Option<String>,
}

/// A PATCH body: absent fields stay, `null` clears a nullable field.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganisation {
    pub name: Option<String>,
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub uai: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub parent: Option<Option<String>>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub postal_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub city: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub latitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub longitude: Option<Option<f64>>,
    pub approve_followers: Option<bool>,
    pub closed: Option<bool>,
    pub visibility: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OrganisationView {
    pub id: String,
    pub slug: String,
    pub domain: String,
    pub local: bool,
    pub kind: String,
    pub name: String,
    pub uai: Option<String>,
    pub parent: Option<String>,
    pub description: String,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub approve_followers: bool,
    pub closed: bool,
    pub visibility: String,
    pub department_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct MemberView {
    pub username: String,
    pub role: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    pub username: String,
    pub role: String,
}

fn view(conn: &mut DbConn, org: Organisation) -> Result<OrganisationView, diesel::result::Error> {
    let parent = match org.parent_id {
        Some(id) => Some(rows::by_id(conn, id)?.slug),
        None => None,
    };
    Ok(OrganisationView {
        id: org.ap_id,
        slug: org.slug,
        domain: org.domain,
        local: org.local,
        kind: org.kind,
        name: org.name,
        uai: org.uai,
        parent,
        description: org.description,
        address: org.address,
        postal_code: org.postal_code,
        city: org.city,
        phone: org.phone,
        email: org.email,
        website: org.website,
        latitude: org.latitude,
        longitude: org.longitude,
        approve_followers: org.approve_followers,
        closed: org.closed,
        visibility: org.visibility,
        department_code: org.department_code,
        created_at: org.created_at.and_utc(),
        updated_at: org.updated_at.and_utc(),
    })
}

/// Whether the caller may manage an organisation: instance admins, and the
/// `admin` members of the organisation or of any of its ancestors.
pub fn can_manage(conn: &mut DbConn, caller: &Caller, org_id: i64) -> AppResult<bool> {
    holds_right(conn, caller, org_id, |_| false)
}

/// The rule every right in an organisation follows: the operator and
/// instance admins hold it everywhere, the `admin` members of the
/// organisation or of an ancestor hold it, and so do the members whose
/// role in the organisation itself `held_here` accepts. The account's
/// roles are read at once, and the chain only if it holds any.
pub fn holds_right(
    conn: &mut DbConn,
    caller: &Caller,
    org_id: i64,
    held_here: impl Fn(&str) -> bool,
) -> AppResult<bool> {
    let Caller::Account(account) = caller else {
        return Ok(true);
    };
    if account.is_admin {
        return Ok(true);
    }
    let held = memberships::roles_of(conn, account.id)?;
    if held.is_empty() {
        return Ok(false);
    }
    let mut chain = vec![org_id];
    chain.extend(rows::ancestor_ids(conn, org_id)?);
    Ok(held.iter().any(|(held_in, role)| {
        chain.contains(held_in)
            && (role == Role::Admin.as_str() || (*held_in == org_id && held_here(role)))
    }))
}

/// A local organisation by slug, or 404 naming it.
pub(crate) fn local_org(conn: &mut DbConn, slug: &str) -> AppResult<Organisation> {
    rows::local_by_slug(conn, slug)?
        .ok_or_else(|| AppError::not_found(&format!("organisation `{slug}`")))
}

/// Checked text fields shared by create and update.
fn check_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid("name: must be 1 to 200 characters")
            .says("refused.organisation_name", &[]));
    }
    Ok(name.to_string())
}

fn check_kind(kind: &str) -> AppResult<String> {
    kind.parse::<OrgKind>()
        .map(|k| k.as_str().to_string())
        .map_err(|e| {
            AppError::invalid(format!("kind: {e}")).says("refused.kind_unknown", &[("kind", &kind)])
        })
}

pub(crate) fn check_visibility(value: &str) -> AppResult<Visibility> {
    value.parse::<Visibility>().map_err(|e| {
        AppError::invalid(format!("visibility: {e}"))
            .says("refused.visibility_unknown", &[("value", &value)])
    })
}

fn check_optional(field: &str, value: Option<String>, max: usize) -> AppResult<Option<String>> {
    let value = clean(value);
    if let Some(v) = &value {
        if v.chars().count() > max {
            return Err(
                AppError::invalid(format!("{field}: must be at most {max} characters"))
                    .says("refused.field_length", &[("field", &field), ("max", &max)]),
            );
        }
        if field == "website" {
            let ok = url::Url::parse(v).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !ok {
                return Err(
                    AppError::invalid(format!("website: `{v}` is not an http(s) URL"))
                        .says("refused.website_invalid", &[("value", &v)]),
                );
            }
        }
        if field == "email" && !v.contains('@') {
            return Err(
                AppError::invalid(format!("email: `{v}` is not an e-mail address"))
                    .says("refused.email_invalid", &[("email", &v)]),
            );
        }
    }
    Ok(value)
}

fn check_coordinate(field: &str, value: Option<f64>, bound: f64) -> AppResult<Option<f64>> {
    match value {
        Some(v) if !v.is_finite() || v.abs() > bound => Err(AppError::invalid(format!(
            "{field}: must be between -{bound} and {bound}"
        ))
        .says(
            "refused.coordinate_range",
            &[("field", &field), ("bound", &bound)],
        )),
        other => Ok(other),
    }
}

fn check_uai(uai: Option<String>) -> AppResult<Option<String>> {
    clean(uai)
        .map(|u| {
            normalize_uai(&u)
                .map_err(|e| AppError::invalid(e).says("refused.uai_invalid", &[("uai", &u)]))
        })
        .transpose()
}

fn conflict_from(e: diesel::result::Error, slug: &str, uai: Option<&str>) -> AppError {
    if is_unique_violation_on(&e, "slug") {
        AppError::conflict(format!("slug `{slug}` is already taken"))
            .says("refused.slug_taken", &[("slug", &slug)])
    } else if is_unique_violation_on(&e, "uai") {
        AppError::conflict(format!(
            "an organisation with UAI {} already exists",
            uai.unwrap_or("?")
        ))
        .says("refused.uai_taken", &[("uai", &uai.unwrap_or("?"))])
    } else {
        e.into()
    }
}

/// Creates a local organisation. Instance admins may create any; the admins
/// of an organisation may create organisations under it.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: CreateOrganisation,
) -> AppResult<OrganisationView> {
    let slug = input.slug.trim().to_string();
    validate_handle("slug", &slug)
        .map_err(|e| AppError::invalid(e).says("refused.slug_invalid", &[("slug", &slug)]))?;
    let name = check_name(&input.name)?;
    let kind = check_kind(&input.kind)?;
    let uai = check_uai(input.uai)?;
    let visibility = input
        .visibility
        .as_deref()
        .map_or(Ok(Visibility::Public), check_visibility)?;
    let description = clean(input.description).unwrap_or_default();
    if description.chars().count() > 5000 {
        return Err(
            AppError::invalid("description: must be at most 5000 characters")
                .says("refused.description_length", &[("max", &5000)]),
        );
    }
    let address = check_optional("address", input.address, 500)?;
    let postal_code = check_optional("postal_code", input.postal_code, 20)?;
    let city = check_optional("city", input.city, 200)?;
    let phone = check_optional("phone", input.phone, 40)?;
    let email = check_optional("email", input.email, 254)?;
    let website = check_optional("website", input.website, 500)?;
    let latitude = check_coordinate("latitude", input.latitude, 90.0)?;
    let longitude = check_coordinate("longitude", input.longitude, 180.0)?;
    let parent_slug = clean(input.parent);

    let settings = state.settings.clone();
    let caller = caller.clone();
    state
        .db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                let parent = match &parent_slug {
                    Some(p) => Some(local_org(conn, p)?),
                    None => None,
                };
                let allowed = caller.is_instance_admin()
                    || match &parent {
                        Some(p) => can_manage(conn, &caller, p.id)?,
                        None => false,
                    };
                if !allowed {
                    return Err(AppError::forbidden(
                        "only instance admins, or admins of the parent organisation, \
                         create organisations",
                    )
                    .says("refused.not_parent_admin", &[]));
                }
                let domain = settings.domain.as_str();
                if rows::slug_taken(conn, domain, &slug)?
                    || accounts::username_taken(conn, domain, &slug)?
                {
                    return Err(
                        AppError::conflict(format!("slug `{slug}` is already taken"))
                            .says("refused.slug_taken", &[("slug", &slug)]),
                    );
                }
                if let Some(u) = &uai
                    && rows::uai_taken(conn, domain, u, 0)?
                {
                    return Err(AppError::conflict(format!(
                        "an organisation with UAI {u} already exists"
                    ))
                    .says("refused.uai_taken", &[("uai", &u)]));
                }
                let ap_id = settings.url(&format!("/orgs/{slug}"));
                let inbox = format!("{ap_id}/inbox");
                let shared_inbox = settings.url("/inbox");
                let now = db::now();
                let org = rows::insert(
                    conn,
                    &NewOrganisation {
                        slug: &slug,
                        domain,
                        local: true,
                        ap_id: &ap_id,
                        inbox_url: &inbox,
                        shared_inbox_url: Some(&shared_inbox),
                        kind: &kind,
                        name: &name,
                        uai: uai.as_deref(),
                        parent_id: parent.as_ref().map(|p| p.id),
                        description: &description,
                        address: address.as_deref(),
                        postal_code: postal_code.as_deref(),
                        city: city.as_deref(),
                        phone: phone.as_deref(),
                        email: email.as_deref(),
                        website: website.as_deref(),
                        latitude,
                        longitude,
                        approve_followers: input.approve_followers,
                        created_at: now,
                        updated_at: now,
                        last_refreshed_at: now,
                        visibility: visibility.as_str(),
                        department_code: None,
                        attributes: "{}",
                    },
                )
                .map_err(|e| conflict_from(e, &slug, uai.as_deref()))?;
                let detail = match &parent {
                    Some(p) => format!("kind={kind}, parent={}", p.slug),
                    None => format!("kind={kind}"),
                };
                audit::record(
                    conn,
                    &Actor::of(&caller),
                    Action::OrganisationCreated,
                    &slug,
                    &detail,
                )?;
                Ok(view(conn, org)?)
            })
        })
        .await
}

/// A local organisation, when `viewer` may see it (404 otherwise).
pub async fn get(state: &AppState, viewer: Viewer, slug: &str) -> AppResult<OrganisationView> {
    let slug = slug.to_string();
    state
        .db
        .read(move |conn| {
            let org = local_org(conn, &slug)?;
            if !viewer.visible().contains(&org.visibility.as_str()) {
                return Err(AppError::not_found("organisation"));
            }
            Ok(view(conn, org)?)
        })
        .await
}

/// The local organisations `viewer` may see, by id.
pub async fn list(
    state: &AppState,
    viewer: Viewer,
    page: &PageRequest,
) -> AppResult<Page<OrganisationView>> {
    let (after, limit) = page.bounds()?;
    state
        .db
        .read(move |conn| {
            let rows = rows::list(conn, &viewer.visible(), after, limit + 1)?;
            let page = Page::from_rows(rows, limit, |o| o.id, |o| o);
            let mut items = Vec::with_capacity(page.items.len());
            for org in page.items {
                items.push(view(conn, org)?);
            }
            Ok::<_, AppError>(Page {
                items,
                next_cursor: page.next_cursor,
            })
        })
        .await
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    input: UpdateOrganisation,
) -> AppResult<OrganisationView> {
    let mut changes = OrganisationChanges {
        name: input.name.as_deref().map(check_name).transpose()?,
        kind: input.kind.as_deref().map(check_kind).transpose()?,
        uai: input.uai.map(check_uai).transpose()?,
        description: input.description.map(|d| d.trim().to_string()),
        address: input
            .address
            .map(|v| check_optional("address", v, 500))
            .transpose()?,
        postal_code: input
            .postal_code
            .map(|v| check_optional("postal_code", v, 20))
            .transpose()?,
        city: input
            .city
            .map(|v| check_optional("city", v, 200))
            .transpose()?,
        phone: input
            .phone
            .map(|v| check_optional("phone", v, 40))
            .transpose()?,
        email: input
            .email
            .map(|v| check_optional("email", v, 254))
            .transpose()?,
        website: input
            .website
            .map(|v| check_optional("website", v, 500))
            .transpose()?,
        latitude: input
            .latitude
            .map(|v| check_coordinate("latitude", v, 90.0))
            .transpose()?,
        longitude: input
            .longitude
            .map(|v| check_coordinate("longitude", v, 180.0))
            .transpose()?,
        approve_followers: input.approve_followers,
        closed: input.closed,
        visibility: input
            .visibility
            .as_deref()
            .map(check_visibility)
            .transpose()?
            .map(|v| v.as_str().to_string()),
        updated_at: Some(db::now()),
        parent_id: None,
        ..OrganisationChanges::default()
    };
    if changes
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 5000)
    {
        return Err(
            AppError::invalid("description: must be at most 5000 characters")
                .says("refused.description_length", &[("max", &5000)]),
        );
    }
    let slug = slug.to_string();
    // Followers and peers get an `Update` signed by the organisation: make
    // its key now, outside the transaction (imported ones have none yet).
    let org = {
        let (slug, caller) = (slug.clone(), caller.clone());
        state
            .db
            .run(move |conn| {
                let org = local_org(conn, &slug)?;
                if !can_manage(conn, &caller, org.id)? {
                    return Err(AppError::forbidden(
                        "only admins of this organisation may change it",
                    )
                    .says("refused.not_organisation_admin", &[]));
                }
                Ok(org)
            })
            .await?
    };
    crate::federation::keys::ensure_org_keys(state, org)
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    let caller = caller.clone();
    let parent = input.parent.map(clean);
    let settings = state.settings.clone();
    let (view, queued) = state
        .db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                let org = local_org(conn, &slug)?;
                if !can_manage(conn, &caller, org.id)? {
                    return Err(AppError::forbidden(
                        "only admins of this organisation may change it",
                    )
                    .says("refused.not_organisation_admin", &[]));
                }
                if let Some(parent) = &parent {
                    changes.parent_id = Some(match parent {
                        None => None,
                        Some(p) => {
                            let p = local_org(conn, p)?;
                            if p.id == org.id || rows::ancestor_ids(conn, p.id)?.contains(&org.id) {
                                return Err(AppError::invalid(
                                    "parent: an organisation cannot be its own ancestor",
                                )
                                .says("refused.own_ancestor", &[]));
                            }
                            if !can_manage(conn, &caller, p.id)? {
                                return Err(AppError::forbidden(
                                    "you may only move an organisation under one you manage",
                                )
                                .says("refused.parent_not_managed", &[]));
                            }
                            Some(p.id)
                        }
                    });
                }
                if let Some(Some(u)) = &changes.uai
                    && rows::uai_taken(conn, &org.domain, u, org.id)?
                {
                    return Err(AppError::conflict(format!(
                        "an organisation with UAI {u} already exists"
                    ))
                    .says("refused.uai_taken", &[("uai", &u)]));
                }
                let uai = changes.uai.clone().flatten();
                let org = rows::update(conn, org.id, &changes)
                    .map_err(|e| conflict_from(e, &slug, uai.as_deref()))?;
                audit::record(
                    conn,
                    &Actor::of(&caller),
                    Action::OrganisationChanged,
                    &slug,
                    &changed_fields(&changes),
                )?;
                // Followers elsewhere learn the new profile, queued with it.
                let parent = match org.parent_id {
                    Some(id) => Some(rows::by_id(conn, id)?.ap_id),
                    None => None,
                };
                let group =
                    ApubGroup::new(org.clone()).map_err(|e| AppError::internal(e.to_string()))?;
                let update =
                    update_group::for_followers(conn, &group, parent.as_deref(), &settings)?;
                if let Some(update) = &update {
                    update.enqueue(conn)?;
                }
                Ok((view(conn, org)?, update.is_some()))
            })
        })
        .await?;
    if queued {
        send::wake();
    }
    Ok(view)
}

/// What an update changes, for the audit log: the names of the fields,
/// with the value of those that decide who sees or follows the
/// organisation.
fn changed_fields(changes: &OrganisationChanges) -> String {
    use audit::{named, valued};
    audit::detail([
        named("name", changes.name.is_some()),
        named("kind", changes.kind.is_some()),
        named("uai", changes.uai.is_some()),
        named("parent", changes.parent_id.is_some()),
        named(
            "profile",
            changes.description.is_some()
                || changes.address.is_some()
                || changes.postal_code.is_some()
                || changes.city.is_some()
                || changes.phone.is_some()
                || changes.email.is_some()
                || changes.website.is_some()
                || changes.latitude.is_some()
                || changes.longitude.is_some(),
        ),
        valued("visibility", changes.visibility.as_ref()),
        valued("closed", changes.closed),
        valued("approve_followers", changes.approve_followers),
    ])
}

/// Gives an account a role in an organisation; giving it twice is harmless.
pub async fn add_member(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    input: AddMember,
) -> AppResult<MemberView> {
    let role: Role = input.role.parse().map_err(|e| {
        AppError::invalid(format!("role: {e}"))
            .says("refused.role_unknown", &[("role", &input.role)])
    })?;
    let slug = slug.to_string();
    let caller = caller.clone();
    state
        .db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                let org = local_org(conn, &slug)?;
                if !can_manage(conn, &caller, org.id)? {
                    return Err(AppError::forbidden(
                        "only admins of this organisation manage its members",
                    )
                    .says("refused.not_organisation_admin", &[]));
                }
                let username = input.username.trim();
                let account = accounts::local_by_username(conn, username)?
                    .ok_or_else(|| AppError::not_found(&format!("account `{username}`")))?;
                memberships::add(conn, account.id, org.id, role.as_str())?;
                audit::record(
                    conn,
                    &Actor::of(&caller),
                    Action::MemberAdded,
                    &slug,
                    &audit_log::role_detail(&account.username, role.as_str()),
                )?;
                Ok(MemberView {
                    username: account.username,
                    role: role.as_str().to_string(),
                })
            })
        })
        .await
}

pub async fn remove_member(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    username: &str,
    role: &str,
) -> AppResult<()> {
    let role: Role = role.parse().map_err(|e| {
        AppError::invalid(format!("role: {e}")).says("refused.role_unknown", &[("role", &role)])
    })?;
    let (slug, username, caller) = (slug.to_string(), username.to_string(), caller.clone());
    state
        .db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                let org = local_org(conn, &slug)?;
                if !can_manage(conn, &caller, org.id)? {
                    return Err(AppError::forbidden(
                        "only admins of this organisation manage its members",
                    )
                    .says("refused.not_organisation_admin", &[]));
                }
                let account = accounts::local_by_username(conn, &username)?
                    .ok_or_else(|| AppError::not_found(&format!("account `{username}`")))?;
                if !memberships::remove(conn, account.id, org.id, role.as_str())? {
                    return Err(AppError::not_found("membership"));
                }
                audit::record(
                    conn,
                    &Actor::of(&caller),
                    Action::MemberRemoved,
                    &slug,
                    &audit_log::role_detail(&username, role.as_str()),
                )?;
                Ok(())
            })
        })
        .await
}

pub async fn members(
    state: &AppState,
    slug: &str,
    page: &PageRequest,
) -> AppResult<Page<MemberView>> {
    let (after, limit) = page.bounds()?;
    let slug = slug.to_string();
    state
        .db
        .read(move |conn| {
            let org = local_org(conn, &slug)?;
            let rows = memberships::of_organisation(conn, org.id, after, limit + 1)?;
            Ok(Page::from_rows(
                rows,
                limit,
                |(id, _, _)| *id,
                |(_, username, role)| MemberView { username, role },
            ))
        })
        .await
}

/// Up to this many organisations, an instance admin is offered them all.
const ADMIN_CHOICES: i64 = 200;

/// The local organisations of a caller's memberships, plus `also` (a slug
/// a page asks for), kept when `allowed` says the caller may act there;
/// as (slug, name), by name. The publish and share forms offer these.
pub async fn choices(
    state: &AppState,
    caller: &Caller,
    also: Option<String>,
    allowed: fn(&mut DbConn, &Caller, i64) -> AppResult<bool>,
) -> AppResult<Vec<(String, String)>> {
    let caller = caller.clone();
    let Some(account_id) = caller.account_id() else {
        return Ok(Vec::new());
    };
    state
        .db
        .read(move |conn| {
            let mut slugs: Vec<String> = memberships::of_account(conn, account_id)?
                .into_iter()
                .map(|(slug, _)| slug)
                .collect();
            slugs.extend(also);
            // An instance admin may act for every organisation: on a small
            // instance they pick among all of them; on a large one, among
            // their own and the one the page names.
            if caller.is_instance_admin() {
                let all = rows::local_names(conn, ADMIN_CHOICES + 1)?;
                if all.len() as i64 <= ADMIN_CHOICES {
                    return Ok(all);
                }
            }
            slugs.sort();
            slugs.dedup();
            let mut found = Vec::new();
            for slug in slugs {
                if let Some(org) = rows::local_by_slug(conn, &slug)?
                    && allowed(conn, &caller, org.id)?
                {
                    found.push((crate::directory::text::fold(&org.name), org.slug, org.name));
                }
            }
            // Name order with accents ignored, as the directory sorts.
            found.sort();
            Ok(found
                .into_iter()
                .map(|(_, slug, name)| (slug, name))
                .collect())
        })
        .await
}
