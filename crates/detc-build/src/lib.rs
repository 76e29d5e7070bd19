//! detc's back end: writes the Splunk app for a validated content root.
//!
//! [`generate`] turns a [`Project`] into the app's files: its plan
//! ([`detc_plan`], where every value is decided) rendered by minijinja
//! templates (see [`render`]), lookups copied from the content;
//! [`App::add_firstseen`] adds the `firstseen` search command's binary
//! after checking it ([`elf`]), and [`write`] puts the app in `dist/` as a
//! folder and a tarball, atomically and byte-for-byte reproducibly.
//!
//! What is written, key by key, and where it differs from contentctl 5.6,
//! is in `docs/build.md`.

pub mod elf;
mod gzip;
pub mod render;

use detc_attack::Attack;
use detc_content::Project;
use detc_plan as view;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A reason the app cannot be built. The message names the object and its
/// file, or the template, and says what to do. The plan's errors (a value
/// that cannot be written) are of the same type.
pub use detc_plan::PlanError as BuildError;

/// The modification time given to every file of the folder and the
/// tarball when `SOURCE_DATE_EPOCH` is not set: 1980-01-01T00:00:00Z, in
/// seconds since the Unix epoch (the earliest time zip tools accept, for
/// those who repack the app).
pub const DEFAULT_MTIME: u64 = 315_532_800;

/// The file modification time for a build: `SOURCE_DATE_EPOCH` (seconds
/// since the Unix epoch, <https://reproducible-builds.org/specs/source-date-epoch/>)
/// when set, else [`DEFAULT_MTIME`].
///
/// # Errors
/// `SOURCE_DATE_EPOCH` set to something other than a non-negative integer.
pub fn mtime_from_env() -> Result<u64, BuildError> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Err(_) => Ok(DEFAULT_MTIME),
        Ok(v) => v.trim().parse::<u64>().map_err(|_| {
            BuildError::new(format!(
                "SOURCE_DATE_EPOCH is {v:?}; it must be seconds since 1970-01-01 (a non-negative integer)"
            ))
        }),
    }
}

/// One file of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppFile {
    /// Path inside the app folder, `/`-separated (`default/app.conf`).
    pub path: String,
    /// Content; empty for a copy (`copy_of`): read it with
    /// [`AppFile::bytes`].
    pub data: Vec<u8>,
    /// For a content file the app holds unchanged (a lookup's csv or
    /// mlmodel file): its path and its size in bytes when the app was
    /// generated. Its bytes are read only when the app is written, so the
    /// build does not hold the copies in memory (2.9 MiB of lookups in
    /// security_content v4.42.0, at the build's peak).
    pub copy_of: Option<(PathBuf, u64)>,
    /// Mode 0755 when true (the firstseen binary), else 0644.
    pub executable: bool,
}

impl AppFile {
    /// A file of `path` holding `data`, mode 0644.
    fn new(path: String, data: Vec<u8>) -> AppFile {
        AppFile {
            path,
            data,
            copy_of: None,
            executable: false,
        }
    }

    /// The file's bytes: `data`, or for a copy the file it copies, read
    /// whole.
    ///
    /// # Errors
    /// As [`AppFile::reader`].
    pub fn bytes(&self) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
        if self.copy_of.is_none() {
            return Ok(std::borrow::Cow::Borrowed(&self.data));
        }
        let mut out = Vec::new();
        self.reader()?.read_to_end(&mut out)?;
        Ok(std::borrow::Cow::Owned(out))
    }

    /// The file's bytes as a stream: `data`, or for a copy the file it
    /// copies, read as it is written (never whole in memory).
    ///
    /// # Errors
    /// A copy's file cannot be opened or read, or does not hold the number
    /// of bytes it had when the app was generated (it changed during the
    /// build); the message names the file.
    pub fn reader(&self) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        let Some((from, len)) = &self.copy_of else {
            return Ok(Box::new(self.data.as_slice()));
        };
        let file = std::fs::File::open(from).map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot read `{}`: {e}", from.display()))
        })?;
        Ok(Box::new(Copied {
            file,
            from,
            len: *len,
            read: 0,
        }))
    }

    /// The file's size in bytes, for its tarball header.
    fn size(&self) -> u64 {
        match &self.copy_of {
            Some((_, len)) => *len,
            None => self.data.len() as u64,
        }
    }
}

