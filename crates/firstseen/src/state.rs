//! The state: one row per key with its first and last seen times, kept as a
//! CSV lookup that ordinary SPL (`inputlookup`) can read, and the stores that
//! load and save it safely.
//!
//! The CSV layout is the one ESCU's "Previously Seen …" baselines write with
//! `outputlookup`: the key fields, `firstTimeSeen`, `lastTimeSeen` (epoch
//! seconds) and `enough_data` (1 when the state covers enough history, else
//! 0). So an existing `previously_seen_*` lookup can be read as it is, and
//! ESCU searches can still read what firstseen writes.

use crate::error::Error;
use crate::keys::{KeyTable, Seen, encode_key, key_values};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Column with the first time a key was seen, epoch seconds.
pub const FIRST_COLUMN: &str = "firstTimeSeen";
/// Column with the last time a key was seen, epoch seconds.
pub const LAST_COLUMN: &str = "lastTimeSeen";
/// Column ESCU uses to say the lookup covers enough history (1 or 0).
pub const ENOUGH_COLUMN: &str = "enough_data";
/// Column with when a key was reported as new: the latest time (epoch
/// seconds) of the search that reported it; empty while it never was. A key
/// is reported once: by the first search that finds it new, and again only
/// by a search over the same time range (an analyst's re-run). ESCU's
/// lookups do not have it; firstseen adds it.
pub const REPORTED_COLUMN: &str = "reportedTime";
/// Column with which search reported a key as new
/// ([`crate::keys::search_id`], 16 hex digits; empty when unknown), so that
/// a second detection sharing the state with the same schedule does not
/// report it again. Written after `reportedTime`; older states lack it.
pub const REPORTED_BY_COLUMN: &str = "reportedBy";

/// The columns of a state that are not key fields.
pub const TIME_COLUMNS: [&str; 5] = [
    FIRST_COLUMN,
    LAST_COLUMN,
    ENOUGH_COLUMN,
    REPORTED_COLUMN,
    REPORTED_BY_COLUMN,
];

/// Keys of one lookup and their times.
#[derive(Debug, Default)]
pub struct State {
    /// Key field names, in column order.
    pub fields: Vec<String>,
    /// The keys.
    pub keys: KeyTable,
    /// The earliest first-seen time (epoch seconds) of the stored keys,
    /// when the store loaded only some of them (the KV store loads the
    /// search's keys); `None` when `keys` is the whole state.
    pub earliest_stored: Option<f64>,
    /// What the store found worth a warning in the job inspector (a state
    /// holding only its header line).
    pub warnings: Vec<String>,
}

impl State {
    /// A state with no keys.
    pub fn empty(fields: &[String]) -> State {
        State {
            fields: fields.to_vec(),
            keys: KeyTable::default(),
            earliest_stored: None,
            warnings: Vec::new(),
        }
    }

