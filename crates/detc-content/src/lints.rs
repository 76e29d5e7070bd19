//! Rule levels, adjustable the way Rust's lints are.
//!
//! A rule's level comes, last one winning, from:
//! 1. its default ([`crate::codes::RULES`]);
//! 2. the generation of the file: in a 4.x file, an error from a rule that
//!    contentctl 5 has and contentctl 4.4.7 does not
//!    ([`crate::codes::NOT_IN_CONTENTCTL4`]) is a warning, since the tool
//!    that builds that content accepts it (`detc migrate` or the author
//!    fixes it before moving to 5.x);
//! 3. the `[lints]` table of `detc.toml` beside `contentctl.yml`:
//!    `A004 = "allow"`, or by name `technique-and-subtechnique = "warn"`;
//! 4. `--allow`, `--warn`, `--deny` on the command line, in order;
//! 5. `--cap-lints warn`: every error from a rule that the file's
//!    contentctl does not have becomes a warning.
//!
//! `allow` drops the diagnostic. Schema and file rules (`F`, `Y`, `S`)
//! cannot be lowered: content that breaks them cannot be read as meant.

use crate::codes::{self, Rule, code, diag};
use crate::legacy::Format;
use crate::load::Project;
use detc_diag::{FileId, Severity, Span};
use std::collections::HashMap;

/// A level set for a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Do not report it.
    Allow,
    /// Report it as a warning.
    Warn,
    /// Report it as an error.
    Deny,
}

impl Level {
    /// Parses `allow`, `warn` or `deny`.
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// Levels given on the command line.
#[derive(Debug, Clone, Default)]
pub struct LintFlags {
    /// `(rule code or name, level)` in command-line order.
    pub levels: Vec<(String, Level)>,
    /// `--cap-lints warn`.
    pub cap_warn: bool,
    /// `--no-extensions`: refuse detc's extensions to the 5.x format, as
    /// contentctl 5.6.2 does (beats `[schema] extensions` of detc.toml).
    pub no_extensions: bool,
    /// `--contentctl VERSION`: the contentctl 4.x content is checked and
    /// built against ([`crate::era`]).
    pub contentctl: Option<String>,
    /// Check for errors only: a rule that could report nothing but
    /// warnings on this content, at these levels, is not run (`detc docs`,
    /// which leaves warnings to `detc validate`).
    pub errors_only: bool,
}

/// Finds a rule by code (`A004`) or name (`technique-and-subtechnique`).
pub fn find_rule(key: &str) -> Option<&'static Rule> {
    codes::RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(key) || r.name == key)
}

/// Checks a command-line level: the rule exists and may be set.
pub fn check_flag(key: &str, level: Level) -> Result<&'static Rule, String> {
    let r = find_rule(key).ok_or_else(|| {
        format!("no rule is named `{key}` (`detc rules` lists the codes and names)")
    })?;
    if r.is_schema() && level != Level::Deny {
        return Err(format!(
            "{} ({}) checks the schema or the files: its errors cannot be lowered",
            r.code, r.name
        ));
    }
    Ok(r)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DetcToml {
    #[serde(default)]
    lints: std::collections::BTreeMap<String, toml::Spanned<String>>,
    #[serde(default)]
    schema: SchemaToml,
    #[serde(default)]
    build: BuildToml,
}

/// `[build]` of detc.toml.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct BuildToml {
    /// `contentctl = "4.0.4"`: the contentctl 4.x content is built as
    /// ([`crate::era`]).
    contentctl: Option<toml::Spanned<String>>,
}

/// `[schema]` of detc.toml.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SchemaToml {
    /// `extensions = false`: detc's extensions to the 5.x format are
    /// refused ([`crate::extensions`]).
    extensions: Option<bool>,
}

