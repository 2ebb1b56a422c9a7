//! Rows of `announcements` and `announcement_attachments`: what was
//! published here and what followed organisations published elsewhere.

use super::{MaybeStamp, Stamp};
use crate::db::{Run, columns};
use chrono::NaiveDateTime;
use diesel::{expression::BoxableExpression, prelude::*, result::QueryResult, sql_types::Bool};

use super::{
    DbConn, one_of,
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
    #[diesel(deserialize_as = MaybeStamp)]
    pub starts_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub ends_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub expires_at: Option<NaiveDateTime>,
    pub url: String,
    #[diesel(deserialize_as = Stamp)]
    pub published_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub received_at: NaiveDateTime,
}

/// What a list of announcements shows of each: no body, no addresses.
/// Pages list announcements by the twenty; reading every column (and the
/// attachments) for a title and a summary was a fifth of a timeline's
/// CPU.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = announcements)]
pub struct AnnouncementLine {
    pub id: i64,
    pub public_id: String,
    pub organisation_id: i64,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub pinned: bool,
    pub ack_requested: bool,
    #[diesel(deserialize_as = Stamp)]
    pub published_at: NaiveDateTime,
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
    diesel::insert_into(announcements::table)
        .values((identity, content))
        .returning(columns::<Announcement>())
        .fetch_one(conn)
}

pub fn update_content(conn: &mut DbConn, id: i64, content: &Content) -> QueryResult<Announcement> {
    diesel::update(announcements::table.find(id))
        .set(content)
        .returning(columns::<Announcement>())
        .fetch_one(conn)
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(announcements::table.find(id)).exec(conn)
}

/// Removes a remote announcement deleted at its origin.
pub fn delete_remote_by_ap_id(conn: &mut DbConn, ap_id: &str) -> QueryResult<usize> {
    diesel::delete(
        announcements::table
            .filter(announcements::ap_id.eq(ap_id))
            .filter(announcements::local.eq(false)),
    )
    .exec(conn)
}

pub fn by_public_id(conn: &mut DbConn, public_id: &str) -> QueryResult<Option<Announcement>> {
    announcements::table
        .filter(announcements::public_id.eq(public_id))
        .select(columns::<Announcement>())
        .fetch_first(conn)
        .optional()
}

pub fn by_ap_id(conn: &mut DbConn, ap_id: &str) -> QueryResult<Option<Announcement>> {
    announcements::table
        .filter(announcements::ap_id.eq(ap_id))
        .select(columns::<Announcement>())
        .fetch_first(conn)
        .optional()
}

pub fn by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Announcement>> {
    announcements::table
        .filter(one_of(announcements::id, ids))
        .select(columns::<Announcement>())
        .fetch(conn)
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
    .exec(conn)?;
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
    diesel::insert_into(announcement_attachments::table)
        .values(&rows)
        .exec(conn)?;
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
        .select(columns::<Attachment>())
        .fetch(conn)
}