    /// The earliest first-seen time of the whole stored state (ESCU's
    /// `enough_data` test), epoch seconds; `None` when it is empty.
    pub fn earliest(&self) -> Option<f64> {
        match (self.keys.earliest(), self.earliest_stored) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Reads a state CSV. Its key columns (every column but `firstTimeSeen`,
    /// `lastTimeSeen` and `enough_data`) must be exactly `fields`, in any
    /// order. An empty `lastTimeSeen` means "same as first". Rows are taken
    /// as they are: firstseen writes one row per key; a file with repeated
    /// keys keeps them, and a merge updates every copy.
    ///
    /// # Errors
    /// A message naming `source`, the line and the value: unreadable file,
    /// bad CSV, missing time columns, other key columns, a time that is not
    /// epoch seconds.
    pub fn read_csv<R: Read>(r: R, fields: &[String], source: &str) -> Result<State, Error> {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(r);
        let header = rdr
            .headers()
            .map_err(|e| Error::state(format!("state lookup {source} cannot be read: {e}")))?
            .clone();
        let Some(layout) = Layout::new(&header, fields, source)? else {
            return Ok(State::empty(fields));
        };
        let mut state = State::empty(fields);
        state.keys = layout
            .rows(&mut rdr, source, 0, KeyTable::default(), None)?
            .0;
        Ok(state)
    }

    /// Writes the state as CSV (key fields, `firstTimeSeen`, `lastTimeSeen`,
    /// `enough_data`), keeping only keys for which `keep` is true. Returns
    /// the number of keys written.
    ///
    /// # Errors
    /// Any write error of `w`.
    pub fn write_csv<W: Write>(
        &self,
        w: W,
        keep: impl Fn(Seen) -> bool,
        enough_data: bool,
    ) -> io::Result<usize> {
        let mut w = BufWriter::with_capacity(1 << 20, w);
        let mut line = String::with_capacity(256);
        for f in &self.fields {
            push_csv(&mut line, f);
            line.push(',');
        }
        line.push_str(FIRST_COLUMN);
        line.push(',');
        line.push_str(LAST_COLUMN);
        line.push(',');
        line.push_str(ENOUGH_COLUMN);
        line.push(',');
        line.push_str(REPORTED_COLUMN);
        line.push(',');
        line.push_str(REPORTED_BY_COLUMN);
        line.push('\n');
        w.write_all(line.as_bytes())?;
        let enough = if enough_data { "1" } else { "0" };
        let mut n = 0;
        for (key, seen, reported) in self.keys.iter_reported() {
            if !keep(seen) {
                continue;
            }
            line.clear();
            for v in key_values(key) {
                push_csv(&mut line, v);
                line.push(',');
            }
            push_time(&mut line, seen.first);
            line.push(',');
            push_time(&mut line, seen.last);
            line.push(',');
            line.push_str(enough);
            line.push(',');
            if reported.happened() {
                push_time(&mut line, reported.time);
                line.push(',');
                line.push_str(&crate::keys::format_search_id(reported.by));
            } else {
                line.push(',');
            }
            line.push('\n');
            w.write_all(line.as_bytes())?;
            n += 1;
        }
        w.flush()?;
        Ok(n)
    }
}

/// Where a state file's columns are.
struct Layout {
    ncols: usize,
    key_cols: Vec<usize>,
    first_col: usize,
    last_col: Option<usize>,
    reported_col: Option<usize>,
    reported_by_col: Option<usize>,
}

impl Layout {
    /// Checks the header against the key fields; `None` for an empty file.
    fn new(
        header: &csv::StringRecord,
        fields: &[String],
        source: &str,
    ) -> Result<Option<Layout>, Error> {
        if header.is_empty() {
            return Ok(None);
        }
        let col = |name: &str| header.iter().position(|h| h == name);
        let Some(first_col) = col(FIRST_COLUMN) else {
            return Err(Error::state(format!(
                "state lookup {source} has no {FIRST_COLUMN} column (columns: {}); it is not a first-seen lookup",
                header.iter().collect::<Vec<_>>().join(", ")
            )));
        };
        let file_keys: Vec<&str> = header
            .iter()
            .filter(|h| !TIME_COLUMNS.contains(h))
            .collect();
        let mut a: Vec<&str> = file_keys.clone();
        let mut b: Vec<&str> = fields.iter().map(String::as_str).collect();
        a.sort_unstable();
        b.sort_unstable();
        if a != b {
            return Err(Error::state(format!(
                "state lookup {source} is keyed by {} but key= names {}; use key={} or another lookup= name",
                file_keys.join(","),
                fields.join(","),
                file_keys.join(",")
            )));
        }
        Ok(Some(Layout {
            ncols: header.len(),
            key_cols: fields.iter().filter_map(|f| col(f)).collect(),
            first_col,
            last_col: col(LAST_COLUMN),
            reported_col: col(REPORTED_COLUMN),
            reported_by_col: col(REPORTED_BY_COLUMN),
        }))
    }

    /// Reads data rows; `line_base` is added to line numbers in messages.
    /// With `stop_at` (a byte offset in what `rdr` reads), stops before the
    /// first record that starts at or after it and returns where that
    /// record starts; `None` when the reader reached its end.
    fn rows<R: Read>(
        &self,
        rdr: &mut csv::Reader<R>,
        source: &str,
        line_base: u64,
        mut keys: KeyTable,
        stop_at: Option<u64>,
    ) -> Result<(KeyTable, Option<u64>), Error> {
        let mut rec = csv::ByteRecord::new();
        let mut key = Vec::with_capacity(128);
        loop {
            if let Some(stop) = stop_at {
                let at = rdr.position().byte();
                if at >= stop {
                    return Ok((keys, Some(at)));
                }
            }
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => return Ok((keys, None)),
                Err(e) => {
                    return Err(Error::state(format!(
                        "state lookup {source} is not valid CSV: {e}"
                    )));
                }
            }
            let line = line_base + rec.position().map_or(0, |p| p.line());
            if rec.len() != self.ncols {
                return Err(Error::state(format!(
                    "state lookup {source} is not valid CSV: line {line} has {} fields, the header {}",
                    rec.len(),
                    self.ncols
                )));
            }
            let text = |c: usize| std::str::from_utf8(rec.get(c).unwrap_or_default());
            let utf8 = |_| {
                Error::state(format!(
                    "state lookup {source} line {line} is not valid UTF-8"
                ))
            };
            let time = |c: usize, name: &str| -> Result<Option<f64>, Error> {
                let v = text(c).map_err(utf8)?.trim();
                if v.is_empty() {
                    return Ok(None);
                }
                match crate::limits::parse_time(v) {
                    Some(t) => Ok(Some(t)),
                    None => Err(Error::state(format!(
                        "state lookup {source} line {line}: {name} {v:?} is not epoch seconds between 1970 and 9999"
                    ))),
                }
            };
            let Some(first) = time(self.first_col, FIRST_COLUMN)? else {
                return Err(Error::state(format!(
                    "state lookup {source} line {line}: {FIRST_COLUMN} is empty"
                )));
            };
            let last = match self.last_col {
                Some(c) => time(c, LAST_COLUMN)?.unwrap_or(first),
                None => first,
            };
            key.clear();
            for &c in &self.key_cols {
                let v = text(c).map_err(utf8)?;
                encode_key(&mut key, [v]);
            }
            if key.len() > crate::limits::MAX_KEY_BYTES {
                return Err(Error::state(format!(
                    "state lookup {source} line {line}: the key is {} bytes, more than {}; the file was not written by firstseen",
                    key.len(),
                    crate::limits::MAX_KEY_BYTES
                )));
            }
            let reported = match self.reported_col {
                Some(c) => time(c, REPORTED_COLUMN)?,
                None => None,
            };
            let i = keys.push(
                &key,
                Seen {
                    first,
                    last: last.max(first),
                },
            )?;
            if let Some(time) = reported {
                let by = match self.reported_by_col {
                    Some(c) => {
                        let v = text(c).map_err(utf8)?;
                        crate::keys::parse_search_id(v).ok_or_else(|| {
                            Error::state(format!(
                                "state lookup {source} line {line}: {REPORTED_BY_COLUMN} {v:?} is not 16 hex digits"
                            ))
                        })?
                    }
                    None => 0,
                };
                keys.set_reported(i, crate::keys::Report { time, by });
            }
        }
    }
}

/// Files at least this large are parsed by two threads, one per half.
pub const PARALLEL_READ_BYTES: u64 = 16 << 20;

/// Reads a state file, splitting large ones at a line boundary (outside any
/// quoted value) and parsing both halves at once.
fn read_file(path: &Path, fields: &[String]) -> Result<State, Error> {
    read_file_split(path, fields, PARALLEL_READ_BYTES)
}

/// Opens `path` for reading without following a symbolic link at its last
/// component (`O_NOFOLLOW`): a state file or seed planted as a link to a
/// file outside the app is refused, not read.
fn open_nofollow(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path)
}

