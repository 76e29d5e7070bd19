//! The state in a KV store collection (`store=kvstore`), for search head
//! clusters: the KV store is what the cluster replicates, so every member
//! reads and writes one history.
//!
//! **Records.** One record per key in the collection named by `lookup=`, in
//! the `nobody` namespace of firstseen's own app:
//! `{"_key": …, "<key field>": "<value>", …, "firstTimeSeen": <epoch s>,
//! "lastTimeSeen": <epoch s>, "reportedTime": <epoch s>}` (`reportedTime`
//! left out while the key was never reported). `_key` is [`record_key`]: the
//! lowercase hex SHA-256 of the key's values, each written as
//! `<length in characters>:<value>`, in `key=` order. SPL computes the same
//! with `sha256(len(user).":".user.len(role).":".role)`, which is how a CSV
//! state is moved into a collection (docs/firstseen.md).
//!
//! **Cost per run.** A run reads only the records of the keys the search
//! holds (`batch_find` by `_key`, at most [`KEYS_PER_FIND`] keys a request),
//! the earliest `firstTimeSeen` with one sorted query of one record (for
//! `min_history`), writes only the records whose times changed
//! (`batch_save`, within `max_documents_per_batch_save` and
//! `max_size_per_batch_save_mb` of limits.conf `[kvstore]`), and ages out
//! with one delete by query (`lastTimeSeen` before `retention=`). None of
//! it depends on how many keys the collection holds; collections.conf
//! accelerates `firstTimeSeen` and `lastTimeSeen` so the KV store answers
//! the last two from an index.
//!
//! **Concurrent writers.** Every run that writes holds the collection's
//! lock while it reads, merges and saves: a record of its own, `_key`
//! [`LOCK_KEY`], created with an insert (`POST …/data/<name>`), which the
//! KV store refuses with 409 while that `_key` exists. So two searches
//! writing one collection at the same time (two detections sharing a state,
//! members of a search head cluster, whose KV store is one replica set with
//! one primary) take turns: the second reads what the first wrote, first
//! seen stays the earliest and last seen the latest of all writers, and a
//! key one search reported as new is not reported by the other
//! (`reportedBy`). The lock holds `lockedUntil`, the end of its holder's
//! time budget plus [`LOCK_MARGIN`]; a holder sends nothing after its budget
//! but the release, so a lock past `lockedUntil` belongs to a run that died
//! (a cancelled search) and is deleted by the next writer with a delete by
//! query that matches only a lock still past its time. The limits of the
//! guarantee: clocks of search heads more than [`LOCK_MARGIN`] apart, or a
//! write splunkd applies more than that after its request timed out, can
//! let two writers overlap, which then costs what it did without the lock
//! (the later write wins for a key both wrote). Readers (`update=false`)
//! take no lock.
//!
//! **Faults.** Requests are retried within the run's budget
//! ([`crate::splunkd`]); every write is a `batch_save` by `_key` of whole
//! records whose times are already merged, so a repeated or interrupted
//! batch leaves each record either as it was or as merged, never
//! half-written. The lock is released whatever happens (a failed release
//! leaves it to expire).

use crate::error::Error;
use crate::keys::{KeyTable, Report, encode_key, format_search_id, key_values, parse_search_id};
use crate::limits::parse_time;
use crate::splunkd::{Answer, Splunkd};
use crate::state::{
    FIRST_COLUMN, LAST_COLUMN, REPORTED_BY_COLUMN, REPORTED_COLUMN, Save, State, StateStore,
    Written,
};
use detc_splunkd::segment;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The `_key` of the lock record (module doc). A key's record has 64 hex
/// digits as `_key`, so the two never meet.
pub const LOCK_KEY: &str = "firstseen.lock";

/// How long a lock outlives its holder's budget, seconds: room for clocks
/// of search heads a little apart and for a write splunkd applies late.
pub const LOCK_MARGIN: f64 = 5.0;

/// Most keys in one `batch_find` query (`{"$or": [{"_key": …}, …]}`).
pub const KEYS_PER_FIND: usize = 1000;

