//! Reading a content root: `contentctl.yml` and every YAML file under the
//! content folders.

use crate::codes::{code, diag};
use crate::model::{self, Content};
use detc_diag::{Diagnostic, FileId, SourceMap, Span};
use detc_yaml::{Decoder, Limits, Spanned};
use std::path::{Path, PathBuf};

/// Largest content file read, in bytes (10 MiB). ESCU's largest YAML is
/// under 100 KiB; anything bigger is a mistake or an attack.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// The `app:` section of `contentctl.yml`.
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    /// Splunkbase uid, when the app has one.
    pub uid: Option<i64>,
    /// App title shown in Splunk.
    pub title: String,
    /// App folder name (`[package] id`).
    pub appid: String,
    /// App version, e.g. `4.42.0`.
    pub version: String,
    /// App description.
    pub description: String,
    /// Prefix of savedsearches.conf stanzas, e.g. `ESCU`.
    pub prefix: String,
    /// Label used in stanza names, e.g. `ESCU`.
    pub label: String,
    /// Author name.
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// Author company.
    pub author_company: String,
}

/// What detc reads of `contentctl.yml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The `app:` section.
    pub app: AppConfig,
    /// `build_path`, default `dist`.
    pub build_path: String,
    /// The config file, for diagnostics.
    pub file: Option<FileId>,
}

/// Where each kind of content lives under the root, as in security_content.
pub const CONTENT_DIRS: &[&str] = &[
    "detections",
    "stories",
    "macros",
    "lookups",
    "baselines",
    "data_sources",
    "deployments",
    "investigations",
    "dashboards",
    "sourcetypes",
];

/// A loaded content root.
#[derive(Debug, Default)]
pub struct Project {
    /// The content root (the folder holding `contentctl.yml`).
    pub root: PathBuf,
    /// The configuration.
    pub config: Config,
    /// Every file read, for diagnostics.
    pub sources: SourceMap,
    /// The objects that could be decoded.
    pub content: Content,
    /// Every diagnostic, in file order once [`crate::validate`] has run.
    pub diags: Vec<Diagnostic>,
    /// The contentctl its 4.x content is checked and built against
    /// ([`crate::era`]), chosen by [`crate::validate`].
    pub reference: crate::era::Reference,
    /// Texts read instead of the files' on disk ([`load_with`]).
    pub overlay: Overlay,
    /// The on-disk cache of parse trees this run used, if any
    /// ([`crate::Options::parse_cache`]), with what it did.
    pub parse_cache: Option<ParseCache>,
}

/// Texts that replace files' contents on disk, by the file's path as
/// `root.join(<path relative to the root>)` gives it: an editor's unsaved
/// buffers (`detc lsp`). Only files that exist on disk are read; a text
/// here for a file that does not is not.
pub type Overlay = std::collections::HashMap<PathBuf, String>;