/// [`read_file`] with the size from which two threads parse it.
fn read_file_split(path: &Path, fields: &[String], parallel_from: u64) -> Result<State, Error> {
    use io::{BufRead, Seek, SeekFrom};
    let source = path.display().to_string();
    let cant = |e: io::Error| {
        Error::state(if e.raw_os_error() == Some(libc::ELOOP) {
            format!(
                "state lookup {source} is a symbolic link; firstseen reads and writes only plain files in its app's lookups folder"
            )
        } else {
            format!("state lookup {source} cannot be read: {e}")
        })
    };
    let file = open_nofollow(path).map_err(cant)?;
    let len = file.metadata().map_err(cant)?.len();
    if len == 0 {
        return Err(Error::state(format!(
            "state lookup {source} is empty (0 bytes), so it has lost its history; restore it from a backup, or delete it to start a new history"
        )));
    }
    if len < parallel_from {
        return State::read_csv(io::BufReader::with_capacity(1 << 20, file), fields, &source);
    }
    // Header and the split point: the first line end after the middle, checked
    // to be outside quotes by counting quote characters before it.
    let mut rd = io::BufReader::with_capacity(1 << 20, file);
    let mut header_line = Vec::new();
    rd.read_until(b'\n', &mut header_line).map_err(cant)?;
    let header = csv::ReaderBuilder::new()
        .from_reader(&header_line[..])
        .headers()
        .map_err(|e| Error::state(format!("state lookup {source} cannot be read: {e}")))?
        .clone();
    let Some(layout) = Layout::new(&header, fields, &source)? else {
        return Ok(State::empty(fields));
    };
    let body_start = header_line.len() as u64;
    rd.seek(SeekFrom::Start(len / 2)).map_err(cant)?;
    let mut rest = Vec::new();
    rd.read_until(b'\n', &mut rest).map_err(cant)?;
    let split = len / 2 + rest.len() as u64;
    if split >= len {
        let file = open_nofollow(path).map_err(cant)?;
        return State::read_csv(io::BufReader::with_capacity(1 << 20, file), fields, &source);
    }
    // Lines before the split, for the second half's line numbers.
    rd.seek(SeekFrom::Start(0)).map_err(cant)?;
    let (mut lines, mut seen) = (0u64, 0u64);
    while seen < split {
        let buf = rd.fill_buf().map_err(cant)?;
        if buf.is_empty() {
            break;
        }
        let n = buf.len().min((split - seen) as usize);
        lines += buf[..n].iter().filter(|&&c| c == b'\n').count() as u64;
        rd.consume(n);
        seen += n as u64;
    }
    // The second half is parsed from the split on speculation: the split
    // is a line end, which may lie inside a quoted multi-line value (no
    // count of quote characters can tell, since an unquoted value may hold
    // one). The first half's parser reads on until it reaches a record
    // that starts at or after the split: only when that record starts
    // exactly at the split is the second half's parse the file's, else
    // the first parser reads on to the end alone.
    let est_rows = usize::try_from((len - body_start) / 32).unwrap_or(0);
    let reader =
        |start: u64, end: u64| -> Result<csv::Reader<io::Take<io::BufReader<File>>>, Error> {
            let mut f = io::BufReader::with_capacity(1 << 20, open_nofollow(path).map_err(cant)?);
            f.seek(SeekFrom::Start(start)).map_err(cant)?;
            Ok(csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(f.take(end - start)))
        };
    let (a, b) = std::thread::scope(|s| {
        let second = s.spawn(|| {
            let mut rdr = reader(split, len)?;
            layout
                .rows(&mut rdr, &source, lines, KeyTable::default(), None)
                .map(|(keys, _)| keys)
        });
        let first = (|| {
            let mut rdr = reader(body_start, len)?;
            let mut keys = KeyTable::default();
            // Capacity beyond what is used is never touched, so reserving
            // for the whole file costs address space, not memory.
            keys.reserve(est_rows, usize::try_from(len).unwrap_or(0));
            let (keys, stopped) =
                layout.rows(&mut rdr, &source, 1, keys, Some(split - body_start))?;
            if stopped == Some(split - body_start) {
                return Ok((keys, true));
            }
            let (keys, _) = layout.rows(&mut rdr, &source, 1, keys, None)?;
            Ok::<_, Error>((keys, false))
        })();
        (
            first,
            second.join().unwrap_or_else(|_| {
                Err(Error::internal("internal error: a reader thread stopped"))
            }),
        )
    });
    let (mut keys, split_holds) = a?;
    if split_holds {
        keys.append(b?)?;
    }
    Ok(State {
        fields: fields.to_vec(),
        keys,
        earliest_stored: None,
        warnings: Vec::new(),
    })
}

