//! What an organisation's public feeds list: its live public
//! announcements, and the organisation when the whole web may see it.

use crate::{
    AppState,
    db::{
        self,
        announcements::{self, Announcement, Filter},
        organisations::{self, Organisation},
    },
    error::AppError,
    model::Visibility,
};

/// How many announcements an organisation's page and feeds show.
pub const PAGE_ANNOUNCEMENTS: i64 = 30;

/// The latest live public announcements of an organisation, pinned first.
pub fn public_announcements(
    conn: &mut db::DbConn,
    organisation_id: i64,
) -> Result<Vec<Announcement>, AppError> {
    let filter = Filter {
        live_at: Some(db::now()),
        ..Filter::default()
    };
    let mut rows =
        announcements::of_organisation(conn, organisation_id, true, &filter, PAGE_ANNOUNCEMENTS)?;
    rows.sort_by_key(|r| (!r.pinned, std::cmp::Reverse(r.id)));
    Ok(rows)
}

/// A local organisation the whole web may see, by slug, or 404: these
/// pages and feeds are public.
pub async fn local_organisation(state: &AppState, slug: &str) -> Result<Organisation, AppError> {
    let slug = slug.to_string();
    state
        .db
        .read(move |conn| {
            organisations::local_by_slug(conn, &slug)?
                .filter(|o| o.visibility == Visibility::Public.as_str())
                .ok_or_else(|| AppError::not_found("organisation"))
        })
        .await
}