/// Reads `detc.toml` in the content root, if there is one: the rule levels
/// of its `[lints]` table, and `[schema] extensions` (`None` when not
/// set). Problems are `F005` errors with their span.
/// Also `[build] contentctl`, with its span.
type TomlRead = (
    Vec<(&'static Rule, Level)>,
    Option<bool>,
    Option<(String, Span)>,
);

fn read_toml(p: &mut Project) -> TomlRead {
    let path = p.root.join("detc.toml");
    if !path.is_file() {
        return (Vec::new(), None, None);
    }
    let Some(file) =
        crate::load::read_file(&mut p.sources, &mut p.diags, &p.root, &path, &p.overlay)
    else {
        return (Vec::new(), None, None);
    };
    let text = p.sources.get(file).text.clone();
    let parsed: DetcToml = match toml::from_str(&text) {
        Ok(t) => t,
        Err(e) => {
            let mut d = diag(code::F005, format!("detc.toml: {}", e.message()))
                .help("write rule levels as `[lints]` lines such as `A004 = \"warn\"` (allow, warn or deny)");
            d = match e.span() {
                Some(r) => d.at(Span::new(file, r.start, r.end.max(r.start))),
                None => d.in_file(file),
            };
            p.diags.push(d);
            return (Vec::new(), None, None);
        }
    };
    let extensions = parsed.schema.extensions;
    let contentctl = parsed.build.contentctl.map(|v| {
        let r = v.span();
        (v.into_inner(), Span::new(file, r.start, r.end))
    });
    let mut out = Vec::new();
    for (key, value) in parsed.lints {
        let r = value.span();
        let span = Span::new(file, r.start, r.end);
        let Some(level) = Level::parse(value.get_ref()) else {
            p.diags.push(
                diag(
                    code::F005,
                    format!("`{}` is not a lint level", value.get_ref()),
                )
                .at(span)
                .label(format!("level of `{key}`"))
                .help("use \"allow\", \"warn\" or \"deny\""),
            );
            continue;
        };
        match check_flag(&key, level) {
            Ok(rule) => out.push((rule, level)),
            Err(msg) => p.diags.push(
                diag(code::F005, format!("`{key}` in [lints]: {msg}"))
                    .at(span)
                    .help("set levels of content rules (C, A, Q, R, D, P, L, M codes) only"),
            ),
        }
    }
    (out, extensions, contentctl)
}

/// The generation of each content file, and the project's (the one most
/// detections use) for files that are not content objects.
fn file_formats(p: &Project) -> (HashMap<FileId, Format>, Format) {
    let m = p.content.formats().map(|(_, c, f)| (c.file, f)).collect();
    (m, p.format())
}

/// The levels set for one run: `detc.toml`'s `[lints]` then the command
/// line's, in the order they apply, and whether extensions are off. Read
/// by [`Levels::read`] before the rules run, so that a rule set to
/// `allow` everywhere is not run at all ([`Levels::is_off`]).
#[derive(Debug, Default)]
pub struct Levels {
    /// `[lints]` of detc.toml, then `--allow`/`--warn`/`--deny`, in order.
    set: Vec<(&'static Rule, Level)>,
    /// `--cap-lints warn`.
    cap_warn: bool,
    /// `--no-extensions` or `[schema] extensions = false`.
    strict: bool,
    /// [`LintFlags::errors_only`].
    errors_only: bool,
    /// The generations of the content's files (each object's, and the
    /// project's for other files), for [`Levels::can_error`].
    formats: Vec<Format>,
    /// The contentctl that 4.x content is built against ([`crate::era`]):
    /// what it does not enforce is lowered in 4.x files.
    reference: crate::era::Version,
    /// `[build] contentctl` of detc.toml, with its span.
    pub(crate) toml_contentctl: Option<(String, Span)>,
}

impl Levels {
    /// Reads `detc.toml` (problems are `F005` errors in `p.diags`) and
    /// joins its levels with `flags`.
    pub fn read(p: &mut Project, flags: &LintFlags) -> Levels {
        let (mut set, extensions, toml_contentctl) = read_toml(p);
        set.extend(
            flags
                .levels
                .iter()
                .filter_map(|(k, l)| check_flag(k, *l).ok().map(|r| (r, *l))),
        );
        let (by_file, project) = file_formats(p);
        let mut formats: Vec<Format> = by_file.into_values().chain([project]).collect();
        formats.sort_by_key(|f| *f == Format::V4);
        formats.dedup();
        Levels {
            set,
            cap_warn: flags.cap_warn,
            strict: flags.no_extensions || extensions == Some(false),
            errors_only: flags.errors_only,
            formats,
            reference: p.reference.version,
            toml_contentctl,
        }
    }

    /// The reference contentctl for 4.x files.
    pub fn reference(&self) -> crate::era::Version {
        self.reference
    }

    /// Sets the reference contentctl for 4.x files (after
    /// [`crate::reference::settle`] has chosen it).
    pub fn set_reference(&mut self, v: crate::era::Version) {
        self.reference = v;
    }

    /// The last level set for `rule` (detc.toml, then the command line).
    fn last_level(&self, rule: &Rule) -> Option<Level> {
        self.set
            .iter()
            .rev()
            .find(|(r, _)| r.code == rule.code)
            .map(|(_, l)| *l)
    }

    /// The level a finding of `rule` gets in a file of `format` (the steps
    /// of the module documentation, in order): `None` when it is dropped
    /// (`allow`). [`apply`] levels every finding with it.
    fn level_in(&self, rule: &Rule, format: Format) -> Option<Severity> {
        let mut sev = if lowered_for_4x(rule, format, self.reference) {
            Severity::Warning
        } else {
            rule.severity
        };
        match self.last_level(rule) {
            Some(Level::Allow) => return None,
            Some(Level::Warn) => sev = Severity::Warning,
            Some(Level::Deny) => sev = Severity::Error,
            None => {}
        }
        // A duplicate key is read as PyYAML reads it (the last value), so
        // `--cap-lints warn` may lower it too.
        if self.cap_warn
            && sev == Severity::Error
            && (!rule.is_schema() || rule.code == "Y002")
            && !codes::in_contentctl(rule, format, self.reference)
        {
            sev = Severity::Warning;
        }
        Some(sev)
    }

    /// Whether `code` could report an error in a file of this content.
    pub fn can_error(&self, code: codes::Code) -> bool {
        let rule = code.rule();
        self.formats
            .iter()
            .any(|f| self.level_in(rule, *f) == Some(Severity::Error))
    }

    /// Whether `code` is set to `allow` (the last level set for it): its
    /// findings would all be dropped, so its check need not run. Levels
    /// depend on the file only between warning and error, never to or
    /// from `allow`.
    ///
    /// With [`LintFlags::errors_only`], a rule that [cannot report an
    /// error](Levels::can_error) is off too.
    pub fn is_off(&self, code: codes::Code) -> bool {
        self.last_level(code.rule()) == Some(Level::Allow)
            || (self.errors_only && !self.can_error(code))
    }
}

/// Step 2 of the module documentation: an error of a rule that contentctl
/// 5 has and the reference contentctl does not is a warning in a 4.x file.
fn lowered_for_4x(rule: &Rule, format: Format, reference: crate::era::Version) -> bool {
    format == Format::V4
        && rule.severity == Severity::Error
        && rule.contentctl
        && !codes::in_contentctl(rule, Format::V4, reference)
}

/// What [`apply`] adds to the help of a finding lowered by
/// [`lowered_for_4x`]: who accepts it and who refuses it.
fn lowered_note(rule: &Rule, reference: crate::era::Version) -> String {
    match rule.contentctl4_since() {
        Some((a, b, c)) => format!(
            "contentctl {reference} accepts this in 4.x content; contentctl {} and later refuse it",
            crate::era::Version::new(a, b, c)
        ),
        None => {
            format!("contentctl {reference} accepts this in 4.x content; contentctl 5 refuses it")
        }
    }
}

/// Applies every level (see the module documentation) to `p.diags`; then,
/// when extensions are off (`--no-extensions`, or `[schema] extensions =
/// false`), the strict checks of [`crate::extensions::check_strict`].
pub fn apply(p: &mut Project, levels: &Levels) {
    let (formats, project_format) = file_formats(p);
    let diags = std::mem::take(&mut p.diags);
    for mut d in diags {
        let Some(rule) = codes::rule(d.code) else {
            p.diags.push(d);
            continue;
        };
        let format = d
            .file
            .or(d.span.map(|s| s.file))
            .and_then(|f| formats.get(&f).copied())
            .unwrap_or(project_format);
        let Some(severity) = levels.level_in(rule, format) else {
            continue;
        };
        if lowered_for_4x(rule, format, levels.reference) {
            let note = lowered_note(rule, levels.reference);
            d.help = Some(match d.help.take() {
                Some(h) => format!("{h} ({note})"),
                None => note.to_string(),
            });
        }
        d.severity = severity;
        p.diags.push(d);
    }
    if levels.strict {
        crate::extensions::check_strict(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(toml: Option<&str>, cli: &[(&str, Level)]) -> Levels {
        read(toml, cli, false, false)
    }

    /// Levels for `detc docs`: errors only.
    fn levels_with(toml: Option<&str>, cli: &[(&str, Level)], cap_warn: bool) -> Levels {
        read(toml, cli, cap_warn, true)
    }

    fn read(
        toml: Option<&str>,
        cli: &[(&str, Level)],
        cap_warn: bool,
        errors_only: bool,
    ) -> Levels {
        let t = tempfile::tempdir().expect("a temporary folder");
        if let Some(text) = toml {
            std::fs::write(t.path().join("detc.toml"), text).expect("write detc.toml");
        }
        let mut p = Project {
            root: t.path().to_path_buf(),
            ..Default::default()
        };
        let flags = LintFlags {
            levels: cli.iter().map(|(k, l)| (k.to_string(), *l)).collect(),
            cap_warn,
            errors_only,
            ..Default::default()
        };
        Levels::read(&mut p, &flags)
    }

    /// A rule is off (and is not run) exactly when the last level set for
    /// it, detc.toml first and then the command line, is `allow`.
    #[test]
    fn the_last_level_set_decides_whether_a_rule_runs() {
        assert!(!levels(None, &[]).is_off(code::A004));
        assert!(levels(Some("[lints]\nA004 = \"allow\"\n"), &[]).is_off(code::A004));
        assert!(!levels(Some("[lints]\nA004 = \"allow\"\n"), &[]).is_off(code::A001));
        // By name, and overridden on the command line.
        let by_name = Some("[lints]\ntechnique-and-subtechnique = \"allow\"\n");
        assert!(levels(by_name, &[]).is_off(code::A004));
        assert!(!levels(by_name, &[("A004", Level::Warn)]).is_off(code::A004));
        assert!(levels(None, &[("a004", Level::Deny), ("A004", Level::Allow)]).is_off(code::A004));
    }

    /// With errors only (`detc docs`), a rule runs when one of the
    /// content's files could get an error from it: its default level, a
    /// level set for it, and `--cap-lints warn` for rules the file's
    /// contentctl does not have, as [`apply`] levels a finding.
    #[test]
    fn errors_only_runs_the_rules_that_could_report_an_error() {
        // No content: only the project's own format (5.x) counts.
        let plain = levels_with(None, &[], false);
        assert!(plain.can_error(code::R001) && !plain.is_off(code::R001));
        assert!(!plain.can_error(code::A003), "A003 is a warning by default");
        assert!(plain.is_off(code::A003));
        // Capped: detc's own rules can only warn; contentctl's still err.
        let capped = levels_with(None, &[], true);
        assert!(capped.is_off(code::R001) && capped.is_off(code::D001));
        assert!(!capped.is_off(code::Q001) && !capped.is_off(code::C001));
        // A level set for a rule wins over its default; the cap over deny.
        assert!(levels_with(None, &[("Q001", Level::Warn)], false).is_off(code::Q001));
        assert!(!levels_with(None, &[("A003", Level::Deny)], false).is_off(code::A003));
        assert!(levels_with(None, &[("R001", Level::Deny)], true).is_off(code::R001));
        // Schema rules are never capped.
        assert!(!capped.is_off(code::S002));
    }
}
