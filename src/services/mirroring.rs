//! Which peers' resource files this instance keeps copies of (instance
//! admins decide; `federation::mirror` does the copying).

use super::{
    Caller,
    audit::{self, Action},
};
use crate::{
    AppState,
    db::resources as rows,
    error::{AppError, AppResult},
    federation::policy::normalize_domain,
};

fn require_admin(caller: &Caller) -> AppResult<()> {
    caller.instance_admin("only instance admins choose mirrored peers")
}

/// The domains whose files are mirrored.
pub async fn mirrored_domains(state: &AppState, caller: &Caller) -> AppResult<Vec<String>> {
    require_admin(caller)?;
    state
        .db
        .read(|conn| Ok::<_, AppError>(rows::mirrored_domains(conn)?))
        .await
}

/// Starts or stops mirroring a domain's files; returns the domain as
/// stored (lower case, no trailing dot).
pub async fn set_mirroring(
    state: &AppState,
    caller: &Caller,
    domain: &str,
    on: bool,
) -> AppResult<String> {
    require_admin(caller)?;
    let domain = super::federation_admin::parse_domain(domain)?;
    let stored = normalize_domain(&domain);
    let (key, actor) = (stored.clone(), audit::Actor::of(caller));
    state
        .db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                rows::set_mirrored_domain(conn, &key, on)?;
                let detail = if on { "on" } else { "off" };
                audit::record(conn, &actor, Action::MirroringChanged, &key, detail)?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    Ok(stored)
}