/// Appends `v` to `out`, quoted by the same rule as replies to splunkd
/// ([`splunk_chunked::body::needs_quotes`]; RFC 4180, as Splunk reads lookups).
pub fn push_csv(out: &mut String, v: &str) {
    if splunk_chunked::body::needs_quotes(v.as_bytes()) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

/// Appends epoch seconds: whole seconds without a fraction (`1689000000`),
/// others in the shortest form that reads back exactly (`1689000000.25`).
pub fn push_time(out: &mut String, t: f64) {
    use std::fmt::Write as _;
    if t.fract() == 0.0 && t.abs() < 1e15 {
        let _ = write!(out, "{}", t as i64);
    } else {
        let _ = write!(out, "{t}");
    }
}

/// What to write after a merge.
#[derive(Debug, Clone, Copy)]
pub struct Save {
    /// Drop keys whose last seen time is before this (epoch seconds): `retention=`.
    pub drop_before: Option<f64>,
    /// Value of the `enough_data` column.
    pub enough_data: bool,
}

/// What [`StateStore::update`] wrote.
#[derive(Debug, Default, Clone)]
pub struct Written {
    /// Keys written: the whole state for the CSV store, the changed
    /// records for the KV store.
    pub keys: usize,
    /// Keys deleted because they were last seen before `retention=`.
    pub aged_out: usize,
    /// Set when only part of the merge was saved (the KV store saves in
    /// batches; a later batch failed after its retries): what was and was
    /// not saved. Every record is either as it was or fully merged.
    pub incomplete: Option<String>,
}

/// Where the state lives: [`CsvStore`], the file lookup (single search
/// heads, `firstseen run`), or [`crate::kvstore::KvStore`], a KV store
/// collection (search head clusters).
pub trait StateStore {
    /// Where the state is, for messages (a path or a collection name).
    fn location(&self) -> String;

    /// Reads the state without changing it (empty if it does not exist
    /// yet): at least the keys of `search` (a store may load only those,
    /// and then sets [`State::earliest_stored`]).
    ///
    /// # Errors
    /// Unreadable or corrupt state, with a message for the user.
    fn load(&self, fields: &[String], search: &KeyTable) -> Result<State, Error>;

    /// Reads the current state (as [`StateStore::load`]), lets `merge`
    /// update it, and, if `merge` returns a [`Save`], stores the result:
    /// the CSV store under an exclusive lock and atomically; the KV store
    /// by changed records.
    ///
    /// # Errors
    /// Lock, read, merge or write failures, when nothing was changed; a
    /// write that failed part way is [`Written::incomplete`] instead.
    fn update(
        &self,
        fields: &[String],
        search: &KeyTable,
        merge: &mut dyn FnMut(&mut State) -> Result<Option<Save>, Error>,
    ) -> Result<Written, Error>;
}

/// A state CSV file, written by lock, re-read, merge, temporary file, fsync
/// and rename, so concurrent searches lose no key and a crash leaves either
/// the old or the new file. The lock is a sidecar `.<file>.lock` (the CSV
/// itself is replaced by rename, so it cannot carry the lock).
#[derive(Debug, Clone)]
pub struct CsvStore {
    path: PathBuf,
    seed: Option<PathBuf>,
}

impl CsvStore {
    /// A store at `path`.
    pub fn new(path: impl Into<PathBuf>) -> CsvStore {
        CsvStore {
            path: path.into(),
            seed: None,
        }
    }

    /// Reads `seed` (for example ESCU's `previously_seen_*.csv`) as the
    /// starting state while `path` does not exist yet.
    pub fn with_seed(mut self, seed: Option<PathBuf>) -> CsvStore {
        self.seed = seed;
        self
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The name of a hidden file beside the state: `.<file><suffix>`.
    fn sidecar_name(&self, suffix: &str) -> String {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!(".{name}{suffix}")
    }

    fn sidecar(&self, suffix: &str) -> PathBuf {
        self.path.with_file_name(self.sidecar_name(suffix))
    }

    fn read(&self, fields: &[String]) -> Result<State, Error> {
        let (mut state, from) = match std::fs::symlink_metadata(&self.path) {
            Ok(_) => (read_file(&self.path, fields)?, &self.path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => match &self.seed {
                Some(seed) => {
                    self.check_seed(seed)?;
                    (read_file(seed, fields)?, seed)
                }
                None => return Ok(State::empty(fields)),
            },
            Err(e) => {
                return Err(Error::state(format!(
                    "state lookup {} cannot be read: {e}",
                    self.path.display()
                )));
            }
        };
        if state.keys.is_empty() {
            state.warnings.push(format!(
                "state lookup {} holds no keys, only its header line: this search has no history to compare with, \
                 so every key in the window comes out new (none with min_history= until the history builds up again). \
                 retention= leaves a state so when it ages out every key; if something else emptied it, restore it from a backup",
                from.display()
            ));
        }
        Ok(state)
    }

    /// A seed is read only from a `lookups/` folder of an app beside ours
    /// (`<apps>/<app>/lookups/`, ESCU's included), found by its real path,
    /// and never through a symbolic link at its name (`read_file` opens it
    /// with `O_NOFOLLOW`): a link or a folder link cannot lead the command
    /// to read files elsewhere.
    fn check_seed(&self, seed: &Path) -> Result<(), Error> {
        let real_dir = |p: &Path| {
            p.parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .canonicalize()
                .ok()
        };
        let apps_of = |lookups: PathBuf| -> Option<PathBuf> {
            (lookups.file_name()? == "lookups")
                .then(|| Some(lookups.parent()?.parent()?.to_path_buf()))?
        };
        let ours = real_dir(&self.path).and_then(apps_of);
        let theirs = real_dir(seed).and_then(apps_of);
        match (ours, theirs) {
            (Some(a), Some(b)) if a == b => Ok(()),
            // A store outside an app (tests, `firstseen run`): the seed
            // must be beside the state file.
            (None, _) if real_dir(seed).is_some() && real_dir(seed) == real_dir(&self.path) => {
                Ok(())
            }
            _ => Err(Error::state(format!(
                "seed {} is not in the lookups folder of an app beside this one; firstseen reads seeds only from apps' lookups folders",
                seed.display()
            ))),
        }
    }

    /// The prefix of this store's temporary files: `.<file>.tmp.`.
    fn tmp_prefix(&self) -> String {
        self.sidecar_name(".tmp.")
    }

    /// Removes temporary files that a killed run left. Called under the
    /// lock: every writer creates its temporary file only while it holds
    /// the lock, so any that exists now is stale. Symbolic links with that
    /// name are removed too (removing one never touches its target).
    fn remove_stale_temporaries(&self, dir: &Path) {
        let prefix = self.tmp_prefix();
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_file(e.path());
            }
        }
    }

    fn write(&self, state: &State, save: Save) -> Result<usize, Error> {
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let unchanged = |e: &dyn std::fmt::Display| {
            Error::state(format!(
                "state lookup {} cannot be written (it is unchanged): {e}",
                self.path.display()
            ))
        };
        // The file as it is: kept read-only when an admin made it so, and
        // replaced with its mode and owner.
        let old = match fs::symlink_metadata(&self.path) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(unchanged(
                    &"it is a symbolic link; firstseen writes only plain files in its app's lookups folder",
                ));
            }
            Ok(m) => Some(m),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(unchanged(&e)),
        };
        #[cfg(unix)]
        if let Some(m) = &old {
            use std::os::unix::fs::PermissionsExt;
            if m.permissions().mode() & 0o200 == 0 {
                return Err(unchanged(&format!(
                    "it is read-only (mode {:04o}); make it writable to let firstseen update it, or run with update=false",
                    m.permissions().mode() & 0o7777
                )));
            }
        }
        // Created exclusively (O_EXCL) under a random name: nothing planted
        // at a predictable name can redirect the write.
        let result = (|| -> io::Result<usize> {
            let mut tmp = tempfile::Builder::new()
                .prefix(&self.tmp_prefix())
                .tempfile_in(dir)?;
            #[cfg(unix)]
            if old.is_none() {
                use std::os::unix::fs::PermissionsExt;
                // What a plain create under the usual umask (022) gives.
                tmp.as_file()
                    .set_permissions(fs::Permissions::from_mode(0o644))?;
            }
            #[cfg(unix)]
            if let Some(m) = &old {
                use std::os::unix::fs::{MetadataExt, PermissionsExt};
                tmp.as_file()
                    .set_permissions(fs::Permissions::from_mode(m.mode() & 0o7777))?;
                // Keeping the owner needs the right to give files away; a
                // search running as the file's owner (splunk) keeps it anyway.
                let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(m.uid()), Some(m.gid()));
            }
            let keep = |s: Seen| save.drop_before.is_none_or(|t| s.last >= t);
            let n = state.write_csv(tmp.as_file_mut(), keep, save.enough_data)?;
            tmp.as_file().sync_all()?;
            tmp.persist(&self.path).map_err(|e| e.error)?;
            // Make the rename itself durable.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(n)
        })();
        result.map_err(|e| unchanged(&e))
    }
}

