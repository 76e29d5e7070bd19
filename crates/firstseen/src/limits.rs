//! The bounds of what firstseen accepts from a search or a state file:
//! times and key sizes. Checked where values come in (the engine's rows, the
//! state's lines), each refusal an error naming its row or line.

/// The earliest time firstseen accepts, epoch seconds: 1970-01-01, the
/// start of Splunk's `_time`.
pub const MIN_TIME: f64 = 0.0;

/// The latest time firstseen accepts, epoch seconds: 9999-12-31T23:59:59Z,
/// the end of the calendar Splunk's time functions handle.
pub const MAX_TIME: f64 = 253_402_300_799.0;

/// The longest key firstseen stores, in bytes (the key fields' values
/// together): 64 KiB holds the longest Windows command line (32,767
/// characters) twice over; a longer value is a mistake (a whole event as
/// key) that would bloat the state of every later search.
pub const MAX_KEY_BYTES: usize = 64 << 10;

/// Parses epoch seconds (`1689000000`, `1689000000.934`); `None` for
/// anything else, including NaN, infinities and times outside
/// [`MIN_TIME`]..=[`MAX_TIME`].
pub fn parse_time(v: &str) -> Option<f64> {
    let v = v.trim();
    if v.is_empty()
        || !v
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    v.parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && (MIN_TIME..=MAX_TIME).contains(t))
}