impl Project {
    /// The generation most detections are written in (5.x on a tie or
    /// when there are none): the format of files that are not content
    /// objects, such as lookup csv files.
    pub fn format(&self) -> crate::legacy::Format {
        let v4 = self
            .content
            .detections
            .iter()
            .filter(|d| d.format == crate::legacy::Format::V4)
            .count();
        if v4 * 2 > self.content.detections.len() {
            crate::legacy::Format::V4
        } else {
            crate::legacy::Format::V5
        }
    }
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Reads one file into the source map, reporting size and encoding
/// problems. Returns the file id and whether its text can be parsed.
pub(crate) fn read_file(
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
    root: &Path,
    path: &Path,
    overlay: &Overlay,
) -> Option<FileId> {
    let shown = rel(root, path);
    if let Some(text) = overlay.get(path) {
        if text.len() as u64 > MAX_FILE_BYTES {
            let id = sources.add(shown, "");
            diags.push(
                diag(code::F002, format!("the file is {:.1} MiB, more than the {} MiB limit for a content file", text.len() as f64 / 1048576.0, MAX_FILE_BYTES / 1048576))
                    .in_file(id)
                    .help("a content file holds one object of a few KiB; check that this is the file you meant to commit"),
            );
            return None;
        }
        return Some(sources.add(shown, text.clone()));
    }
    // One open: the size check and the read use the same handle.
    let read = std::fs::File::open(path).and_then(|mut f| {
        let len = f.metadata()?.len();
        if len > MAX_FILE_BYTES {
            return Ok(Err(len));
        }
        let mut bytes = Vec::with_capacity(len as usize);
        std::io::Read::read_to_end(&mut f, &mut bytes)?;
        Ok(Ok(bytes))
    });
    let bytes = match read {
        Ok(Ok(b)) => b,
        Ok(Err(len)) => {
            let id = sources.add(shown, "");
            diags.push(
                diag(code::F002, format!("the file is {:.1} MiB, more than the {} MiB limit for a content file", len as f64 / 1048576.0, MAX_FILE_BYTES / 1048576))
                    .in_file(id)
                    .help("a content file holds one object of a few KiB; check that this is the file you meant to commit"),
            );
            return None;
        }
        Err(e) => {
            let id = sources.add(shown, "");
            diags.push(
                diag(code::F001, format!("cannot read the file: {e}"))
                    .in_file(id)
                    .help("check the file's permissions"),
            );
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Some(sources.add(shown, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bad = e.as_bytes()[at];
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let id = sources.add(shown, text);
            diags.push(
                diag(code::F003, format!("the file is not valid UTF-8: byte 0x{bad:02X} cannot start a character"))
                    .at(Span::new(id, at, at + '\u{fffd}'.len_utf8()))
                    .label("invalid byte here")
                    .help("save the file as UTF-8 (it may be Latin-1 or Windows-1252: convert it with `iconv -f WINDOWS-1252 -t UTF-8`)"),
            );
            None
        }
    }
}

fn yml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    out.sort();
    out
}

fn read_config(p: &mut Project) {
    let path = p.root.join("contentctl.yml");
    if !path.exists() {
        let id = p.sources.add("contentctl.yml", "");
        p.diags.push(
            diag(code::F004, format!("no contentctl.yml in {}", p.root.display()))
                .in_file(id)
                .help("point detc at a content root (the folder with contentctl.yml and detections/), or create contentctl.yml with an `app:` section"),
        );
        return;
    }
    let Some(file) = read_file(&mut p.sources, &mut p.diags, &p.root, &path, &p.overlay) else {
        return;
    };
    p.config.file = Some(file);
    p.config.build_path = "dist".into();
    let text = p.sources.get(file).text.clone();
    let (doc, mut diags) = detc_yaml::parse(&text, file, Limits::default());
    p.diags.append(&mut diags);
    let Some(doc) = doc else { return };
    let Some(root) = doc.root else {
        p.diags.push(
            diag(code::F004, "contentctl.yml is empty")
                .in_file(file)
                .help("add an `app:` section with appid, title, version, prefix and label"),
        );
        return;
    };
    let mut de = Decoder::new(&doc, file);
    if let Some(mut m) = de.map(root, "contentctl.yml") {
        if let Some(b) = m.opt_str(&mut de, "build_path") {
            p.config.build_path = b.value;
        }
        if let Some(n) = m.req(
            &mut de,
            "app",
            "the app's appid, title, version, prefix and label",
        ) && let Some(mut a) = de.map(n, "app")
        {
            let s = |de: &mut Decoder,
                     a: &mut detc_yaml::MapReader,
                     k: &'static str,
                     req: bool|
             -> String {
                let v = if req {
                    a.req(de, k, "a value")
                } else {
                    a.get_some(de, k)
                };
                v.and_then(|n| de.scalar_text(n, k))
                    .map(|v: Spanned<String>| v.value)
                    .unwrap_or_default()
            };
            let app = &mut p.config.app;
            let uid = a.opt_int(&mut de, "uid");
            // contentctl 5.6.2 `CustomApp.uid`: 2 <= uid < 100000.
            if let Some(u) = &uid
                && !(2..100_000).contains(&u.value)
            {
                de.push(
                    diag(code::F004, format!("app.uid {} is outside 2..99999", u.value))
                        .at(u.span)
                        .help("contentctl 5 refuses it: use your app's Splunkbase uid, or any number from 2 to 99999 for an app not on Splunkbase"),
                );
            }
            app.uid = uid.map(|v| v.value);
            app.title = s(&mut de, &mut a, "title", true);
            app.appid = s(&mut de, &mut a, "appid", true);
            app.version = s(&mut de, &mut a, "version", true);
            app.description = s(&mut de, &mut a, "description", false);
            app.prefix = s(&mut de, &mut a, "prefix", true);
            app.label = s(&mut de, &mut a, "label", true);
            app.author_name = s(&mut de, &mut a, "author_name", false);
            app.author_email = s(&mut de, &mut a, "author_email", false);
            app.author_company = s(&mut de, &mut a, "author_company", false);
            let _ = a.get("hardcoded_path");
            a.finish(&mut de);
        }
        // The rest of contentctl.yml configures contentctl's other modes (test, deploy...).
    }
    p.diags.append(&mut de.diags);
}

/// One decoded content object, of whichever kind its folder holds (boxed:
/// a detection is a few KiB, a macro a few dozen bytes).
#[derive(Clone)]
enum Object {
    Detection(Box<model::Detection>),
    Story(Box<model::Story>),
    Macro(Box<model::Macro>),
    Lookup(Box<model::Lookup>),
    Baseline(Box<model::Baseline>),
    DataSource(Box<model::DataSource>),
    Deployment(Box<model::Deployment>),
    Investigation(Box<model::Investigation>),
    Dashboard(Box<model::Dashboard>),
    Sourcetype(Box<model::Sourcetype>),
}

/// Decodes the object at a file's root node; the path is for messages.
type DecodeFn = fn(&mut Decoder, detc_yaml::NodeId, &str) -> Option<Object>;

/// Each content folder, in [`CONTENT_DIRS`] order, with its decoder.
const FOLDERS: &[(&str, DecodeFn)] = &[
    ("detections", |de, n, p| {
        model::detection(de, n, p).map(|o| Object::Detection(Box::new(o)))
    }),
    ("stories", |de, n, p| {
        model::story(de, n, p).map(|o| Object::Story(Box::new(o)))
    }),
    ("macros", |de, n, p| {
        model::macro_(de, n, p).map(|o| Object::Macro(Box::new(o)))
    }),
    ("lookups", |de, n, p| {
        model::lookup(de, n, p).map(|o| Object::Lookup(Box::new(o)))
    }),
    ("baselines", |de, n, p| {
        model::baseline(de, n, p).map(|o| Object::Baseline(Box::new(o)))
    }),
    ("data_sources", |de, n, p| {
        model::data_source(de, n, p).map(|o| Object::DataSource(Box::new(o)))
    }),
    ("deployments", |de, n, p| {
        model::deployment(de, n, p).map(|o| Object::Deployment(Box::new(o)))
    }),
    ("investigations", |de, n, p| {
        model::investigation(de, n, p).map(|o| Object::Investigation(Box::new(o)))
    }),
    ("dashboards", |de, n, p| {
        model::dashboard(de, n, p).map(|o| Object::Dashboard(Box::new(o)))
    }),
    ("sourcetypes", |de, n, p| {
        model::sourcetype(de, n, p).map(|o| Object::Sourcetype(Box::new(o)))
    }),
];

/// Parses and decodes one file's text, known as `file`.
fn decode_text(
    text: &str,
    file: FileId,
    path: &str,
    decode: DecodeFn,
) -> (Option<Object>, Vec<Diagnostic>) {
    let (doc, diags) = detc_yaml::parse(text, file, Limits::default());
    decode_doc(doc, diags, text, file, path, decode)
}

/// Decodes a file's parse tree (`None` when it could not be parsed, with
/// the parser's `diags`).
fn decode_doc(
    doc: Option<detc_yaml::Doc>,
    mut diags: Vec<Diagnostic>,
    text: &str,
    file: FileId,
    path: &str,
    decode: DecodeFn,
) -> (Option<Object>, Vec<Diagnostic>) {
    let Some(doc) = doc else { return (None, diags) };
    let Some(root) = doc.root else {
        diags.push(
            diag(code::Y008, "the file is empty")
                .in_file(file)
                .help("write the object's fields, or delete the file"),
        );
        return (None, diags);
    };
    let mut de = Decoder::new(&doc, file).with_source(text);
    let obj = decode(&mut de, root, path);
    diags.append(&mut de.diags);
    (obj, diags)
}

/// Reads every YAML file under the content folders into the source map,
/// then parses and decodes them all in one pass on all cores (see
/// [`crate::par::parallel_map`]: one pass balances the threads better than
/// a pass per folder). Objects land in `c` in folder then path order,
/// whatever the scheduling.
fn load_content(p: &mut Project, c: &mut Content, cache: Option<&mut DecodeCache>) {
    // Read on this thread: the texts stay together in one heap arena and
    // are handed back whole when the build frees them.
    let mut files: Vec<(DecodeFn, FileId)> = Vec::new();
    // With a cache, a file on disk whose size and modification time are
    // those it had when the last run read it is not read again
    // ([`Stamp`]); the stamps of this run's reads, by file.
    let mut stamps: std::collections::HashMap<FileId, Stamp> = std::collections::HashMap::new();
    let mut reads = 0;
    for &(dir, decode) in FOLDERS {
        let base = p.root.join(dir);
        if !base.is_dir() {
            continue;
        }
        for path in yml_files(&base) {
            let stamp = match &cache {
                Some(_) if !p.overlay.contains_key(&path) => Stamp::of(&path),
                _ => None,
            };
            if let (Some(c), Some(st)) = (&cache, stamp) {
                let shown = rel(&p.root, &path);
                if let Some(d) = c.files.get(&shown).filter(|d| d.stamp == Some(st)) {
                    let id = p.sources.add(shown, d.text.clone());
                    stamps.insert(id, st);
                    files.push((decode, id));
                    continue;
                }
            }
            reads += usize::from(!p.overlay.contains_key(&path));
            if let Some(id) = read_file(&mut p.sources, &mut p.diags, &p.root, &path, &p.overlay) {
                if let Some(st) = stamp {
                    stamps.insert(id, st);
                }
                files.push((decode, id));
            }
        }
    }
    let sources = &p.sources;
    let results = match cache {
        None if p.parse_cache.is_some() => {
            let mut pc = p.parse_cache.take().unwrap_or_default();
            let r = decode_with_pack(sources, &files, &mut pc);
            p.parse_cache = Some(pc);
            r
        }
        None => crate::par::parallel_map(&files, |&(decode, id)| {
            let src = sources.get(id);
            decode_text(&src.text, id, &src.path, decode)
        }),
        Some(cache) => {
            // Kept entries move from the old cache to the new one; each
            // result is cloned once, into the content.
            let mut old = std::mem::take(&mut cache.files);
            let mut next = std::collections::HashMap::with_capacity(files.len());
            let mut out: Vec<Option<(Option<Object>, Vec<Diagnostic>)>> =
                Vec::with_capacity(files.len());
            let mut fresh: Vec<(usize, DecodeFn, FileId)> = Vec::new();
            // Which files are unchanged since the last run, and the hash of
            // each file's text, for the rules' memo (by FileId).
            let mut same = vec![false; sources.len()];
            let mut keys = vec![None; sources.len()];
            for (i, &(decode, id)) in files.iter().enumerate() {
                let src = sources.get(id);
                // A text taken from this entry by its stamp (the same stamp
                // again) is its text: only a text read from disk is compared.
                let kept = old.remove(&src.path).filter(|d| {
                    let stamped = d.stamp.is_some() && d.stamp == stamps.get(&id).copied();
                    d.id == id
                        && std::ptr::fn_addr_eq(d.decode, decode)
                        && (stamped || d.text == src.text)
                });
                match kept {
                    Some(mut d) => {
                        d.stamp = stamps.get(&id).copied();
                        if let Some(s) = same.get_mut(id.0 as usize) {
                            *s = true;
                        }
                        if let Some(k) = keys.get_mut(id.0 as usize) {
                            *k = Some(d.key);
                        }
                        out.push(Some(d.result.clone()));
                        next.insert(src.path.clone(), d);
                    }
                    None => {
                        out.push(None);
                        fresh.push((i, decode, id));
                    }
                }
            }
            // The first run may take trees from `detc validate`'s packs
            // (read only, then let go: later edits are not in them).
            let packs = cache.pack.take().map(|path| Packs::open(&path).0);
            // The cache's copy and the text's hash are made on the decoding
            // threads too: on a first check they are most of the work.
            let decoded = crate::par::parallel_map(&fresh, |&(_, decode, id)| {
                let src = sources.get(id);
                let result = decode_from(packs.as_ref(), &src.text, id, &src.path, decode);
                let kept = result.clone();
                (result, kept, detc_cache::key(src.text.as_bytes()))
            });
            cache.last = (fresh.len(), files.len() - fresh.len());
            for (&(i, decode, id), (result, kept, key)) in fresh.iter().zip(decoded) {
                let src = sources.get(id);
                if let Some(k) = keys.get_mut(id.0 as usize) {
                    *k = Some(key);
                }
                next.insert(
                    src.path.clone(),
                    Decoded {
                        text: src.text.clone(),
                        key,
                        stamp: stamps.get(&id).copied(),
                        id,
                        decode,
                        result: kept,
                    },
                );
                if let Some(slot) = out.get_mut(i) {
                    *slot = Some(result);
                }
            }
            cache.files = next;
            cache.reads = reads;
            cache.rules.files(same, keys);
            out.into_iter().map(Option::unwrap_or_default).collect()
        }
    };
    for (obj, mut diags) in results {
        p.diags.append(&mut diags);
        match obj {
            None => {}
            Some(Object::Detection(o)) => c.detections.push(*o),
            Some(Object::Story(o)) => c.stories.push(*o),
            Some(Object::Macro(o)) => c.macros.push(*o),
            Some(Object::Lookup(o)) => c.lookups.push(*o),
            Some(Object::Baseline(o)) => c.baselines.push(*o),
            Some(Object::Investigation(o)) => c.investigations.push(*o),
            Some(Object::Dashboard(o)) => c.dashboards.push(*o),
            Some(Object::DataSource(o)) => c.data_sources.push(*o),
            Some(Object::Deployment(o)) => c.deployments.push(*o),
            Some(Object::Sourcetype(o)) => c.sourcetypes.push(*o),
        }
    }
}

/// The parse trees of a content root's files kept on disk between runs
/// (`detc validate`, `detc build`): a pack ([`detc_cache`]) of each file's
/// tree keyed by the hash of its text, for this parser
/// ([`detc_yaml::tree_format`]). A file whose text is in the pack is not
/// parsed again; its tree is checked as it is read ([`detc_yaml::Doc::from_bytes`])
/// and parsed afresh if it does not pass, so a stale or damaged entry can
/// only cost time. Files whose parse gave a diagnostic are not kept (they
/// are parsed each time, so their diagnostics stay). After the run the
/// pack is rewritten with this run's files only, when it changed.
#[derive(Debug, Default)]
pub struct ParseCache {
    /// The pack file (usually `<root>/.detc-cache/parse.pack`).
    pub path: PathBuf,
    /// Why an existing pack was not used (damaged, foreign), for a warning.
    pub discarded: Option<String>,
    /// Files whose tree came from the pack in this run.
    pub hits: usize,
    /// Files parsed in this run.
    pub misses: usize,
    /// Why the pack could not be written, if it could not (a read-only
    /// content root, say: the run is as correct, only not faster next time).
    pub write_error: Option<String>,
}

impl ParseCache {
    /// A parse cache whose pack is `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        ParseCache {
            path: path.into(),
            ..Default::default()
        }
    }

