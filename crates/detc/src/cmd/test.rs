//! `detc test`: the detections' tests, offline.

use crate::flags::{ColorArg, LintArgs};
use crate::session::{Check, validated_beside};
use std::path::PathBuf;
use std::process::ExitCode;

/// The options of `detc test`.
#[derive(clap::Args)]
pub struct Args {
    /// The content root: the folder holding contentctl.yml.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Only this detection's tests (its name; repeat for more).
    #[arg(long = "detection", value_name = "NAME")]
    pub detections: Vec<String>,
    /// Output: text (a line per test and a summary), json, or junit
    /// (JUnit XML, which CI systems display).
    #[arg(long, default_value = "text", value_parser = ["text", "json", "junit"])]
    pub format: String,
    /// A local copy of splunk/attack_data (a clone with its Git LFS files):
    /// a test's attack data URL is read from it (the path after the
    /// branch, `datasets/...`; another host's URL as `<host>/<path>`),
    /// and nothing is downloaded.
    #[arg(long, value_name = "DIR")]
    pub attack_data: Option<PathBuf>,
    /// Where downloaded attack data is kept, each file beside its SHA-256
    /// [default: .detc-cache/attack_data in the content root].
    #[arg(long, value_name = "DIR")]
    pub download_cache: Option<PathBuf>,
    /// Download nothing: a URL that is not in the cache (or the mirror)
    /// skips its test, saying so.
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub color: ColorArg,
    #[command(flatten)]
    pub lints: LintArgs,
}

/// Runs `detc test`.
pub fn run(a: Args) -> ExitCode {
    let cache = a
        .download_cache
        .clone()
        .unwrap_or_else(|| detc_content::ParseCache::folder_of(&a.path).join("attack_data"));
    let sources = detc_test::attack_data::Sources::new(detc_test::attack_data::Settings {
        mirror: a.attack_data.clone(),
        cache: Some(cache),
        offline: a.offline,
        timeout: 0,
    })
    .on_download(|url| eprintln!("downloading {url}"));
    // The tests run while the rules do; their results count only
    // when the content has no error.
    let results = match validated_beside(
        &a.path,
        a.color.color,
        "testing",
        &a.lints,
        crate::flags::CacheArg::OFF,
        Check::All,
        |p| detc_test::run(p, &a.detections, &sources),
    ) {
        Ok((_, r, report)) => {
            report.finish();
            r
        }
        Err(code) => return code,
    };
    if results.is_empty() {
        eprintln!(
            "warning: no test ran{}",
            if a.detections.is_empty() {
                ": no detection has `tests:`"
            } else {
                ": no detection of that name has `tests:`"
            }
        );
    }
    print!(
        "{}",
        match a.format.as_str() {
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
