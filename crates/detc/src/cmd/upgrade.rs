//! `detc upgrade`: a fork moved to a newer security_content release.

use crate::flags::{Color, ColorArg};
use crate::targets;
use detc_content::Options;
use detc_diag::render_human;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The options of `detc upgrade`.
#[derive(clap::Args)]
pub struct Args {
    /// The fork's content root.
    #[arg(default_value = ".")]
    pub fork: PathBuf,
    /// The newer release's content root.
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// The release the fork branched from (its content root).
    #[arg(long, value_name = "DIR", conflicts_with = "releases")]
    pub base: Option<PathBuf>,
    /// A folder of release content roots to find the base in.
    #[arg(long, value_name = "DIR")]
    pub releases: Option<PathBuf>,
    /// List what would change; write nothing.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub color: ColorArg,
}

/// Runs `detc upgrade`.
pub fn run(a: Args) -> ExitCode {
    upgrade(&a.fork, &a.to, a.base, a.releases, a.check, a.color.color)
}

fn upgrade(
    fork: &Path,
    to: &Path,
    base: Option<PathBuf>,
    releases: Option<PathBuf>,
    check: bool,
    color: Color,
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
    let (up, mut v) = detc_content::par::join(
        || detc_content::validate(to, &Options::default()),
        || detc_content::validate(fork, &Options::default()),
    );
    detc_diag::Baseline::from_diagnostics(&up.sources, &up.diags).apply(&v.sources, &mut v.diags);
    v.diags.retain(|d| {
        d.severity == detc_diag::Severity::Error
            && d.baseline != Some(detc_diag::BaselineState::Unchanged)
    });
    let errors = v.diags.len();
    if errors > 0 {
        targets::show_from_cwd(&mut v.sources, fork);
        eprint!("{}", render_human(&v.sources, &v.diags, color.enabled()));
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