/// limits.conf `[kvstore]` values firstseen sizes its requests by; the
/// defaults are those of Splunk 9.x's `etc/system/default/limits.conf`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// `max_documents_per_batch_save` (default 1000).
    pub max_documents_per_batch_save: usize,
    /// `max_size_per_batch_save_mb` (default 50), in bytes.
    pub max_batch_save_bytes: usize,
    /// `max_rows_per_query` (default 50000).
    pub max_rows_per_query: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_documents_per_batch_save: 1000,
            max_batch_save_bytes: 50 << 20,
            max_rows_per_query: 50_000,
        }
    }
}

/// The `_key` of a key's record: lowercase hex SHA-256 of
/// `<chars>:<value>` for each value (module doc). Fixed length (64), so any
/// key fits the KV store's 1 KB limit on an indexed field.
pub fn record_key<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    for v in values {
        h.update(format!("{}:", v.chars().count()).as_bytes());
        h.update(v.as_bytes());
    }
    let digest = h.finalize();
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A state in a KV store collection.
pub struct KvStore {
    splunkd: Splunkd,
    app: String,
    collection: String,
    limits: std::cell::Cell<Option<Limits>>,
}

impl KvStore {
    /// The collection `collection` of app `app` (namespace `nobody`), reached
    /// through `splunkd`.
    pub fn new(splunkd: Splunkd, app: &str, collection: &str) -> KvStore {
        KvStore {
            splunkd,
            app: app.to_string(),
            collection: collection.to_string(),
            limits: std::cell::Cell::new(None),
        }
    }

    /// With these limits instead of asking splunkd (tests).
    pub fn with_limits(self, limits: Limits) -> KvStore {
        self.limits.set(Some(limits));
        self
    }

    /// Requests sent and bytes moved (bodies, both ways) so far.
    pub fn traffic(&self) -> (u64, u64) {
        (self.splunkd.requests.get(), self.splunkd.bytes.get())
    }

    fn data_path(&self, tail: &str) -> String {
        format!(
            "/servicesNS/nobody/{}/storage/collections/data/{}{tail}",
            segment(&self.app),
            segment(&self.collection)
        )
    }

    /// The limits in effect: `configs/conf-limits/kvstore`, else the defaults
    /// (a role that may not list configurations gets 403 there).
    fn limits(&self) -> Limits {
        if let Some(l) = self.limits.get() {
            return l;
        }
        let mut l = Limits::default();
        let path = format!(
            "/servicesNS/nobody/{}/configs/conf-limits/kvstore",
            segment(&self.app)
        );
        if let Ok(a) = self
            .splunkd
            .send("GET", &path, &[("output_mode", "json")], None)
            && a.status == 200
            && let Ok(v) = serde_json::from_str::<Value>(&a.body)
            && let Some(c) = v
                .get("entry")
                .and_then(|e| e.get(0))
                .and_then(|e| e.get("content"))
        {
            let num = |name: &str| -> Option<f64> {
                match c.get(name)? {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                }
                .filter(|n| *n >= 1.0)
            };
            if let Some(n) = num("max_documents_per_batch_save") {
                l.max_documents_per_batch_save = n as usize;
            }
            if let Some(n) = num("max_size_per_batch_save_mb") {
                l.max_batch_save_bytes = (n * 1_048_576.0) as usize;
            }
            if let Some(n) = num("max_rows_per_query") {
                l.max_rows_per_query = n as usize;
            }
        }
        self.limits.set(Some(l));
        l
    }

    /// Turns an answer that is not `ok` into the message for Splunk.
    fn refused(&self, a: &Answer, doing: &str, write: bool) -> Error {
        let what = format!(
            "KV store collection {} of app {}",
            self.collection, self.app
        );
        Error::splunkd(match a.status {
            401 => format!(
                "splunkd refused the session key while {doing} {what} (HTTP 401: {})",
                a.message()
            ),
            403 if write => format!(
                "you may not change the first-seen state: {what} refuses writes from your roles ({}). \
                 Ask an admin for write permission on the collection, or run with update=false to read the state",
                a.message()
            ),
            403 => format!(
                "you may not read the first-seen state: {what} refuses reads from your roles ({})",
                a.message()
            ),
            404 => format!(
                "{what} does not exist ({}): the app defines its state collections in collections.conf; \
                 check lookup= against the app's collections.conf, or use store=csv",
                a.message()
            ),
            503 => format!(
                "the KV store is not ready while {doing} {what} ({}); try again when it has started, or use update=false",
                a.message()
            ),
            s => format!(
                "splunkd answered HTTP {s} while {doing} {what}: {}",
                a.message()
            ),
        })
    }

