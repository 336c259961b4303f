//! Dates as providers write them, turned into Unix seconds, and back into `YYYY-MM-DD` for
//! messages. Pure: the current time is always passed in, never read here, so "expires within
//! 30 days" can be tested at any date.

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// `YYYY-MM-DD` (UTC) of a Unix time.
pub fn date(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC) of a Unix time, for `--json`.
pub fn rfc3339(unix: i64) -> String {
    let secs = unix.rem_euclid(DAY);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(unix),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn num(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Seconds east of UTC for `Z`, `+HH:MM`, `+HHMM` or `-…`.
fn offset(s: &str) -> Option<i64> {
    if s.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let (sign, rest) = if let Some(r) = s.strip_prefix('+') {
        (1, r)
    } else {
        (-1, s.strip_prefix('-')?)
    };
    // Text from a provider: never sliced by byte index unless it is all ASCII.
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.is_ascii() || digits.len() != 4 {
        return None;
    }
    Some(sign * (num(digits.get(..2)?)? * 3600 + num(digits.get(2..)?)? * 60))
}

fn assemble(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, off: i64) -> Option<i64> {
    // Years past 9999 are no date a provider means, and would overflow the arithmetic below.
    let valid = (0..=9999).contains(&y)
        && (1..=12).contains(&mo)
        && (1..=31).contains(&d)
        && (0..24).contains(&h)
        && (0..60).contains(&mi)
        && (0..=60).contains(&s);
    valid.then(|| days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + s - off)
}

/// RFC 3339 as Octopus and Northflank write it: `2026-03-01T23:59:59.000Z`, `…+02:00`.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let (day, rest) = s.split_once(['T', 't', ' '])?;
    let mut ymd = day.splitn(3, '-');
    let (y, mo, d) = (ymd.next()?, ymd.next()?, ymd.next()?);
    let zone_at = rest.find(['Z', 'z', '+', '-'])?;
    let (clock, zone) = rest.split_at(zone_at);
    let clock = clock.split('.').next()?;
    let mut hms = clock.splitn(3, ':');
    let (h, mi, sec) = (hms.next()?, hms.next()?, hms.next()?);
    assemble(
        num(y)?,
        num(mo)?,
        num(d)?,
        num(h)?,
        num(mi)?,
        num(sec)?,
        offset(zone)?,
    )
}

/// TeamCity's `yyyyMMdd'T'HHmmssZ`, e.g. `20250905T001122+0200`.
pub fn parse_teamcity(s: &str) -> Option<i64> {
    let s = s.trim();
    // The byte positions below are characters only in ASCII text; anything else is no date.
    if !s.is_ascii() {
        return None;
    }
    let (day, rest) = s.split_once('T')?;
    if day.len() != 8 || rest.len() < 7 {
        return None;
    }
    let part = |t: &str, r: std::ops::Range<usize>| t.get(r).and_then(num);
    assemble(
        part(day, 0..4)?,
        part(day, 4..6)?,
        part(day, 6..8)?,
        part(rest, 0..2)?,
        part(rest, 2..4)?,
        part(rest, 4..6)?,
        offset(rest.get(6..)?)?,
    )
}

/// Whole days from `now` until `then`, rounded up (a token that expires in 4.2 days has 5
/// days left to use it); zero or less once it has expired.
pub fn days_left(now: i64, then: i64) -> i64 {
    // Saturating: either time may come from a server.
    let secs = then.saturating_sub(now);
    if secs <= 0 {
        secs.div_euclid(DAY)
    } else {
        secs.div_euclid(DAY) + i64::from(secs.rem_euclid(DAY) != 0)
    }
}

/// An RFC 3339 time as "how long ago" at `now` (Unix seconds); `None` when it cannot be read
/// or the clock is not known yet (0), so the caller shows the server's text instead.
pub fn ago_text(t: &str, now: i64) -> Option<String> {
    parse_rfc3339(t)
        .filter(|_| now > 0)
        .map(|then| ago(then, now))
}

/// How long ago `then` was at `now`, as a list column says it: "just now", "5 min ago",
/// "3 h ago", "2 d ago", and the date from 30 days on (a count of days is no longer easier to
/// read than the day). A time ahead of `now` (clocks differ) is "just now".
pub fn ago(then: i64, now: i64) -> String {
    let secs = now.saturating_sub(then);
    match secs {
        ..60 => "just now".into(),
        60..3600 => format!("{} min ago", secs / 60),
        3600..DAY => format!("{} h ago", secs / 3600),
        _ if secs < 30 * DAY => format!("{} d ago", secs / DAY),
        _ => date(then),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_fractions_and_offsets() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-03-01T23:59:59.000Z"),
            Some(1_772_409_599)
        );
        assert_eq!(
            parse_rfc3339("2026-03-02T01:59:59+02:00"),
            Some(1_772_409_599)
        );
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2026-03-01"), None);
    }

    #[test]
    fn teamcity_format() {
        assert_eq!(
            parse_teamcity("20250905T001122+0200"),
            parse_rfc3339("2025-09-04T22:11:22Z")
        );
        assert_eq!(parse_teamcity("20250905T0011"), None);
    }

    #[test]
    fn multi_byte_and_hostile_dates_are_no_date_not_a_panic() {
        for s in [
            "20250905T00112é…",
            "2025090é T001122+0200",
            "20250905T001122+02é",
            "20250905T001122+0é",
            "20250905T001122+é12",
            "20250905T001122+1é2",
            "\u{1b}]52;c;cGF5bG9hZA==\u{7}",
            "99999999T001122+0200",
        ] {
            assert_eq!(parse_teamcity(s), None, "{s:?}");
        }
        for s in [
            "2026-03-01T23:59:59+0é",
            "2026-03-01T23:59:59+1é2",
            "2026-03-01T23:59:59+é",
            "2026-03-01Té:59:59Z",
            "99999999999999-03-01T00:00:00Z",
            "9223372036854775807-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(s), None, "{s:?}");
        }
    }

    #[test]
    fn days_left_saturates_at_the_ends_of_time() {
        assert!(days_left(i64::MIN, i64::MAX) > 0);
        assert!(days_left(i64::MAX, i64::MIN) < 0);
    }

    #[test]
    fn dates_round_trip() {
        let t = parse_rfc3339("2024-02-29T12:00:00Z").unwrap();
        assert_eq!(date(t), "2024-02-29");
        assert_eq!(rfc3339(t), "2024-02-29T12:00:00Z");
        assert_eq!(date(-1), "1969-12-31");
    }

    #[test]
    fn days_left_rounds_up_until_expiry() {
        assert_eq!(days_left(0, 5 * DAY), 5);
        assert_eq!(days_left(10, 5 * DAY), 5);
        assert_eq!(days_left(0, 1), 1);
        assert_eq!(days_left(0, 0), 0);
        assert_eq!(days_left(DAY * 3, 0), -3);
    }

    #[test]
    fn ago_counts_minutes_hours_and_days_then_gives_the_date() {
        let t = parse_rfc3339("2025-11-02T09:00:00Z").unwrap();
        assert_eq!(ago(t, t - 300), "just now");
        assert_eq!(ago(t, t + 59), "just now");
        assert_eq!(ago(t, t + 60), "1 min ago");
        assert_eq!(ago(t, t + 3 * 3600 + 1200), "3 h ago");
        assert_eq!(ago(t, t + 2 * DAY + 5), "2 d ago");
        assert_eq!(ago(t, t + 29 * DAY), "29 d ago");
        assert_eq!(ago(t, t + 30 * DAY), "2025-11-02");
    }
}