    /// The folder detc keeps its cache in for the content root `root`:
    /// `.detc-cache` in it (with a `.gitignore` of its own, as ruff's and
    /// pytest's caches have).
    pub fn folder_of(root: &Path) -> PathBuf {
        root.join(".detc-cache")
    }

    /// The pack of parse trees for the content root `root`:
    /// `.detc-cache/parse.pack`.
    pub fn pack_of(root: &Path) -> PathBuf {
        Self::folder_of(root).join("parse.pack")
    }
}

/// What the parse trees in a pack are for: this detc and its parser.
fn pack_fingerprint() -> detc_cache::Key {
    let [a, b, c] = detc_yaml::tree_format();
    detc_cache::fingerprint(&[b"parse trees", a, b, c])
}

/// The two packs of a parse cache: the base (`parse.pack`) and the recent
/// one beside it (`parse.recent.pack`, see [`decode_with_pack`]).
struct Packs {
    base: detc_cache::Pack,
    recent: detc_cache::Pack,
    recent_path: PathBuf,
}

impl Packs {
    /// Opens both packs of the cache whose base is `path`; why one was
    /// unusable (damaged, foreign), if one was: said once, for the cache
    /// is both.
    fn open(path: &Path) -> (Packs, Option<String>) {
        let fp = pack_fingerprint();
        let recent_path = path.with_extension("recent.pack");
        let (base, why) = detc_cache::Pack::open(path, &fp);
        let (recent, why_recent) = detc_cache::Pack::open(&recent_path, &fp);
        let discarded = [why, why_recent].into_iter().find_map(|w| match w {
            Some(detc_cache::Discarded::Unusable(w)) => Some(w),
            _ => None,
        });
        (
            Packs {
                base,
                recent,
                recent_path,
            },
            discarded,
        )
    }

