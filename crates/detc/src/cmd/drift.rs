//! `detc drift`: what differs between the app the repository builds and
//! the app deployed on a search head; `--write-back` brings the admin's
//! tuning back into the YAML.

use crate::flags::{ColorArg, LintArgs, SplunkdArgs};
use crate::session::{Check, validated_beside};
use detc_attack::Attack;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// The report's format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `file:line:column: ...` per difference, the two values below, and a
    /// summary line.
    #[default]
    Human,
    /// One JSON document: `{"count": N, "differences": [...]}`.
    Json,
    /// A SARIF 2.1.0 log, for code scanning.
    Sarif,
}

/// The options of `detc drift`.
#[derive(clap::Args)]
pub struct Args {
    /// The content root: the folder holding contentctl.yml.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The deployed app's id [default: contentctl.yml's `app.appid`].
    #[arg(long, value_name = "APPID")]
    pub app: Option<String>,
    /// The report's format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Turn Splunk's values into edits of the YAML (a detection's
    /// `search`, `enabled_by_default` and inline `deployment:` schedule, a
    /// macro's `definition`), written in place; the rest is listed, for an
    /// edit by hand. The edited content is then compared again.
    #[arg(long)]
    pub write_back: bool,
    #[command(flatten)]
    pub splunkd: SplunkdArgs,
    #[command(flatten)]
    pub color: ColorArg,
    #[command(flatten)]
    pub lints: LintArgs,
}

/// Runs `detc drift`.
pub fn run(a: Args) -> ExitCode {
    let started = std::time::Instant::now();
    let client = match a.splunkd.client() {
        Ok(c) => c,
        Err(code) => return code,
    };
    // The deployed app is read while the content is checked; the file
    // texts are kept (copied while the rules run), for the report's
    // file:line and the write-back's edits.
    let read = validated_beside(
        &a.path,
        a.color.color,
        "comparing",
        &a.lints,
        crate::flags::CacheArg::OFF,
        Check::All,
        |p| {
            let appid = a.app.clone().unwrap_or_else(|| p.config.app.appid.clone());
            eprintln!("reading the app {appid} from {} ...", client.url());
            let deployed = detc_drift::fetch(&client, &appid);
            (p.sources.clone(), appid, deployed)
        },
    );
    let (mut p, (sources, appid, deployed), report) = match read {
        Ok(r) => r,
        Err(code) => return code,
    };
    report.finish();
    p.sources = sources;
    let deployed = match deployed {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {} ({})", e.message(), client.url());
            return ExitCode::from(2);
        }
    };
    if deployed.searches.is_empty() && deployed.macros.is_empty() {
        eprintln!(
            "error: {} has no saved search or macro of the app `{appid}`\nhelp: is the app installed there, and may this user read it? Give another app id with --app",
            client.url()
        );
        return ExitCode::from(2);
    }
    let p = Arc::new(p);
    let diffs = match differences(&p, &deployed) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let text = match a.format {
        Format::Human => detc_drift::human(&p, &diffs),
        Format::Json => detc_drift::json(&p, &diffs),
        Format::Sarif => detc_drift::sarif(&p, &diffs),
    };
    print!("{text}");
    eprintln!(
        "compared {} saved search(es) and {} macro(s) of {appid} in {:.2} s",
        deployed.searches.len(),
        deployed.macros.len(),
        started.elapsed().as_secs_f64()
    );
    if a.write_back && !diffs.is_empty() {
        return write_back(&p, &diffs, &deployed, &a.path, &a.lints);
    }
    if diffs.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The plan of `p` compared with `deployed`; prints the plan's errors.
fn differences(
    p: &Arc<detc_content::Project>,
    deployed: &detc_drift::Deployed,
) -> Result<Vec<detc_drift::Difference>, ExitCode> {
    match detc_plan::context(p, Attack::embedded()) {
        Ok(cx) => Ok(detc_drift::compare(p, &cx, deployed)),
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            eprintln!("error: not comparing: {} error(s)", errors.len());
            Err(ExitCode::from(1))
        }
    }
}

/// Writes the YAML edits of `diffs`, then checks the edited content
/// against `deployed` again and says what differs still.
fn write_back(
    p: &detc_content::Project,
    diffs: &[detc_drift::Difference],
    deployed: &detc_drift::Deployed,
    root: &Path,
    lints: &LintArgs,
) -> ExitCode {
    let wb = detc_drift::write_back(p, diffs);
    println!();
    for e in &wb.edits {
        println!("write-back: {}: {}", e.shown, e.changes.join(", "));
    }
    for (i, why) in &wb.left {
        if let Some(d) = diffs.get(*i) {
            let key = d
                .key
                .as_deref()
                .map(|k| format!(" `{k}`"))
                .unwrap_or_default();
            println!("left: {} [{}]{key}: {why}", d.object, d.stanza);
        }
    }
    if let Err(failed) = detc_drift::apply(&wb.edits) {
        for f in failed {
            eprintln!("error: {f}");
        }
        return ExitCode::from(2);
    }
    // The edited content, compared again: what is left is what the
    // write-back could not hold.
    let flags = match lints.flags() {
        Ok(f) => f,
        Err(code) => return code,
    };
    let opts = detc_content::Options {
        lints: flags,
        ..detc_content::Options::default()
    };
    let again = detc_content::validate(root, &opts);
    let errors = detc_diag::Summary::of(&again.diags).errors;
    if errors > 0 {
        eprint!(
            "{}",
            detc_diag::render_human(&again.sources, &again.diags, false)
        );
        eprintln!(
            "error: the edited content has {errors} error(s) (above): review the write-back's edits"
        );
        return ExitCode::from(1);
    }
    let again = Arc::new(again);
    let left = match differences(&again, deployed) {
        Ok(d) => d,
        Err(code) => return code,
    };
    // A difference the first comparison did not have follows from a
    // written value: a drilldown's search holds the detection's search, so
    // a search written back changes it too. Deploying the app brings
    // Splunk's copy in line.
    let before: std::collections::HashSet<(&str, Option<&str>)> = diffs
        .iter()
        .map(|d| (d.stanza.as_str(), d.key.as_deref()))
        .collect();
    let (still, follows): (Vec<_>, Vec<_>) = left
        .iter()
        .partition(|d| before.contains(&(d.stanza.as_str(), d.key.as_deref())));
    for d in &follows {
        println!(
            "follows from the write-back: {} [{}] `{}` (the build derives it from a written value; deploying the app brings Splunk's in line)",
            d.object,
            d.stanza,
            d.key.as_deref().unwrap_or("")
        );
    }
    println!(
        "wrote {} file(s); {} difference(s) left for an edit by hand, {} that the next deploy resolves",
        wb.edits.len(),
        still.len(),
        follows.len()
    );
    ExitCode::from(1)
}