/// A copied file read as it is written: exactly the `len` bytes it had
/// when the app was generated, or an error naming it.
struct Copied<'a> {
    file: std::fs::File,
    from: &'a Path,
    len: u64,
    read: u64,
}

impl Copied<'_> {
    fn changed(&self) -> std::io::Error {
        std::io::Error::other(format!(
            "`{}` changed during the build (it had {} bytes); build again",
            self.from.display(),
            self.len
        ))
    }
}

impl std::io::Read for Copied<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.len - self.read;
        if left == 0 {
            // No byte may follow: a file that grew changed too.
            let mut one = [0u8; 1];
            return match self.file.read(&mut one)? {
                0 => Ok(0),
                _ => Err(self.changed()),
            };
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.file.read(&mut buf[..want])?;
        if n == 0 {
            return Err(self.changed());
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// The app: its folder name and files, sorted by path.
#[derive(Debug, Clone)]
pub struct App {
    /// Folder name and `[package] id`.
    pub appid: String,
    /// Version, for the tarball's name.
    pub version: String,
    /// Every file, sorted by path.
    pub files: Vec<AppFile>,
    /// Whether a search of the app calls `firstseen`: then the app ships
    /// the command (`commands.conf`, `searchbnf.conf`) and needs its
    /// binary ([`App::add_firstseen`]); otherwise it has neither.
    pub needs_firstseen: bool,
}

/// The tarball's deflate level: 5, whose output is within 0.25 % of level
/// 6's (zlib's default) on the security_content sample at 1x and 4x, for
/// about 7 % fewer instructions in deflate (callgrind, 1x).
pub const TARBALL_LEVEL: u32 = 5;

/// Where the `firstseen` binary goes in the app. splunkd looks for a
/// command's `filename` in `<app>/<platform>/bin` before `<app>/bin`
/// (commands.conf.spec).
pub const FIRSTSEEN_PATH: &str = "linux_x86_64/bin/firstseen";

impl App {
    /// The file at `path`, if any.
    pub fn file(&self, path: &str) -> Option<&AppFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// Adds the `firstseen` binary read from `binary`.
    ///
    /// # Errors
    /// The file is missing or unreadable, is not a Linux x86-64 ELF
    /// executable, or needs glibc symbols newer than [`elf::MAX_GLIBC`]
    /// (it would not start on older Linux releases that Splunk supports).
    pub fn add_firstseen(&mut self, binary: &Path) -> Result<(), BuildError> {
        let how = "build it with `bash scripts/build-firstseen.sh` (links against glibc 2.28) or pass `--firstseen FILE`";
        let data = std::fs::read(binary).map_err(|e| {
            BuildError::new(format!(
                "the firstseen binary `{}` cannot be read: {e}; {how}",
                binary.display()
            ))
        })?;
        match elf::newest_glibc(&data) {
            Err(m) => {
                return Err(BuildError::new(format!(
                    "the firstseen binary `{}` is {m}; Splunk runs it on Linux x86-64; {how}",
                    binary.display()
                )));
            }
            Ok(Some(v)) if v > elf::MAX_GLIBC => {
                return Err(BuildError::new(format!(
                    "the firstseen binary `{}` needs glibc {}.{} symbols, newer than {}.{}: it would not start on older Linux releases that Splunk supports; {how}",
                    binary.display(),
                    v.0,
                    v.1,
                    elf::MAX_GLIBC.0,
                    elf::MAX_GLIBC.1
                )));
            }
            Ok(_) => {}
        }
        self.files.retain(|f| f.path != FIRSTSEEN_PATH);
        self.files.push(AppFile {
            path: FIRSTSEEN_PATH.into(),
            data,
            copy_of: None,
            executable: true,
        });
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(())
    }

    /// The tarball's file name: `<appid>-<version>.tar.gz`.
    pub fn tarball_name(&self) -> String {
        format!("{}-{}.tar.gz", self.appid, self.version)
    }

    /// The gzipped tarball in memory; see [`App::write_tarball`].
    ///
    /// # Errors
    /// Only on an internal I/O failure of the in-memory writer.
    pub fn tarball(&self, mtime: u64) -> std::io::Result<Vec<u8>> {
        self.write_tarball(mtime, Vec::new())
    }

    /// Writes the gzipped tarball to `out` and returns `out`: `<appid>/`
    /// and every file under it, folders first in path order, owner and group 0 with empty names, modes 0755
    /// (folders and executables) and 0644, every mtime `mtime` (seconds
    /// since the Unix epoch), gzip header without name or time, deflated
    /// level [`TARBALL_LEVEL`] on every core by [`gzip::GzipWriter`]. The same app always gives
    /// the same bytes, whatever the machine.
    ///
    /// # Errors
    /// Writing to `out`.
    pub fn write_tarball<W: Write>(&self, mtime: u64, out: W) -> std::io::Result<W> {
        let mut tar = tar::Builder::new(gzip::GzipWriter::new(out, TARBALL_LEVEL)?);
        tar.mode(tar::HeaderMode::Deterministic);
        let mut dirs = std::collections::BTreeSet::new();
        dirs.insert(self.appid.clone());
        for f in &self.files {
            let mut p = f.path.as_str();
            while let Some((parent, _)) = p.rsplit_once('/') {
                dirs.insert(format!("{}/{parent}", self.appid));
                p = parent;
            }
        }
        let mut entries: Vec<(String, Option<&AppFile>)> =
            dirs.into_iter().map(|d| (format!("{d}/"), None)).collect();
        entries.extend(
            self.files
                .iter()
                .map(|f| (format!("{}/{}", self.appid, f.path), Some(f))),
        );
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, file) in entries {
            let mut h = tar::Header::new_ustar();
            h.set_mtime(mtime);
            h.set_uid(0);
            h.set_gid(0);
            match file {
                None => {
                    h.set_entry_type(tar::EntryType::Directory);
                    h.set_mode(0o755);
                    h.set_size(0);
                    tar.append_data(&mut h, &path, std::io::empty())?;
                }
                Some(f) => {
                    h.set_entry_type(tar::EntryType::Regular);
                    h.set_mode(if f.executable { 0o755 } else { 0o644 });
                    h.set_size(f.size());
                    tar.append_data(&mut h, &path, f.reader()?)?;
                }
            }
        }
        tar.into_inner()?.finish()
    }
}

/// Settings of [`generate`].
pub struct Options<'a> {
    /// ATT&CK data, for tactic names in annotations: `Attack::embedded()`
    /// or data leaked for the process's life (templates read it as they
    /// render, so it must outlive them).
    pub attack: &'static Attack,
    /// A folder whose files replace the built-in templates of the same name.
    pub templates: Option<&'a Path>,
}

