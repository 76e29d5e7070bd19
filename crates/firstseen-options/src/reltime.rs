//! Splunk relative time modifiers: `-24h@h`, `-7d@d`, `@w0`, `-1mon@mon+2d`,
//! `now`, or epoch seconds.
//!
//! Source: Splunk *Search Reference*, "Time modifiers" (`earliest`/`latest`
//! and `relative_time()`): `[+|-]<integer><unit>` offsets and `@<unit>` snaps,
//! chained left to right; an omitted integer is 1; units `s|sec|secs|second|seconds`,
//! `m|min|mins|minute|minutes`, `h|hr|hrs|hour|hours`, `d|day|days`,
//! `w|week|weeks`, `mon|month|months`, `q|qtr|qtrs|quarter|quarters`,
//! `y|yr|yrs|year|years`; snap `@w0`…`@w7` goes back to the most recent given
//! weekday (0 and 7 are Sunday, `@w` = `@w0`). Snapping to a day or longer
//! uses the calendar of a time zone, as Splunk uses the user's.

use crate::OptionError;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, Zoned};

/// A parsed time modifier.
#[derive(Debug, Clone, PartialEq)]
pub enum RelTime {
    /// An absolute time, epoch seconds.
    Absolute(f64),
    /// Steps applied in order to the reference time (none = `now`).
    Relative(Vec<Step>),
}

/// One step of a relative time modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Add (or, negative, subtract) this many units.
    Offset(i64, Unit),
    /// Round down to the start of the unit.
    Snap(Unit),
    /// Round down to the start of the most recent weekday (0 = Sunday … 6 = Saturday).
    SnapWeekday(u8),
}

/// A calendar or clock unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Second.
    Second,
    /// Minute.
    Minute,
    /// Hour.
    Hour,
    /// Calendar day.
    Day,
    /// Week (7 days; snap goes to Sunday).
    Week,
    /// Calendar month.
    Month,
    /// Calendar quarter (January, April, July, October).
    Quarter,
    /// Calendar year.
    Year,
}

fn unit(word: &str) -> Option<Unit> {
    Some(match word {
        "s" | "sec" | "secs" | "second" | "seconds" => Unit::Second,
        "m" | "min" | "mins" | "minute" | "minutes" => Unit::Minute,
        "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Hour,
        "d" | "day" | "days" => Unit::Day,
        "w" | "week" | "weeks" => Unit::Week,
        "mon" | "month" | "months" => Unit::Month,
        "q" | "qtr" | "qtrs" | "quarter" | "quarters" => Unit::Quarter,
        "y" | "yr" | "yrs" | "year" | "years" => Unit::Year,
        _ => return None,
    })
}

const HELP: &str =
    "use a Splunk time modifier such as -24h@h, -7d@d, @w0, -1mon@mon, now, or epoch seconds";

impl RelTime {
    /// Parses a time modifier.
    ///
    /// # Errors
    /// A message quoting the modifier and what is wrong with it.
    pub fn parse(text: &str) -> Result<RelTime, OptionError> {
        RelTime::parse_text(text).map_err(OptionError::from)
    }

