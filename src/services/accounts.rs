//! Local accounts: creation, profile changes, listing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Caller,
    audit::{self, Action, Actor},
    clean, double_option,
    pagination::Page,
    passwords,
};
use crate::{
    AppState,
    db::{
        self, DbConn,
        accounts::{self as rows, Account, AccountChanges, AccountProfile, NewAccount},
        is_unique_violation_on, memberships, organisations,
    },
    error::{AppError, AppResult},
    model::{Visibility, validate_handle},
    services::pagination::PageRequest,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    pub username: String,
    /// Absent: the account cannot sign in with a password (SSO or token only).
    pub password: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub is_admin: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccount {
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    pub password: Option<String>,
    /// Instance admins only.
    pub is_admin: Option<bool>,
    /// Instance admins only.
    pub disabled: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Option<Option<String>>,
    pub job_title: Option<String>,
    /// Who sees each field in the directory.
    pub visibility: Option<FieldVisibilityInput>,
}

/// A change to who sees a person's fields; absent fields stay.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldVisibilityInput {
    pub name: Option<String>,
    pub roles: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Who sees each field of a person in the directory.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FieldVisibility {
    pub name: String,
    pub roles: String,
    pub email: String,
    pub phone: String,
}

/// An account as the API shows it; `email` only to its owner and admins.
#[derive(Debug, Serialize)]
pub struct AccountView {
    pub id: String,
    pub username: String,
    pub domain: String,
    pub local: bool,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The owner's and admins' view only, like the two fields below.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub job_title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<FieldVisibility>,
    pub is_admin: bool,
    pub disabled: bool,
    pub memberships: Vec<MembershipView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct MembershipView {
    pub organisation: String,
    pub role: String,
}

fn view(
    conn: &mut DbConn,
    caller: &Caller,
    account: Account,
) -> Result<AccountView, diesel::result::Error> {
    let memberships = memberships::of_account(conn, account.id)?
        .into_iter()
        .map(|(organisation, role)| MembershipView { organisation, role })
        .collect();
    Ok(view_of(caller, account.into(), memberships))
}

fn view_of(
    caller: &Caller,
    account: AccountProfile,
    memberships: Vec<MembershipView>,
) -> AccountView {
    let sees_private = caller.is_instance_admin() || caller.account_id() == Some(account.id);
    AccountView {
        id: account.ap_id,
        username: account.username,
        domain: account.domain,
        local: account.local,
        display_name: account.display_name,
        email: if sees_private { account.email } else { None },
        phone: if sees_private { account.phone } else { None },
        job_title: account.job_title,
        visibility: sees_private.then_some(FieldVisibility {
            name: account.name_visibility,
            roles: account.roles_visibility,
            email: account.email_visibility,
            phone: account.phone_visibility,
        }),
        is_admin: account.is_admin,
        disabled: account.disabled,
        memberships,
        created_at: account.created_at.and_utc(),
        updated_at: account.updated_at.and_utc(),
    }
}

fn check_email(email: &str) -> AppResult<()> {
    let ok = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
        && !email.chars().any(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(
            AppError::invalid(format!("email: `{email}` is not an e-mail address"))
                .says("refused.email_invalid", &[("email", &email)]),
        )
    }
}

fn check_phone(phone: &str) -> AppResult<()> {
    let ok = phone.chars().count() <= 30
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '.' | '-' | '(' | ')'));
    if ok {
        Ok(())
    } else {
        Err(
            AppError::invalid(format!("phone: `{phone}` is not a phone number"))
                .says("refused.phone_invalid", &[("phone", &phone)]),
        )
    }
}

fn check_display_name(name: &str) -> AppResult<()> {
    if name.chars().count() > 100 {
        return Err(
            AppError::invalid("display_name: must be at most 100 characters")
                .says("refused.display_name_length", &[]),
        );
    }
    Ok(())
}

