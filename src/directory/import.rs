//! Applying the national directory to the organisations: create or update
//! each establishment by UAI under its circonscription (or department),
//! create the circonscriptions, departments and academies the rows name,
//! mark closed ones closed. Re-importing the same file changes nothing.

use crate::db::{Run, columns};
use std::collections::{HashMap, HashSet};

use super::annuaire::{Record, Rejected};
use crate::{
    config::Settings,
    db::{
        self, DbConn,
        organisations::{self as rows, NewOrganisation, Organisation, OrganisationChanges},
        schema::{follows, organisations},
    },
    error::AppError,
    federation::{activities::updating::update_group, objects::group::ApubGroup, send},
    model::{OrgKind, Visibility, validate_handle},
};

/// Which part of the file to keep.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    /// `code_departement`, with or without leading zeros (`44`, `044`, `2A`).
    pub department: Option<String>,
    /// `code_circonscription`.
    pub circonscription: Option<String>,
}

fn same_code(a: &str, b: &str) -> bool {
    a.trim_start_matches('0')
        .eq_ignore_ascii_case(b.trim_start_matches('0'))
}

impl Scope {
    fn keeps(&self, record: &Record) -> bool {
        let department = self.department.as_deref().is_none_or(|wanted| {
            record
                .department
                .as_ref()
                .is_some_and(|(code, _)| same_code(code, wanted))
        });
        let circonscription = self.circonscription.as_deref().is_none_or(|wanted| {
            record
                .circonscription
                .as_ref()
                .is_some_and(|(code, _)| code.eq_ignore_ascii_case(wanted.trim()))
        });
        department && circonscription
    }
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Open before, closed by this file.
    pub closed: usize,
    /// Circonscriptions, departments and academies created.
    pub parents_created: usize,
    pub out_of_scope: usize,
    pub rejected: Vec<Rejected>,
}

/// Rows written per transaction.
const BATCH: usize = 500;

/// The state of an import over its batches.
struct Importer<'a> {
    settings: &'a Settings,
    /// Local organisations with a UAI, by UAI.
    by_uai: HashMap<String, Organisation>,
    /// Slugs in use, and the id of each local organisation by slug.
    by_slug: HashMap<String, i64>,
    /// Actor ids of organisations someone follows (they get `Update`s).
    followed: HashSet<String>,
    report: Report,
}

impl<'a> Importer<'a> {
    fn load(conn: &mut DbConn, settings: &'a Settings) -> Result<Self, AppError> {
        use diesel::prelude::*;
        let local: Vec<Organisation> = organisations::table
            .filter(organisations::local.eq(true))
            .select(columns::<Organisation>())
            .fetch(conn)?;
        let followed = follows::table
            .filter(follows::pending.eq(false))
            .select(follows::target_ap_id)
            .distinct()
            .fetch::<String>(conn)?
            .into_iter()
            .collect();
        Ok(Self {
            settings,
            by_slug: local.iter().map(|o| (o.slug.clone(), o.id)).collect(),
            by_uai: local
                .into_iter()
                .filter_map(|o| o.uai.clone().map(|u| (u, o)))
                .collect(),
            followed,
            report: Report::default(),
        })
    }

    fn insert(
        &mut self,
        conn: &mut DbConn,
        slug: &str,
        name: &str,
        kind: OrgKind,
        (parent_id, department): (Option<i64>, Option<&str>),
        record: Option<&Record>,
    ) -> Result<Organisation, AppError> {
        let attributes = record.map_or_else(|| "{}".to_string(), attributes_json);
        let ap_id = self.settings.url(&format!("/orgs/{slug}"));
        let inbox = format!("{ap_id}/inbox");
        let shared_inbox = self.settings.url("/inbox");
        let now = db::now();
        let org = rows::insert(
            conn,
            &NewOrganisation {
                slug,
                domain: &self.settings.domain,
                local: true,
                ap_id: &ap_id,
                inbox_url: &inbox,
                shared_inbox_url: Some(&shared_inbox),
                kind: kind.as_str(),
                name,
                uai: record.map(|r| r.uai.as_str()),
                parent_id,
                description: "",
                address: record.and_then(|r| r.address.as_deref()),
                postal_code: record.and_then(|r| r.postal_code.as_deref()),
                city: record.and_then(|r| r.city.as_deref()),
                phone: record.and_then(|r| r.phone.as_deref()),
                email: record.and_then(|r| r.email.as_deref()),
                website: record.and_then(|r| r.website.as_deref()),
                latitude: record.and_then(|r| r.latitude),
                longitude: record.and_then(|r| r.longitude),
                approve_followers: false,
                created_at: now,
                updated_at: now,
                last_refreshed_at: now,
                visibility: Visibility::Public.as_str(),
                department_code: department,
                attributes: &attributes,
            },
        )?;
        self.by_slug.insert(org.slug.clone(), org.id);
        Ok(org)
    }

    /// The id of a circonscription, department or academy, created when
    /// missing; `None` when its code cannot make a slug.
    fn parent(
        &mut self,
        conn: &mut DbConn,
        prefix: &str,
        (code, name): &(String, String),
        kind: OrgKind,
        parent_id: Option<i64>,
        department: Option<&str>,
    ) -> Result<Option<i64>, AppError> {
        let slug = format!("{prefix}-{}", code.to_ascii_lowercase());
        if validate_handle("slug", &slug).is_err() {
            return Ok(None);
        }
        if let Some(id) = self.by_slug.get(&slug) {
            return Ok(Some(*id));
        }
        let org = self.insert(conn, &slug, name, kind, (parent_id, department), None)?;
        self.report.parents_created += 1;
        Ok(Some(org.id))
    }

