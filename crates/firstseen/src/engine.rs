//! The first-seen engine: accumulates the keys of a search's rows, then, once
//! all rows are in, merges them into the state and decides which keys are new.
//!
//! Rule: for each key, first seen = min(stored, this search) and last seen =
//! max(stored, this search). A key is **new** when its merged first seen is at
//! or after `window` resolved from the reference time (the search's
//! `latest_time`, or now when the search has none), the state covers
//! enough history (`min_history`, ESCU's `enough_data`: the earliest first
//! seen of all keys is at or before `min_history`), and no other search has
//! reported it yet (`reportedTime`, `reportedBy`): each new key is reported
//! once across scheduled runs whose windows overlap and across detections
//! that share the state, and again only by a re-run of the same search over
//! the same time range.

use crate::error::Error;
use crate::keys::{KeyTable, Seen, encode_key};
pub use crate::limits::{MAX_KEY_BYTES, MAX_TIME, MIN_TIME, parse_time};
use crate::options::{Options, Output};
use crate::state::{FIRST_COLUMN, LAST_COLUMN, Save, StateStore, Written, push_time};
use splunk_chunked::body::{BodyWriter, MV_PREFIX, Values};
use splunk_chunked::{Level, Records};

/// Column added to every returned row: 1 when the row's key is new, else 0.
pub const IS_NEW_COLUMN: &str = "isNew";

/// Most keys one row may make from multivalue key fields.
pub const MAX_KEYS_PER_ROW: usize = 10_000;

/// The result of a search.
#[derive(Debug, Default)]
pub struct Outcome {
    /// CSV body of the returned rows.
    pub body: Vec<u8>,
    /// Rows returned.
    pub rows_out: usize,
    /// Keys of this search that are new.
    pub new_keys: usize,
    /// Distinct keys in this search.
    pub search_keys: usize,
    /// Keys written to the state (0 when not written).
    pub written: usize,
    /// Messages for the job inspector.
    pub messages: Vec<(Level, String)>,
}

/// Accumulates one search's rows.
pub struct Tracker {
    opts: Options,
    seen: KeyTable,
    chunks: Vec<Chunk>,
    rows_in: usize,
    skipped: usize,
    key_present: Vec<bool>,
    time_present: bool,
    /// Every plain field seen in a chunk, for error messages.
    fields_seen: Vec<String>,
    /// The same names, for a linear-time "seen before?".
    fields_seen_set: std::collections::HashSet<String>,
    scratch: Vec<u8>,
    /// This search in `reportedBy` ([`crate::keys::search_id`]; 0 unknown).
    search_id: u64,
}

struct Chunk {
    records: Records,
    /// For row r: key ids `ids[starts[r]..starts[r+1]]` (none when skipped).
    starts: Vec<u32>,
    ids: Vec<u32>,
}

impl Tracker {
    /// A tracker for one search.
    pub fn new(opts: Options) -> Tracker {
        let n = opts.key.len();
        Tracker {
            opts,
            seen: KeyTable::default(),
            chunks: Vec::new(),
            rows_in: 0,
            skipped: 0,
            key_present: vec![false; n],
            time_present: false,
            fields_seen: Vec::new(),
            fields_seen_set: std::collections::HashSet::new(),
            scratch: Vec::with_capacity(128),
            search_id: 0,
        }
    }

    /// The search this tracker runs for: its search string (getinfo's
    /// `searchinfo.search`), kept in the state's `reportedBy` so that
    /// another search over the same time range does not report a key again.
    pub fn for_search(mut self, search: &str) -> Tracker {
        self.search_id = crate::keys::search_id(search);
        self
    }