/// Creates a local account. Only instance admins (and the operator) may.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: CreateAccount,
) -> AppResult<AccountView> {
    caller.instance_admin("only instance admins create accounts")?;
    let username = input.username.trim().to_string();
    validate_handle("username", &username).map_err(|e| {
        AppError::invalid(e).says("refused.username_invalid", &[("username", &username)])
    })?;
    let display_name = clean(input.display_name).unwrap_or_else(|| username.clone());
    check_display_name(&display_name)?;
    let email = clean(input.email);
    if let Some(email) = &email {
        check_email(email)?;
    }
    let password_hash = match input.password {
        Some(password) => {
            passwords::check_strength(&password)?;
            Some(passwords::hash(password).await?)
        }
        None => None,
    };
    let settings = state.settings.clone();
    let caller = caller.clone();
    state
        .db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                let domain = settings.domain.as_str();
                // Usernames and organisation slugs share the WebFinger namespace.
                if rows::username_taken(conn, domain, &username)?
                    || organisations::slug_taken(conn, domain, &username)?
                {
                    return Err(AppError::conflict(format!(
                        "username `{username}` is already taken"
                    ))
                    .says("refused.username_taken", &[("username", &username)]));
                }
                let ap_id = settings.url(&format!("/users/{username}"));
                // Peers keep the tombstone of a deleted account's id: a new
                // account under it could not federate.
                if crate::db::tombstones::contains(conn, &ap_id)? {
                    return Err(AppError::conflict(format!(
                        "username `{username}` belonged to a deleted account"
                    ))
                    .says("refused.username_taken", &[("username", &username)]));
                }
                let inbox = format!("{ap_id}/inbox");
                let shared_inbox = settings.url("/inbox");
                let now = db::now();
                let account = rows::insert(
                    conn,
                    &NewAccount {
                        username: &username,
                        domain,
                        local: true,
                        ap_id: &ap_id,
                        inbox_url: &inbox,
                        shared_inbox_url: Some(&shared_inbox),
                        display_name: &display_name,
                        email: email.as_deref(),
                        password_hash: password_hash.as_deref(),
                        is_admin: input.is_admin,
                        created_at: now,
                        updated_at: now,
                        last_refreshed_at: now,
                    },
                )
                .map_err(|e| {
                    if is_unique_violation_on(&e, "username") {
                        AppError::conflict(format!("username `{username}` is already taken"))
                            .says("refused.username_taken", &[("username", &username)])
                    } else {
                        e.into()
                    }
                })?;
                let detail = if input.is_admin { "is_admin=true" } else { "" };
                audit::record(
                    conn,
                    &Actor::of(&caller),
                    Action::AccountCreated,
                    &username,
                    detail,
                )?;
                Ok(view(conn, &caller, account)?)
            })
        })
        .await
}

/// A local account by username.
pub async fn get(state: &AppState, caller: &Caller, username: &str) -> AppResult<AccountView> {
    let username = username.to_string();
    let caller = caller.clone();
    state
        .db
        .read(move |conn| {
            let account = rows::local_by_username(conn, &username)?
                .ok_or_else(|| AppError::not_found("account"))?;
            Ok(view(conn, &caller, account)?)
        })
        .await
}

pub async fn list(
    state: &AppState,
    caller: &Caller,
    page: &PageRequest,
) -> AppResult<Page<AccountView>> {
    let (after, limit) = page.bounds()?;
    let caller = caller.clone();
    state
        .db
        .read(move |conn| {
            let rows = rows::list_local(conn, after, limit + 1)?;
            Page::try_from_rows_with(
                rows,
                limit,
                |a| a.id,
                |rows| with_memberships(conn, rows, |a| a.id, |a, held| view_of(&caller, a, held)),
            )
        })
        .await
}

/// An account as the admins' list shows it.
#[derive(Debug)]
pub struct RosterLine {
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    pub disabled: bool,
    pub memberships: Vec<MembershipView>,
}

/// [`list`] as the admins' page shows it: five columns of each account
/// instead of its whole profile (instance admins only).
pub async fn roster(
    state: &AppState,
    caller: &Caller,
    page: &PageRequest,
) -> AppResult<Page<RosterLine>> {
    caller.instance_admin("only instance admins list accounts")?;
    let (after, limit) = page.bounds()?;
    state
        .db
        .read(move |conn| {
            let rows = rows::roster(conn, after, limit + 1)?;
            Page::try_from_rows_with(
                rows,
                limit,
                |a| a.id,
                |rows| {
                    with_memberships(
                        conn,
                        rows,
                        |a| a.id,
                        |a, memberships| RosterLine {
                            memberships,
                            username: a.username,
                            display_name: a.display_name,
                            is_admin: a.is_admin,
                            disabled: a.disabled,
                        },
                    )
                },
            )
        })
        .await
}

/// Account rows made into `T` with their memberships, read in one query.
fn with_memberships<R, T>(
    conn: &mut DbConn,
    rows: Vec<R>,
    id: fn(&R) -> i64,
    make: impl Fn(R, Vec<MembershipView>) -> T,
) -> AppResult<Vec<T>> {
    let ids: Vec<i64> = rows.iter().map(id).collect();
    let mut held: HashMap<i64, Vec<MembershipView>> = HashMap::new();
    for m in memberships::of_accounts(conn, &ids)? {
        held.entry(m.account_id).or_default().push(MembershipView {
            organisation: m.organisation_slug,
            role: m.role,
        });
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let memberships = held.remove(&id(&row)).unwrap_or_default();
            make(row, memberships)
        })
        .collect())
}

