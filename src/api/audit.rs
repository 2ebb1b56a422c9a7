//! `/admin/audit`: the audit log of admin actions, newest first (admins
//! only).

use axum::{Json, Router, extract::State, routing::get};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppResult,
    services::{
        audit::{self, EntryView},
        pagination::{Page, PageRequest},
    },
    web::extract::{ApiQuery, Authenticated},
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/audit", get(list))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    cursor: Option<String>,
    limit: Option<i64>,
    /// Only this action's entries (`account_created`, `federation_mode`…).
    action: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> AppResult<Json<Page<EntryView>>> {
    let request = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    let page = audit::list(&state, &auth.caller(), &request, q.action.as_deref()).await?;
    Ok(Json(Page {
        items: page.items.into_iter().map(EntryView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