    /// Reads the records of `search`'s keys into a state.
    fn read(&self, fields: &[String], search: &KeyTable) -> Result<State, Error> {
        let mut state = State::empty(fields);
        let keys: Vec<String> = (0..search.len() as u32)
            .map(|i| record_key(key_values(search.key(i))))
            .collect();
        let wanted: std::collections::HashSet<&str> = keys.iter().map(String::as_str).collect();
        let per = KEYS_PER_FIND.min(self.limits().max_rows_per_query).max(1);
        let path = self.data_path("/batch_find");
        let mut enc = Vec::new();
        for batch in keys.chunks(per) {
            let ors: Vec<Value> = batch.iter().map(|k| json!({ "_key": k })).collect();
            let body = json!([{ "query": { "$or": ors }, "limit": batch.len() }]).to_string();
            let a = self.splunkd.send("POST", &path, &[], Some(&body))?;
            if a.status != 200 {
                return Err(self.refused(&a, "reading", false));
            }
            let v: Value = serde_json::from_str(&a.body).map_err(|e| {
                Error::splunkd(format!(
                    "batch_find on {} answered bad JSON: {e}",
                    self.collection
                ))
            })?;
            let records = v.get(0).and_then(Value::as_array).ok_or_else(|| {
                Error::splunkd(format!(
                    "batch_find on {} answered without an array of results",
                    self.collection
                ))
            })?;
            for r in records {
                let (values, first, last, reported) = self.parse_record(r, fields)?;
                let key = r.get("_key").and_then(Value::as_str).unwrap_or_default();
                if record_key(values.iter().map(String::as_str)) != key {
                    return Err(Error::state(format!(
                        "record {key} of KV store collection {} holds {}, whose _key should be {}: \
                         records must be keyed by sha256 of the key values (docs/firstseen.md, moving a CSV state)",
                        self.collection,
                        fields
                            .iter()
                            .zip(&values)
                            .map(|(f, v)| format!("{f}={v:?}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                        record_key(values.iter().map(String::as_str))
                    )));
                }
                if !wanted.contains(key) {
                    continue;
                }
                enc.clear();
                encode_key(&mut enc, values.iter().map(String::as_str));
                let i = state.keys.push(
                    &enc,
                    crate::keys::Seen {
                        first,
                        last: last.unwrap_or(first),
                    },
                )?;
                if let Some(r) = reported {
                    state.keys.set_reported(i, r);
                }
            }
        }
        state.earliest_stored = self.earliest()?;
        Ok(state)
    }

    /// The earliest `firstTimeSeen` in the collection: one record, sorted.
    fn earliest(&self) -> Result<Option<f64>, Error> {
        let sort = format!("{FIRST_COLUMN}:1");
        // Only records with a first seen time: not the lock (null sorts first).
        let query = json!({ FIRST_COLUMN: { "$gte": 0 } }).to_string();
        let a = self.splunkd.send(
            "GET",
            &self.data_path(""),
            &[
                ("query", &query),
                ("sort", &sort),
                ("limit", "1"),
                ("fields", FIRST_COLUMN),
            ],
            None,
        )?;
        if a.status != 200 {
            return Err(self.refused(&a, "reading", false));
        }
        let v: Value = serde_json::from_str(&a.body)
            .map_err(|e| Error::splunkd(format!("{} answered bad JSON: {e}", self.collection)))?;
        Ok(v.get(0).and_then(|r| r.get(FIRST_COLUMN)).and_then(time_of))
    }

    /// Key values and times of one record.
    #[allow(clippy::type_complexity)]
    fn parse_record(
        &self,
        r: &Value,
        fields: &[String],
    ) -> Result<(Vec<String>, f64, Option<f64>, Option<Report>), Error> {
        let key = r.get("_key").and_then(Value::as_str).unwrap_or("?");
        let mut values = Vec::with_capacity(fields.len());
        for f in fields {
            let v = match r.get(f) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::Bool(b)) => b.to_string(),
                _ => {
                    return Err(Error::state(format!(
                        "record {key} of KV store collection {} has no text value for key field {f}; \
                         key= must name the collection's key fields",
                        self.collection
                    )));
                }
            };
            values.push(v);
        }
        let time = |name: &str| -> Result<Option<f64>, Error> {
            match r.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(v) => time_of(v).map(Some).ok_or_else(|| {
                    Error::state(format!(
                        "record {key} of KV store collection {}: {name} {v} is not epoch seconds between 1970 and 9999",
                        self.collection
                    ))
                }),
            }
        };
        let first = time(FIRST_COLUMN)?.ok_or_else(|| {
            Error::state(format!(
                "record {key} of KV store collection {} has no {FIRST_COLUMN}",
                self.collection
            ))
        })?;
        let reported = match time(REPORTED_COLUMN)? {
            Some(t) => {
                let by = match r.get(REPORTED_BY_COLUMN) {
                    None | Some(Value::Null) => Some(0),
                    Some(Value::String(v)) => parse_search_id(v),
                    Some(_) => None,
                }
                .ok_or_else(|| {
                    Error::state(format!(
                        "record {key} of KV store collection {}: {REPORTED_BY_COLUMN} {} is not 16 hex digits",
                        self.collection,
                        r.get(REPORTED_BY_COLUMN).unwrap_or(&Value::Null)
                    ))
                })?;
                Some(Report { time: t, by })
            }
            None => None,
        };
        Ok((values, first, time(LAST_COLUMN)?, reported))
    }

    /// Saves `records` in batches within the limits. Returns how many were
    /// saved before an error, with the error.
    fn save(&self, records: &[String]) -> Result<usize, (usize, Error)> {
        let limits = self.limits();
        let path = self.data_path("/batch_save");
        let mut saved = 0;
        let mut start = 0;
        while start < records.len() {
            // `[` + records joined by `,` + `]`, kept under the byte limit
            // with room for the request's own framing.
            let room = limits.max_batch_save_bytes.saturating_sub(1024).max(1);
            let mut end = start;
            let mut size = 2;
            while end < records.len()
                && end - start < limits.max_documents_per_batch_save.max(1)
                && (end == start || size + records[end].len() < room)
            {
                size += records[end].len() + 1;
                end += 1;
            }
            let mut body = String::with_capacity(size);
            body.push('[');
            body.push_str(&records[start..end].join(","));
            body.push(']');
            let a = self
                .splunkd
                .send("POST", &path, &[], Some(&body))
                .map_err(|e| (saved, e))?;
            if a.status != 200 {
                return Err((saved, self.refused(&a, "writing", true)));
            }
            saved += end - start;
            start = end;
        }
        Ok(saved)
    }
}