    /// The bytes kept for `key`, in either pack.
    fn get(&self, key: &detc_cache::Key) -> Option<&[u8]> {
        self.base.get(key).or_else(|| self.recent.get(key))
    }

    /// The tree kept for `text` (whose key is `key`), read for `file`, if
    /// one passes [`detc_yaml::Doc::from_bytes`]'s checks.
    fn tree(&self, key: &detc_cache::Key, text: &str, file: FileId) -> Option<detc_yaml::Doc> {
        detc_yaml::Doc::from_bytes(self.get(key)?, file, text.len(), Limits::default())
    }
}

/// [`decode_text`], with the parse tree taken from `packs` when they have
/// the text's.
fn decode_from(
    packs: Option<&Packs>,
    text: &str,
    file: FileId,
    path: &str,
    decode: DecodeFn,
) -> (Option<Object>, Vec<Diagnostic>) {
    if let Some(doc) = packs.and_then(|p| p.tree(&detc_cache::key(text.as_bytes()), text, file)) {
        return decode_doc(Some(doc), Vec::new(), text, file, path, decode);
    }
    decode_text(text, file, path, decode)
}

/// [`decode_text`] for every file, taking each file's parse tree from the
/// packs of `pc` when its text's is there; then writes them back.
///
/// Two packs: the base (`parse.pack`) and the recent one beside it
/// (`parse.recent.pack`), which holds the trees this run used that the
/// base lacks. An edit rewrites only the small recent pack; the base is
/// rewritten (and the recent pack removed) when a quarter of it is unused
/// or the recent pack has grown to a quarter of it.
fn decode_with_pack(
    sources: &SourceMap,
    files: &[(DecodeFn, FileId)],
    pc: &mut ParseCache,
) -> Vec<(Option<Object>, Vec<Diagnostic>)> {
    let fp = pack_fingerprint();
    let (packs, discarded) = Packs::open(&pc.path);
    // An unusable file is written again below.
    pc.discarded = discarded;
    let Packs {
        base,
        recent,
        recent_path,
    } = &packs;
    // Per file: its result, its key, and its tree's bytes when newly parsed
    // (`None` for a hit, or a tree not worth keeping), and whether it was a hit.
    type One = (
        (Option<Object>, Vec<Diagnostic>),
        detc_cache::Key,
        Option<Vec<u8>>,
        bool,
    );
    let done: Vec<One> = crate::par::parallel_map(files, |&(decode, id)| {
        let src = sources.get(id);
        let key = detc_cache::key(src.text.as_bytes());
        if let Some(doc) = packs.tree(&key, &src.text, id) {
            let r = decode_doc(Some(doc), Vec::new(), &src.text, id, &src.path, decode);
            return (r, key, None, true);
        }
        let (doc, diags) = detc_yaml::parse(&src.text, id, Limits::default());
        let bytes = match (&doc, diags.is_empty()) {
            (Some(d), true) => Some(d.to_bytes()),
            _ => None,
        };
        let r = decode_doc(doc, diags, &src.text, id, &src.path, decode);
        (r, key, bytes, false)
    });
    pc.hits = done.iter().filter(|d| d.3).count();
    pc.misses = done.len() - pc.hits;
    // The trees this run used, once each, with their bytes.
    let mut seen = std::collections::HashSet::new();
    let used: Vec<(&detc_cache::Key, &[u8])> = done
        .iter()
        .filter(|d| seen.insert(d.1))
        .filter_map(|(_, k, bytes, hit)| match bytes {
            Some(b) => Some((k, b.as_slice())),
            None if *hit => packs.get(k).map(|b| (k, b)),
            None => None,
        })
        .collect();
    let in_base = used.iter().filter(|(k, _)| base.get(k).is_some()).count();
    let rest: Vec<(&detc_cache::Key, &[u8])> = used
        .iter()
        .filter(|(k, _)| base.get(k).is_none())
        .copied()
        .collect();
    let unused = base.len() - in_base;
    let written = if base.is_empty() || unused * 4 > base.len() || rest.len() * 4 > base.len() {
        let w = detc_cache::write(&pc.path, &fp, used.iter().copied());
        if w.is_ok() && !recent.is_empty() {
            let _ = std::fs::remove_file(recent_path);
        }
        w
    } else if rest.len() != recent.len() || rest.iter().any(|(k, _)| recent.get(k).is_none()) {
        detc_cache::write(recent_path, &fp, rest.iter().copied())
    } else {
        Ok(())
    };
    if let Err(e) = written {
        pc.write_error = Some(e.to_string());
    }
    done.into_iter().map(|d| d.0).collect()
}

