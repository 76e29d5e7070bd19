//! `detc`: the detection-as-code compiler's command line. Thin: the work is
//! in `detc-content` (model and rules) and `detc-diag` (rendering).

use clap::{Parser, Subcommand, ValueEnum};
use detc_attack::Attack;
use detc_content::{Options, codes};
use detc_diag::{Summary, render_human, render_json, render_sarif};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod targets;

/// Detection-as-code compiler for Splunk.
///
/// Reads content in the splunk/security_content layout (detections,
/// stories, macros, lookups, baselines, data sources, deployments as YAML,
/// configured by contentctl.yml) and checks it like a compiler.
#[derive(Parser)]
#[command(name = "detc", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Compiler-style text with the source line and the span marked.
    Human,
    /// A JSON object with every diagnostic and a summary.
    Json,
    /// SARIF 2.1.0, for code-scanning annotations on pull requests.
    Sarif,
}

/// Rule levels (see `detc rules`; `detc.toml` `[lints]` sets them for a repository).
#[derive(clap::Args, Clone, Default)]
struct LintArgs {
    /// Do not report rule CODE (a code such as A004 or a name such as
    /// technique-and-subtechnique). Repeatable.
    #[arg(long, value_name = "CODE")]
    allow: Vec<String>,
    /// Report rule CODE as a warning. Repeatable.
    #[arg(long, value_name = "CODE")]
    warn: Vec<String>,
    /// Report rule CODE as an error. Repeatable; when a rule is named
    /// twice, deny beats warn beats allow.
    #[arg(long, value_name = "CODE")]
    deny: Vec<String>,
    /// `warn`: every error from a rule that contentctl does not have (the
    /// reference contentctl for 4.x files, see --contentctl; 5.6 for 5.x
    /// ones) becomes a warning, so content with known defects still
    /// builds. Schema errors stay errors, but for duplicate keys (the last
    /// value is read, as PyYAML does).
    #[arg(long, value_name = "LEVEL", value_parser = ["warn"])]
    cap_lints: Option<String>,
    /// The contentctl 4.x version (4.0.1 to 4.4.7) that 4.x content is
    /// checked and built against, as that version built it [default:
    /// `[build] contentctl` of detc.toml, else the `contentctl==` pin of
    /// requirements.txt, else the era of the ESCU release in
    /// contentctl.yml's `app.version` as the content shows it, else 4.4.7]
    #[arg(long, value_name = "VERSION", value_parser = parse_contentctl)]
    contentctl: Option<String>,
    /// Refuse detc's extensions to the contentctl 5.x format (ATT&CK
    /// detection strategies and analytics, `written_by`, `field_types`)
    /// and whatever else contentctl 5.6.2 refuses: content that passes
    /// also passes contentctl 5.6.2. `[schema] extensions = false` in
    /// detc.toml does the same.
    #[arg(long)]
    no_extensions: bool,
}

/// `--contentctl`: a 4.x version detc knows.
fn parse_contentctl(s: &str) -> Result<String, String> {
    detc_content::era::parse_given(s).map(|v| v.to_string())
}

impl LintArgs {
    /// The flags as rule levels; prints why and fails on an unknown rule
    /// or a schema rule being lowered.
    fn flags(&self) -> Result<detc_content::lints::LintFlags, ExitCode> {
        use detc_content::lints::{Level, check_flag};
        let mut levels = Vec::new();
        for (list, level) in [
            (&self.allow, Level::Allow),
            (&self.warn, Level::Warn),
            (&self.deny, Level::Deny),
        ] {
            for code in list {
                if let Err(e) = check_flag(code, level) {
                    eprintln!("error: {e}");
                    return Err(ExitCode::from(2));
                }
                levels.push((code.clone(), level));
            }
        }
        Ok(detc_content::lints::LintFlags {
            levels,
            cap_warn: self.cap_lints.is_some(),
            no_extensions: self.no_extensions,
            contentctl: self.contentctl.clone(),
            errors_only: false,
        })
    }
}

/// The answers contentctl's `new` asks for, as `detc new` options.
#[derive(clap::Args)]
struct NewArgs {
    /// Its name (the file name is derived from it).
    #[arg(long)]
    name: String,
    /// Author line [default: a placeholder].
    #[arg(long)]
    author: Option<String>,
    /// Detection type: TTP, Anomaly, Hunting or Correlation [default: TTP].
    #[arg(long = "type", value_name = "TYPE")]
    detection_type: Option<String>,
    /// Sub-folder of detections/ [default: endpoint].
    #[arg(long)]
    folder: Option<String>,
    /// ATT&CK technique ID (T1059, T1059.001). Repeatable.
    #[arg(long = "technique", value_name = "ID")]
    techniques: Vec<String>,
    /// Analytic story it belongs to. Repeatable.
    #[arg(long = "story", value_name = "NAME")]
    stories: Vec<String>,
    /// Data source it reads. Repeatable.
    #[arg(long = "data-source", value_name = "NAME")]
    data_sources: Vec<String>,
    /// tags.security_domain [default: endpoint].
    #[arg(long)]
    security_domain: Option<String>,
    /// tags.asset_type of a detection [default: Endpoint].
    #[arg(long)]
    asset_type: Option<String>,
    /// tags.category of a story [default: Adversary Tactics].
    #[arg(long)]
    category: Option<String>,
    /// A macro's argument name. Repeatable.
    #[arg(long = "argument", value_name = "NAME")]
    arguments: Vec<String>,
    /// A macro's definition [default: a placeholder].
    #[arg(long)]
    definition: Option<String>,
    /// A lookup's csv column. Repeatable; required for a lookup.
    #[arg(long = "field", value_name = "NAME")]
    fields: Vec<String>,
    /// A detection that a baseline feeds. Repeatable.
    #[arg(long = "detection", value_name = "NAME")]
    detections: Vec<String>,
}