    /// Takes one chunk's rows. Rows with an empty key field or time are
    /// skipped (counted and reported); multivalue key fields give one key per
    /// combination of values; multivalue times count from their min to max.
    ///
    /// # Errors
    /// A time value that is not epoch seconds, naming the field, row and value.
    pub fn observe(&mut self, records: Records) -> Result<(), Error> {
        let key_idx: Vec<Option<usize>> = self
            .opts
            .key
            .iter()
            .map(|k| records.field_index(k))
            .collect();
        for (present, idx) in self.key_present.iter_mut().zip(&key_idx) {
            *present |= idx.is_some() && !records.is_empty();
        }
        let time_idx = records.field_index(&self.opts.time);
        let last_name = match &self.opts.last_time {
            Some(l) => Some(l.as_str()),
            None if self.opts.time == "firstTime" => Some("lastTime"),
            None => None,
        };
        let last_idx = last_name.and_then(|l| records.field_index(l));
        self.time_present |= time_idx.is_some() && !records.is_empty();
        for f in records.fields() {
            if self.fields_seen_set.insert(f.clone()) {
                self.fields_seen.push(f.clone());
            }
        }
        let mut starts = Vec::with_capacity(records.len() + 1);
        let mut ids = Vec::with_capacity(records.len());
        let mut key: Vec<&str> = Vec::with_capacity(key_idx.len());
        for row in 0..records.len() {
            starts.push(ids.len() as u32);
            self.rows_in += 1;
            let times = |idx: Option<usize>| -> Result<Option<(f64, f64)>, Error> {
                let Some(i) = idx else { return Ok(None) };
                let mut span: Option<(f64, f64)> = None;
                for v in records.values(row, i).iter() {
                    let t = parse_time(v).ok_or_else(|| {
                        Error::search(format!(
                            "field {} has {v:?} in row {}, which is not a time in epoch seconds between 1970 and 9999; \
                             convert it first, e.g. | eval {0}=strptime({0}, \"%Y-%m-%dT%H:%M:%S\")",
                            records.fields()[i],
                            self.rows_in
                        ))
                    })?;
                    span = Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
                }
                Ok(span)
            };
            let Some((first, mut last)) = times(time_idx)? else {
                self.skipped += 1;
                continue;
            };
            if let Some((_, l)) = times(last_idx)? {
                last = last.max(l);
            }
            // Key values; a null key field skips the row.
            key.clear();
            let mut null = false;
            let mut multi = false;
            for idx in &key_idx {
                match idx.map(|i| records.values(row, i)) {
                    None | Some(Values::Null) => null = true,
                    Some(Values::One(v)) => key.push(v),
                    Some(Values::Many(_)) => multi = true,
                }
            }
            if null {
                self.skipped += 1;
                continue;
            }
            if multi {
                let combos: usize = key_idx
                    .iter()
                    .map(|i| {
                        records
                            .values(row, i.unwrap_or(usize::MAX))
                            .iter()
                            .count()
                            .max(1)
                    })
                    .try_fold(1usize, |a, n| a.checked_mul(n))
                    .unwrap_or(usize::MAX);
                if combos > MAX_KEYS_PER_ROW {
                    return Err(Error::limit(format!(
                        "row {} has multivalue key fields that make {combos} keys (limit {MAX_KEYS_PER_ROW}); \
                         use mvexpand or fewer key fields",
                        self.rows_in
                    )));
                }
                for k in multivalue_keys(&records, row, &key_idx) {
                    check_key_len(k.len(), self.rows_in)?;
                    let (id, _) = self.seen.upsert(&k, Seen { first, last })?;
                    ids.push(id);
                }
                continue;
            }
            self.scratch.clear();
            encode_key(&mut self.scratch, key.iter().copied());
            check_key_len(self.scratch.len(), self.rows_in)?;
            let (id, _) = self.seen.upsert(&self.scratch, Seen { first, last })?;
            ids.push(id);
        }
        starts.push(ids.len() as u32);
        self.chunks.push(Chunk {
            records,
            starts,
            ids,
        });
        Ok(())
    }

