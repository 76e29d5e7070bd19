//! `detc build`: validate, then write the Splunk app, its tarball and docs.

use crate::flags::{CacheArg, Color, ColorArg, LintArgs};
use crate::session::{dist_of, leave_to_exit, validated};
use detc_attack::Attack;
use std::path::PathBuf;
use std::process::ExitCode;

/// The options of `detc build`.
#[derive(clap::Args)]
pub struct Args {
    /// The content root: the folder holding contentctl.yml.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output folder [default: build_path of contentctl.yml, `dist`,
    /// under the content root].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Folder of minijinja templates that replace the built-in ones of
    /// the same name (see `detc templates`).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// The firstseen binary to package (Linux x86-64, glibc 2.28 or
    /// older symbols), needed only when a search calls `firstseen`
    /// [default: `firstseen` beside the detc executable].
    #[arg(long, value_name = "FILE")]
    pub firstseen: Option<PathBuf>,
    /// Do not write dist/docs/.
    #[arg(long)]
    pub no_docs: bool,
    #[command(flatten)]
    pub color: ColorArg,
    #[command(flatten)]
    pub lints: LintArgs,
    #[command(flatten)]
    pub cache: CacheArg,
}

/// Runs `detc build`.
pub fn run(a: Args) -> ExitCode {
    let Args {
        path,
        out,
        templates,
        firstseen,
        no_docs,
        color,
        lints,
        cache,
    } = a;
    let with_docs = !no_docs;
    let color: Color = color.color;
    let lints = &lints;
    let started = std::time::Instant::now();
    let mtime = match detc_build::mtime_from_env() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // The warnings are printed while the app is generated and written.
    let (p, report) = match validated(&path, color, "building", lints, cache) {
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
    crate::alloc::release();
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