/// Generates the app's files (without the firstseen binary, which the
/// caller adds with [`App::add_firstseen`] when [`App::needs_firstseen`]) from a
/// validated project: every template rendered, every csv and mlmodel
/// lookup copied into `lookups/`. The project is shared (`Arc`) because
/// the templates read detections' views built from it as they render.
///
/// # Errors
/// Every problem, each naming its object and file or its template: a
/// lookup file that is missing or unreadable, a value or stanza name that
/// cannot be written, a template that fails to render or writes an invalid
/// `.conf`.
pub fn generate(p: &Arc<Project>, opts: &Options) -> Result<App, Vec<BuildError>> {
    let (cx, rest) = view::context_unchecked(p, opts.attack);
    let cx = Arc::new(cx);
    // The detections' values are checked on a thread of their own while
    // the templates render; an error there discards the render, as if
    // [`view::context`] had failed first.
    let (mut errors, rendered) = detc_content::par::join(
        || cx.detections.errors(),
        || render::render_all(&cx, opts.templates),
    );
    errors.extend(rest);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut files = Vec::new();
    match rendered {
        Ok(out) => files.extend(
            out.into_iter()
                .map(|(path, text)| AppFile::new(path, text.into_bytes())),
        ),
        Err(e) => errors.extend(e),
    }
    content_files(p, &cx, &mut files, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let template = read_app_template(&p.root.join("app_template")).map_err(|e| vec![e])?;
    merge_app_template(template, &mut files, cx.app.ships_firstseen);
    define_template_lookups(&mut files);
    // After the stanzas of the template's lookups: contentctl 4.x ships
    // these files and defines no lookup for them.
    if p.format() == detc_content::model::Format::V4 {
        unnamed_lookup_files(p, &mut files);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(App {
        appid: cx.app.appid.clone(),
        version: cx.app.version.clone(),
        files,
        needs_firstseen: cx.app.ships_firstseen,
    })
}

/// The files written from the content without a template: a workbench
/// panel per response task with inputs, `lookups/data_sources.csv`, a view
/// per dashboard with a definition, and every csv and mlmodel lookup's
/// file copied into `lookups/`, added to `files`; the problems (an
/// unreadable lookup file, a data source list that cannot be written) are
/// added to `errors`.
fn content_files(
    p: &Project,
    cx: &view::Context,
    files: &mut Vec<AppFile>,
    errors: &mut Vec<BuildError>,
) {
    for r in cx.investigations.iter().filter(|r| !r.inputs.is_empty()) {
        files.push(AppFile::new(
            format!(
                "default/data/ui/panels/workbench_panel_{}___response_task.xml",
                r.lowercase_name
            ),
            workbench_panel(&r.search).into_bytes(),
        ));
    }
    if !p.content.data_sources.is_empty() {
        match data_sources_csv(&p.content.data_sources) {
            Ok(data) => files.push(AppFile::new("lookups/data_sources.csv".into(), data)),
            Err(e) => errors.push(BuildError::new(format!(
                "cannot write lookups/data_sources.csv: {e}"
            ))),
        }
    }
    for d in &p.content.dashboards {
        let Some(json) = &d.json else { continue };
        files.push(AppFile::new(
            format!(
                "default/data/ui/views/{}.xml",
                d.common.file_stem().to_lowercase()
            ),
            dashboard_view(&cx.app.label, d, json).into_bytes(),
        ));
    }
    for l in &cx.lookups {
        let Some((from, to)) = &l.copy else { continue };
        let source = p.root.join(from);
        match std::fs::File::open(&source).and_then(|f| f.metadata()) {
            // Only its size now: the bytes are read when the app is written.
            Ok(m) if m.is_file() => files.push(AppFile {
                path: format!("lookups/{to}"),
                data: Vec::new(),
                copy_of: Some((source, m.len())),
                executable: false,
            }),
            Ok(_) => errors.push(BuildError::new(format!(
                "lookup `{}`: its file `{from}` is not a regular file; put the {} file beside the lookup's YAML",
                l.name, l.kind
            ))),
            Err(e) => errors.push(BuildError::new(format!(
                "lookup `{}`: cannot read its file `{from}`: {e}; put the {} file beside the lookup's YAML",
                l.name, l.kind
            ))),
        }
    }
}

/// contentctl 4.x copies every `lookups/*.csv` and `lookups/*.mlmodel` into
/// the app, named or not (`conf_output.py`, `glob`); 4.1.5 and later refuse
/// a file no lookup names (`L003`), earlier ones ship it. The files that
/// neither a lookup nor `app_template/` put in the app are added, without
/// a transforms.conf stanza (contentctl writes none); a folder that cannot
/// be read adds nothing (validation reports the lookups it needs).
fn unnamed_lookup_files(p: &Project, files: &mut Vec<AppFile>) {
    let Ok(dir) = std::fs::read_dir(p.root.join("lookups")) else {
        return;
    };
    let have: std::collections::HashSet<String> = files.iter().map(|f| f.path.clone()).collect();
    let mut extra: Vec<(String, PathBuf, u64)> = dir
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let m = e.metadata().ok()?;
            let wanted = name.ends_with(".csv") || name.ends_with(".mlmodel");
            let path = format!("lookups/{name}");
            (wanted && m.is_file() && !have.contains(&path)).then(|| (path, e.path(), m.len()))
        })
        .collect();
    extra.sort();
    for (path, source, len) in extra {
        files.push(AppFile {
            path,
            data: Vec::new(),
            copy_of: Some((source, len)),
            executable: false,
        });
    }
}

