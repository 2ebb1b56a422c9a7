//! The instance's own admin pages: which modules are on, and the usage
//! statistics.

use askama::Template;
use axum::{Router, extract::State, response::Response, routing::get};
use serde::Deserialize;

use super::admin;
use crate::{
    AppState,
    services::{
        modules::{self, Module, Modules},
        statistics::{self, Statistics},
    },
    web::ui::{Chrome, Visitor, WebForm, ok},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/modules", get(modules_page).post(set_modules))
        .route("/admin/statistics", get(statistics_page))
}

#[derive(Template)]
#[template(path = "admin/modules.html")]
struct ModulesPage {
    c: Chrome,
    /// (name, label key, hint key, on)
    modules: Vec<(&'static str, &'static str, &'static str, bool)>,
}

async fn modules_page(State(state): State<AppState>, v: Visitor) -> Response {
    let result = async {
        admin(&v)?;
        let current = modules::current(&state).await?;
        ok(&ModulesPage {
            c: v.chrome("admin"),
            modules: Module::ALL
                .iter()
                .map(|m| {
                    let (label, hint) = match m {
                        Module::Announcements => ("nav.timeline", "admin.module_announcements"),
                        Module::Directory => ("nav.directory", "admin.module_directory"),
                        Module::Resources => ("nav.resources", "admin.module_resources"),
                    };
                    (m.name(), label, hint, current.is_on(*m))
                })
                .collect(),
        })
    }
    .await;
    v.finish(result)
}

#[derive(Deserialize)]
struct ModulesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    modules: Vec<String>,
}

async fn set_modules(
    State(state): State<AppState>,
    v: Visitor,
    WebForm(form): WebForm<ModulesForm>,
) -> Response {
    let result = async {
        let caller = admin(&v)?;
        let f = form?;
        v.check_csrf(&f.csrf)?;
        let on = |m: Module| f.modules.iter().any(|x| x == m.name());
        modules::set(
            &state,
            &caller,
            Modules {
                announcements: on(Module::Announcements),
                directory: on(Module::Directory),
                resources: on(Module::Resources),
            },
        )
        .await?;
        Ok(v.redirect_with("/admin/modules", "admin.modules_saved"))
    }
    .await;
    v.finish(result)
}

#[derive(Template)]
#[template(path = "admin/statistics.html")]
struct StatisticsPage {
    c: Chrome,
    s: Statistics,
}

impl StatisticsPage {
    /// Where the figures come from, when they were computed, on which clock.
    fn intro(&self) -> String {
        let tr = self.c.tr;
        tr.f(
            "admin.statistics_intro",
            &[("at", &tr.date(self.s.computed_at)), ("zone", &tr.zone())],
        )
    }
}

async fn statistics_page(State(state): State<AppState>, v: Visitor) -> Response {
    let result = async {
        let caller = admin(&v)?;
        let s = statistics::report(&state, &caller).await?;
        ok(&StatisticsPage {
            c: v.chrome("admin"),
            s,
        })
    }
    .await;
    v.finish(result)
}