/// A JSON number or numeric string as epoch seconds within firstseen's limits.
fn time_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64().and_then(|t| parse_time(&t.to_string())),
        Value::String(s) => parse_time(s),
        _ => None,
    }
}

impl StateStore for KvStore {
    fn location(&self) -> String {
        format!("KV store collection {} (app {})", self.collection, self.app)
    }

    fn load(&self, fields: &[String], search: &KeyTable) -> Result<State, Error> {
        self.read(fields, search)
    }

    fn update(
        &self,
        fields: &[String],
        search: &KeyTable,
        merge: &mut dyn FnMut(&mut State) -> Result<Option<Save>, Error>,
    ) -> Result<Written, Error> {
        let lock = self.lock()?;
        let result = self.update_locked(fields, search, merge);
        self.unlock(&lock);
        result
    }
}

/// A held lock: the holder's random id.
struct Lock {
    id: String,
}

/// 128 random bits as hex: the lock holder's id. std's `RandomState` is
/// seeded from the operating system's randomness once per process, and
/// each instance draws new keys.
fn random_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::with_capacity(32);
    for i in 0..2u8 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

/// The clock, epoch seconds.
fn epoch_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl KvStore {
    /// Takes the collection's lock (module doc), waiting for another
    /// holder within the budget and deleting a lock whose holder died.
    fn lock(&self) -> Result<Lock, Error> {
        let id = random_id();
        let path = self.data_path("");
        let lock_path = self.data_path(&format!("/{LOCK_KEY}"));
        let mut pause = std::time::Duration::from_millis(20);
        // Until when the other holder keeps the lock, once seen held.
        let mut seen_held: Option<f64> = None;
        let gave_up = |held_until: f64| {
            Error::state(format!(
                "{} is being written by another search, which holds its lock until {}; this search gave up \
                 when its {} s budget for splunkd calls ran out (timeout=). The state is unchanged, and the next \
                 run covers the same keys",
                self.location(),
                crate::engine::iso(held_until),
                self.splunkd.budget().total.as_secs_f64()
            ))
        };
        // A request that fails because the budget ran out while waiting
        // for a held lock fails for the lock, and says so.
        let waited = |e: Error, seen_held: Option<f64>| match seen_held {
            Some(h) if self.splunkd.time_left().is_zero() => gave_up(h),
            _ => e,
        };
        loop {
            let until = epoch_now() + self.splunkd.time_left().as_secs_f64() + LOCK_MARGIN;
            let body =
                json!({ "_key": LOCK_KEY, "lockedBy": id, "lockedUntil": until }).to_string();
            let a = self
                .splunkd
                .send("POST", &path, &[], Some(&body))
                .map_err(|e| waited(e, seen_held))?;
            match a.status {
                200 | 201 => return Ok(Lock { id }),
                409 => {}
                _ => return Err(self.refused(&a, "locking", true)),
            }
            let h = self
                .splunkd
                .send("GET", &lock_path, &[], None)
                .map_err(|e| waited(e, seen_held))?;
            let held_until: f64 = match h.status {
                // Released between the two requests.
                404 => continue,
                200 => {
                    let v: Value = serde_json::from_str(&h.body).map_err(|e| {
                        Error::splunkd(format!(
                            "the lock record {LOCK_KEY} of {} answered bad JSON: {e}",
                            self.location()
                        ))
                    })?;
                    let Some(until) = v.get("lockedUntil").and_then(time_of) else {
                        return Err(Error::state(format!(
                            "the record {LOCK_KEY} of {} is not a lock firstseen wrote (no lockedUntil time); \
                             an admin deletes it with DELETE {lock_path} on splunkd's management port",
                            self.location()
                        )));
                    };
                    if until < epoch_now() {
                        // Its holder died: delete it, but only while it is
                        // still past its time (not a lock taken meanwhile).
                        let q = json!({ "_key": LOCK_KEY, "lockedUntil": { "$lt": epoch_now() } })
                            .to_string();
                        let d = self.splunkd.send("DELETE", &path, &[("query", &q)], None)?;
                        if d.status != 200 {
                            return Err(self.refused(&d, "removing an expired lock of", true));
                        }
                        continue;
                    }
                    until
                }
                _ => return Err(self.refused(&h, "reading the lock of", false)),
            };
            seen_held = Some(held_until);
            // Spread the waiters: a pause of 50 to 100 % of the step.
            let jitter = (random_id().as_bytes()[0] as u32 % 50 + 50) as f64 / 100.0;
            if !self.splunkd.pause(pause.mul_f64(jitter)) {
                return Err(gave_up(held_until));
            }
            pause = (pause * 3 / 2).min(std::time::Duration::from_millis(250));
        }
    }

    /// Releases `lock` if this run still holds it (a delete by query on
    /// its id). A failure is left to the lock's expiry.
    fn unlock(&self, lock: &Lock) {
        let q = json!({ "_key": LOCK_KEY, "lockedBy": lock.id }).to_string();
        let _ = self
            .splunkd
            .send_last("DELETE", &self.data_path(""), &[("query", &q)]);
    }

    /// How many records were last seen before `t`, counted by their
    /// `_key`s a page of `max_rows_per_query` at a time.
    fn count_older(&self, t: f64) -> Result<usize, Error> {
        let query = json!({ LAST_COLUMN: { "$lt": t } }).to_string();
        let page = self.limits().max_rows_per_query.max(1);
        let limit = page.to_string();
        let mut n = 0;
        loop {
            let skip = n.to_string();
            let a = self.splunkd.send(
                "GET",
                &self.data_path(""),
                &[
                    ("query", &query),
                    ("fields", "_key"),
                    ("skip", &skip),
                    ("limit", &limit),
                ],
                None,
            )?;
            if a.status != 200 {
                return Err(self.refused(&a, "ageing out", false));
            }
            let v: Value = serde_json::from_str(&a.body).map_err(|e| {
                Error::splunkd(format!("{} answered bad JSON: {e}", self.collection))
            })?;
            let got = v.as_array().map_or(0, Vec::len);
            n += got;
            if got < page {
                return Ok(n);
            }
        }
    }

    /// [`StateStore::update`] under the lock.
    fn update_locked(
        &self,
        fields: &[String],
        search: &KeyTable,
        merge: &mut dyn FnMut(&mut State) -> Result<Option<Save>, Error>,
    ) -> Result<Written, Error> {
        let mut state = self.read(fields, search)?;
        let before: Vec<(crate::keys::Seen, Report)> =
            state.keys.iter_reported().map(|(_, s, r)| (s, r)).collect();
        let Some(save) = merge(&mut state)? else {
            return Ok(Written::default());
        };
        let mut records = Vec::new();
        for (i, (key, seen, reported)) in state.keys.iter_reported().enumerate() {
            let unchanged = before
                .get(i)
                .is_some_and(|&(s, r)| s == seen && r == reported);
            if unchanged || save.drop_before.is_some_and(|t| seen.last < t) {
                continue;
            }
            let values: Vec<&str> = key_values(key).collect();
            let mut r = Map::new();
            r.insert(
                "_key".into(),
                Value::String(record_key(values.iter().copied())),
            );
            for (f, v) in fields.iter().zip(&values) {
                r.insert(f.clone(), Value::String((*v).to_string()));
            }
            r.insert(FIRST_COLUMN.into(), json!(seen.first));
            r.insert(LAST_COLUMN.into(), json!(seen.last));
            if reported.happened() {
                r.insert(REPORTED_COLUMN.into(), json!(reported.time));
                if reported.by != 0 {
                    r.insert(
                        REPORTED_BY_COLUMN.into(),
                        Value::String(format_search_id(reported.by)),
                    );
                }
            }
            records.push(Value::Object(r).to_string());
        }
        let mut written = Written::default();
        match self.save(&records) {
            Ok(n) => written.keys = n,
            // Refused before anything changed (permissions, a missing
            // collection): the search fails.
            Err((0, e)) => return Err(e),
            Err((n, e)) => {
                written.keys = n;
                written.incomplete = Some(format!(
                    "{n} of {} changed keys were saved: {e}",
                    records.len()
                ));
                return Ok(written);
            }
        }
        if let Some(t) = save.drop_before {
            let deleted = self.count_older(t).and_then(|n| {
                if n == 0 {
                    return Ok(0);
                }
                let query = json!({ LAST_COLUMN: { "$lt": t } }).to_string();
                let a =
                    self.splunkd
                        .send("DELETE", &self.data_path(""), &[("query", &query)], None)?;
                if a.status == 200 {
                    Ok(n)
                } else {
                    Err(self.refused(&a, "ageing out", true))
                }
            });
            match deleted {
                Ok(n) => written.aged_out = n,
                // Nothing saved before: the search fails, the state is as it was.
                Err(e) if written.keys == 0 => return Err(e),
                Err(e) => written.incomplete = Some(e.to_string()),
            }
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys_are_what_spl_sha256_gives() {
        // printf '5:alice4:ec2:' | sha256sum, i.e. SPL
        // sha256(len(user).":".user.len(role).":".role) for alice / ec2:
        assert_eq!(
            record_key(["alice", "ec2:"]),
            "2544d59da7e99dd5a896f4a78306186582f2e86fc2cbe070d78e5d3811177e51"
        );
        // printf '1:é' | sha256sum: the length is 1 character, not 2 bytes.
        assert_eq!(
            record_key(["é"]),
            "1a07c0971c1bef61176a4e493d99aef3078331a44bc50f053e605690728f19f5"
        );
        // Lengths count characters, as SPL's len() does.
        assert_ne!(record_key(["a:b", "c"]), record_key(["a", "b:c"]));
        assert_ne!(record_key(["ab", ""]), record_key(["a", "b"]));
    }
}
