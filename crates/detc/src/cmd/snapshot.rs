//! `detc snapshot`: one reviewable text file per detection, baseline and story.

use crate::flags::{Color, ColorArg, LintArgs};
use crate::session::validated;
use detc_attack::Attack;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The options of `detc snapshot`.
#[derive(clap::Args)]
pub struct Args {
    /// The content root: the folder holding contentctl.yml.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Snapshot folder [default: `snapshots` under the content root].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Compare with the folder instead of writing it: exit 1 when a
    /// snapshot changed, was added or was removed (the CI snapshot test).
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub color: ColorArg,
    #[command(flatten)]
    pub lints: LintArgs,
}

/// Runs `detc snapshot`.
pub fn run(a: Args) -> ExitCode {
    snapshot(a.path, a.out, a.check, a.color.color, &a.lints)
}

fn snapshot(
    path: PathBuf,
    out: Option<PathBuf>,
    check: bool,
    color: Color,
    lints: &LintArgs,
) -> ExitCode {
    let p = match validated(
        &path,
        color,
        "writing snapshots",
        lints,
        crate::flags::CacheArg::OFF,
    ) {
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