impl StateStore for CsvStore {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn load(&self, fields: &[String], _search: &KeyTable) -> Result<State, Error> {
        self.read(fields)
    }

    fn update(
        &self,
        fields: &[String],
        _search: &KeyTable,
        merge: &mut dyn FnMut(&mut State) -> Result<Option<Save>, Error>,
    ) -> Result<Written, Error> {
        let lock_path = self.sidecar(".lock");
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| {
                Error::state(format!(
                    "cannot create the lookups folder {}: {e}",
                    dir.display()
                ))
            })?;
        }
        let mut o = OpenOptions::new();
        o.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // A lock planted as a symbolic link must not create a file
            // wherever it points.
            o.custom_flags(libc::O_NOFOLLOW).mode(0o600);
        }
        let lock = o.open(&lock_path).map_err(|e| {
            Error::state(if e.raw_os_error() == Some(libc::ELOOP) {
                format!(
                    "the lock file {} is a symbolic link; remove it",
                    lock_path.display()
                )
            } else {
                format!("cannot create the lock file {}: {e}", lock_path.display())
            })
        })?;
        lock.lock()
            .map_err(|e| Error::state(format!("cannot lock {}: {e}", lock_path.display())))?;
        if let Some(dir) = self.path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            self.remove_stale_temporaries(dir);
        }
        let mut state = self.read(fields)?;
        let n = match merge(&mut state)? {
            Some(save) => self.write(&state, save)?,
            None => return Ok(Written::default()),
        };
        drop(lock); // releases the lock
        Ok(Written {
            keys: n,
            aged_out: state.keys.len().saturating_sub(n),
            incomplete: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reads_an_escu_previously_seen_lookup() {
        let csv = "user,command,firstTimeSeen,lastTimeSeen,enough_data\n\
                   alice,ListBuckets,1689000000,1689100000,1\n\
                   bob,\"Get,Thing\",1689000000.5,,1\n\
                   alice,ListBuckets,1688000000,1689000000,1\n";
        let s = State::read_csv(csv.as_bytes(), &f(&["command", "user"]), "x.csv").unwrap();
        assert_eq!(s.keys.len(), 3, "rows are kept as they are");
        assert_eq!(
            s.keys.seen(0),
            Some(Seen {
                first: 1689000000.0,
                last: 1689100000.0
            })
        );
        assert_eq!(
            s.keys.seen(1),
            Some(Seen {
                first: 1689000000.5,
                last: 1689000000.5
            })
        );
        let vals: Vec<&str> = key_values(s.keys.key(1)).collect();
        assert_eq!(vals, ["Get,Thing", "bob"], "values follow key= order");
        let mut out = Vec::new();
        s.write_csv(&mut out, |_| true, true).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "command,user,firstTimeSeen,lastTimeSeen,enough_data,reportedTime,reportedBy\n\
             ListBuckets,alice,1689000000,1689100000,1,,\n\
             \"Get,Thing\",bob,1689000000.5,1689000000.5,1,,\n\
             ListBuckets,alice,1688000000,1689000000,1,,\n"
        );
    }

    #[test]
    fn corrupt_or_foreign_lookups_are_refused() {
        let fields = f(&["user"]);
        for (csv, want) in [
            (
                "user,firstTimeSeen\nalice,yesterday\n",
                "line 2: firstTimeSeen \"yesterday\" is not epoch seconds",
            ),
            ("user,firstTimeSeen\nalice,\n", "firstTimeSeen is empty"),
            ("user,count\nalice,3\n", "no firstTimeSeen column"),
            (
                "src,firstTimeSeen\n1.2.3.4,1\n",
                "keyed by src but key= names user",
            ),
            (
                "user,firstTimeSeen\nalice,1,extra\n",
                "line 2 has 3 fields, the header 2",
            ),
            ("user,firstTimeSeen\nalice,inf\n", "not epoch seconds"),
        ] {
            let e = State::read_csv(csv.as_bytes(), &fields, "s.csv").unwrap_err();
            assert!(e.message().contains(want), "{csv:?}: {e}");
        }
        assert!(
            State::read_csv(&b""[..], &fields, "s.csv")
                .unwrap()
                .keys
                .is_empty()
        );
    }

    #[test]
    fn update_writes_atomically_and_drops_old_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = CsvStore::new(dir.path().join("s.csv"));
        let fields = f(&["user"]);
        let n = store
            .update(&fields, &KeyTable::default(), &mut |s| {
                let mut k = Vec::new();
                encode_key(&mut k, ["old"]);
                s.keys.upsert(
                    &k,
                    Seen {
                        first: 1.0,
                        last: 2.0,
                    },
                )?;
                k.clear();
                encode_key(&mut k, ["new"]);
                s.keys.upsert(
                    &k,
                    Seen {
                        first: 1.0,
                        last: 100.0,
                    },
                )?;
                Ok(Some(Save {
                    drop_before: Some(50.0),
                    enough_data: false,
                }))
            })
            .unwrap();
        assert_eq!(n.keys, 1);
        let text = fs::read_to_string(dir.path().join("s.csv")).unwrap();
        assert_eq!(
            text,
            "user,firstTimeSeen,lastTimeSeen,enough_data,reportedTime,reportedBy\nnew,1,100,0,,\n"
        );
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains(".tmp.")), "{names:?}");
    }

    #[test]
    fn a_failed_merge_leaves_the_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        fs::write(&path, "user,firstTimeSeen,lastTimeSeen\nalice,1,2\n").unwrap();
        let store = CsvStore::new(&path);
        let e = store
            .update(&f(&["user"]), &KeyTable::default(), &mut |_| {
                Err(Error::state("boom"))
            })
            .unwrap_err();
        assert_eq!(e, Error::state("boom"));
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "user,firstTimeSeen,lastTimeSeen\nalice,1,2\n"
        );
        fs::write(&path, "user,firstTimeSeen\nalice,garbage\n").unwrap();
        let e = store
            .update(&f(&["user"]), &KeyTable::default(), &mut |_| Ok(None))
            .unwrap_err();
        assert!(e.message().contains("not epoch seconds"));
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "user,firstTimeSeen\nalice,garbage\n"
        );
    }

    #[test]
    fn concurrent_updates_lose_no_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        let fields = f(&["user"]);
        std::thread::scope(|s| {
            for t in 0..8 {
                let (path, fields) = (path.clone(), fields.clone());
                s.spawn(move || {
                    for i in 0..10 {
                        CsvStore::new(&path)
                            .update(&fields, &KeyTable::default(), &mut |st| {
                                let mut k = Vec::new();
                                encode_key(&mut k, [format!("t{t}-{i}").as_str()]);
                                st.keys.upsert(
                                    &k,
                                    Seen {
                                        first: 1.0,
                                        last: 1.0,
                                    },
                                )?;
                                Ok(Some(Save {
                                    drop_before: None,
                                    enough_data: true,
                                }))
                            })
                            .unwrap();
                    }
                });
            }
        });
        let st = CsvStore::new(&path)
            .load(&fields, &KeyTable::default())
            .unwrap();
        assert_eq!(st.keys.len(), 80);
    }

    #[test]
    fn a_split_inside_a_quoted_value_after_a_stray_quote_loses_nothing() {
        // The reproduction: an unquoted value holding a `"` earlier in the
        // file made the old count of quotes odd, and the split landed inside
        // a quoted multi-line value: one key lost, two bogus keys written.
        let mut text = String::from("user,command,firstTimeSeen,lastTimeSeen,enough_data\n");
        text.push_str("ab\"c,Get,1600000000,1600000000,1\n");
        for i in 0..200 {
            text.push_str(&format!("u{i},Get,1600000000,1600000000,1\n"));
        }
        let m = text.len();
        text.push_str("\"multi\nline\nline\nline\",Put,1600000000,1600000000,1\n");
        for i in 0.. {
            let row = format!("w{i},Get,1600000000,1600000000,1\n");
            if text.len() + row.len() + 64 > 2 * m {
                break;
            }
            text.push_str(&row);
        }
        // A last row sized so that the middle of the file is inside the
        // quoted value (before its first line break, at m + 6).
        let pad = 2 * m + 4 - text.len() - ",Get,1600000000,1600000000,1\n".len();
        text.push_str(&format!(
            "{},Get,1600000000,1600000000,1\n",
            "p".repeat(pad)
        ));
        let middle = text.len() / 2;
        assert!((m..m + 6).contains(&middle), "{m} {middle}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        fs::write(&path, &text).unwrap();
        let fields = f(&["user", "command"]);
        let whole = State::read_csv(text.as_bytes(), &fields, "s").unwrap();
        let halves = read_file_split(&path, &fields, 1).unwrap();
        let a: Vec<(Vec<u8>, Seen)> = whole.keys.iter().map(|(k, s)| (k.to_vec(), s)).collect();
        let b: Vec<(Vec<u8>, Seen)> = halves.keys.iter().map(|(k, s)| (k.to_vec(), s)).collect();
        assert!(
            a.iter()
                .any(|(k, _)| k.windows(10).any(|w| w == b"multi\nline"))
        );
        assert!(a == b, "parallel read differs");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// On any file the csv crate reads, the two-thread read gives what a
        /// plain read gives: values plain (a stray `"` inside included) or
        /// quoted (with commas, doubled quotes and line breaks).
        #[test]
        fn the_two_thread_read_equals_a_plain_read(
            rows in proptest::collection::vec(
                (
                    proptest::prop_oneof![
                        "[a-z0-9]{1,6}(\"[a-z]{0,3})?",
                        "\"([a-z ,\n]|\"\"){0,12}\"",
                    ],
                    0u32..5,
                    0u32..100_000,
                ),
                1..120,
            )
        ) {
            let mut text = String::from("user,command,firstTimeSeen,lastTimeSeen,enough_data\n");
            for (user, cmd, t) in &rows {
                text.push_str(&format!("{user},c{cmd},{t},{t},1\n"));
            }
            let fields = f(&["user", "command"]);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("p.csv");
            fs::write(&path, &text).unwrap();
            let whole = State::read_csv(text.as_bytes(), &fields, "p");
            let halves = read_file_split(&path, &fields, 1);
            match (whole, halves) {
                (Ok(a), Ok(b)) => {
                    let a: Vec<(Vec<u8>, Seen)> = a.keys.iter().map(|(k, s)| (k.to_vec(), s)).collect();
                    let b: Vec<(Vec<u8>, Seen)> = b.keys.iter().map(|(k, s)| (k.to_vec(), s)).collect();
                    proptest::prop_assert_eq!(a, b);
                }
                (Err(_), Err(_)) => {}
                (a, b) => proptest::prop_assert!(false, "plain {:?} vs halves {:?}", a.map(|s| s.keys.len()), b.map(|s| s.keys.len())),
            }
        }
    }

    #[test]
    fn large_files_are_read_in_two_halves_with_the_same_result() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let mut text = String::from("user,command,firstTimeSeen,lastTimeSeen,enough_data\n");
        let mut i = 0u64;
        while (text.len() as u64) < PARALLEL_READ_BYTES + 1000 {
            // Some values are quoted and hold newlines, to test the split point.
            let user = if i % 1000 == 7 {
                format!("\"u{i}\nline2, x\"")
            } else {
                format!("u{i}")
            };
            text.push_str(&format!(
                "{user},Describe{},{},{},1\n",
                i % 50,
                1_600_000_000 + i,
                1_600_000_100 + i
            ));
            i += 1;
        }
        fs::write(&path, &text).unwrap();
        let fields = f(&["user", "command"]);
        let whole = State::read_csv(text.as_bytes(), &fields, "big").unwrap();
        let halves = read_file(&path, &fields).unwrap();
        assert_eq!(whole.keys.len() as u64, i);
        let a: Vec<(Vec<u8>, Seen)> = whole.keys.iter().map(|(k, s)| (k.to_vec(), s)).collect();
        let b: Vec<(Vec<u8>, Seen)> = halves.keys.iter().map(|(k, s)| (k.to_vec(), s)).collect();
        assert!(a == b, "parallel read differs");
        // An error in the second half names its true line.
        let bad_line = i - 10;
        let row = format!(
            ",{},{},1\n",
            1_600_000_000 + bad_line,
            1_600_000_100 + bad_line
        );
        let corrupted = text.replacen(&row, &format!(",oops,{},1\n", 1_600_000_100 + bad_line), 1);
        assert_ne!(corrupted, text);
        fs::write(&path, &corrupted).unwrap();
        let e = read_file(&path, &fields).unwrap_err();
        let want_line = corrupted[..corrupted.find(",oops,").unwrap()]
            .matches('\n')
            .count()
            + 1;
        assert!(
            e.message()
                .contains(&format!("line {want_line}: firstTimeSeen \"oops\"")),
            "{e}"
        );
    }

    #[test]
    fn times_format_without_needless_fractions() {
        let mut s = String::new();
        push_time(&mut s, 1689000000.0);
        s.push(' ');
        push_time(&mut s, 1689000000.934);
        assert_eq!(s, "1689000000 1689000000.934");
    }
}