    /// A school's parent: its circonscription, else its department; each
    /// under its department and academy.
    fn parent_of(&mut self, conn: &mut DbConn, record: &Record) -> Result<Option<i64>, AppError> {
        let code = department_code(record);
        let code = code.as_deref();
        let academy = match &record.academy {
            Some(a) => self.parent(conn, "academie", a, OrgKind::Academy, None, None)?,
            None => None,
        };
        let department = match &record.department {
            Some(d) => self.parent(conn, "dep", d, OrgKind::Department, academy, code)?,
            None => None,
        };
        match &record.circonscription {
            Some(c) => Ok(self
                .parent(conn, "circo", c, OrgKind::Circonscription, department, code)?
                .or(department)),
            None => Ok(department),
        }
    }

    fn apply(&mut self, conn: &mut DbConn, record: &Record) -> Result<(), AppError> {
        let parent_id = self.parent_of(conn, record)?;
        let Some(existing) = self.by_uai.get(&record.uai).cloned() else {
            let slug = record.uai.to_ascii_lowercase();
            if self.by_slug.contains_key(&slug) {
                self.report.rejected.push(Rejected {
                    line: record.line,
                    reason: format!("slug `{slug}` is taken by an organisation without this UAI"),
                });
                return Ok(());
            }
            let mut org = self.insert(
                conn,
                &slug,
                &record.name,
                record.kind,
                (parent_id, department_code(record).as_deref()),
                Some(record),
            )?;
            if record.closed {
                org = rows::update(
                    conn,
                    org.id,
                    &OrganisationChanges {
                        closed: Some(true),
                        ..OrganisationChanges::default()
                    },
                )?;
            }
            self.by_uai.insert(record.uai.clone(), org);
            self.report.created += 1;
            return Ok(());
        };
        let changes = changes(&existing, record, parent_id);
        let Some(changes) = changes else {
            self.report.unchanged += 1;
            return Ok(());
        };
        if changes.closed == Some(true) {
            self.report.closed += 1;
        } else {
            self.report.updated += 1;
        }
        let org = rows::update(conn, existing.id, &changes)?;
        if self.followed.contains(&org.ap_id) {
            let parent = match org.parent_id {
                Some(id) => Some(rows::by_id(conn, id)?.ap_id),
                None => None,
            };
            let group =
                ApubGroup::new(org.clone()).map_err(|e| AppError::internal(e.to_string()))?;
            if let Some(update) =
                update_group::for_followers(conn, &group, parent.as_deref(), self.settings)?
            {
                update.enqueue(conn)?;
            }
        }
        self.by_uai.insert(record.uai.clone(), org);
        Ok(())
    }
}

/// A record's department, as the directory filters compare it.
fn department_code(record: &Record) -> Option<String> {
    record
        .department
        .as_ref()
        .map(|(code, _)| crate::model::normalize_department(code))
}

/// A record's extra columns as stored: a JSON object, keys in order, so
/// that the same row gives the same text.
fn attributes_json(record: &Record) -> String {
    serde_json::to_string(&record.attributes).unwrap_or_else(|_| "{}".into())
}

/// The changes a record makes to an organisation; `None` when it matches.
/// The description, followers' approval and anything the file does not
/// carry are left as the instance set them.
fn changes(
    org: &Organisation,
    record: &Record,
    parent_id: Option<i64>,
) -> Option<OrganisationChanges> {
    let mut c = OrganisationChanges::default();
    let mut changed = false;
    macro_rules! field {
        ($field:ident, $new:expr) => {
            if org.$field != $new {
                c.$field = Some($new);
                changed = true;
            }
        };
    }
    field!(name, record.name.clone());
    field!(kind, record.kind.as_str().to_string());
    field!(parent_id, parent_id);
    field!(address, record.address.clone());
    field!(postal_code, record.postal_code.clone());
    field!(city, record.city.clone());
    field!(phone, record.phone.clone());
    field!(email, record.email.clone());
    field!(website, record.website.clone());
    field!(latitude, record.latitude);
    field!(longitude, record.longitude);
    field!(closed, record.closed);
    field!(department_code, department_code(record));
    field!(attributes, attributes_json(record));
    changed.then(|| OrganisationChanges {
        updated_at: Some(db::now()),
        ..c
    })
}

/// Imports records, `BATCH` per transaction; `progress` is told how many
/// rows are done.
pub fn import(
    conn: &mut DbConn,
    settings: &Settings,
    records: &[Record],
    scope: &Scope,
    progress: &dyn Fn(u64),
) -> Result<Report, AppError> {
    let mut importer = Importer::load(conn, settings)?;
    let mut done = 0;
    for batch in records.chunks(BATCH) {
        db::transaction(conn, |conn| {
            for record in batch {
                if scope.keeps(record) {
                    importer.apply(conn, record)?;
                } else {
                    importer.report.out_of_scope += 1;
                }
            }
            Ok::<_, AppError>(())
        })?;
        done += batch.len() as u64;
        progress(done);
    }
    send::wake();
    Ok(importer.report)
}
