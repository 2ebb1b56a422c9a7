//! Modules an instance can switch off when it does not use them
//! (announcements, directory, resources): their pages and menu entries
//! disappear. Choices are stored in the database and cached for a few
//! seconds, so every process behind a load balancer follows within that
//! time.

use super::{
    Caller,
    audit::{self, Action, Actor},
};
use crate::{
    AppState,
    db::modules as rows,
    error::{AppError, AppResult},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Module {
    Announcements,
    Directory,
    Resources,
}

impl Module {
    pub const ALL: [Module; 3] = [Module::Announcements, Module::Directory, Module::Resources];

    pub fn name(self) -> &'static str {
        match self {
            Self::Announcements => "announcements",
            Self::Directory => "directory",
            Self::Resources => "resources",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// Which modules are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modules {
    pub announcements: bool,
    pub directory: bool,
    pub resources: bool,
}

impl Default for Modules {
    fn default() -> Self {
        Self {
            announcements: true,
            directory: true,
            resources: true,
        }
    }
}

impl Modules {
    pub fn is_on(&self, module: Module) -> bool {
        match module {
            Module::Announcements => self.announcements,
            Module::Directory => self.directory,
            Module::Resources => self.resources,
        }
    }

    fn set(&mut self, module: Module, on: bool) {
        match module {
            Module::Announcements => self.announcements = on,
            Module::Directory => self.directory = on,
            Module::Resources => self.resources = on,
        }
    }
}

/// The modules that are on now.
pub async fn current(state: &AppState) -> AppResult<Modules> {
    if let Some(modules) = state.modules.fresh() {
        return Ok(modules);
    }
    let stored = state
        .db
        .run(|conn| Ok::<_, AppError>(rows::all(conn)?))
        .await?;
    let mut modules = Modules::default();
    for (name, on) in stored {
        if let Some(module) = Module::parse(&name) {
            modules.set(module, on);
        }
    }
    state.modules.store(modules);
    Ok(modules)
}

/// 404 when a module is off, as if its pages did not exist.
pub async fn require(state: &AppState, module: Module) -> AppResult<()> {
    if current(state).await?.is_on(module) {
        Ok(())
    } else {
        Err(AppError::not_found("page"))
    }
}

/// Switches modules on or off (instance admins only).
pub async fn set(state: &AppState, caller: &Caller, modules: Modules) -> AppResult<()> {
    caller.instance_admin("only instance admins switch modules")?;
    let actor = Actor::of(caller);
    state
        .db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                for module in Module::ALL {
                    rows::set(conn, module.name(), modules.is_on(module))?;
                }
                let detail = audit::detail(
                    Module::ALL.map(|m| audit::valued(m.name(), Some(modules.is_on(m)))),
                );
                audit::record(conn, &actor, Action::ModulesChanged, "", &detail)?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    state.modules.store(modules);
    Ok(())
}
