//! The federation admin page: mode, allow and block rules, peers and
//! peering requests, and the health of delivery to each domain.

use activitypub_federation::config::Data;
use askama::Template;
use axum::{
    Router,
    response::Response,
    routing::{get, post},
};
use serde::Deserialize;

use super::{admin, correctable, status_of};
use crate::{
    AppState,
    error::AppResult,
    services::{
        Caller,
        federation_admin::{self, DeliveryView, DomainRule, FederationStatus},
    },
    web::ui::{Chrome, Visitor, WebForm, render},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/federation", get(page))
        .route("/admin/federation/mode", post(set_mode))
        .route("/admin/federation/domains", post(set_domain))
        .route("/admin/federation/domains/delete", post(forget_domain))
        .route("/admin/federation/peering", post(request_peering))
        .route("/admin/federation/peering/accept", post(accept))
        .route("/admin/federation/peering/reject", post(reject))
}

#[derive(Template)]
#[template(path = "admin/federation.html")]
struct FederationPage {
    c: Chrome,
    status: FederationStatus,
    deliveries: Vec<(DeliveryView, Option<String>, Option<String>)>,
    error: Option<String>,
}

async fn view(
    state: &AppState,
    v: &Visitor,
    caller: &Caller,
    error: Option<String>,
) -> AppResult<Response> {
    let tr = v.tr();
    let status = federation_admin::status(state, caller).await?;
    let deliveries = federation_admin::deliveries(state, caller)
        .await?
        .into_iter()
        .map(|d| {
            let oldest = d.oldest_pending.map(|t| tr.date(t));
            let success = d.last_success_at.map(|t| tr.date(t));
            (d, oldest, success)
        })
        .collect();
    render(
        status_of(&error),
        &FederationPage {
            c: v.chrome("admin"),
            status,
            deliveries,
            error,
        },
    )
}

async fn page(data: Data<AppState>, v: Visitor) -> Response {
    let result = async {
        let caller = admin(&v)?;
        view(&data, &v, &caller, None).await
    }
    .await;
    v.finish(result)
}

#[derive(Deserialize, Default)]
struct Form {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    domain: String,
    #[serde(default)]
    rule: String,
}

/// Runs one admin action of the page, then shows the page again (with the
/// refusal when the admin can correct it).
async fn act<F, Fut>(
    data: Data<AppState>,
    v: Visitor,
    form: AppResult<Form>,
    flash: &'static str,
    action: F,
) -> Response
where
    F: FnOnce(Data<AppState>, Caller, Form) -> Fut,
    Fut: Future<Output = AppResult<()>>,
{
    let result = async {
        let caller = admin(&v)?;
        let f = form?;
        v.check_csrf(&f.csrf)?;
        match action(data.clone(), caller.clone(), f).await {
            Ok(()) => Ok(v.redirect_with("/admin/federation", flash)),
            Err(e) => {
                let error = correctable(v.tr(), e)?;
                view(&data, &v, &caller, Some(error)).await
            }
        }
    }
    .await;
    v.finish(result)
}

async fn set_mode(data: Data<AppState>, v: Visitor, WebForm(form): WebForm<Form>) -> Response {
    act(
        data,
        v,
        form,
        "admin.mode_changed",
        |data, caller, f| async move { federation_admin::set_mode(&data, &caller, &f.mode).await },
    )
    .await
}

async fn set_domain(data: Data<AppState>, v: Visitor, WebForm(form): WebForm<Form>) -> Response {
    act(
        data,
        v,
        form,
        "admin.rule_saved",
        |data, caller, f| async move {
            let rule = DomainRule {
                domain: f.domain,
                policy: f.rule,
                note: String::new(),
            };
            federation_admin::set_domain(&data, &caller, rule).await
        },
    )
    .await
}

async fn forget_domain(data: Data<AppState>, v: Visitor, WebForm(form): WebForm<Form>) -> Response {
    act(
        data,
        v,
        form,
        "admin.rule_removed",
        |data, caller, f| async move {
            federation_admin::forget_domain(&data, &caller, &f.domain).await
        },
    )
    .await
}

async fn request_peering(
    data: Data<AppState>,
    v: Visitor,
    WebForm(form): WebForm<Form>,
) -> Response {
    act(
        data,
        v,
        form,
        "admin.peering_requested",
        |data, caller, f| async move {
            federation_admin::request_peering(&data, &caller, &f.domain).await
        },
    )
    .await
}

async fn accept(data: Data<AppState>, v: Visitor, WebForm(form): WebForm<Form>) -> Response {
    act(
        data,
        v,
        form,
        "admin.peering_accepted",
        |data, caller, f| async move {
            federation_admin::accept_peering(&data, &caller, &f.domain).await
        },
    )
    .await
}

async fn reject(data: Data<AppState>, v: Visitor, WebForm(form): WebForm<Form>) -> Response {
    act(
        data,
        v,
        form,
        "admin.peering_rejected",
        |data, caller, f| async move {
            federation_admin::reject_peering(&data, &caller, &f.domain).await
        },
    )
    .await
}
