//! `detc docs`: validate, then write the documentation pages.

use crate::flags::{Color, ColorArg, LintArgs};
use crate::session::{Check, dist_of, leave_to_exit, validated_beside};
use detc_attack::Attack;
use std::path::PathBuf;
use std::process::ExitCode;

/// The options of `detc docs`.
#[derive(clap::Args)]
pub struct Args {
    /// The content root: the folder holding contentctl.yml.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output folder [default: `docs` under build_path of
    /// contentctl.yml, `dist/docs`, under the content root].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub color: ColorArg,
    #[command(flatten)]
    pub lints: LintArgs,
}

/// Runs `detc docs`.
pub fn run(a: Args) -> ExitCode {
    docs(a.path, a.out, a.color.color, &a.lints)
}

fn docs(path: PathBuf, out: Option<PathBuf>, color: Color, lints: &LintArgs) -> ExitCode {
    // The pages are generated and written (or, for an existing folder,
    // compared with what is there) while the rules that could report an
    // error run; they are put in place only when the content has none.
    let staged = validated_beside(
        &path,
        color,
        "writing docs",
        lints,
        crate::flags::CacheArg::OFF,
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
