//! Rows of `announcements` and `announcement_attachments`: what was
//! published here and what followed organisations published elsewhere.

use chrono::NaiveDateTime;
use diesel::{expression::BoxableExpression, prelude::*, result::QueryResult, sql_types::Bool};

use super::{
    DbConn,
    connection::MultiBackend,
    one_of,
    schema::{announcement_attachments, announcements},
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = announcements)]
pub struct Announcement {
    pub id: i64,
    pub public_id: String,
    pub ap_id: String,
    pub local: bool,
    pub organisation_id: i64,
    pub author_ap_id: String,
    pub author_name: String,
    pub author_account_id: Option<i64>,
    pub title: String,
    pub summary: String,
    pub body_markdown: Option<String>,
    pub body_html: String,
    pub category: String,
    pub target_roles: String,
    pub public: bool,
    pub pinned: bool,
    pub ack_requested: bool,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub url: String,
    pub published_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
}

impl Announcement {
    /// The roles it is addressed to; empty means every role.
    pub fn roles(&self) -> Vec<&str> {
        split_roles(&self.target_roles)
    }
}

/// The stored form of a role list: `''` or `,a,b,`.
pub fn join_roles<S: AsRef<str>>(roles: &[S]) -> String {
    if roles.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = roles.iter().map(AsRef::as_ref).collect();
        format!(",{},", names.join(","))
    }
}

pub fn split_roles(stored: &str) -> Vec<&str> {
    stored.split(',').filter(|r| !r.is_empty()).collect()
}

/// Who published it and where it lives; fixed once created.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = announcements)]
pub struct Identity {
    pub public_id: String,
    pub ap_id: String,
    pub local: bool,
    pub organisation_id: i64,
    pub author_ap_id: String,
    pub author_name: String,
    pub author_account_id: Option<i64>,
    pub url: String,
    pub published_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
}

/// What an edit may change.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = announcements, treat_none_as_null = true)]
pub struct Content {
    pub title: String,
    pub summary: String,
    pub body_markdown: Option<String>,
    pub body_html: String,
    pub category: String,
    pub target_roles: String,
    pub public: bool,
    pub pinned: bool,
    pub ack_requested: bool,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = announcement_attachments)]
pub struct Attachment {
    pub id: i64,
    pub announcement_id: i64,
    pub position: i32,
    pub name: String,
    pub media_type: String,
    pub size: Option<i64>,
    pub url: String,
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAttachment {
    pub name: String,
    pub media_type: String,
    pub size: Option<i64>,
    pub url: String,
    pub sha256: Option<String>,
}

pub fn insert(
    conn: &mut DbConn,
    identity: &Identity,
    content: &Content,
) -> QueryResult<Announcement> {
    crate::per_backend!(conn, |c| diesel::insert_into(announcements::table)
        .values((identity, content))
        .returning(Announcement::as_returning())
        .get_result(c))
}

pub fn update_content(conn: &mut DbConn, id: i64, content: &Content) -> QueryResult<Announcement> {
    crate::per_backend!(conn, |c| diesel::update(announcements::table.find(id))
        .set(content)
        .returning(Announcement::as_returning())
        .get_result(c))
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(announcements::table.find(id)).execute(conn)
}

/// Removes a remote announcement deleted at its origin.
pub fn delete_remote_by_ap_id(conn: &mut DbConn, ap_id: &str) -> QueryResult<usize> {
    diesel::delete(
        announcements::table
            .filter(announcements::ap_id.eq(ap_id))
            .filter(announcements::local.eq(false)),
    )
    .execute(conn)
}

pub fn by_public_id(conn: &mut DbConn, public_id: &str) -> QueryResult<Option<Announcement>> {
    announcements::table
        .filter(announcements::public_id.eq(public_id))
        .select(Announcement::as_select())
        .first(conn)
        .optional()
}

pub fn by_ap_id(conn: &mut DbConn, ap_id: &str) -> QueryResult<Option<Announcement>> {
    announcements::table
        .filter(announcements::ap_id.eq(ap_id))
        .select(Announcement::as_select())
        .first(conn)
        .optional()
}

pub fn by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Announcement>> {
    announcements::table
        .filter(one_of(announcements::id, ids))
        .select(Announcement::as_select())
        .load(conn)
}

/// Replaces the attachments of an announcement, in the given order.
pub fn set_attachments(
    conn: &mut DbConn,
    announcement_id: i64,
    attachments: &[NewAttachment],
) -> QueryResult<()> {
    diesel::delete(
        announcement_attachments::table
            .filter(announcement_attachments::announcement_id.eq(announcement_id)),
    )
    .execute(conn)?;
    if attachments.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = attachments
        .iter()
        .zip(0..)
        .map(|(a, position): (&NewAttachment, i32)| {
            (
                announcement_attachments::announcement_id.eq(announcement_id),
                announcement_attachments::position.eq(position),
                announcement_attachments::name.eq(&a.name),
                announcement_attachments::media_type.eq(&a.media_type),
                announcement_attachments::size.eq(a.size),
                announcement_attachments::url.eq(&a.url),
                announcement_attachments::sha256.eq(a.sha256.as_deref()),
            )
        })
        .collect();
    crate::per_backend!(conn, |c| diesel::insert_into(
        announcement_attachments::table
    )
    .values(&rows)
    .execute(c))?;
    Ok(())
}

/// The attachments of some announcements, in order.
pub fn attachments_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Attachment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    announcement_attachments::table
        .filter(one_of(announcement_attachments::announcement_id, ids))
        .order((
            announcement_attachments::announcement_id.asc(),
            announcement_attachments::position.asc(),
        ))
        .select(Attachment::as_select())
        .load(conn)
}