    /// Merges this search into the state, decides, writes the state when
    /// `write`, and builds the rows to return.
    ///
    /// `reference` is the time the window is measured from, epoch seconds.
    ///
    /// # Errors
    /// A key field absent from every row; state read, merge or write errors
    /// (the stored state is then unchanged).
    pub fn finish(
        self,
        store: &dyn StateStore,
        reference: f64,
        write: bool,
    ) -> Result<Outcome, Error> {
        let missing: Vec<&str> = self
            .opts
            .key
            .iter()
            .zip(&self.key_present)
            .filter(|(_, p)| !**p)
            .map(|(k, _)| k.as_str())
            .collect();
        if self.rows_in > 0 && !missing.is_empty() {
            return Err(Error::search(format!(
                "key field{} {} not in the search results (fields: {}); check key= or add the field before firstseen",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                self.fields_seen.join(", ")
            )));
        }
        if self.rows_in > 0 && !self.time_present {
            return Err(Error::search(format!(
                "the time field {} is not in the search results; name the field that holds epoch seconds \
                 with time= (after tstats, usually time=firstTime); fields: {}",
                self.opts.time,
                self.fields_seen.join(", ")
            )));
        }
        let tz = &self.opts.tz;
        let window_start = self.opts.window.resolve(reference, tz)?;
        let history_needed = self
            .opts
            .min_history
            .as_ref()
            .map(|m| m.resolve(reference, tz))
            .transpose()?;
        let drop_before = self
            .opts
            .retention
            .as_ref()
            .map(|r| r.resolve(reference, tz))
            .transpose()?;

        let mut merged: Vec<Seen> = Vec::with_capacity(self.seen.len());
        let mut is_new: Vec<bool> = Vec::new();
        let mut enough = true;
        let mut earliest = None;
        let me = self.search_id;
        let mut warnings: Vec<String> = Vec::new();
        let mut merge = |state: &mut crate::state::State| -> Result<Option<Save>, Error> {
            warnings = std::mem::take(&mut state.warnings);
            let (m, at) = state.keys.merge_from_indexed(&self.seen)?;
            merged = m;
            earliest = state.earliest();
            enough = match (history_needed, earliest) {
                (Some(need), Some(e)) => e <= need,
                (Some(_), None) => false,
                (None, _) => true,
            };
            // Reported once: a key first seen in the window is new unless
            // a search over another time range already reported it; the
            // search that reports it records its reference time, so that
            // the next scheduled run (an overlapping window) stays quiet
            // and a re-run over the same range reports it again.
            is_new = merged
                .iter()
                .zip(&at)
                .map(|(s, &i)| {
                    let r = state.keys.reported(i);
                    enough && s.first >= window_start && r.allows(reference, me)
                })
                .collect();
            if write {
                for (&i, _) in at.iter().zip(&is_new).filter(|(_, n)| **n) {
                    state.keys.set_reported(
                        i,
                        crate::keys::Report {
                            time: reference,
                            by: me,
                        },
                    );
                }
            }
            Ok(write.then_some(Save {
                drop_before,
                enough_data: enough,
            }))
        };
        let fields = &self.opts.key;
        let written = if write {
            store.update(fields, &self.seen, &mut merge)?
        } else {
            let mut state = store.load(fields, &self.seen)?;
            merge(&mut state)?;
            Written::default()
        };
        let new_keys = is_new.iter().filter(|n| **n).count();

        let mut out = Outcome {
            search_keys: self.seen.len(),
            new_keys,
            written: written.keys,
            ..Outcome::default()
        };
        let mut summary = format!(
            "firstseen: {} rows, {} keys, {} new since {}",
            self.rows_in,
            self.seen.len(),
            new_keys,
            iso(window_start)
        );
        if write {
            summary.push_str(&format!(
                "; {} keys written to {}",
                written.keys,
                store.location()
            ));
            if let Some(t) = drop_before {
                summary.push_str(&format!(
                    ", {} aged out (last seen before {}, retention=)",
                    written.aged_out,
                    iso(t)
                ));
            }
        } else {
            summary.push_str(&format!("; {} not updated", store.location()));
        }
        out.messages.push((Level::Info, summary));
        for w in &warnings {
            out.messages.push((Level::Warn, format!("firstseen: {w}")));
        }
        if let Some(why) = &written.incomplete {
            // The rows still go out: a key whose record was not saved is
            // reported again by the next run rather than never.
            out.messages.push((
                Level::Error,
                format!(
                    "firstseen: the state was only partly saved to {} ({why}); keys not saved may be reported again by the next run",
                    store.location()
                ),
            ));
        }
        if self.skipped > 0 {
            out.messages.push((
                Level::Warn,
                format!(
                    "firstseen: {} rows skipped because {} or a key field ({}) is empty",
                    self.skipped,
                    self.opts.time,
                    self.opts.key.join(", ")
                ),
            ));
        }
        if !enough {
            out.messages.push((
                Level::Info,
                format!(
                    "firstseen: no key reported as new: the state starts at {}, min_history needs {}",
                    earliest.map_or("(empty)".to_string(), iso),
                    history_needed.map_or(String::new(), iso)
                ),
            ));
        }
        self.emit(&merged, &is_new, &mut out);
        Ok(out)
    }