/// Reads `contentctl.yml` and every content file under `root`, decoding
/// what can be decoded. Runs no cross-object rule (see [`crate::validate`]).
pub fn load(root: &Path) -> Project {
    load_with(root, Overlay::default(), None)
}

/// What one run decoded, kept for the next (`detc lsp`, which checks the
/// content root again after each edit): a file whose text, folder and
/// place in the run (its [`FileId`], on which every span depends) are
/// those of the last run is not parsed and decoded again. The texts are
/// compared whole, so a kept result is never stale; a file on disk is read
/// again unless its size and modification time are those it had, settled,
/// when it was last read (`Stamp`).
#[derive(Default)]
pub struct DecodeCache {
    files: std::collections::HashMap<String, Decoded>,
    /// Files decoded and files taken from the cache, in the last run.
    pub last: (usize, usize),
    /// Content files read from disk in the last run (the others were the
    /// editor's buffers, or unchanged since they were read: `Stamp`).
    pub reads: usize,
    /// The per-detection findings of the last run's rules, for the next
    /// ([`crate::validate_with`]).
    pub rules: crate::rules::RuleMemo,
    /// A pack of parse trees ([`ParseCache`]) the first run reads, never
    /// writes: an editor's first check then parses only the files changed
    /// since the last `detc validate`.
    pack: Option<PathBuf>,
}

