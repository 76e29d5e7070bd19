//! `detc migrate`: contentctl 4.x YAML to the 5.x format.

use crate::flags::{Color, ColorArg};
use detc_content::Options;
use detc_diag::{Summary, render_human};
use std::path::PathBuf;
use std::process::ExitCode;

/// The options of `detc migrate`.
#[derive(clap::Args)]
pub struct Args {
    /// The content root (the folder holding contentctl.yml), or one
    /// content file.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Write a migrated copy of the whole content root to DIR.
    #[arg(long, value_name = "DIR", conflicts_with = "in_place")]
    pub out: Option<PathBuf>,
    /// Rewrite the files where they are (and rename lookup files).
    #[arg(long)]
    pub in_place: bool,
    #[command(flatten)]
    pub color: ColorArg,
}

/// Runs `detc migrate`.
pub fn run(a: Args) -> ExitCode {
    migrate(a.path, a.out, a.in_place, a.color.color)
}

fn migrate(path: PathBuf, out: Option<PathBuf>, in_place: bool, color: Color) -> ExitCode {
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
        eprint!("{}", render_human(&v.sources, &v.diags, color.enabled()));
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