    fn emit(&self, merged: &[Seen], is_new: &[bool], out: &mut Outcome) {
        // Output columns: the union of plain columns, then ours, then __mv_ columns.
        let ours = [FIRST_COLUMN, LAST_COLUMN, IS_NEW_COLUMN];
        let mut plain: Vec<&str> = Vec::new();
        let mut mv: Vec<&str> = Vec::new();
        // Sets beside the lists: linear in the number of columns.
        let mut listed: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for c in &self.chunks {
            for h in c.records.header() {
                let base = h.strip_prefix(MV_PREFIX).unwrap_or(h);
                if ours.contains(&base) || !listed.insert(h.as_str()) {
                    continue;
                }
                if h.starts_with(MV_PREFIX) {
                    mv.push(h);
                } else {
                    plain.push(h);
                }
            }
        }
        let header: Vec<&str> = plain
            .iter()
            .copied()
            .chain(ours)
            .chain(mv.iter().copied())
            .collect();
        let mut w = BodyWriter::new(&header);
        // Times formatted once per key, not once per row.
        let mut texts: Vec<Option<(String, String)>> = vec![None; merged.len()];
        let mut text_of = |s: Seen| {
            let (mut a, mut b) = (String::new(), String::new());
            push_time(&mut a, s.first);
            push_time(&mut b, s.last);
            (a, b)
        };
        for c in &self.chunks {
            let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
            for (i, x) in c.records.header().iter().enumerate() {
                at.entry(x.as_str()).or_insert(i);
            }
            let map: Vec<Option<usize>> = header.iter().map(|h| at.get(h).copied()).collect();
            for row in 0..c.records.len() {
                let ids = &c.ids[c.starts[row] as usize..c.starts[row + 1] as usize];
                let new = ids
                    .iter()
                    .any(|&i| is_new.get(i as usize).copied().unwrap_or(false));
                if self.opts.output == Output::New && !new {
                    continue;
                }
                let several;
                let times: Option<&(String, String)> = match ids {
                    [] => None,
                    [one] => {
                        let slot = texts.get_mut(*one as usize);
                        match (slot, merged.get(*one as usize)) {
                            (Some(slot), Some(&s)) => {
                                Some(&*slot.get_or_insert_with(|| text_of(s)))
                            }
                            _ => None,
                        }
                    }
                    many => {
                        let span = many
                            .iter()
                            .filter_map(|&i| merged.get(i as usize).copied())
                            .reduce(|mut a, b| {
                                a.merge(b);
                                a
                            });
                        several = span.map(&mut text_of);
                        several.as_ref()
                    }
                };
                for (j, h) in header.iter().enumerate() {
                    match (*h, times) {
                        (FIRST_COLUMN, Some(t)) => w.field(&t.0),
                        (LAST_COLUMN, Some(t)) => w.field(&t.1),
                        (IS_NEW_COLUMN, Some(_)) => w.field(if new { "1" } else { "0" }),
                        _ => w.field(map[j].map_or("", |col| c.records.cell(row, col))),
                    }
                }
                w.end_row();
            }
        }
        out.rows_out = w.rows();
        out.body = if out.rows_out == 0 {
            Vec::new()
        } else {
            w.finish()
        };
    }
}

/// Keys of a row with at least one multivalue key field: one per
/// combination of values (every key field is known to be non-null).
fn multivalue_keys(records: &Records, row: usize, key_idx: &[Option<usize>]) -> Vec<Vec<u8>> {
    let mut combos: Vec<Vec<String>> = vec![Vec::new()];
    for idx in key_idx {
        let vals: Vec<String> = records
            .values(row, idx.unwrap_or(usize::MAX))
            .iter()
            .map(str::to_string)
            .collect();
        combos = combos
            .into_iter()
            .flat_map(|c| {
                vals.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push(v.clone());
                    c
                })
            })
            .collect();
    }
    combos
        .iter()
        .map(|c| {
            let mut k = Vec::new();
            encode_key(&mut k, c.iter().map(String::as_str));
            k
        })
        .collect()
}

/// Refuses a key longer than [`MAX_KEY_BYTES`] (`row` is 1-based, for the
/// message).
fn check_key_len(len: usize, row: usize) -> Result<(), Error> {
    if len > MAX_KEY_BYTES {
        return Err(Error::limit(format!(
            "row {row}: the key fields' values are {len} bytes together, more than {MAX_KEY_BYTES}; \
             key= must name short identifying fields (user, host, command), not whole events"
        )));
    }
    Ok(())
}

/// Epoch seconds as an ISO 8601 UTC time, for messages.
pub fn iso(t: f64) -> String {
    jiff::Timestamp::from_second(t.floor() as i64)
        .map_or_else(|_| format!("{t}"), |ts| ts.to_string())
}

/// The current time, in seconds since the Unix epoch (0 if the clock is
/// before it).
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
