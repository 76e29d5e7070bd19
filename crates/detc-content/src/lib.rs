//! The detc content compiler's front end: the content model of
//! contentctl 5.x YAML (detections, analytic stories, macros, lookups,
//! baselines, data sources, deployments), the loader that reads a content
//! root, and the validation rules.
//!
//! [`validate`] loads a content root and runs every rule; the result's
//! `diags` hold every problem found in every file, sorted by file and
//! position.

pub mod codes;
pub mod enums;
pub mod era;
pub mod extensions;
mod format;
pub mod legacy;
pub mod lints;
pub mod load;
pub mod model;
pub mod naming;
pub mod par;
pub mod reference;
mod risk;
pub mod rules;

pub use load::{
    AppConfig, Config, DecodeCache, Overlay, ParseCache, Project, load, load_cached, load_with,
};

use detc_attack::Attack;

/// Settings of a validation run.
pub struct Options<'a> {
    /// The ATT&CK data to check against (usually [`Attack::embedded`]).
    pub attack: &'a Attack,
    /// "Today" for the no-future-dates rule (UTC date).
    pub today: jiff::civil::Date,
    /// Rule levels from the command line (`detc.toml` is read from the root).
    pub lints: lints::LintFlags,
    /// The pack file of parse trees kept between runs ([`ParseCache`]),
    /// or `None` to parse every file (the default: a library call writes
    /// nothing; `detc validate` and `detc build` set it).
    pub parse_cache: Option<std::path::PathBuf>,
}

impl Default for Options<'static> {
    fn default() -> Self {
        Options {
            attack: Attack::embedded(),
            today: jiff::Zoned::now()
                .with_time_zone(jiff::tz::TimeZone::UTC)
                .date(),
            lints: lints::LintFlags::default(),
            parse_cache: None,
        }
    }
}

/// Loads the content root `root` and runs every rule.
pub fn validate(root: &std::path::Path, opts: &Options) -> Project {
    validate_beside(root, opts, |_| ()).0
}

/// [`validate`], running `beside` on the decoded content while the rules
/// run ([`rules::run_beside`]); what `beside` returns comes back with the
/// project. A caller that needs a clean project (the docs) checks its
/// diagnostics before using the result.
pub fn validate_beside<R: Send>(
    root: &std::path::Path,
    opts: &Options,
    beside: impl FnOnce(&Project) -> R + Send,
) -> (Project, R) {
    let p = match &opts.parse_cache {
        Some(pack) => load_cached(root, ParseCache::at(pack)),
        None => load(root),
    };
    validate_project(p, opts, None, beside)
}

/// [`validate`], reading the texts of `overlay` (an editor's unsaved
/// buffers) instead of those files' on disk, decoding only the files that
/// changed since `cache`'s last run ([`DecodeCache`]) and checking again
/// only the detections whose findings may have changed
/// ([`rules::RuleMemo`]); the result is the same as [`validate`]'s on the
/// same texts.
pub fn validate_with(
    root: &std::path::Path,
    opts: &Options,
    overlay: Overlay,
    cache: Option<&mut DecodeCache>,
) -> Project {
    match cache {
        Some(c) => {
            let p = load_with(root, overlay, Some(&mut *c));
            validate_project(p, opts, Some(&mut c.rules), |_| ()).0
        }
        None => validate_project(load_with(root, overlay, None), opts, None, |_| ()).0,
    }
}

fn validate_project<R: Send>(
    mut p: Project,
    opts: &Options,
    memo: Option<&mut rules::RuleMemo>,
    beside: impl FnOnce(&Project) -> R + Send,
) -> (Project, R) {
    let mut levels = lints::Levels::read(&mut p, &opts.lints);
    let given = reference::Given {
        flag: opts.lints.contentctl.clone(),
        toml: levels.toml_contentctl.take(),
    };
    reference::settle(&mut p, &given);
    levels.set_reference(p.reference.version);
    let r = rules::run_beside(&mut p, opts, &levels, memo, beside);
    lints::apply(&mut p, &levels);
    p.diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    p.diags.dedup();
    (p, r)
}
