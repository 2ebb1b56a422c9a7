//! The audit log page: what admins did, newest first, filtered by action.

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    response::Response,
    routing::get,
};
use serde::Deserialize;

use super::admin;
use crate::{
    AppState,
    db::audit_log::Entry,
    services::{
        audit::{self, Action, OPERATOR},
        pagination::PageRequest,
    },
    web::ui::{Chrome, Visitor, encode, ok},
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/audit", get(audit_page))
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    cursor: Option<String>,
    #[serde(default)]
    action: String,
}

/// One entry as the page shows it.
struct Line {
    at: String,
    /// A username, or the words for the server's command line.
    actor: String,
    action: &'static str,
    target: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    c: Chrome,
    lines: Vec<Line>,
    /// (key, label, selected) of each action, for the filter.
    actions: Vec<(&'static str, &'static str, bool)>,
    next: Option<String>,
}

async fn audit_page(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<AuditQuery>,
) -> Response {
    let result = async {
        let caller = admin(&v)?;
        let tr = v.tr();
        let action = Some(q.action.trim()).filter(|a| !a.is_empty());
        let page = audit::list(
            &state,
            &caller,
            &PageRequest {
                cursor: q.cursor,
                limit: Some(50),
            },
            action,
        )
        .await?;
        let line = |e: Entry| Line {
            at: tr.date(e.at.and_utc()),
            actor: if e.actor == OPERATOR {
                tr.t("audit.operator").to_string()
            } else {
                e.actor
            },
            // Entries are written with the keys of this binary; one from
            // a later version read by an older one is shown by its key.
            action: Action::from_key(&e.action).map_or("audit.unknown", Action::label_key),
            target: e.target,
            detail: e.detail,
        };
        ok(&AuditPage {
            c: v.chrome("admin"),
            lines: page.items.into_iter().map(line).collect(),
            actions: Action::ALL
                .iter()
                .map(|a| (a.key(), tr.t(a.label_key()), Some(a.key()) == action))
                .collect(),
            next: page.next_cursor.map(|c| match action {
                Some(a) => format!("/admin/audit?action={}&cursor={}", encode(a), encode(&c)),
                None => format!("/admin/audit?cursor={}", encode(&c)),
            }),
        })
    }
    .await;
    v.finish(result)
}
