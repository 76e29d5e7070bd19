//! `detc`: the detection-as-code compiler's command line. Thin: each
//! command is a module of [`cmd`] (its options and its `run`), the flags
//! that commands share are declared once in [`flags`], and the work is in
//! the library crates (`detc-content`, `detc-build`, `detc-docs`, ...).

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod alloc;
mod cmd;
mod flags;
mod session;
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

#[derive(Subcommand)]
enum Command {
    /// Check every content file and report every problem in one run.
    ///
    /// Exit status: 0 when there is no error (warnings allowed), 1 when the
    /// content has errors, 2 on a usage or I/O error.
    Validate(cmd::validate::Args),
    /// Validate, then write the Splunk app: dist/<appid>/ and
    /// dist/<appid>-<version>.tar.gz, and its documentation in dist/docs/
    /// (as `detc docs`).
    ///
    /// Refuses to build when validation finds errors (they are printed, as
    /// by `detc validate`). The output is byte-for-byte reproducible: file
    /// times come from SOURCE_DATE_EPOCH, else 1980-01-01. Exit status: 0
    /// built, 1 content or build errors, 2 usage or I/O error.
    Build(cmd::build::Args),
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
    Docs(cmd::docs::Args),
    /// Run the detections' tests offline, on their attack data, with detc's
    /// SPL interpreter and the real firstseen engine.
    ///
    /// A test passes when its search returns at least one result on its
    /// attack data (contentctl's meaning), or what its detc extensions say:
    /// expect: none, count, rows, and timelines of runs sharing one
    /// firstseen state (docs/testing.md). Events are read as the content's
    /// sourcetypes/ definitions say. Attack data given by URL is downloaded
    /// once into .detc-cache/attack_data (checked by SHA-256) or read from a
    /// mirror (--attack-data). A test is skipped, with the reason, when its
    /// attack data cannot be had here (offline), its sourcetype has no definition in
    /// sourcetypes/ (or it maps no events to the data model the search
    /// reads), its search uses a command outside the interpreter's subset
    /// (named with file:line), or it keeps firstseen history (min_history=)
    /// without a timeline. The content is validated first. Exit status: 0
    /// no test failed, 1 a test failed or the content has errors, 2 usage
    /// or I/O error.
    Test(cmd::test::Args),
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
    Snapshot(cmd::snapshot::Args),
    /// Create a new detection, analytic story, macro, lookup or baseline,
    /// without questions: every required field, a fresh UUID, today's date,
    /// contentctl's file name, and `TODO(detc new)` placeholders for what
    /// only you can write, which `detc validate` points at (P006) until
    /// they are replaced.
    ///
    /// Refuses to overwrite a file. Exit status: 0 written, 2 usage or I/O
    /// error.
    New(cmd::new::Args),
    /// Write JSON Schemas of every content type (detection, story, macro,
    /// lookup, baseline, data_source, deployment) in contentctl 5.x's
    /// format, detc's extensions marked, for editors and CI.
    ///
    /// They are generated from detc's content model, so they accept what
    /// `detc validate` accepts as a file's shape (fields, types, enums,
    /// patterns, required fields, no unknown key); references, SPL and
    /// ATT&CK are left to `detc validate`. See docs/schemas.md. Exit
    /// status: 0 written, 2 I/O error.
    Schema(cmd::schema::Args),
    /// Rewrite contentctl 4.x YAML (tags.observable, tags.risk_score,
    /// lookups with filename/collection, stories without status) into the
    /// 5.x format, keeping key order and comments.
    ///
    /// PATH is the content root or one file in it. Without --out or
    /// --in-place, lists what would change. Files already in the 5.x format
    /// are left alone, so running it twice changes nothing. The result is
    /// validated and its summary printed. Exit status: 0 done, 1 the
    /// migrated content has errors, 2 usage or I/O error.
    Migrate(cmd::migrate::Args),
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
    Upgrade(cmd::upgrade::Args),
    /// Install the app package `detc build` wrote on a search head: Splunk
    /// Enterprise through splunkd's apps/local (--url), Splunk Cloud
    /// Platform through AppInspect and the Admin Config Service (--cloud
    /// STACK).
    ///
    /// The installed version is read first: an older one is upgraded, the
    /// same one reinstalled (its local/ kept), a newer one left alone
    /// unless --allow-downgrade. --dry-run says which and sends nothing. A
    /// search head cluster member is refused (apps reach a cluster through
    /// its deployer). After the install, the version Splunk has is read
    /// back. Credentials as for `detc drift`: SPLUNK_TOKEN, or
    /// SPLUNK_USERNAME and SPLUNK_PASSWORD, or --credentials FILE. Exit
    /// status: 0 installed (or, with --dry-run, allowed), 2 refused, usage,
    /// connection or Splunk error (see docs/deploy.md).
    Deploy(cmd::deploy::Args),
    /// Compare the app the content builds with the app deployed on a
    /// Splunk search head, per saved search and macro, and show each
    /// difference at its YAML file:line.
    ///
    /// Reads the app's savedsearches.conf and macros.conf stanzas over
    /// splunkd's REST API (configs/conf-savedsearches and conf-macros, as
    /// Splunk merges the app's default/ and local/ layers, 1,000 a
    /// request) and compares every key the build writes: a changed key, a
    /// stanza Splunk lacks, and a stanza only Splunk has (a local stanza
    /// of a removed detection). Keys Splunk does not list, and Splunk's own
    /// defaults, are not reported. Credentials come from SPLUNK_TOKEN, or
    /// SPLUNK_USERNAME and SPLUNK_PASSWORD, or --credentials FILE; never
    /// from a flag. With --write-back, Splunk's search, enabled state,
    /// schedule and macro definitions become edits of the YAML (see
    /// docs/drift.md). Exit status: 0 no drift, 1 differences (or content
    /// errors), 2 usage, connection or Splunk error.
    Drift(cmd::drift::Args),
    /// Serve an editor as a language server (LSP over stdio): every detc
    /// rule's diagnostics over the whole content root as you type,
    /// ATT&CK and macro hovers, completion, go to a macro's or lookup's definition.
    ///
    /// The editor starts it (see docs/lsp.md for VS Code and Neovim). It
    /// reads the editor's unsaved buffers in place of the files and never
    /// writes one. Exit status: 0 after the editor's exit, 2 when the
    /// connection fails.
    Lsp(cmd::lsp::Args),
    /// Print the built-in template NAME (or list the names), as a start
    /// for `detc build --templates DIR`.
    Templates(cmd::templates::Args),
    /// List every rule with its code, default level and origin; with
    /// CODE, print that rule's documentation.
    Rules(cmd::rules::Args),
}

fn main() -> ExitCode {
    session::quiet_on_closed_pipe();
    let cli = Cli::parse();
    alloc::tune(matches!(cli.command, Command::Lsp(_)));
    match cli.command {
        Command::Validate(a) => cmd::validate::run(a),
        Command::Build(a) => cmd::build::run(a),
        Command::Docs(a) => cmd::docs::run(a),
        Command::Test(a) => cmd::test::run(a),
        Command::Snapshot(a) => cmd::snapshot::run(a),
        Command::New(a) => cmd::new::run(a),
        Command::Schema(a) => cmd::schema::run(a),
        Command::Migrate(a) => cmd::migrate::run(a),
        Command::Upgrade(a) => cmd::upgrade::run(a),
        Command::Deploy(a) => cmd::deploy::run(a),
        Command::Drift(a) => cmd::drift::run(a),
        Command::Lsp(a) => cmd::lsp::run(a),
        Command::Templates(a) => cmd::templates::run(a),
        Command::Rules(a) => cmd::rules::run(a),
    }
}