type Predicate<DB> = Box<dyn BoxableExpression<announcements::table, DB, SqlType = Bool>>;

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

    /// The part of the audience that concerns one organisation: a listing
    /// of its announcements needs no condition on the others.
    pub fn only(mut self, organisation_id: i64) -> Self {
        self.public_of.retain(|id| *id == organisation_id);
        self.addressed.retain(|(id, _)| *id == organisation_id);
        self
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

/// A condition on announcements, for one backend: a boxed expression names
/// its backend, so the code below is stamped out once for each.
trait Predicates<DB> {
    fn predicate(&self) -> Predicate<DB>;
}

/// A listing before it chooses its columns: each listing reads whole rows
/// for the API and feeds, and lines for pages, under the same conditions.
type Unselected<DB> = announcements::BoxedQuery<'static, DB>;

/// The listings a [`Filter`] narrows, newest first, for one backend.
trait Listings<DB> {
    /// Announcements visible to an audience.
    fn visible(&self, audience: &Audience, limit: i64) -> Unselected<DB>;
    /// One organisation's announcements: every one for its publishers,
    /// public ones only for feeds and anonymous readers.
    fn of_organisation(
        &self,
        organisation_id: i64,
        public_only: bool,
        limit: i64,
    ) -> Unselected<DB>;
}

macro_rules! predicates_for {
    ($db:ty) => {
        impl Predicates<$db> for Audience {
            fn predicate(&self) -> Predicate<$db> {
                let mut any: Predicate<$db> = Box::new(false.into_sql::<Bool>());
                if !self.public_of.is_empty() {
                    any = Box::new(
                        any.or(one_of(announcements::organisation_id, &self.public_of)
                            .and(announcements::public.eq(true))),
                    );
                }
                for (organisation, roles) in &self.addressed {
                    let mut addressed: Predicate<$db> =
                        Box::new(announcements::target_roles.eq(""));
                    for role in roles {
                        addressed = Box::new(
                            addressed.or(announcements::target_roles.like(format!("%,{role},%"))),
                        );
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

        impl Predicates<$db> for Filter {
            fn predicate(&self) -> Predicate<$db> {
                let mut all: Predicate<$db> = Box::new(true.into_sql::<Bool>());
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

        impl Listings<$db> for Filter {
            fn visible(&self, audience: &Audience, limit: i64) -> Unselected<$db> {
                announcements::table
                    .filter(Predicates::<$db>::predicate(audience))
                    .filter(Predicates::<$db>::predicate(self))
                    .order(announcements::id.desc())
                    .limit(limit)
                    .into_boxed()
            }

            fn of_organisation(
                &self,
                organisation_id: i64,
                public_only: bool,
                limit: i64,
            ) -> Unselected<$db> {
                let query = announcements::table
                    .filter(announcements::organisation_id.eq(organisation_id))
                    .filter(Predicates::<$db>::predicate(self))
                    .order(announcements::id.desc())
                    .limit(limit)
                    .into_boxed();
                if public_only {
                    query.filter(announcements::public.eq(true))
                } else {
                    query
                }
            }
        }
    };
}

predicates_for!(diesel::sqlite::Sqlite);
predicates_for!(diesel::pg::Pg);

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
    crate::per_backend!(conn, |c: DB| Listings::<DB>::visible(
        filter, audience, limit
    )
    .select(columns::<Announcement>())
    .load(c))
}

/// [`visible`], as lines.
pub fn visible_lines(
    conn: &mut DbConn,
    audience: &Audience,
    filter: &Filter,
    limit: i64,
) -> QueryResult<Vec<AnnouncementLine>> {
    if audience.is_empty() {
        return Ok(Vec::new());
    }
    crate::per_backend!(conn, |c: DB| Listings::<DB>::visible(
        filter, audience, limit
    )
    .select(columns::<AnnouncementLine>())
    .load(c))
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
    crate::per_backend!(conn, |c: DB| Listings::<DB>::of_organisation(
        filter,
        organisation_id,
        public_only,
        limit
    )
    .select(columns::<Announcement>())
    .load(c))
}

/// [`of_organisation`], as lines.
pub fn lines_of_organisation(
    conn: &mut DbConn,
    organisation_id: i64,
    public_only: bool,
    filter: &Filter,
    limit: i64,
) -> QueryResult<Vec<AnnouncementLine>> {
    crate::per_backend!(conn, |c: DB| Listings::<DB>::of_organisation(
        filter,
        organisation_id,
        public_only,
        limit
    )
    .select(columns::<AnnouncementLine>())
    .load(c))
}

pub fn count_local(conn: &mut DbConn) -> QueryResult<i64> {
    announcements::table
        .filter(announcements::local.eq(true))
        .count()
        .fetch_one(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audience_narrowed_to_one_organisation_keeps_only_its_part() {
        let audience = Audience {
            public_of: vec![1, 2, 3],
            addressed: vec![(2, vec!["teacher".into()]), (4, vec!["director".into()])],
        };
        let two = audience.clone().only(2);
        assert_eq!(two.public_of, [2]);
        assert_eq!(two.addressed, [(2, vec!["teacher".to_string()])]);
        let four = audience.clone().only(4);
        assert!(four.public_of.is_empty());
        assert_eq!(four.addressed.len(), 1);
        assert!(audience.only(5).is_empty());
    }
}