impl DecodeCache {
    /// A cache whose first run takes parse trees from the parse cache
    /// whose base pack is `path` (`.detc-cache/parse.pack` and the recent
    /// pack beside it, as `detc validate` leaves them), when usable; they
    /// are read, never written.
    pub fn reading_pack(path: impl Into<PathBuf>) -> Self {
        DecodeCache {
            pack: Some(path.into()),
            ..Default::default()
        }
    }
}

struct Decoded {
    text: String,
    /// The file's size and modification time when it was read, if it had
    /// settled then ([`Stamp`]).
    stamp: Option<Stamp>,
    /// The hash of `text`, for the rules' memo.
    key: detc_cache::Key,
    id: FileId,
    decode: DecodeFn,
    result: (Option<Object>, Vec<Diagnostic>),
}

/// A file's size (bytes) and modification time, taken before it is read,
/// by which a [`DecodeCache`] knows an unchanged file without reading it,
/// as git's index does. Only a *settled* file gets one: modified more than
/// [`Stamp::SETTLED`] before it was looked at, so that a change written in
/// the same tick of the file system's clock as the read cannot hide
/// behind an unchanged time.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Stamp {
    len: u64,
    modified: std::time::SystemTime,
}

impl Stamp {
    /// How long before the look a file must have been last modified.
    const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

