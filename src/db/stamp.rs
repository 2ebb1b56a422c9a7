//! Timestamps read back from the database without a strftime parse.
//!
//! SQLite keeps a `TIMESTAMP` as text, and diesel reads it back by trying
//! `NaiveDateTime::parse_from_str` with up to 18 patterns, each compiled
//! again on every call: on a page of twenty announcements, five timestamps
//! each, that parse was a tenth of the CPU (perf, benches/web_pages.rs).
//! Préau writes them one way only (diesel's `%F %T%.f`), so [`Stamp`]
//! reads that shape by hand and leaves anything else (a value written by
//! hand, a Julian day) to diesel. PostgreSQL sends binary timestamps, read
//! as before.
//!
//! A row struct opts in per field: `#[diesel(deserialize_as = Stamp)]` on
//! a `NaiveDateTime`, `#[diesel(deserialize_as = MaybeStamp)]` on an
//! `Option<NaiveDateTime>`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::{
    deserialize::{self, FromSql, FromSqlRow},
    pg::{Pg, PgValue},
    sql_types::{Nullable, Timestamp},
    sqlite::{Sqlite, SqliteValue},
};

/// A `TIMESTAMP` column, as read into a `NaiveDateTime` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

impl From<Stamp> for NaiveDateTime {
    fn from(stamp: Stamp) -> Self {
        stamp.0
    }
}

/// A nullable `TIMESTAMP` column, as read into an `Option<NaiveDateTime>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct MaybeStamp(pub Option<NaiveDateTime>);

impl From<MaybeStamp> for Option<NaiveDateTime> {
    fn from(stamp: MaybeStamp) -> Self {
        stamp.0
    }
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if let Some(parsed) = parse(value.read_text()) {
            return Ok(Self(parsed));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Self)
    }
}

impl FromSql<Nullable<Timestamp>, Sqlite> for MaybeStamp {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        <Stamp as FromSql<Timestamp, Sqlite>>::from_sql(value).map(|s| Self(Some(s.0)))
    }

    fn from_nullable_sql(value: Option<SqliteValue<'_, '_, '_>>) -> deserialize::Result<Self> {
        value.map_or(Ok(Self(None)), |v| {
            <Self as FromSql<Nullable<Timestamp>, Sqlite>>::from_sql(v)
        })
    }
}

impl FromSql<Nullable<Timestamp>, Pg> for MaybeStamp {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(|t| Self(Some(t)))
    }

    fn from_nullable_sql(value: Option<PgValue<'_>>) -> deserialize::Result<Self> {
        value.map_or(Ok(Self(None)), |v| {
            <Self as FromSql<Nullable<Timestamp>, Pg>>::from_sql(v)
        })
    }
}

/// `YYYY-MM-DD HH:MM:SS`, then optionally `.` and one to nine digits of
/// the second; `None` for any other text or an impossible date.
fn parse(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let n = number(20, b.len())?;
            n * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 7)?, number(8, 10)?)?;
    let time =
        NaiveTime::from_hms_nano_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?, nanos)?;
    Some(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::parse;
    use chrono::NaiveDateTime;

    fn diesel_format(t: NaiveDateTime) -> String {
        t.format("%F %T%.f").to_string()
    }

    #[test]
    fn what_diesel_writes_is_read_back_exactly() {
        let base = NaiveDateTime::parse_from_str("2026-11-23 21:35:07", "%F %T").expect("time");
        for nanos in [0, 120_000_000, 123_456_000, 123_456_789, 5] {
            let t = base + chrono::Duration::nanoseconds(nanos);
            assert_eq!(parse(&diesel_format(t)), Some(t), "{}", diesel_format(t));
        }
        let leap_day = NaiveDateTime::parse_from_str("2028-02-29 00:00:00", "%F %T").expect("time");
        assert_eq!(parse("2028-02-29 00:00:00"), Some(leap_day));
        // One digit of the second is a tenth.
        assert_eq!(
            parse("2026-11-23 21:35:07.5"),
            Some(base + chrono::Duration::milliseconds(500))
        );
    }

    #[test]
    fn a_column_reads_both_shapes_and_null() {
        use super::{MaybeStamp, Stamp};
        use crate::db::{DbConn, Run};
        use diesel::{Connection, dsl::sql, sql_types};
        let mut conn =
            DbConn::Sqlite(diesel::SqliteConnection::establish(":memory:").expect("sqlite"));
        let read = |conn: &mut DbConn, text: &str| -> NaiveDateTime {
            diesel::select(sql::<sql_types::Timestamp>(&format!("'{text}'")))
                .fetch_one::<Stamp>(conn)
                .expect("timestamp")
                .into()
        };
        let read_nullable = |conn: &mut DbConn, literal: &str| -> Option<NaiveDateTime> {
            diesel::select(sql::<sql_types::Nullable<sql_types::Timestamp>>(literal))
                .fetch_one::<MaybeStamp>(conn)
                .expect("nullable timestamp")
                .into()
        };
        let expected = NaiveDateTime::parse_from_str("2026-11-23 21:35:07", "%F %T").expect("time");
        assert_eq!(read(&mut conn, "2026-11-23 21:35:07"), expected);
        // Not Préau's shape, but one diesel accepts.
        assert_eq!(read(&mut conn, "2026-11-23T21:35:07"), expected);
        assert_eq!(read_nullable(&mut conn, "NULL"), None);
        assert_eq!(
            read_nullable(&mut conn, "'2026-11-23 21:35:07'"),
            Some(expected)
        );
    }

    #[test]
    fn other_shapes_are_left_to_diesel() {
        for text in [
            "2026-11-23T21:35:07",
            "2026-11-23 21:35",
            "2026-11-23",
            "2026-11-23 21:35:07Z",
            "2026-11-23 21:35:07.",
            "2026-11-23 21:35:07.1234567890",
            "2026-02-30 10:00:00",
            "2026-11-23 24:00:00",
            "2026-1a-23 10:00:00",
            "2461003.5",
            "",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
