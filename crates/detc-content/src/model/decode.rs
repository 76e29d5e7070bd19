//! Helpers every object's decoder shares: enumerated values, lengths and
//! patterns, URLs, and the base fields (`common`) with each kind's settings
//! ([`BaseFields`]).

use super::*;

/// Checks that `v` is one of `allowed` (`S004`), suggesting the closest.
pub(crate) fn one_of(
    de: &mut Decoder,
    v: Spanned<String>,
    allowed: &[&str],
    field: &str,
) -> Option<Spanned<String>> {
    if allowed.contains(&v.value.as_str()) {
        return Some(v);
    }
    let mut d = diag(code::S004, format!("`{}` is not a valid {field}", v.value))
        .at(v.span)
        .label("not an allowed value");
    d = match detc_yaml::did_you_mean(&v.value, allowed.iter().copied()) {
        Some(s) => {
            let token = de.source.and_then(|t| t.get(v.span.start..v.span.end));
            let d = d.help(format!("did you mean `{s}`?"));
            match token {
                Some(t) => d.fix(
                    format!("replace with `{s}`"),
                    v.span,
                    detc_yaml::scalar_like(t, s),
                ),
                None => d,
            }
        }
        None => d.help(format!("use one of: {}", allowed.join(", "))),
    };
    de.push(d);
    None
}

pub(super) fn constraint(de: &mut Decoder, span: Span, msg: String, help: impl Into<String>) {
    de.push(diag(code::S005, msg).at(span).help(help));
}

pub(super) fn max_len(de: &mut Decoder, v: &Option<Spanned<String>>, field: &str, max: usize) {
    if let Some(v) = v {
        let n = v.value.chars().count();
        if n > max {
            constraint(
                de,
                v.span,
                format!("`{field}` is {n} characters long, more than {max}"),
                format!("shorten `{field}` to {max} characters or fewer"),
            );
        }
    }
}

pub(super) fn min_len(de: &mut Decoder, v: &Option<Spanned<String>>, field: &str, min: usize) {
    if let Some(v) = v
        && v.value.trim().chars().count() < min
    {
        constraint(
            de,
            v.span,
            format!("`{field}` is shorter than {min} characters"),
            format!("write at least {min} characters in `{field}`"),
        );
    }
}

pub(super) fn req_enum(
    de: &mut Decoder,
    m: &mut MapReader,
    key: &'static str,
    allowed: &[&str],
) -> Option<Spanned<String>> {
    m.note_enum(key, allowed);
    let v = m.req_str(de, key)?;
    one_of(de, v, allowed, key)
}

pub(super) fn enum_list(
    de: &mut Decoder,
    items: Vec<Spanned<String>>,
    allowed: &[&str],
    field: &str,
) -> Vec<Spanned<String>> {
    items
        .into_iter()
        .filter_map(|v| one_of(de, v, allowed, field))
        .collect()
}

pub(super) fn urls(de: &mut Decoder, m: &mut MapReader, key: &'static str) -> Vec<Spanned<String>> {
    let list = m.str_list(de, key);
    for u in &list {
        let ok = (u.value.starts_with("https://") || u.value.starts_with("http://"))
            && u.value.len() > 8
            && !u.value.contains(char::is_whitespace);
        if !ok {
            constraint(
                de,
                u.span,
                format!("`{}` is not a valid URL", u.value),
                "references are http:// or https:// URLs with no spaces",
            );
        }
    }
    list
}

pub(super) fn regex_like(
    de: &mut Decoder,
    v: &Spanned<String>,
    ok: bool,
    what: &str,
    example: &str,
) {
    if !ok {
        constraint(
            de,
            v.span,
            format!("`{}` is not a valid {what}", v.value),
            format!("write it like `{example}`"),
        );
    }
}

/// What one kind of object asks of its base fields (contentctl's
/// `SecurityContentObject` subclasses and their validators).
pub(super) struct BaseFields {
    /// Longest `name`: 67 where contentctl builds a savedsearches.conf
    /// stanza from it (detections, baselines, investigations), else 99.
    name_max: usize,
    /// The allowed `status` values.
    statuses: &'static [&'static str],
    /// Whether `id`, `version`, `date`, `author` and `status` may be left
    /// out (macros, lookups, dashboards, data sources, deployments).
    optional_metadata: bool,
}