    /// The stamp of the file at `path`, when it has settled.
    fn of(path: &Path) -> Option<Stamp> {
        let now = std::time::SystemTime::now();
        let m = std::fs::metadata(path).ok()?;
        let modified = m.modified().ok()?;
        let age = now.duration_since(modified).ok()?;
        (m.is_file() && age > Self::SETTLED).then_some(Stamp {
            len: m.len(),
            modified,
        })
    }
}

/// [`load`], reading the texts of `overlay` instead of those files' on
/// disk, and (with `cache`) decoding only the files that changed since
/// the cache's last run.
pub fn load_with(root: &Path, overlay: Overlay, cache: Option<&mut DecodeCache>) -> Project {
    load_inner(root, overlay, cache, None)
}

/// [`load`], taking the parse trees of unchanged files from the pack of
/// `parse_cache` and writing it back ([`ParseCache`]); the project keeps
/// it, with what it did, in [`Project::parse_cache`].
pub fn load_cached(root: &Path, parse_cache: ParseCache) -> Project {
    load_inner(root, Overlay::default(), None, Some(parse_cache))
}

fn load_inner(
    root: &Path,
    overlay: Overlay,
    cache: Option<&mut DecodeCache>,
    parse_cache: Option<ParseCache>,
) -> Project {
    let mut p = Project {
        root: root.to_path_buf(),
        overlay,
        parse_cache,
        ..Default::default()
    };
    read_config(&mut p);
    let mut c = Content::default();
    load_content(&mut p, &mut c, cache);
    for d in &mut c.dashboards {
        read_dashboard_json(&p.root, d, &mut p.diags);
    }
    p.content = c;
    p
}

/// Reads and checks a dashboard's JSON definition, `<stem>.json` beside
/// its YAML (contentctl `Dashboard.validate_fields_from_json`): it must
/// exist, be JSON, have a `title` equal to the dashboard's name and a
/// `description`; and (for the build's CDATA section) hold no `]]>`.
/// Problems are `C010` errors at the dashboard's name.
fn read_dashboard_json(root: &Path, d: &mut crate::model::Dashboard, diags: &mut Vec<Diagnostic>) {
    let Some(name) = d.common.name.as_ref() else {
        return;
    };
    let rel = std::path::Path::new(&d.common.path).with_extension("json");
    let problem = |msg: String, help: &str| {
        diag(code::C010, msg)
            .at(name.span)
            .label("this dashboard")
            .help(help.to_string())
    };
    let text = match std::fs::read_to_string(root.join(&rel)) {
        Ok(t) => t,
        Err(e) => {
            diags.push(problem(
                format!(
                    "cannot read the dashboard's definition `{}`: {e}",
                    rel.display()
                ),
                "put the Dashboard Studio JSON beside the YAML, with the same file name",
            ));
            return;
        }
    };
    let v: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            diags.push(problem(
                format!("`{}` is not JSON: {e}", rel.display()),
                "export the definition again from Dashboard Studio (Source view)",
            ));
            return;
        }
    };
    match v.get("title").and_then(|t| t.as_str()) {
        Some(t) if t == name.value => {}
        Some(t) => diags.push(problem(
            format!(
                "the title `{t}` in `{}` is not the dashboard's name `{}`",
                rel.display(),
                name.value
            ),
            "make the JSON's `title` and the YAML's `name` the same (contentctl requires it)",
        )),
        None => diags.push(problem(
            format!("`{}` has no `title`", rel.display()),
            "add `\"title\"` with the dashboard's name",
        )),
    }
    if v.get("description").is_none() {
        diags.push(problem(
            format!("`{}` has no `description`", rel.display()),
            "add `\"description\"` (contentctl requires it)",
        ));
    }
    if text.contains("]]>") {
        diags.push(problem(
            format!(
                "`{}` holds `]]>`, which would end the dashboard XML's CDATA section",
                rel.display()
            ),
            "write it as `]]\\u003e` inside the JSON string",
        ));
        return;
    }
    d.json = Some(text);
}

