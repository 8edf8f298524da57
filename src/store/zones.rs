//! Each store's own time zone (an IANA name such as `Australia/Sydney`, `stores.time_zone`),
//! so an order's date, the business day of a day close, and "today" are that store's local
//! day; a store without one uses the chain's default zone, recorded as the zone of the machine
//! that ran the migration giving stores their zones (`chain_settings`). Audit times stay UTC.

use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{chain_settings, stores};
use crate::error::{Error, Result};

/// The `chain_settings` row holding the default zone.
const DEFAULT_ZONE: &str = "default_time_zone";

/// A zone name as typed, checked against the IANA database (`Australia/Sydney`, `UTC`).
pub fn parse(name: &str) -> std::result::Result<Tz, String> {
    let t = name.trim();
    t.parse::<Tz>().map_err(|_| {
        format!(
            "`{}` is not a time zone (an IANA name such as Australia/Sydney or Europe/Paris)",
            crate::text::escape_bounded(t, 64)
        )
    })
}

pub use crate::db::migrate::machine_zone;

/// The chain's default zone (UTC when none is recorded).
pub fn default_zone(conn: &mut AnyConnection) -> Result<Tz> {
    let name: Option<String> = chain_settings::table
        .find(DEFAULT_ZONE)
        .select(chain_settings::value)
        .first(conn)
        .optional()?;
    Ok(name.and_then(|n| parse(&n).ok()).unwrap_or(Tz::UTC))
}

/// A store's zone: its own, or the chain's default.
pub fn of_store(conn: &mut AnyConnection, store: i32) -> Result<Tz> {
    let own: Option<Option<String>> = stores::table
        .find(store)
        .select(stores::time_zone)
        .first(conn)
        .optional()?;
    match own {
        None => Err(Error::InvalidField {
            field: "store".into(),
            message: format!("there is no store {store}"),
        }),
        Some(Some(name)) if !name.trim().is_empty() => match parse(&name) {
            Ok(tz) => Ok(tz),
            Err(_) => default_zone(conn),
        },
        Some(_) => default_zone(conn),
    }
}

/// The local date at `at` (Unix seconds) in `tz`.
pub fn local_date(tz: Tz, at: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|d| d.with_timezone(&tz).date_naive())
        .unwrap_or_default()
}

/// The first moment after `day` in `tz` (its next local midnight), Unix seconds.
pub fn day_end(tz: Tz, day: NaiveDate) -> i64 {
    use chrono::TimeZone;
    let next = day.succ_opt().unwrap_or(day);
    tz.from_local_datetime(&next.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|d| d.timestamp())
        .unwrap_or(i64::MAX)
}

/// A store's "today" at `at`.
pub fn store_today(conn: &mut AnyConnection, store: i32, at: i64) -> Result<NaiveDate> {
    Ok(local_date(of_store(conn, store)?, at))
}

/// The latest "today" of any store at `at` (the chain's, for figures over every store: a
/// month is current while it is current anywhere).
pub fn latest_today(conn: &mut AnyConnection, at: i64) -> Result<NaiveDate> {
    let default = default_zone(conn)?;
    let zones: Vec<Option<String>> = stores::table.select(stores::time_zone).load(conn)?;
    Ok(zones
        .iter()
        .map(|z| z.as_deref().and_then(|n| parse(n).ok()).unwrap_or(default))
        .chain([default, Tz::UTC])
        .map(|tz| local_date(tz, at))
        .max()
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_dates_follow_the_zone() {
        // 2026-12-07 13:00 UTC is already the 8th at Kiritimati (UTC+14), still the 7th in
        // Honolulu (UTC-10).
        let at = 1_796_648_400;
        assert_eq!(
            local_date(parse("Pacific/Kiritimati").unwrap(), at),
            NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()
        );
        assert_eq!(
            local_date(parse("Pacific/Honolulu").unwrap(), at),
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
        assert!(
            parse("Mars/Olympus")
                .unwrap_err()
                .contains("not a time zone")
        );
    }
}