impl NewArgs {
    /// The request for `detc_new::scaffold`, with a fresh UUID and today's date.
    fn request(self) -> detc_new::Request {
        detc_new::Request {
            name: self.name,
            id: detc_new::fresh_id(),
            date: jiff::Zoned::now().date().to_string(),
            author: self.author,
            detection_type: self.detection_type,
            folder: self.folder,
            techniques: self.techniques,
            stories: self.stories,
            data_sources: self.data_sources,
            security_domain: self.security_domain,
            asset_type: self.asset_type,
            category: self.category,
            arguments: self.arguments,
            definition: self.definition,
            fields: self.fields,
            detections: self.detections,
        }
    }
}

/// What `detc new` creates.
#[derive(Clone, Copy, ValueEnum)]
enum NewKind {
    /// detections/<folder>/<name>.yml
    Detection,
    /// stories/<name>.yml
    Story,
    /// macros/<name>.yml
    Macro,
    /// lookups/<name>.yml and lookups/<name>.csv
    Lookup,
    /// baselines/<name>.yml
    Baseline,
}

#[derive(Subcommand)]
enum Command {
    /// Check every content file and report every problem in one run.
    ///
    /// Exit status: 0 when there is no error (warnings allowed), 1 when the
    /// content has errors, 2 on a usage or I/O error.
    Validate {
        /// Content files or folders. The content root (the folder holding
        /// contentctl.yml) is found upward from each, as git finds its
        /// repository; the whole content is checked (rules look across
        /// files) and the findings in the files named are reported. Paths
        /// print relative to the current folder.
        #[arg(default_value = ".", value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Check ATT&CK mappings against this STIX 2.1 bundle
        /// (enterprise-attack-<version>.json or .json.gz) instead of the
        /// embedded ATT&CK 18.1.
        #[arg(long, value_name = "FILE")]
        attack_bundle: Option<PathBuf>,
        /// Color the human output: auto, always or never.
        #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
        color: String,
        /// Findings recorded in FILE (by `--write-baseline`) are known: not
        /// shown, not counted, and marked `unchanged` in JSON and SARIF
        /// (`baselineState`); only new ones fail. For turning detc on in CI
        /// over a repository with known defects.
        #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
        baseline: Option<PathBuf>,
        /// Record every finding of this run in FILE (JSON, stable order) and
        /// exit 0; commit it and pass it to `--baseline`.
        #[arg(long, value_name = "FILE")]
        write_baseline: Option<PathBuf>,
        #[command(flatten)]
        lints: LintArgs,
    },
    /// Validate, then write the Splunk app: dist/<appid>/ and
    /// dist/<appid>-<version>.tar.gz, and its documentation in dist/docs/
    /// (as `detc docs`).
    ///
    /// Refuses to build when validation finds errors (they are printed, as
    /// by `detc validate`). The output is byte-for-byte reproducible: file
    /// times come from SOURCE_DATE_EPOCH, else 1980-01-01. Exit status: 0
    /// built, 1 content or build errors, 2 usage or I/O error.
    Build {
        /// The content root: the folder holding contentctl.yml.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Output folder [default: build_path of contentctl.yml, `dist`,
        /// under the content root].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Folder of minijinja templates that replace the built-in ones of
        /// the same name (see `detc templates`).
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// The firstseen binary to package (Linux x86-64, glibc 2.28 or
        /// older symbols), needed only when a search calls `firstseen`
        /// [default: `firstseen` beside the detc executable].
        #[arg(long, value_name = "FILE")]
        firstseen: Option<PathBuf>,
        /// Do not write dist/docs/.
        #[arg(long)]
        no_docs: bool,
        /// Color the diagnostics: auto, always or never.
        #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
        color: String,
        #[command(flatten)]
        lints: LintArgs,
    },
    /// Validate, then write the documentation: a Markdown page per
    /// detection and analytic story, an index, an ATT&CK coverage matrix
    /// (attack.md) and an ATT&CK Navigator layer
    /// (attack-navigator-layer.json).
    ///
    /// The folder ends up holding exactly these files: a new one is written
    /// aside and renamed into place; an existing one is updated in place
    /// (changed pages replaced, unchanged ones left, others removed). The
    /// pages are generated while the content is checked for errors: only
    /// the rules that could report an error at the levels in force run,
    /// and only errors are printed (`detc validate` reports the warnings).
    /// Exit status: 0 written, 1 content errors, 2 usage or I/O error.
    Docs {
        /// The content root: the folder holding contentctl.yml.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Output folder [default: `docs` under build_path of
        /// contentctl.yml, `dist/docs`, under the content root].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Color the diagnostics: auto, always or never.
        #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
        color: String,
        #[command(flatten)]
        lints: LintArgs,
    },
    /// Run the detections' tests offline, on their local attack data, with
    /// detc's SPL interpreter and the real firstseen engine.
    ///
    /// A test passes when its search returns at least one result on its
    /// attack data (contentctl's meaning), or what its detc extensions say:
    /// expect: none, count, rows, and timelines of runs sharing one
    /// firstseen state (docs/testing.md). Events are read as the content's
    /// sourcetypes/ definitions say. A test is skipped, with the reason,
    /// when its attack data is a URL, its sourcetype has no definition in
    /// sourcetypes/ (or it maps no events to the data model the search
    /// reads), its search uses a command outside the interpreter's subset
    /// (named with file:line), or it keeps firstseen history (min_history=)
    /// without a timeline. The content is validated first. Exit status: 0
    /// no test failed, 1 a test failed or the content has errors, 2 usage
    /// or I/O error.
    Test {
        /// The content root: the folder holding contentctl.yml.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Only this detection's tests (its name; repeat for more).
        #[arg(long = "detection", value_name = "NAME")]
        detections: Vec<String>,
        /// Output: text (a line per test and a summary), json, or junit
        /// (JUnit XML, which CI systems display).
        #[arg(long, default_value = "text", value_parser = ["text", "json", "junit"])]
        format: String,
        /// Color the diagnostics: auto, always or never.
        #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
        color: String,
        #[command(flatten)]
        lints: LintArgs,
    },
    /// Write one reviewable text file per detection, baseline and analytic
    /// story: the savedsearches.conf stanza as built, the search as Splunk
    /// runs it (every macro expanded, one command per line), the macros it
    /// used and where they are defined, and the schedule, notable, risk,
    /// throttling and drilldown settings.
    ///
    /// Files are named after the YAML files (detections/endpoint/foo.yml
    /// gives detections/endpoint/foo.txt). Without --check, the folder is
    /// brought in line: changed and new files written, files of removed
    /// searches deleted (only .txt files under detections/, baselines/ and
    /// stories/). With --check, nothing is written: a unified diff per
    /// changed file and a summary are printed. Exit status: 0 written or
    /// unchanged, 1 content errors or (with --check) snapshots that differ,
    /// 2 usage or I/O error.
    Snapshot {
        /// The content root: the folder holding contentctl.yml.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Snapshot folder [default: `snapshots` under the content root].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Compare with the folder instead of writing it: exit 1 when a
        /// snapshot changed, was added or was removed (the CI snapshot test).
        #[arg(long)]
        check: bool,
        /// Color the diagnostics: auto, always or never.
        #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
        color: String,
        #[command(flatten)]
        lints: LintArgs,
    },
    /// Create a new detection, analytic story, macro, lookup or baseline,
    /// without questions: every required field, a fresh UUID, today's date,
    /// contentctl's file name, and `TODO(detc new)` placeholders for what
    /// only you can write, which `detc validate` points at (P006) until
    /// they are replaced.
    ///
    /// Refuses to overwrite a file. Exit status: 0 written, 2 usage or I/O
    /// error.
    New {
        /// What to create.
        #[arg(value_enum)]
        kind: NewKind,
        /// The content root: the folder holding contentctl.yml (found upward).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[command(flatten)]
        answers: NewArgs,
    },
    /// Write JSON Schemas of every content type (detection, story, macro,
    /// lookup, baseline, data_source, deployment) in contentctl 5.x's
    /// format, detc's extensions marked, for editors and CI.
    ///
    /// They are generated from detc's content model, so they accept what
    /// `detc validate` accepts as a file's shape (fields, types, enums,
    /// patterns, required fields, no unknown key); references, SPL and
    /// ATT&CK are left to `detc validate`. See docs/schemas.md. Exit
    /// status: 0 written, 2 I/O error.
    Schema {
        /// Output folder [default: schemas].
        #[arg(long, value_name = "DIR", default_value = "schemas")]
        out: PathBuf,
    },
    /// Rewrite contentctl 4.x YAML (tags.observable, tags.risk_score,
    /// lookups with filename/collection, stories without status) into the
    /// 5.x format, keeping key order and comments.
    ///
    /// PATH is the content root or one file in it. Without --out or
    /// --in-place, lists what would change. Files already in the 5.x format
    /// are left alone, so running it twice changes nothing. The result is
    /// validated and its summary printed. Exit status: 0 done, 1 the
    /// migrated content has errors, 2 usage or I/O error.
    Migrate {
        /// The content root (the folder holding contentctl.yml), or one
        /// content file.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Write a migrated copy of the whole content root to DIR.
        #[arg(long, value_name = "DIR", conflicts_with = "in_place")]
        out: Option<PathBuf>,
        /// Rewrite the files where they are (and rename lookup files).
        #[arg(long)]
        in_place: bool,
        /// Color the diagnostics: auto, always or never.
        #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
        color: String,
    },
    /// Move a fork of a security_content release to a newer release,
    /// keeping its local edits.
    ///
    /// FORK is the fork's content root; --to the newer release's; --base
    /// the release the fork branched from (or --releases DIR, a folder of
    /// releases to find it in: the one sharing the most files with the
    /// fork). Files are matched by their `id:`, so upstream's moves follow.
    /// A file edited only in the fork stays; one edited on both sides is
    /// merged per YAML field (per row for a CSV lookup); a field changed on
    /// both sides keeps the fork's value, with upstream's written above it
    /// as a `# detc upgrade: conflict` comment. Files that cannot be merged
    /// keep the fork's side, with upstream's in .detc-upgrade/upstream/.
    /// The fork is changed in place (keep it under version control) and
    /// then validated as the newer release's contentctl would build it.
    /// With --check, only lists what would change. Exit status: 0 done, 1
    /// conflicts to resolve or errors in the result, 2 usage or I/O error.
    Upgrade {
        /// The fork's content root.
        #[arg(default_value = ".")]
        fork: PathBuf,
        /// The newer release's content root.
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        /// The release the fork branched from (its content root).
        #[arg(long, value_name = "DIR", conflicts_with = "releases")]
        base: Option<PathBuf>,
        /// A folder of release content roots to find the base in.
        #[arg(long, value_name = "DIR")]
        releases: Option<PathBuf>,
        /// List what would change; write nothing.
        #[arg(long)]
        check: bool,
        /// Color the diagnostics: auto, always or never.
        #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
        color: String,
    },
    /// Print the built-in template NAME (or list the names), as a start
    /// for `detc build --templates DIR`.
    Templates {
        /// A template name, e.g. savedsearches.conf.j2.
        name: Option<String>,
    },
    /// List every rule with its code, default level and origin; with
    /// CODE, print that rule's documentation.
    Rules {
        /// A rule code, e.g. Q002 (case-insensitive), or its name, e.g.
        /// filter-macro-misplaced.
        code: Option<String>,
    },
}