/// Files that the build writes from the content even when `app_template/`
/// has a file of the same path: the ones contentctl 4.4.7 and 5.6.2
/// generate over their copy of the template (`conf_output.py`).
const GENERATED_OVER_TEMPLATE: &[&str] = &[
    "app.manifest",
    "default/analyticstories.conf",
    "default/app.conf",
    "default/collections.conf",
    "default/content-version.conf",
    "default/es_investigations.conf",
    "default/macros.conf",
    "default/savedsearches.conf",
    "default/server.conf",
    "default/transforms.conf",
    "default/workflow_actions.conf",
];

/// Files that detc writes for the `firstseen` command: when the template
/// has one of them too, detc's stanzas are appended to the template's.
const FIRSTSEEN_FILES: &[&str] = &[
    "default/authorize.conf",
    "default/commands.conf",
    "default/searchbnf.conf",
    "metadata/default.meta",
];

/// Reads the content pack's `app_template/` folder, which the app copies
/// as contentctl does before it writes anything (`ConfOutput.__init__`):
/// icons, views, navigation, README, `metadata/default.meta`, lookups
/// such as `mitre_enrichment.csv`. Every regular file with its
/// `/`-separated path in the app, in path order. Links are not followed:
/// a template cannot pull files from outside the content root. No folder,
/// no file. [`merge_app_template`] says which of a template file and
/// detc's file of the same path wins.
///
/// # Errors
/// A file or folder of the template that cannot be read, or a link in it.
fn read_app_template(dir: &Path) -> Result<Vec<AppFile>, BuildError> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let err = |p: &Path, e: &dyn std::fmt::Display| {
        BuildError::new(format!("app_template: cannot read `{}`: {e}", p.display()))
    };
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| err(dir, &e))?;
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        if !ft.is_file() {
            return Err(BuildError::new(format!(
                "app_template: `{}` is a link or special file; put a regular file there (links are not followed)",
                entry.path().display()
            )));
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .map_err(|e| err(entry.path(), &e))?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let data = std::fs::read(entry.path()).map_err(|e| err(entry.path(), &e))?;
        out.push(AppFile {
            path: rel,
            data,
            copy_of: None,
            executable: is_executable(&entry),
        });
    }
    Ok(out)
}