type Predicate = Box<dyn BoxableExpression<announcements::table, MultiBackend, SqlType = Bool>>;

/// Who may see what in a timeline: organisations whose public
/// announcements are shown, and organisations whose announcements are shown
/// when addressed to every role or to one of `roles`.
#[derive(Debug, Default, Clone)]
pub struct Audience {
    pub public_of: Vec<i64>,
    pub addressed: Vec<(i64, Vec<String>)>,
}

impl Audience {
    pub fn is_empty(&self) -> bool {
        self.public_of.is_empty() && self.addressed.is_empty()
    }

    fn predicate(&self) -> Predicate {
        let mut any: Predicate = Box::new(false.into_sql::<Bool>());
        if !self.public_of.is_empty() {
            any = Box::new(
                any.or(one_of(announcements::organisation_id, &self.public_of)
                    .and(announcements::public.eq(true))),
            );
        }
        for (organisation, roles) in &self.addressed {
            let mut addressed: Predicate = Box::new(announcements::target_roles.eq(""));
            for role in roles {
                addressed =
                    Box::new(addressed.or(announcements::target_roles.like(format!("%,{role},%"))));
            }
            any = Box::new(
                any.or(announcements::organisation_id
                    .eq(*organisation)
                    .and(addressed)),
            );
        }
        any
    }
}

/// What a listing keeps.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organisation_id: Option<i64>,
    pub category: Option<String>,
    /// Only those this account has not acknowledged.
    pub unread_by: Option<i64>,
    /// Hide those whose expiry has passed at this time.
    pub live_at: Option<NaiveDateTime>,
    /// Only those whose row id is below this one (the cursor).
    pub before_id: Option<i64>,
}

impl Filter {
    fn predicate(&self) -> Predicate {
        let mut all: Predicate = Box::new(true.into_sql::<Bool>());
        if let Some(organisation) = self.organisation_id {
            all = Box::new(all.and(announcements::organisation_id.eq(organisation)));
        }
        if let Some(category) = &self.category {
            all = Box::new(all.and(announcements::category.eq(category.clone())));
        }
        if let Some(now) = self.live_at {
            all = Box::new(
                all.and(
                    announcements::expires_at
                        .is_null()
                        .or(announcements::expires_at.gt(now).assume_not_null()),
                ),
            );
        }
        if let Some(before) = self.before_id {
            all = Box::new(all.and(announcements::id.lt(before)));
        }
        if let Some(account) = self.unread_by {
            use super::schema::acknowledgements;
            all = Box::new(
                all.and(diesel::dsl::not(diesel::dsl::exists(
                    acknowledgements::table
                        .filter(acknowledgements::announcement_id.eq(announcements::id))
                        .filter(acknowledgements::account_id.eq(account)),
                ))),
            );
        }
        all
    }
}

/// Announcements visible to an audience, newest first.
pub fn visible(
    conn: &mut DbConn,
    audience: &Audience,
    filter: &Filter,
    limit: i64,
) -> QueryResult<Vec<Announcement>> {
    if audience.is_empty() {
        return Ok(Vec::new());
    }
    announcements::table
        .filter(audience.predicate())
        .filter(filter.predicate())
        .select(Announcement::as_select())
        .order(announcements::id.desc())
        .limit(limit)
        .load(conn)
}

/// One organisation's announcements, newest first: every one for its
/// publishers, public ones only for feeds and anonymous readers.
pub fn of_organisation(
    conn: &mut DbConn,
    organisation_id: i64,
    public_only: bool,
    filter: &Filter,
    limit: i64,
) -> QueryResult<Vec<Announcement>> {
    let public: Predicate = if public_only {
        Box::new(announcements::public.eq(true))
    } else {
        Box::new(true.into_sql::<Bool>())
    };
    announcements::table
        .filter(announcements::organisation_id.eq(organisation_id))
        .filter(public)
        .filter(filter.predicate())
        .select(Announcement::as_select())
        .order(announcements::id.desc())
        .limit(limit)
        .load(conn)
}

pub fn count_local(conn: &mut DbConn) -> QueryResult<i64> {
    announcements::table
        .filter(announcements::local.eq(true))
        .count()
        .get_result(conn)
}