    fn parse_text(text: &str) -> Result<RelTime, String> {
        let s = text.trim();
        let bad = |why: &str| format!("invalid time modifier {text:?}: {why}; {HELP}");
        if s.is_empty() {
            return Err(bad("it is empty"));
        }
        if s == "now" || s == "now()" {
            return Ok(RelTime::Relative(Vec::new()));
        }
        if s.starts_with("rt") {
            return Err(bad("real-time modifiers (rt) are not supported"));
        }
        if s.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
            return s
                .parse::<f64>()
                .map(RelTime::Absolute)
                .map_err(|_| bad("not a number"));
        }
        let b = s.as_bytes();
        let mut i = 0;
        let mut steps = Vec::new();
        while i < b.len() {
            match b[i] {
                b'@' => {
                    i += 1;
                    let start = i;
                    while i < b.len() && b[i].is_ascii_alphabetic() {
                        i += 1;
                    }
                    let word = &s[start..i];
                    if word == "w" && i < b.len() && b[i].is_ascii_digit() {
                        let day = b[i] - b'0';
                        i += 1;
                        if day > 7 {
                            return Err(bad("a weekday snap is @w0 to @w7"));
                        }
                        steps.push(Step::SnapWeekday(day % 7));
                    } else if word == "w" || word == "week" || word == "weeks" {
                        steps.push(Step::SnapWeekday(0));
                    } else {
                        let u = unit(word)
                            .ok_or_else(|| bad(&format!("unknown snap unit {word:?}")))?;
                        steps.push(Step::Snap(u));
                    }
                }
                sign @ (b'+' | b'-') => {
                    i += 1;
                    let start = i;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                    let n: i64 = if start == i {
                        1
                    } else {
                        s[start..i]
                            .parse()
                            .map_err(|_| bad("the number is too large"))?
                    };
                    let ustart = i;
                    while i < b.len() && b[i].is_ascii_alphabetic() {
                        i += 1;
                    }
                    let word = &s[ustart..i];
                    if word.is_empty() {
                        return Err(bad("an offset needs a unit (s, m, h, d, w, mon, q, y)"));
                    }
                    let u = unit(word).ok_or_else(|| bad(&format!("unknown unit {word:?}")))?;
                    steps.push(Step::Offset(if sign == b'-' { -n } else { n }, u));
                }
                _ => {
                    return Err(bad(&format!(
                        "unexpected {:?} at position {}",
                        &s[i..],
                        i + 1
                    )));
                }
            }
        }
        Ok(RelTime::Relative(steps))
    }

    /// The time this modifier names, relative to `now` (epoch seconds), with
    /// day-or-longer steps and snaps in time zone `tz`. Returns epoch seconds.
    ///
    /// # Errors
    /// When the result leaves jiff's supported range (years -9999 to 9999).
    pub fn resolve(&self, now: f64, tz: &TimeZone) -> Result<f64, OptionError> {
        self.resolve_at(now, tz).map_err(OptionError::from)
    }

    fn resolve_at(&self, now: f64, tz: &TimeZone) -> Result<f64, String> {
        let steps = match self {
            RelTime::Absolute(t) => return Ok(*t),
            RelTime::Relative(steps) => steps,
        };
        let range = |e: jiff::Error| format!("time out of range: {e}");
        let nanos = (now * 1e9).round() as i128;
        let mut z: Zoned = Timestamp::from_nanosecond(nanos)
            .map_err(range)?
            .to_zoned(tz.clone());
        for step in steps {
            z = match *step {
                Step::Offset(n, u) => {
                    let span = match u {
                        Unit::Second => Span::new().try_seconds(n),
                        Unit::Minute => Span::new().try_minutes(n),
                        Unit::Hour => Span::new().try_hours(n),
                        Unit::Day => Span::new().try_days(n),
                        Unit::Week => Span::new().try_weeks(n),
                        Unit::Month => Span::new().try_months(n),
                        Unit::Quarter => n.checked_mul(3).map_or_else(
                            || Span::new().try_months(i64::MAX),
                            |m| Span::new().try_months(m),
                        ),
                        Unit::Year => Span::new().try_years(n),
                    }
                    .map_err(range)?;
                    z.checked_add(span).map_err(range)?
                }
                Step::Snap(u) => snap(&z, u, tz).map_err(range)?,
                Step::SnapWeekday(day) => {
                    let today = z.date();
                    let back = (i64::from(today.weekday().to_sunday_zero_offset())
                        - i64::from(day))
                    .rem_euclid(7);
                    let date = today.checked_sub(Span::new().days(back)).map_err(range)?;
                    midnight(date, tz).map_err(range)?
                }
            };
        }
        let ts = z.timestamp();
        Ok(ts.as_second() as f64 + f64::from(ts.subsec_nanosecond()) / 1e9)
    }
}

fn midnight(date: Date, tz: &TimeZone) -> Result<Zoned, jiff::Error> {
    date.to_zoned(tz.clone())
}

/// Rounds `z` down to the start of `u`. Seconds, minutes and hours snap in
/// absolute time (a multiple of 1, 60 or 3,600 seconds since the epoch), so
/// that in the hour repeated when clocks fall back `@h` stays in the same
/// hour, not the first of the two; days and longer snap to local midnight
/// in `tz`'s calendar (the first instant of the day where midnight does not
/// exist).
fn snap(z: &Zoned, u: Unit, tz: &TimeZone) -> Result<Zoned, jiff::Error> {
    let dt: DateTime = z.datetime();
    let date = dt.date();
    let absolute = |unit: i64| -> Result<Zoned, jiff::Error> {
        let s = z.timestamp().as_second().div_euclid(unit) * unit;
        Ok(Timestamp::from_second(s)?.to_zoned(tz.clone()))
    };
    match u {
        Unit::Second => absolute(1),
        Unit::Minute => absolute(60),
        Unit::Hour => absolute(3600),
        Unit::Day => midnight(date, tz),
        Unit::Week => {
            let back = i64::from(date.weekday().to_sunday_zero_offset());
            midnight(date.checked_sub(Span::new().days(back))?, tz)
        }
        Unit::Month => midnight(date.first_of_month(), tz),
        Unit::Quarter => {
            let month = (date.month() - 1) / 3 * 3 + 1;
            midnight(Date::new(date.year(), month, 1)?, tz)
        }
        Unit::Year => midnight(date.first_of_year(), tz),
    }
}