/// Merges the files of `app_template/` (from [`read_app_template`]) into
/// the app's. A template file replaces what detc would write at the same
/// path, except the files both contentctl and detc generate
/// ([`GENERATED_OVER_TEMPLATE`]); for the firstseen files
/// ([`FIRSTSEEN_FILES`]) of an app that ships the command, detc's stanzas
/// follow the template's.
fn merge_app_template(template: Vec<AppFile>, files: &mut Vec<AppFile>, firstseen: bool) {
    for t in template {
        let rel = t.path.as_str();
        match files.iter_mut().find(|f| f.path == rel) {
            Some(_) if GENERATED_OVER_TEMPLATE.contains(&rel) => {}
            Some(f) if firstseen && FIRSTSEEN_FILES.contains(&rel) => {
                let mut merged = t.data;
                if !merged.ends_with(b"\n") {
                    merged.push(b'\n');
                }
                merged.extend_from_slice(b"\n");
                merged.extend_from_slice(&f.data);
                f.data = merged;
            }
            Some(f) => {
                f.data = t.data;
                f.copy_of = t.copy_of;
                f.executable = t.executable;
            }
            None => files.push(t),
        }
    }
}

/// Gives each csv file of the app's `lookups/` that no lookup defines (one
/// the template ships, the `data_sources` lookup) a transforms.conf stanza
/// of its name (`[mitre_enrichment] filename = mitre_enrichment.csv`), as
/// contentctl 4.4.7's transforms template does for ESCU's
/// `mitre_enrichment.csv` and its build for `data_sources`, so searches can
/// use it by name.
fn define_template_lookups(files: &mut [AppFile]) {
    let stems: Vec<String> = files
        .iter()
        .filter_map(|f| f.path.strip_prefix("lookups/"))
        .filter(|n| !n.contains('/'))
        .filter_map(|n| n.strip_suffix(".csv"))
        .map(str::to_string)
        .collect();
    let Some(t) = files
        .iter_mut()
        .find(|f| f.path == "default/transforms.conf")
    else {
        return;
    };
    // What transforms.conf already defines, read once: stanza names and
    // the stems of `filename = <stem>.csv`.
    let text = String::from_utf8_lossy(&t.data);
    let mut defined: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for l in text.lines() {
        let l = l.trim();
        if let Some(name) = l.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            defined.insert(name);
        } else if let Some((k, v)) = l.split_once('=')
            && k.trim() == "filename"
            && let Some(stem) = v.trim().strip_suffix(".csv")
        {
            defined.insert(stem);
        }
    }
    let mut extra = String::new();
    for stem in stems.iter().filter(|s| !defined.contains(s.as_str())) {
        if detc_conf::check_stanza_name(stem).is_ok() {
            let what = if stem == "data_sources" {
                "the content's data sources (data_sources/), as contentctl lists them"
            } else {
                "shipped by app_template/lookups/; no lookup of the content defines it"
            };
            extra.push_str(&format!(
                "\n# lookups/{stem}.csv: {what}.\n[{stem}]\nfilename = {stem}.csv\n"
            ));
        }
    }
    t.data.extend_from_slice(extra.as_bytes());
}

