//! What the commands that read content share: validation with the
//! diagnostics printed beside the work, and the process's memory and
//! signal settings.

use crate::flags::{CacheArg, Color, LintArgs};
use crate::targets;
use detc_content::Options;
use detc_diag::{Summary, render_human};
use std::path::PathBuf;
use std::process::ExitCode;

/// The build folder of `p` under the content root `path`: contentctl.yml's
/// `build_path`, else `dist`.
pub fn dist_of(p: &detc_content::Project, path: &std::path::Path) -> PathBuf {
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
pub fn validated(
    path: &std::path::Path,
    color: Color,
    what: &str,
    lints: &LintArgs,
    cache: CacheArg,
) -> Result<(detc_content::Project, Report), ExitCode> {
    validated_beside(path, color, what, lints, cache, Check::All, |_| ()).map(|(p, (), r)| (p, r))
}

/// What [`validated_beside`] checks and reports.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Check {
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
pub struct Report(Option<std::thread::JoinHandle<()>>);

impl Report {
    /// Waits until the diagnostics are printed.
    pub fn finish(mut self) {
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
pub fn validated_beside<R: Send>(
    path: &std::path::Path,
    color: Color,
    what: &str,
    lints: &LintArgs,
    cache: CacheArg,
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
        parse_cache: cache.pack(path),
        ..Options::default()
    };
    let (mut p, result) = detc_content::validate_beside(path, &opts, beside);
    warn_discarded_cache(&p);
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
    let color = color.enabled();
    let root = path.to_path_buf();
    let print = move || {
        if !diags.is_empty() {
            // Shown relative to where the command runs (the sources' paths
            // are only shown; nothing after this reads a file by them).
            targets::show_from_cwd(&mut sources, &root);
            eprint!("{}", render_human(&sources, &diags, color));
        }
        drop((sources, diags));
        crate::alloc::release();
    };
    if summary.errors > 0 {
        print();
        eprintln!("error: not {what}: the content has errors (above)");
        return Err(ExitCode::from(1));
    }
    Ok((p, result, Report(Some(std::thread::spawn(print)))))
}

/// Says on stderr that the parse cache was found damaged or foreign and
/// not used (it is written again by the same run).
pub fn warn_discarded_cache(p: &detc_content::Project) {
    if let Some(pc) = &p.parse_cache
        && let Some(why) = &pc.discarded
    {
        eprintln!(
            "warning: not using detc's parse cache `{}`: {why}; every file was parsed, and the cache is written again",
            pc.path.display()
        );
    }
}

/// Leaves `x` to the operating system, which takes all of the process's
/// memory back at once when it exits, instead of freeing it a string at a
/// time: call it when the command is done with `x` and about to end.
/// Freeing the decoded content of security_content v4.42.0 took about
/// 10 ms, on one core, at the end of every command. Only for values that
/// hold nothing but memory (no file to flush, no thread to join).
pub fn leave_to_exit<T>(x: T) {
    std::mem::forget(x);
}

/// Ends the process quietly, as other Unix tools do, when the reader of
/// its output goes away (`detc rules | head`): Rust ignores SIGPIPE, so
/// `println!` would otherwise panic on the closed pipe. Elsewhere this
/// does nothing.
pub fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restores the default action of one signal before any
    // thread is started; no handler of ours is involved.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
