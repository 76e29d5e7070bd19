//! `detc validate`: every problem of the content in one run.

use crate::flags::{ColorArg, LintArgs};
use crate::session::leave_to_exit;
use crate::targets;
use clap::ValueEnum;
use detc_attack::Attack;
use detc_content::{Options, codes};
use detc_diag::{Summary, render_human, render_json, render_sarif};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// How `detc validate` prints the diagnostics.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// Compiler-style text with the source line and the span marked.
    Human,
    /// A JSON object with every diagnostic and a summary.
    Json,
    /// SARIF 2.1.0, for code-scanning annotations on pull requests.
    Sarif,
}

/// The options of `detc validate`.
#[derive(clap::Args)]
pub struct Args {
    /// Content files or folders. The content root (the folder holding
    /// contentctl.yml) is found upward from each, as git finds its
    /// repository; the whole content is checked (rules look across
    /// files) and the findings in the files named are reported. Paths
    /// print relative to the current folder.
    #[arg(default_value = ".", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Check ATT&CK mappings against this STIX 2.1 bundle
    /// (enterprise-attack-<version>.json or .json.gz) instead of the
    /// embedded ATT&CK 18.1.
    #[arg(long, value_name = "FILE")]
    pub attack_bundle: Option<PathBuf>,
    #[command(flatten)]
    pub color: ColorArg,
    /// Findings recorded in FILE (by `--write-baseline`) are known: not
    /// shown, not counted, and marked `unchanged` in JSON and SARIF
    /// (`baselineState`); only new ones fail. For turning detc on in CI
    /// over a repository with known defects.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Record every finding of this run in FILE (JSON, stable order) and
    /// exit 0; commit it and pass it to `--baseline`.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    #[command(flatten)]
    pub lints: LintArgs,
    #[command(flatten)]
    pub cache: crate::flags::CacheArg,
}

/// Runs `detc validate`.
pub fn run(a: Args) -> ExitCode {
    let targets = match targets::resolve(&a.paths) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let loaded;
    let attack: &Attack = match a.attack_bundle {
        None => Attack::embedded(),
        Some(b) => match Attack::from_stix_bundle(&b, Attack::embedded().data.moves.clone()) {
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
        },
    };
    let lints = match a.lints.flags() {
        Ok(l) => l,
        Err(code) => return code,
    };
    // The parse cache holds parse trees only, which no flag changes
    // (`--attack-bundle` and the rule levels act after it).
    let opts = Options {
        attack,
        lints,
        parse_cache: a.cache.pack(&targets.root),
        ..Options::default()
    };
    let mut p = detc_content::validate(&targets.root, &opts);
    crate::session::warn_discarded_cache(&p);
    if targets.selection.is_some() {
        let sources = &p.sources;
        p.diags.retain(|d| {
            d.file
                .is_some_and(|f| targets.selects(&sources.get(f).path))
        });
    }
    if let Some(file) = a.write_baseline {
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
    if let Some(file) = a.baseline {
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
    let text = match a.format {
        Format::Human => render_human(&p.sources, &p.diags, a.color.color.enabled()),
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