#[cfg(unix)]
fn is_executable(e: &walkdir::DirEntry) -> bool {
    use std::os::unix::fs::PermissionsExt;
    e.metadata()
        .is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_: &walkdir::DirEntry) -> bool {
    false
}

/// `text` as XML character data: `&`, `<` and `>` escaped.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The Simple XML of a response task's ES workbench panel: a table of
/// its search (contentctl 4.4.7 `panel.j2`). The search is escaped for
/// XML (`&`, `<`, `>`; contentctl escapes only `<` and `>`, so a search
/// with `&` gave a panel Splunk could not parse).
fn workbench_panel(search: &str) -> String {
    let q = xml_text(search);
    format!(
        "<panel>\n  <table>\n    <search>\n      <query>{q}</query>\n    </search>\n    <option name=\"drilldown\">cell</option>\n    <option name=\"wrap\">false</option>\n  </table>\n</panel>\n"
    )
}

/// The `data_sources` lookup contentctl writes from `data_sources/`
/// (`DataSourceWriter.writeDataSourceCsv`): one row per data source, sorted
/// by name, with its first supported TA; its transforms.conf stanza comes
/// from [`define_template_lookups`].
fn data_sources_csv(sources: &[detc_content::model::DataSource]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "name",
        "id",
        "author",
        "source",
        "sourcetype",
        "separator",
        "supported_TA_name",
        "supported_TA_version",
        "supported_TA_url",
        "description",
    ])?;
    let mut sorted: Vec<&detc_content::model::DataSource> = sources.iter().collect();
    sorted.sort_by(|a, b| a.common.name().cmp(b.common.name()));
    fn v(x: &Option<detc_yaml::Spanned<String>>) -> &str {
        x.as_ref().map_or("", |s| s.value.as_str())
    }
    for d in sorted {
        let (ta, ver, url) = d.supported_ta.as_ref().map_or(("", "", ""), |(a, b, c)| {
            (a.as_str(), b.as_str(), c.as_str())
        });
        w.write_record([
            d.common.name(),
            v(&d.common.id),
            v(&d.common.author),
            v(&d.source),
            v(&d.sourcetype),
            d.separator.as_deref().unwrap_or(""),
            ta,
            ver,
            url,
            v(&d.common.description),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A dashboard as the Simple XML view that holds its Dashboard Studio
/// definition (`<dashboard version="2">`, the JSON in a CDATA section), as
/// contentctl writes it: label `<app label> - <name>`, the theme (light
/// by default), and the edit, open-in-search and export buttons shown. The
/// JSON is kept as written (contentctl re-indents it); the loader refused
/// one holding `]]>`.
fn dashboard_view(label: &str, d: &detc_content::model::Dashboard, json: &str) -> String {
    let theme = d.theme.as_ref().map_or("light", |t| t.value.as_str());
    format!(
        "<dashboard version=\"2\" theme=\"{theme}\">\n    <label>{}</label>\n    <description></description>\n    <definition><![CDATA[\n{}\n    ]]></definition>\n    <meta type=\"hiddenElements\"><![CDATA[\n{{\n\t\"hideEdit\": false,\n\t\"hideOpenInSearch\": false,\n\t\"hideExport\": false\n}}\n    ]]></meta>\n</dashboard>\n",
        xml_text(&format!("{label} - {}", d.common.name())),
        json.trim_end()
    )
}

/// What [`write`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// `dist/<appid>`.
    pub folder: PathBuf,
    /// `dist/<appid>-<version>.tar.gz`.
    pub tarball: PathBuf,
    /// Tarball size in bytes.
    pub tarball_bytes: u64,
}

/// Writes `dist/<appid>/` and `dist/<appid>-<version>.tar.gz`, replacing
/// what a previous build left. Everything is first written into a
/// temporary folder inside `dist/` and then renamed into place, so an error
/// never leaves a half-written app; files get modification time `mtime`
/// (seconds since the Unix epoch).
///
/// # Errors
/// `dist/` cannot be created or written (the message names the path).
pub fn write(app: &App, dist: &Path, mtime: u64) -> Result<Written, BuildError> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        BuildError::new(format!("cannot {what} `{}`: {e}", p.display()))
    };
    std::fs::create_dir_all(dist).map_err(|e| io("create the output folder", dist, e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".detc-build-")
        .tempdir_in(dist)
        .map_err(|e| io("write into the output folder", dist, e))?;
    let staged = tmp.path().join(&app.appid);
    let staged_tgz = tmp.path().join(app.tarball_name());
    // The folder is written on a thread of its own while the tarball is
    // deflated on the others: the one is mostly the kernel copying bytes,
    // the other deflate.
    let (files, tarball_bytes) = detc_content::par::join(
        || write_files(app, &staged, mtime),
        // Streamed to its file: the tarball is never whole in memory.
        || {
            std::fs::File::create(&staged_tgz)
                .map_err(|e| io("create", &staged_tgz, e))
                .and_then(|file| {
                    app.write_tarball(mtime, std::io::BufWriter::new(file))
                        .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
                        .and_then(|f| f.metadata())
                        .map(|m| m.len())
                        .map_err(|e| io("write", &staged_tgz, e))
                })
        },
    );
    files?;
    let tarball_bytes = tarball_bytes?;
    let folder = dist.join(&app.appid);
    let tarball = dist.join(app.tarball_name());
    // Move the previous build aside, put the new one in place, then delete
    // the old one with the temporary folder.
    if folder.exists() {
        let old = tmp.path().join(".previous");
        std::fs::rename(&folder, &old).map_err(|e| io("replace", &folder, e))?;
    }
    std::fs::rename(&staged, &folder).map_err(|e| io("move the app into", &folder, e))?;
    std::fs::rename(&staged_tgz, &tarball).map_err(|e| io("move the tarball into", &tarball, e))?;
    Ok(Written {
        folder,
        tarball,
        tarball_bytes,
    })
}

/// Writes the app's files under `staged` (the app's folder, created),
/// each with its mode (0755 for executables, else 0644) and `mtime`
/// (seconds since the Unix epoch).
fn write_files(app: &App, staged: &Path, mtime: u64) -> Result<(), BuildError> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        BuildError::new(format!("cannot {what} `{}`: {e}", p.display()))
    };
    let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(mtime);
    for f in &app.files {
        let path = staged.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io("create", parent, e))?;
        }
        let mut file = std::fs::File::create(&path).map_err(|e| io("create", &path, e))?;
        f.reader()
            .and_then(|mut r| std::io::copy(&mut r, &mut file))
            .map_err(|e| io("write", &path, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = if f.executable { 0o755 } else { 0o644 };
            file.set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(|e| io("set the mode of", &path, e))?;
        }
        file.set_modified(when)
            .map_err(|e| io("set the time of", &path, e))?;
    }
    Ok(())
}