pub(super) const DETECTION_BASE: BaseFields = BaseFields {
    name_max: 67,
    statuses: DETECTION_STATUS,
    optional_metadata: false,
};
pub(super) const STORY_BASE: BaseFields = BaseFields {
    name_max: 99,
    statuses: STORY_STATUS,
    optional_metadata: false,
};
pub(super) const BASELINE_BASE: BaseFields = BaseFields {
    name_max: 67,
    statuses: STORY_STATUS,
    optional_metadata: false,
};
pub(super) const INVESTIGATION_BASE: BaseFields = BASELINE_BASE;
pub(super) const SUPPORT_OBJECT_BASE: BaseFields = BaseFields {
    name_max: 99,
    statuses: PRODUCTION_ONLY,
    optional_metadata: true,
};

/// Reads the base fields as `kind` asks (see [`BaseFields`]); `format` V4
/// makes `status` optional (4.x stories and baselines have none).
pub(super) fn common(
    de: &mut Decoder,
    m: &mut MapReader,
    path: &str,
    kind: &BaseFields,
    format: Format,
) -> Common {
    let BaseFields {
        name_max,
        statuses,
        optional_metadata: lenient,
    } = *kind;
    let name = m.req_str(de, "name");
    max_len(de, &name, "name", name_max);
    m.note("id", Shape::Pattern(UUID_PATTERN));
    m.note("date", Shape::Pattern(DATE_PATTERN));
    let id = m.str_field(de, "id", !lenient);
    if let Some(id) = &id
        && uuid::Uuid::parse_str(&id.value).is_err()
    {
        constraint(
            de,
            id.span,
            format!("`{}` is not a UUID", id.value),
            "use a UUID such as `0f7ee854-1aad-4bef-89c5-5c402b488510` (`uuidgen` prints a new one)",
        );
    }
    let version = m.int_field(de, "version", !lenient);
    if let Some(v) = &version
        && v.value < 0
    {
        constraint(
            de,
            v.span,
            "`version` is negative".into(),
            "versions start at 0 and go up by one per change",
        );
    }
    let date = m.str_field(de, "date", !lenient);
    if let Some(d) = &date
        && d.value.parse::<jiff::civil::Date>().is_err()
    {
        constraint(
            de,
            d.span,
            format!("`{}` is not a date", d.value),
            "write the date as `YYYY-MM-DD`, e.g. `'2024-07-18'`",
        );
    }
    let author = m.str_field(de, "author", !lenient);
    max_len(de, &author, "author", 255);
    let description = m.req_str(de, "description");
    max_len(de, &description, "description", 10000);
    let status = if lenient || format == Format::V4 {
        m.note_enum("status", statuses);
        m.opt_str(de, "status")
            .and_then(|s| one_of(de, s, statuses, "status"))
    } else {
        req_enum(de, m, "status", statuses)
    };
    let references = urls(de, m, "references");
    Common {
        file: de.file,
        path: path.to_string(),
        name,
        id,
        version,
        date,
        author,
        description,
        status,
        references,
        span: m.span,
    }
}

/// In a 4.x file, unknown keys are warnings (`S006`): contentctl 4.4.7's
/// models (`Detection`, `DetectionTags`, `TestAttackData`, `Baseline`,
/// `Lookup`, ...) keep pydantic's default `extra="ignore"`, so the build
/// that content is made for drops them; only `StoryTags` forbids them.
/// contentctl 5.6.2 forbids extra keys everywhere, so 5.x files keep `S002`.
pub(super) fn ignore_extra_keys_in(de: &mut Decoder, format: Format) {
    de.extra_keys_ignored_by = (format == Format::V4).then_some("contentctl 4.4.7");
}

/// A UUID as contentctl's models accept it (JSON Schema `pattern`).
pub const UUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// A date, `YYYY-MM-DD` (JSON Schema `pattern`).
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// KV store field types (collections.conf.spec `field.<name>`).
pub const KV_FIELD_TYPES: &[&str] = &["string", "number", "bool", "time", "array", "cidr"];

/// Reads `key`, which contentctl 4.4.7 accepts and ignores (its models
/// allow extra keys), reporting it as `S006`: the value has no effect.
pub(super) fn ignored_key(de: &mut Decoder, m: &mut MapReader, key: &'static str, why: &str) {
    if let Some(span) = m.key_span(de, key) {
        de.push(
            diag(code::S006, format!("`{key}` has no effect: {why}"))
                .at(span)
                .label("ignored")
                .help(format!(
                    "remove `{key}` (contentctl 4.4.7 ignores it and contentctl 5 rejects it)"
                )),
        );
    }
    let _ = m.get(key);
}