/// What an update changes, for the audit log: the names of the fields,
/// with the value of the two that give or take rights (never a password
/// or an address).
fn changed_fields(changes: &AccountChanges) -> String {
    use audit::{named, valued};
    audit::detail([
        valued("is_admin", changes.is_admin),
        valued("disabled", changes.disabled),
        named("password", changes.password_hash.is_some()),
        named("display_name", changes.display_name.is_some()),
        named("email", changes.email.is_some()),
        named("phone", changes.phone.is_some()),
        named("job_title", changes.job_title.is_some()),
        named(
            "visibility",
            changes.name_visibility.is_some()
                || changes.roles_visibility.is_some()
                || changes.email_visibility.is_some()
                || changes.phone_visibility.is_some(),
        ),
    ])
}

/// Changes a profile: the owner changes their own, instance admins any, and
/// only admins change `is_admin` and `disabled`.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    username: &str,
    input: UpdateAccount,
) -> AppResult<AccountView> {
    let mut changes = AccountChanges::default();
    if let Some(name) = input.display_name {
        let name = name.trim().to_string();
        check_display_name(&name)?;
        changes.display_name = Some(name);
    }
    if let Some(email) = input.email {
        let email = clean(email);
        if let Some(e) = &email {
            check_email(e)?;
        }
        changes.email = Some(email);
    }
    if input.is_admin.is_some() || input.disabled.is_some() {
        caller.instance_admin("only instance admins change is_admin or disabled")?;
    }
    changes.is_admin = input.is_admin;
    changes.disabled = input.disabled;
    if let Some(phone) = input.phone {
        let phone = clean(phone);
        if let Some(p) = &phone {
            check_phone(p)?;
        }
        changes.phone = Some(phone);
    }
    if let Some(title) = input.job_title {
        let title = title.trim().to_string();
        if title.chars().count() > 100 {
            return Err(
                AppError::invalid("job_title: must be at most 100 characters")
                    .says("refused.job_title_length", &[]),
            );
        }
        changes.job_title = Some(title);
    }
    if let Some(v) = input.visibility {
        let check = |field: &str, value: Option<String>| {
            value
                .map(|v| {
                    v.parse::<Visibility>()
                        .map(|v| v.as_str().to_string())
                        .map_err(|e| {
                            AppError::invalid(format!("visibility.{field}: {e}"))
                                .says("refused.visibility_unknown", &[("value", &v)])
                        })
                })
                .transpose()
        };
        changes.name_visibility = check("name", v.name)?;
        changes.roles_visibility = check("roles", v.roles)?;
        changes.email_visibility = check("email", v.email)?;
        changes.phone_visibility = check("phone", v.phone)?;
    }
    if let Some(password) = input.password {
        passwords::check_strength(&password)?;
        changes.password_hash = Some(Some(passwords::hash(password).await?));
    }
    changes.updated_at = Some(db::now());

    let username = username.to_string();
    let caller = caller.clone();
    state
        .db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                let account = rows::local_by_username(conn, &username)?
                    .ok_or_else(|| AppError::not_found("account"))?;
                if !caller.is_instance_admin() && caller.account_id() != Some(account.id) {
                    return Err(AppError::forbidden("you may only change your own account")
                        .says("refused.own_account_only", &[]));
                }
                let demotes_self = caller.account_id() == Some(account.id)
                    && changes.is_admin == Some(false)
                    && account.is_admin;
                if demotes_self && rows::count_local_admins(conn)? <= 1 {
                    return Err(AppError::invalid(
                        "is_admin: the last instance admin cannot give up the role",
                    )
                    .says("refused.last_admin", &[]));
                }
                let own = caller.account_id() == Some(account.id);
                let account = rows::update(conn, account.id, &changes)?;
                // Someone's own profile is theirs to change; what an admin
                // changes in another account, or in anyone's rights, is
                // audited.
                if !own || changes.is_admin.is_some() || changes.disabled.is_some() {
                    audit::record(
                        conn,
                        &Actor::of(&caller),
                        Action::AccountChanged,
                        &username,
                        &changed_fields(&changes),
                    )?;
                }
                Ok(view(conn, &caller, account)?)
            })
        })
        .await
}