impl Unit {
    /// The unit's shortest name in a time modifier (`s`, `m`, `h`, `d`,
    /// `w`, `mon`, `q`, `y`), as Splunk's "Time modifiers" page lists them.
    pub fn abbreviation(self) -> &'static str {
        match self {
            Unit::Second => "s",
            Unit::Minute => "m",
            Unit::Hour => "h",
            Unit::Day => "d",
            Unit::Week => "w",
            Unit::Month => "mon",
            Unit::Quarter => "q",
            Unit::Year => "y",
        }
    }
}

/// The modifier in its canonical spelling, which [`RelTime::parse`] reads
/// back to the same value: `now`, epoch seconds, or steps such as
/// `-24h@h`, `@w1`, `-1d@d+8h` (units abbreviated, every offset signed).
impl std::fmt::Display for RelTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let steps = match self {
            RelTime::Absolute(t) => return write!(f, "{t}"),
            RelTime::Relative(steps) if steps.is_empty() => return f.write_str("now"),
            RelTime::Relative(steps) => steps,
        };
        for step in steps {
            match step {
                Step::Offset(n, u) if *n < 0 => write!(f, "{n}{}", u.abbreviation())?,
                Step::Offset(n, u) => write!(f, "+{n}{}", u.abbreviation())?,
                Step::Snap(u) => write!(f, "@{}", u.abbreviation())?,
                Step::SnapWeekday(d) => write!(f, "@w{d}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_modifier_prints_canonically_and_reads_back_the_same() {
        let cases = [
            ("now", "now"),
            ("-24h@h", "-24h@h"),
            ("-7d@d", "-7d@d"),
            ("@d-2h", "@d-2h"),
            ("-1d@d+8h", "-1d@d+8h"),
            ("@w", "@w0"),
            ("@w7", "@w0"),
            ("@week", "@w0"),
            ("@w3", "@w3"),
            ("-mon@mon", "-1mon@mon"),
            ("-90days@day", "-90d@d"),
            ("+1hours", "+1h"),
            ("-0h", "+0h"),
            ("-30minutes@m", "-30m@m"),
            ("@qtr", "@q"),
            ("-2years", "-2y"),
            ("1689000000", "1689000000"),
            ("1689000000.5", "1689000000.5"),
        ];
        for (written, canonical) in cases {
            let t = RelTime::parse(written).unwrap();
            assert_eq!(t.to_string(), canonical, "{written}");
            assert_eq!(RelTime::parse(canonical), Ok(t), "{canonical}");
        }
    }

    /// 2023-07-12T14:35:27.5Z, a Wednesday.
    const NOW: f64 = 1_689_172_527.5;

    fn at(m: &str) -> String {
        let t = RelTime::parse(m)
            .unwrap()
            .resolve(NOW, &TimeZone::UTC)
            .unwrap();
        Timestamp::from_nanosecond((t * 1e9) as i128)
            .unwrap()
            .to_string()
    }

    fn unit_of(i: u8) -> Unit {
        [
            Unit::Second,
            Unit::Minute,
            Unit::Hour,
            Unit::Day,
            Unit::Week,
            Unit::Month,
            Unit::Quarter,
            Unit::Year,
        ][usize::from(i % 8)]
    }

    proptest::proptest! {
        /// Any sequence of steps that [`RelTime::parse`] can produce prints
        /// as a modifier that reads back to it (`@w` is always
        /// `SnapWeekday(0)`, never `Snap(Week)`).
        #[test]
        fn any_steps_read_back_from_their_text(
            raw in proptest::collection::vec((0u8..3, -100_000i64..100_000, 0u8..8), 0..6)
        ) {
            let steps: Vec<Step> = raw
                .iter()
                .map(|&(kind, n, u)| match kind {
                    0 => Step::Offset(n, unit_of(u)),
                    1 if unit_of(u) == Unit::Week => Step::SnapWeekday(0),
                    1 => Step::Snap(unit_of(u)),
                    _ => Step::SnapWeekday(u % 7),
                })
                .collect();
            let t = RelTime::Relative(steps);
            proptest::prop_assert_eq!(RelTime::parse(&t.to_string()), Ok(t));
        }
    }

    #[test]
    fn splunk_documentation_examples() {
        assert_eq!(at("now"), "2023-07-12T14:35:27.5Z");
        assert_eq!(at("-24h@h"), "2023-07-11T14:00:00Z");
        assert_eq!(at("-24h"), "2023-07-11T14:35:27.5Z");
        assert_eq!(at("-7d@d"), "2023-07-05T00:00:00Z");
        assert_eq!(at("@d"), "2023-07-12T00:00:00Z");
        assert_eq!(at("@d-2h"), "2023-07-11T22:00:00Z");
        assert_eq!(at("-1d@d+8h"), "2023-07-11T08:00:00Z");
        assert_eq!(at("@w0"), "2023-07-09T00:00:00Z");
        assert_eq!(at("@w"), "2023-07-09T00:00:00Z");
        assert_eq!(at("@w7"), "2023-07-09T00:00:00Z");
        assert_eq!(at("@w1"), "2023-07-10T00:00:00Z");
        assert_eq!(at("@w3"), "2023-07-12T00:00:00Z", "today is Wednesday");
        assert_eq!(at("@w4"), "2023-07-06T00:00:00Z");
        assert_eq!(at("-mon@mon"), "2023-06-01T00:00:00Z");
        assert_eq!(at("@q"), "2023-07-01T00:00:00Z");
        assert_eq!(at("-1q@q"), "2023-04-01T00:00:00Z");
        assert_eq!(at("@y"), "2023-01-01T00:00:00Z");
        assert_eq!(at("-2y"), "2021-07-12T14:35:27.5Z");
        assert_eq!(at("-30m@m"), "2023-07-12T14:05:00Z");
        assert_eq!(at("-90s@s"), "2023-07-12T14:33:57Z");
        assert_eq!(at("+1hours"), "2023-07-12T15:35:27.5Z");
        assert_eq!(at("1689000000"), "2023-07-10T14:40:00Z");
    }

    /// Reference instants written out by hand from the zones' published
    /// rules (not computed by jiff): `@h` in the repeated hour when clocks
    /// fall back, `@d` on days of 23 and 25 hours, zones with half- and
    /// quarter-hour offsets, and a day whose midnight does not exist.
    #[test]
    fn snaps_on_daylight_saving_days_match_hand_computed_instants() {
        let cases: &[(&str, &str, &str, &str)] = &[
            // New York falls back at 2023-11-05 02:00 EDT (06:00Z) to 01:00 EST.
            // 01:30 EST (the second 01:30) is 06:30Z; @h is 01:00 EST = 06:00Z.
            (
                "America/New_York",
                "2023-11-05T06:30:00Z",
                "@h",
                "2023-11-05T06:00:00Z",
            ),
            // The first 01:30 (EDT) is 05:30Z; @h is 01:00 EDT = 05:00Z.
            (
                "America/New_York",
                "2023-11-05T05:30:00Z",
                "@h",
                "2023-11-05T05:00:00Z",
            ),
            // @d on the 25-hour day: midnight EDT = 04:00Z.
            (
                "America/New_York",
                "2023-11-05T15:00:00Z",
                "@d",
                "2023-11-05T04:00:00Z",
            ),
            // -1d@d from noon EST on the 25-hour day: 2023-11-04 00:00 EDT.
            (
                "America/New_York",
                "2023-11-05T17:00:00Z",
                "-1d@d",
                "2023-11-04T04:00:00Z",
            ),
            // Berlin springs forward 2024-03-31 02:00 CET -> 03:00 CEST (01:00Z).
            // 03:30 CEST = 01:30Z: @h = 03:00 CEST = 01:00Z; @d = 00:00 CET = 2024-03-30T23:00Z.
            (
                "Europe/Berlin",
                "2024-03-31T01:30:00Z",
                "@h",
                "2024-03-31T01:00:00Z",
            ),
            (
                "Europe/Berlin",
                "2024-03-31T01:30:00Z",
                "@d",
                "2024-03-30T23:00:00Z",
            ),
            // Berlin falls back 2024-10-27 03:00 CEST -> 02:00 CET (01:00Z):
            // 02:45 CET = 01:45Z, @h = 02:00 CET = 01:00Z; @d = 00:00 CEST = 2024-10-26T22:00Z.
            (
                "Europe/Berlin",
                "2024-10-27T01:45:00Z",
                "@h",
                "2024-10-27T01:00:00Z",
            ),
            (
                "Europe/Berlin",
                "2024-10-27T01:45:00Z",
                "@d",
                "2024-10-26T22:00:00Z",
            ),
            // Sydney falls back 2024-04-07 03:00 AEDT -> 02:00 AEST (16:00Z on the 6th):
            // 02:10 AEST = 16:10Z, @h = 16:00Z; @d = 00:00 AEDT = 2024-04-06T13:00Z.
            (
                "Australia/Sydney",
                "2024-04-06T16:10:00Z",
                "@h",
                "2024-04-06T16:00:00Z",
            ),
            (
                "Australia/Sydney",
                "2024-04-06T16:10:00Z",
                "@d",
                "2024-04-06T13:00:00Z",
            ),
            // Lord Howe moves by 30 minutes (+11 -> +10:30 at 2024-04-07 02:00 local, 15:00Z):
            // @d at 12:00Z on the 7th (22:30 +10:30) is 00:00 +11 = 2024-04-06T13:00Z.
            (
                "Australia/Lord_Howe",
                "2024-04-07T12:00:00Z",
                "@d",
                "2024-04-06T13:00:00Z",
            ),
            // Kolkata (+05:30, no DST): @h in absolute time is a whole UTC hour
            // (local xx:30); @d is local midnight = 18:30Z the day before.
            (
                "Asia/Kolkata",
                "2023-07-12T14:35:27Z",
                "@h",
                "2023-07-12T14:00:00Z",
            ),
            (
                "Asia/Kolkata",
                "2023-07-12T14:35:27Z",
                "@d",
                "2023-07-11T18:30:00Z",
            ),
            // Kathmandu (+05:45): @d = 2023-07-11T18:15Z.
            (
                "Asia/Kathmandu",
                "2023-07-12T14:35:27Z",
                "@d",
                "2023-07-11T18:15:00Z",
            ),
            // Santiago springs forward at midnight (2023-09-03 00:00 -04 -> 01:00 -03,
            // 04:00Z): that day starts at 01:00 -03 = 04:00Z.
            (
                "America/Santiago",
                "2023-09-03T12:00:00Z",
                "@d",
                "2023-09-03T04:00:00Z",
            ),
        ];
        for (zone, now, modifier, want) in cases {
            let tz = TimeZone::get(zone).unwrap();
            let now: Timestamp = now.parse().unwrap();
            let t = RelTime::parse(modifier)
                .unwrap()
                .resolve(now.as_second() as f64, &tz)
                .unwrap();
            let got = Timestamp::from_second(t as i64).unwrap().to_string();
            assert_eq!(&got, want, "{zone} {now} {modifier}");
        }
    }

    #[test]
    fn snapping_uses_the_time_zone_calendar() {
        let tz = TimeZone::get("America/New_York").unwrap();
        // 14:35Z is 10:35 EDT; @d is local midnight = 04:00Z.
        let t = RelTime::parse("@d").unwrap().resolve(NOW, &tz).unwrap();
        assert_eq!(t, 1_689_134_400.0);
        // Across the March DST change a calendar day is 23 hours.
        let mar13 = 1_678_636_800.0; // 2023-03-12T16:00:00Z, noon EDT on the day of the change
        let t = RelTime::parse("-1d").unwrap().resolve(mar13, &tz).unwrap();
        assert_eq!(mar13 - t, 23.0 * 3600.0);
    }

    #[test]
    fn bad_modifiers_say_why() {
        for (m, want) in [
            ("", "empty"),
            ("-24", "needs a unit"),
            ("-24x", "unknown unit \"x\""),
            ("@fortnight", "unknown snap unit"),
            ("@w9", "@w0 to @w7"),
            ("24h", "unexpected"),
            ("rt-5m", "real-time"),
            ("-99999999999999999999d", "too large"),
        ] {
            let e = RelTime::parse(m).unwrap_err();
            assert!(e.message().contains(want), "{m}: {e}");
        }
        let e = RelTime::parse("-9999999y")
            .unwrap()
            .resolve(NOW, &TimeZone::UTC)
            .unwrap_err();
        assert!(e.message().contains("out of range"), "{e}");
    }
}