/// How the content model reads the object of `text`, a file of the
/// content folder `folder` (`detections`, `stories`, ...): each mapping its
/// decoder read, with every key it knows and how ([`detc_yaml::MapShape`]),
/// and the document, whose nodes tie a key's value to the mapping or list
/// decoded from it. `None` for an unknown folder or a file that is not
/// YAML. `detc schema` writes the JSON schemas from it.
pub fn shapes(folder: &str, text: &str) -> Option<(detc_yaml::Doc, Vec<detc_yaml::MapShape>)> {
    let (_, decode) = FOLDERS.iter().find(|(f, _)| *f == folder)?;
    let (doc, _) = detc_yaml::parse(text, detc_diag::FileId(0), Limits::default());
    let doc = doc?;
    let root = doc.root?;
    let shapes = {
        let mut de = Decoder::new(&doc, detc_diag::FileId(0)).with_source(text);
        de.shapes = Some(Vec::new());
        let _ = decode(&mut de, root, "file.yml");
        de.shapes.unwrap_or_default()
    };
    Some((doc, shapes))
}

#[cfg(test)]
mod tests {
    /// A test's expectations and timeline (detc extensions read by `detc
    /// test`): what is read, and the three mistakes the decoder reports.
    #[test]
    fn test_expectations_and_timelines() {
        let text = concat!(
            "name: X\ntests:\n",
            "- name: rows\n  attack_data: []\n  count: 2\n",
            "  rows:\n  - {user: alice, command: [A, B], n: 3}\n",
            "- name: both\n  attack_data: []\n  count: 1\n  timeline:\n",
            "  - {shift: 8 days, expect: none}\n",
            "  - {name: attack, shift: -1d, latest: +2h, reset_state: true, events: user=a*,",
            " expect: none, rows: [{user: a}]}\n",
        );
        let mut sources = detc_diag::SourceMap::default();
        let id = sources.add("detections/x.yml", text);
        let (obj, diags) = super::decode_text(text, id, "detections/x.yml", super::FOLDERS[0].1);
        let Some(super::Object::Detection(d)) = obj else {
            panic!("a detection: {diags:?}")
        };
        let s005: Vec<&str> = diags
            .iter()
            .filter(|d| d.code == "S005")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            s005,
            [
                "`8 days` is not a time offset",
                "`expect: none` says the search returns nothing, but `count` or `rows` expect results",
                "a test with a `timeline` has its expectations on each run",
            ],
            "{diags:?}"
        );
        let rows = &d.tests[0].expectation.rows;
        assert_eq!(
            d.tests[0].expectation.count.as_ref().map(|c| c.value),
            Some(2)
        );
        let fields: Vec<(&str, Vec<&str>)> = rows[0]
            .fields
            .iter()
            .map(|(f, v)| (f.value.as_str(), v.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            fields,
            [
                ("user", vec!["alice"]),
                ("command", vec!["A", "B"]),
                ("n", vec!["3"])
            ]
        );
        assert_eq!(d.tests[1].timeline.len(), 2, "{diags:?}");
        let run = &d.tests[1].timeline[1];
        assert_eq!(run.name.as_ref().map(|n| n.value.as_str()), Some("attack"));
        assert_eq!(
            run.events.as_ref().map(|n| n.value.as_str()),
            Some("user=a*")
        );
        assert_eq!(run.reset_state.as_ref().map(|b| b.value), Some(true));
        assert_eq!(
            run.shift
                .as_ref()
                .and_then(|s| crate::model::time_offset(&s.value)),
            Some(-86_400)
        );
        assert_eq!(crate::model::time_offset("+2h"), Some(7_200));
        assert_eq!(crate::model::time_offset("2h"), None);
        assert_eq!(crate::model::time_offset("+99999999999999999w"), None);
    }

    #[test]
    fn every_content_folder_has_a_decoder_in_order() {
        let dirs: Vec<&str> = super::FOLDERS.iter().map(|(d, _)| *d).collect();
        assert_eq!(dirs, super::CONTENT_DIRS);
    }

    /// F001: a listed file that cannot be read (here a folder opened as a
    /// file; on a real repository a file without read permission, which the
    /// tests, run as root, cannot make) is reported with its path, not skipped.
    #[test]
    fn a_file_that_cannot_be_read_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("detections").join("x.yml");
        std::fs::create_dir_all(&folder).unwrap();
        let mut sources = detc_diag::SourceMap::default();
        let mut diags = Vec::new();
        assert!(
            super::read_file(
                &mut sources,
                &mut diags,
                dir.path(),
                &folder,
                &super::Overlay::default()
            )
            .is_none()
        );
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "F001");
        assert!(
            diags[0].message.contains("cannot read the file"),
            "{}",
            diags[0].message
        );
    }
}
