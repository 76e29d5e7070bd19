//! `detc new`: a new detection, story, macro, lookup or baseline.

use crate::targets;
use clap::ValueEnum;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The options of `detc new`.
#[derive(clap::Args)]
pub struct Args {
    /// What to create.
    #[arg(value_enum)]
    pub kind: NewKind,
    /// The content root: the folder holding contentctl.yml (found upward).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub answers: NewArgs,
}

/// Runs `detc new`.
pub fn run(a: Args) -> ExitCode {
    let kind = match a.kind {
        NewKind::Detection => detc_new::Kind::Detection,
        NewKind::Story => detc_new::Kind::Story,
        NewKind::Macro => detc_new::Kind::Macro,
        NewKind::Lookup => detc_new::Kind::Lookup,
        NewKind::Baseline => detc_new::Kind::Baseline,
    };
    new_content(&a.path, kind, &a.answers.request())
}

/// The answers contentctl's `new` asks for, as `detc new` options.
#[derive(clap::Args)]
pub struct NewArgs {
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
    pub fn request(self) -> detc_new::Request {
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
pub enum NewKind {
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

fn new_content(path: &Path, kind: detc_new::Kind, r: &detc_new::Request) -> ExitCode {
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