fn use_color(color: &str) -> bool {
    match color {
        "always" => true,
        "never" => false,
        _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

fn dist_of(p: &detc_content::Project, path: &std::path::Path) -> PathBuf {
    let b = if p.config.build_path.is_empty() {
        "dist"
    } else {
        p.config.build_path.as_str()
    };
    path.join(b)
}

/// Validates `path`; `Err` (after printing the diagnostics and why) when
/// it has errors. Without errors, the warnings are printed by the returned
/// [`Report`] while the command goes on.
fn validated(
    path: &std::path::Path,
    color: &str,
    what: &str,
    lints: &LintArgs,
) -> Result<(detc_content::Project, Report), ExitCode> {
    validated_beside(path, color, what, lints, Check::All, |_| ()).map(|(p, (), r)| (p, r))
}

/// What [`validated_beside`] checks and reports.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Every rule; every diagnostic is printed.
    All,
    /// Only what could stop the command: rules that could report nothing
    /// but warnings at these levels do not run, and only errors are
    /// printed (`detc docs`; warnings are `detc validate`'s to report).
    ErrorsOnly,
}

/// The diagnostics of content without errors, rendered and printed to
/// stderr on a thread of their own while the command builds from the
/// content (rendering 1,400 warnings of security_content v4.42.0 takes
/// about 30 ms on one core). [`Report::finish`], or dropping it, waits
/// until they are printed: call it before the command prints its own
/// results, so that those come last.
struct Report(Option<std::thread::JoinHandle<()>>);

impl Report {
    /// Waits until the diagnostics are printed.
    fn finish(mut self) {
        self.wait();
    }

    fn wait(&mut self) {
        if let Some(h) = self.0.take() {
            // A panic while printing is the printer's, already reported on
            // stderr by the panic hook; the command's result stands.
            let _ = h.join();
        }
    }
}

impl Drop for Report {
    fn drop(&mut self) {
        self.wait();
    }
}

/// [`validated`], running `beside` on the decoded content while the rules
/// run (see `detc_content::validate_beside`); its result is returned only
/// when the content has no error.
fn validated_beside<R: Send>(
    path: &std::path::Path,
    color: &str,
    what: &str,
    lints: &LintArgs,
    check: Check,
    beside: impl FnOnce(&detc_content::Project) -> R + Send,
) -> Result<(detc_content::Project, R, Report), ExitCode> {
    if !path.is_dir() {
        eprintln!(
            "error: `{}` is not a folder\nhelp: pass the content root, the folder holding contentctl.yml",
            path.display()
        );
        return Err(ExitCode::from(2));
    }
    let mut flags = lints.flags()?;
    flags.errors_only = check == Check::ErrorsOnly;
    let opts = Options {
        lints: flags,
        ..Options::default()
    };
    let (mut p, result) = detc_content::validate_beside(path, &opts, beside);
    if check == Check::ErrorsOnly {
        p.diags.retain(|d| d.severity == detc_diag::Severity::Error);
    }
    let summary = Summary::of(&p.diags);
    // The file texts and diagnostics are only for the report: the build
    // and the docs read the decoded content. They go with the report, and
    // are freed when it is printed, which lowers the build's peak memory
    // by the size of the content.
    let mut sources = std::mem::take(&mut p.sources);
    let diags = std::mem::take(&mut p.diags);
    let color = use_color(color);
    let root = path.to_path_buf();
    let print = move || {
        if !diags.is_empty() {
            // Shown relative to where the command runs (the sources' paths
            // are only shown; nothing after this reads a file by them).
            targets::show_from_cwd(&mut sources, &root);
            eprint!("{}", render_human(&sources, &diags, color));
        }
        drop((sources, diags));
        release_freed_memory();
    };
    if summary.errors > 0 {
        print();
        eprintln!("error: not {what}: the content has errors (above)");
        return Err(ExitCode::from(1));
    }
    Ok((p, result, Report(Some(std::thread::spawn(print)))))
}

/// Leaves `x` to the operating system, which takes all of the process's
/// memory back at once when it exits, instead of freeing it a string at a
/// time: call it when the command is done with `x` and about to end.
/// Freeing the decoded content of security_content v4.42.0 took about
/// 10 ms, on one core, at the end of every command. Only for values that
/// hold nothing but memory (no file to flush, no thread to join).
fn leave_to_exit<T>(x: T) {
    std::mem::forget(x);
}

/// Hands the heap memory freed so far back to the operating system.
///
/// glibc keeps freed memory in its arenas (one per thread that allocated:
/// the loader's threads have their own), where later allocations on other
/// threads cannot reuse it, so without this the file texts freed after
/// validation stay in the process's resident memory for the whole build
/// (8 MiB of 60 at 1,300 detections). Elsewhere this does nothing.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only walks glibc's own
    // arenas, under their locks; it is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Ends the process quietly, as other Unix tools do, when the reader of
/// its output goes away (`detc rules | head`): Rust ignores SIGPIPE, so
/// `println!` would otherwise panic on the closed pipe. Elsewhere this
/// does nothing.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restores the default action of one signal before any
    // thread is started; no handler of ours is involved.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Serves every allocation of 128 KiB or more with its own mapping, given
/// back to the operating system when freed.
///
/// glibc starts with that threshold but raises it to the size of each such
/// block freed, after which the big blocks come from the heap arenas and
/// leave holes there. The build allocates and frees one deflate state
/// (about 300 KiB) per 256 KiB block of the tarball on each worker, so
/// with the moving threshold its peak memory grew by 4 MiB (1,300
/// detections: 47 -> 51 MiB); with it fixed, it does not. Elsewhere this
/// does nothing.
fn keep_big_allocations_apart() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt takes two integers and only sets a glibc tunable,
    // before any thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

fn docs(path: PathBuf, out: Option<PathBuf>, color: &str, lints: &LintArgs) -> ExitCode {
    // The pages are generated and written (or, for an existing folder,
    // compared with what is there) while the rules that could report an
    // error run; they are put in place only when the content has none.
    let staged = validated_beside(
        &path,
        color,
        "writing docs",
        lints,
        Check::ErrorsOnly,
        |p| {
            let dir = out.unwrap_or_else(|| dist_of(p, &path).join("docs"));
            detc_docs::generate_staged(p, Attack::embedded(), &dir)
        },
    );
    let (n, staged) = match staged {
        Ok((p, Ok(s), report)) => {
            report.finish();
            leave_to_exit(p);
            s
        }
        Ok((_, Err(e), _)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Err(code) => return code,
    };
    match staged.commit() {
        Ok(d) => {
            println!("wrote {n} documentation files in {}", d.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn new_content(path: &std::path::Path, kind: detc_new::Kind, r: &detc_new::Request) -> ExitCode {
    let root = match targets::content_root(path) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let files = match detc_new::scaffold(kind, r) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let shown = |rel: &str| {
        let prefix = targets::shown_prefix_of(&root);
        if prefix.is_empty() {
            rel.to_string()
        } else {
            format!("{prefix}/{rel}")
        }
    };
    for f in &files {
        let dest = root.join(&f.path);
        if dest.exists() {
            eprintln!(
                "error: `{}` already exists; choose another --name or edit that file",
                shown(&f.path)
            );
            return ExitCode::from(2);
        }
    }
    for f in &files {
        let dest = root.join(&f.path);
        let written = dest
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&dest)
            })
            .and_then(|mut file| file.write_all(f.text.as_bytes()));
        if let Err(e) = written {
            eprintln!("error: cannot write `{}`: {e}", shown(&f.path));
            return ExitCode::from(2);
        }
        let todo = f.text.matches(detc_content::rules::PLACEHOLDER).count();
        if todo > 0 {
            println!("created {} ({todo} placeholder(s) to fill)", shown(&f.path));
        } else {
            println!("created {}", shown(&f.path));
        }
    }
    println!("next: replace each `TODO(detc new)`; `detc validate` points at those left");
    ExitCode::SUCCESS
}

fn snapshot(
    path: PathBuf,
    out: Option<PathBuf>,
    check: bool,
    color: &str,
    lints: &LintArgs,
) -> ExitCode {
    let p = match validated(&path, color, "writing snapshots", lints) {
        Ok((p, report)) => {
            report.finish();
            std::sync::Arc::new(p)
        }
        Err(code) => return code,
    };
    let snaps = match detc_snapshot::snapshots(&p, Attack::embedded()) {
        Ok(s) => s,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            eprintln!("error: no snapshots: {} error(s)", errors.len());
            return ExitCode::from(1);
        }
    };
    let dir = out.unwrap_or_else(|| path.join("snapshots"));
    if check {
        return match detc_snapshot::compare(&dir, &snaps) {
            Ok(cmp) if cmp.is_clean() => {
                println!("snapshots in {} match: {}", dir.display(), cmp.summary());
                ExitCode::SUCCESS
            }
            Ok(cmp) => {
                let mut stdout = std::io::stdout().lock();
                for c in &cmp.changed {
                    let _ = write!(stdout, "{}", c.diff());
                }
                for a in &cmp.added {
                    let _ = writeln!(stdout, "added: {a}");
                }
                for r in &cmp.removed {
                    let _ = writeln!(stdout, "removed: {r}");
                }
                let _ = stdout.flush();
                eprintln!(
                    "error: snapshots in {} differ: {}\nhelp: review the diff, then run `detc snapshot` to accept it",
                    dir.display(),
                    cmp.summary()
                );
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    match detc_snapshot::write(&dir, &snaps) {
        Ok(cmp) => {
            println!(
                "wrote {} snapshots in {}: {}",
                snaps.len(),
                dir.display(),
                cmp.summary()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn build(
    path: PathBuf,
    out: Option<PathBuf>,
    templates: Option<PathBuf>,
    firstseen: Option<PathBuf>,
    with_docs: bool,
    color: &str,
    lints: &LintArgs,
) -> ExitCode {
    let started = std::time::Instant::now();
    let mtime = match detc_build::mtime_from_env() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // The warnings are printed while the app is generated and written.
    let (p, report) = match validated(&path, color, "building", lints) {
        Ok((p, report)) => (std::sync::Arc::new(p), report),
        Err(code) => return code,
    };
    let firstseen = firstseen.or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(|d| d.join("firstseen")))
    });
    let opts = detc_build::Options {
        attack: Attack::embedded(),
        templates: templates.as_deref(),
    };
    let mut app = match detc_build::generate(&p, &opts) {
        Ok(a) => a,
        Err(errors) => {
            report.finish();
            for e in &errors {
                eprintln!("error: {e}");
            }
            eprintln!("error: not building: {} error(s)", errors.len());
            return ExitCode::from(1);
        }
    };
    // The template context is freed: give it back before packing.
    release_freed_memory();
    // Only an app whose searches call firstseen ships (and needs) its binary.
    let added = match &firstseen {
        _ if !app.needs_firstseen => Ok(()),
        Some(f) => app.add_firstseen(f),
        None => Err(detc_build::BuildError::new(
            "cannot locate the firstseen binary; pass `--firstseen FILE`",
        )),
    };
    if let Err(e) = added {
        report.finish();
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    let dist = out.unwrap_or_else(|| dist_of(&p, &path));
    let written = detc_build::write(&app, &dist, mtime);
    report.finish();
    match written {
        Ok(w) => {
            println!(
                "built {} {}: {} files in {}, {} ({} bytes) in {:.0} ms",
                app.appid,
                app.version,
                app.files.len(),
                w.folder.display(),
                w.tarball.display(),
                w.tarball_bytes,
                started.elapsed().as_secs_f64() * 1000.0
            );
            if p.format() == detc_content::legacy::Format::V4 {
                println!("{}", p.reference.describe());
            }
            leave_to_exit(app);
            if with_docs {
                let written =
                    detc_docs::generate_staged(&p, Attack::embedded(), &dist.join("docs"))
                        .and_then(|(n, staged)| staged.commit().map(|dir| (n, dir)));
                match written {
                    Ok((n, dir)) => println!("wrote {n} documentation files in {}", dir.display()),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            leave_to_exit(p);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn migrate(path: PathBuf, out: Option<PathBuf>, in_place: bool, color: &str) -> ExitCode {
    let Some((root, only)) = detc_migrate::content_root(&path) else {
        eprintln!(
            "error: `{}` is not a content root or a file inside one\nhelp: pass the folder holding contentctl.yml, or a file below it",
            path.display()
        );
        return ExitCode::from(2);
    };
    let p = detc_content::load(&root);
    let today = jiff::Zoned::now().date().to_string();
    let mut changes = detc_migrate::migrate(&p, &today);
    if let Some(f) = &only {
        changes.retain(|c| &c.path == f);
    }
    if changes.is_empty() {
        println!(
            "nothing to migrate: no contentctl 4.x file{}",
            if only.is_some() { " there" } else { "" }
        );
        return ExitCode::SUCCESS;
    }
    let target = match (&out, in_place) {
        (Some(dir), _) => {
            if let Err(e) = detc_migrate::copy_root(&root, dir) {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
            Some(dir.clone())
        }
        (None, true) => Some(root.clone()),
        (None, false) => None,
    };
    for c in &changes {
        println!(
            "{} {}",
            if target.is_some() {
                "migrated"
            } else {
                "would migrate"
            },
            c.path
        );
        for (from, to) in &c.renames {
            println!("  rename {from} -> {to}");
        }
        for n in &c.notes {
            println!("  note: {n}");
        }
    }
    let Some(target) = target else {
        println!(
            "{} file(s) to migrate; run with --in-place or --out DIR",
            changes.len()
        );
        return ExitCode::SUCCESS;
    };
    if let Err(e) = detc_migrate::write_changes(&changes, &target) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let v = detc_content::validate(&target, &Options::default());
    let summary = Summary::of(&v.diags);
    if summary.errors > 0 {
        eprint!("{}", render_human(&v.sources, &v.diags, use_color(color)));
    }
    println!(
        "migrated {} file(s) in {}; the result has {} error(s) and {} warning(s) (`detc validate` lists them)",
        changes.len(),
        target.display(),
        summary.errors,
        summary.warnings
    );
    if summary.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn upgrade(
    fork: &std::path::Path,
    to: &std::path::Path,
    base: Option<PathBuf>,
    releases: Option<PathBuf>,
    check: bool,
    color: &str,
) -> ExitCode {
    let started = std::time::Instant::now();
    let base = match (base, releases) {
        (Some(b), _) => b,
        (None, Some(dir)) => match detc_upgrade::find_base(fork, &dir) {
            Ok((b, same)) => {
                println!(
                    "base: {} ({same} file(s) identical to the fork's)",
                    b.display()
                );
                b
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        (None, None) => {
            eprintln!(
                "error: the fork's base release is not given\nhelp: pass the content root of the release the fork branched from with --base DIR (for example a checkout of security_content at its tag), or a folder of releases with --releases DIR"
            );
            return ExitCode::from(2);
        }
    };
    let opts = detc_upgrade::Options {
        base,
        upstream: to.to_path_buf(),
        fork: fork.to_path_buf(),
    };
    let plan = match detc_upgrade::plan(&opts) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let v = |v: &Option<String>| v.as_ref().map_or("?".to_string(), |v| format!("v{v}"));
    let v_label = v(&plan.upstream_version);
    let verb = if check { "would upgrade" } else { "upgrading" };
    println!(
        "{verb} {} from {} to {}",
        fork.display(),
        v(&plan.base_version),
        v(&plan.upstream_version)
    );
    for u in &plan.unresolved {
        println!(
            "warning: {u} still holds a conflict of an earlier upgrade (`{}`); resolve it first, or it is carried along as the fork's text",
            detc_upgrade::CONFLICT_MARK
        );
    }
    use detc_upgrade::StepKind as K;
    for s in &plan.steps {
        if matches!(s.kind, K::Merged | K::Conflict | K::Kept) || check {
            let from = s
                .from
                .as_ref()
                .map(|f| format!(" (from {f})"))
                .unwrap_or_default();
            println!("  {:<8} {}{from}", s.kind.label(), s.path);
            for k in &s.kept {
                println!("           kept: {k}");
            }
        }
    }
    let counts: Vec<String> = [
        K::Added,
        K::Updated,
        K::Moved,
        K::Removed,
        K::Merged,
        K::Kept,
        K::Conflict,
    ]
    .into_iter()
    .map(|k| format!("{} {}", plan.count(k), k.label()))
    .collect();
    println!("  {}, {} unchanged", counts.join(", "), plan.unchanged);
    for c in &plan.conflicts {
        let field = c
            .field
            .as_ref()
            .map(|f| format!(" `{f}`"))
            .unwrap_or_default();
        println!("{}:{}: conflict{field}: {}", c.path, c.line, c.message);
    }
    if check {
        println!(
            "planned in {:.2} s; nothing written (run without --check to upgrade)",
            started.elapsed().as_secs_f64()
        );
        return if plan.conflicts.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    if let Err(e) = detc_upgrade::apply(&plan, fork) {
        eprintln!(
            "error: {e}\nhelp: the upgrade stopped part way; `git status` in the fork shows what was written"
        );
        return ExitCode::from(2);
    }
    println!("upgraded in {:.2} s", started.elapsed().as_secs_f64());
    // The result is checked as the newer release's contentctl builds it;
    // what upstream's own content already reports is not the fork's to
    // fix, so only the errors upstream does not have are shown.
    let (upstream, mut v) = std::thread::scope(|s| {
        let up = s.spawn(|| detc_content::validate(to, &Options::default()));
        let v = detc_content::validate(fork, &Options::default());
        (up.join().ok(), v)
    });
    if let Some(up) = &upstream {
        detc_diag::Baseline::from_diagnostics(&up.sources, &up.diags)
            .apply(&v.sources, &mut v.diags);
    }
    v.diags.retain(|d| {
        d.severity == detc_diag::Severity::Error
            && d.baseline != Some(detc_diag::BaselineState::Unchanged)
    });
    let errors = v.diags.len();
    if errors > 0 {
        targets::show_from_cwd(&mut v.sources, fork);
        eprint!("{}", render_human(&v.sources, &v.diags, use_color(color)));
    }
    println!(
        "the upgraded content has {errors} error(s) that upstream {} does not have{}; {} conflict(s) to resolve{}",
        v_label,
        if errors > 0 { " (above)" } else { "" },
        plan.conflicts.len(),
        if plan.conflicts.is_empty() {
            String::new()
        } else {
            format!(
                " (listed above; search the files for `{}`)",
                detc_upgrade::CONFLICT_MARK
            )
        }
    );
    if errors > 0 || !plan.conflicts.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    keep_big_allocations_apart();
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            path,
            out,
            templates,
            firstseen,
            no_docs,
            color,
            lints,
        } => build(path, out, templates, firstseen, !no_docs, &color, &lints),
        Command::Docs {
            path,
            out,
            color,
            lints,
        } => docs(path, out, &color, &lints),
        Command::Snapshot {
            path,
            out,
            check,
            color,
            lints,
        } => snapshot(path, out, check, &color, &lints),
        Command::Test {
            path,
            detections,
            format,
            color,
            lints,
        } => {
            // The tests run while the rules do; their results count only
            // when the content has no error.
            let results =
                match validated_beside(&path, &color, "testing", &lints, Check::All, |p| {
                    detc_test::run(p, &detections)
                }) {
                    Ok((_, r, report)) => {
                        report.finish();
                        r
                    }
                    Err(code) => return code,
                };
            if results.is_empty() {
                eprintln!(
                    "warning: no test ran{}",
                    if detections.is_empty() {
                        ": no detection has `tests:`"
                    } else {
                        ": no detection of that name has `tests:`"
                    }
                );
            }
            print!(
                "{}",
                match format.as_str() {
                    "json" => detc_test::json(&results),
                    "junit" => detc_test::junit(&results),
                    _ => detc_test::text(&results),
                }
            );
            if detc_test::any_failed(&results) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::New {
            kind,
            path,
            answers,
        } => {
            let kind = match kind {
                NewKind::Detection => detc_new::Kind::Detection,
                NewKind::Story => detc_new::Kind::Story,
                NewKind::Macro => detc_new::Kind::Macro,
                NewKind::Lookup => detc_new::Kind::Lookup,
                NewKind::Baseline => detc_new::Kind::Baseline,
            };
            new_content(&path, kind, &answers.request())
        }
        Command::Schema { out } => {
            let files = match detc_schema::schemas() {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            if let Err(e) = std::fs::create_dir_all(&out) {
                eprintln!("error: cannot create `{}`: {e}", out.display());
                return ExitCode::from(2);
            }
            for (name, text) in &files {
                let path = out.join(name);
                if let Err(e) = std::fs::write(&path, text) {
                    eprintln!("error: cannot write `{}`: {e}", path.display());
                    return ExitCode::from(2);
                }
            }
            println!("wrote {} schemas in {}", files.len(), out.display());
            ExitCode::SUCCESS
        }
        Command::Migrate {
            path,
            out,
            in_place,
            color,
        } => migrate(path, out, in_place, &color),
        Command::Upgrade {
            fork,
            to,
            base,
            releases,
            check,
            color,
        } => upgrade(&fork, &to, base, releases, check, &color),
        Command::Templates { name } => match name {
            None => {
                for t in detc_build::render::TEMPLATES {
                    println!("{:<26} -> {}", t.name, t.output);
                }
                ExitCode::SUCCESS
            }
            Some(n) => match detc_build::render::builtin(&n) {
                Some(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                None => {
                    eprintln!(
                        "error: no template is named `{n}`\nhelp: `detc templates` lists them"
                    );
                    ExitCode::from(2)
                }
            },
        },
        Command::Rules { code: Some(want) } => {
            let Some(r) = codes::RULES
                .iter()
                .find(|r| r.code.eq_ignore_ascii_case(&want) || r.name == want)
            else {
                eprintln!("error: no rule `{want}`; `detc rules` lists them");
                return ExitCode::from(2);
            };
            println!("{} {}: {}", r.code, r.name, r.summary);
            println!(
                "Default level: {}. contentctl 4.x: {}. contentctl 5.6: {}.\n",
                r.severity,
                r.contentctl4_text(),
                if r.contentctl {
                    "has it"
                } else {
                    "does not have it"
                },
            );
            match detc_content::rules::docs::rule_doc(r.code) {
                Some(doc) => {
                    println!("{}", doc.body);
                    println!(
                        "\n(crates/detc-content/src/{}; all rules: docs/rules.md)",
                        doc.file
                    );
                }
                None => println!("(no documentation file; see docs/rules.md)"),
            }
            ExitCode::SUCCESS
        }
        Command::Rules { code: None } => {
            let mut out =
                String::from("code  level    origin      name                          summary\n");
            for r in codes::RULES {
                out.push_str(&format!(
                    "{:<5} {:<8} {:<11} {:<29} {}\n",
                    r.code,
                    r.severity.to_string(),
                    if r.contentctl { "contentctl" } else { "detc" },
                    r.name,
                    r.summary
                ));
            }
            print!("{out}");
            ExitCode::SUCCESS
        }
        Command::Validate {
            paths,
            format,
            attack_bundle,
            color,
            baseline,
            write_baseline,
            lints,
        } => {
            let targets = match targets::resolve(&paths) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let loaded;
            let attack: &Attack = match attack_bundle {
                None => Attack::embedded(),
                Some(b) => {
                    match Attack::from_stix_bundle(&b, Attack::embedded().data.moves.clone()) {
                        Ok(a) => {
                            loaded = a;
                            &loaded
                        }
                        Err(e) => {
                            eprintln!(
                                "error: {}: {e}\nhelp: pass MITRE's enterprise-attack-<version>.json (or .json.gz) STIX bundle",
                                b.display()
                            );
                            return ExitCode::from(2);
                        }
                    }
                }
            };
            let lints = match lints.flags() {
                Ok(l) => l,
                Err(code) => return code,
            };
            let opts = Options {
                attack,
                lints,
                ..Options::default()
            };
            let mut p = detc_content::validate(&targets.root, &opts);
            if targets.selection.is_some() {
                let sources = &p.sources;
                p.diags.retain(|d| {
                    d.file
                        .is_some_and(|f| targets.selects(&sources.get(f).path))
                });
            }
            if let Some(file) = write_baseline {
                let b = detc_diag::Baseline::from_diagnostics(&p.sources, &p.diags);
                if let Err(e) = std::fs::write(&file, b.to_json()) {
                    eprintln!("error: cannot write the baseline `{}`: {e}", file.display());
                    return ExitCode::from(2);
                }
                eprintln!(
                    "wrote {} finding(s) to {}: pass `--baseline {}` to report only new ones",
                    b.len(),
                    file.display(),
                    file.display()
                );
                return ExitCode::SUCCESS;
            }
            if let Some(file) = baseline {
                let text = match std::fs::read_to_string(&file) {
                    Ok(t) => t,
                    Err(e) => {
                        eprintln!(
                            "error: cannot read the baseline `{}`: {e}\nhelp: write one with `detc validate --write-baseline {}`",
                            file.display(),
                            file.display()
                        );
                        return ExitCode::from(2);
                    }
                };
                let b = match detc_diag::Baseline::parse(&text) {
                    Ok(b) => b,
                    Err(e) => {
                        eprintln!(
                            "error: `{}` is not a detc baseline: {e}\nhelp: write it again with `detc validate --write-baseline {}`",
                            file.display(),
                            file.display()
                        );
                        return ExitCode::from(2);
                    }
                };
                let outcome = b.apply(&p.sources, &mut p.diags);
                if outcome.fixed > 0 {
                    eprintln!(
                        "note: {} finding(s) of the baseline `{}` no longer occur; `--write-baseline {}` drops them",
                        outcome.fixed,
                        file.display(),
                        file.display()
                    );
                }
            }
            targets::show_from_cwd(&mut p.sources, &targets.root);
            let text = match format {
                Format::Human => render_human(&p.sources, &p.diags, use_color(&color)),
                Format::Json => render_json(&p.sources, &p.diags),
                Format::Sarif => render_sarif(
                    &p.sources,
                    &p.diags,
                    &codes::rule_infos(),
                    env!("CARGO_PKG_VERSION"),
                    targets::cwd_uri().as_deref(),
                ),
            };
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(text.as_bytes())
                .and_then(|_| stdout.flush())
                .is_err()
            {
                return ExitCode::from(2);
            }
            let failed = Summary::of(&p.diags).errors > 0;
            drop(stdout);
            leave_to_exit((p, text));
            if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
