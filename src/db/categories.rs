//! Rows of `announcement_categories`: the categories an admin added.

use crate::db::Run;
use diesel::{prelude::*, result::QueryResult};

use super::{DbConn, schema::announcement_categories};

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    announcement_categories::table
        .order(announcement_categories::slug.asc())
        .select((
            announcement_categories::slug,
            announcement_categories::label,
        ))
        .fetch(conn)
}

pub fn exists(conn: &mut DbConn, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        announcement_categories::table.filter(announcement_categories::slug.eq(slug)),
    ))
    .fetch_one(conn)
}

pub fn insert(conn: &mut DbConn, slug: &str, label: &str) -> QueryResult<usize> {
    diesel::insert_into(announcement_categories::table)
        .values((
            announcement_categories::slug.eq(slug),
            announcement_categories::label.eq(label),
            announcement_categories::created_at.eq(super::now()),
        ))
        .exec(conn)
}

pub fn remove(conn: &mut DbConn, slug: &str) -> QueryResult<usize> {
    diesel::delete(announcement_categories::table.filter(announcement_categories::slug.eq(slug)))
        .exec(conn)
}
