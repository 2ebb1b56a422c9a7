//! Finding an organisation from what an admin types in place of its
//! identifier: words of its name, commune or UAI. After a national import an
//! instance holds tens of thousands of organisations, more than a `select`
//! or a `datalist` can carry; so a form that is sent with words rather than
//! an identifier comes back with the organisations they match, to pick
//! from, with no script.

use crate::{
    AppState,
    error::{AppResult, ErrorKind},
    model::Viewer,
    services::directory::{self, OrganisationQuery},
    web::{i18n::Tr, ui::directory::kind_key},
};

/// How many matches a form offers; more words narrow them.
const MATCHES: i64 = 10;

/// An organisation of this instance that matches what was typed.
pub struct Match {
    pub slug: String,
    pub name: String,
    pub kind: &'static str,
    pub city: Option<String>,
}

/// The local organisations that match `typed`, best first; none for empty
/// or unusable words (too long, too many).
pub async fn matches(state: &AppState, tr: Tr, typed: &str) -> AppResult<Vec<Match>> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(Vec::new());
    }
    let found = directory::organisations(
        state,
        Viewer::Admin,
        OrganisationQuery {
            q: Some(typed.to_string()),
            origin: Some("local".into()),
            limit: Some(MATCHES),
            ..OrganisationQuery::default()
        },
    )
    .await;
    let page = match found {
        Ok(page) => page,
        Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::BadRequest) => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(e),
    };
    Ok(page
        .items
        .into_iter()
        .map(|o| Match {
            kind: tr.t(kind_key(&o.kind)),
            slug: o.slug,
            name: o.name,
            city: o.city,
        })
        .collect())
}
