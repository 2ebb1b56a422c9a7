//! Cursor pagination: opaque cursors over increasing row ids, so that pages
//! stay stable while rows are added.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// `?cursor=…&limit=…` of a list request.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

impl PageRequest {
    /// The id to start after and the page size, both checked.
    pub fn bounds(&self) -> AppResult<(i64, i64)> {
        let after = match self.cursor.as_deref() {
            None | Some("") => 0,
            Some(c) => decode(c).ok_or_else(|| {
                AppError::bad_request("invalid cursor").says("refused.cursor_invalid", &[])
            })?,
        };
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(
                AppError::bad_request(format!("limit must be between 1 and {MAX_LIMIT}"))
                    .says("refused.limit_range", &[("max", &MAX_LIMIT)]),
            );
        }
        Ok((after, limit))
    }
}

/// One page of a list, with the cursor of the next one when there is more.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from rows fetched with `limit + 1`: the extra row only
    /// tells that another page exists.
    pub fn from_rows<R>(
        rows: Vec<R>,
        limit: i64,
        id: impl Fn(&R) -> i64,
        view: impl FnMut(R) -> T,
    ) -> Self {
        let (rows, next_cursor) = split(rows, limit, id);
        Self {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }

    /// The same, with the views of all the rows built at once (one query
    /// per kind of related data rather than one per row).
    pub fn try_from_rows_with<R, E>(
        rows: Vec<R>,
        limit: i64,
        id: impl Fn(&R) -> i64,
        views: impl FnOnce(Vec<R>) -> Result<Vec<T>, E>,
    ) -> Result<Self, E> {
        let (rows, next_cursor) = split(rows, limit, id);
        Ok(Self {
            items: views(rows)?,
            next_cursor,
        })
    }
}

/// Keeps `limit` rows, and makes the next page's cursor from the last one
/// when the extra row shows there is more.
fn split<R>(mut rows: Vec<R>, limit: i64, id: impl Fn(&R) -> i64) -> (Vec<R>, Option<String>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if more {
        rows.last().map(|r| encode(id(r)))
    } else {
        None
    };
    (rows, next_cursor)
}

fn encode(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

fn decode(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix("id:")?.parse().ok().filter(|n| *n >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let req = PageRequest {
            cursor: Some(encode(42)),
            limit: Some(10),
        };
        assert_eq!(req.bounds().expect("valid"), (42, 10));
        for bad in ["xyz", "aWQ6LTE", "!!"] {
            let req = PageRequest {
                cursor: Some(bad.into()),
                limit: None,
            };
            assert!(req.bounds().is_err(), "{bad}");
        }
        let req = PageRequest {
            cursor: None,
            limit: Some(0),
        };
        assert!(req.bounds().is_err());
    }

    #[test]
    fn the_extra_row_makes_a_next_cursor() {
        let page = Page::from_rows(vec![1_i64, 2, 3], 2, |r| *r, |r| r);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor.as_deref().and_then(decode), Some(2));
        let last = Page::from_rows(vec![1_i64, 2], 2, |r| *r, |r| r);
        assert!(last.next_cursor.is_none());
    }
}
