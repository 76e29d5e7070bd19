//! Decoding a lookup: csv, KV store and mlmodel, 4.x and 5.x.

use super::*;

/// Decodes a lookup.
pub fn lookup(de: &mut Decoder, root: NodeId, path: &str) -> Option<Lookup> {
    let mut m = de.map(root, "lookup")?;
    let common = common(de, &mut m, path, &SUPPORT_OBJECT_BASE, Format::V5);
    // contentctl 4.4.7's `Lookup` has no `lookup_type`: `filename` makes a
    // file lookup, `collection` a KV store one.
    let format = if !m.has("lookup_type")
        && (m.has("filename") || m.has("collection") || m.has("fields_list"))
    {
        Format::V4
    } else {
        Format::V5
    };
    ignore_extra_keys_in(de, format);
    let mut filename = None;
    let mut v4_fields = Vec::new();
    let lookup_type = if format == Format::V4 {
        filename = m.opt_str(de, "filename");
        let collection = m.opt_str(de, "collection");
        if let Some(fl) = m.opt_str(de, "fields_list") {
            v4_fields = fl
                .value
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(|f| Spanned::new(f.to_string(), fl.span))
                .collect();
        }
        match (&filename, &collection) {
            (Some(f), None) => {
                let t = if f.value.ends_with(".mlmodel") {
                    "mlmodel"
                } else {
                    "csv"
                };
                if !f.value.ends_with(".csv") && !f.value.ends_with(".mlmodel") {
                    constraint(
                        de,
                        f.span,
                        format!("`{}` is not a .csv or .mlmodel file", f.value),
                        "lookup files are csv files ending in .csv (contentctl 4.4.7 `Lookup`)",
                    );
                }
                Some(Spanned::new(t.to_string(), f.span))
            }
            (None, Some(c)) => {
                if c.value != common.name() {
                    constraint(
                        de,
                        c.span,
                        format!(
                            "the KV store collection `{}` is not named like the lookup `{}`",
                            c.value,
                            common.name()
                        ),
                        "name the collection after the lookup: detc writes one collections.conf stanza per lookup, named like it",
                    );
                }
                Some(Spanned::new("kvstore".to_string(), c.span))
            }
            (Some(_), Some(c)) => {
                constraint(
                    de,
                    c.span,
                    "a lookup has both `filename` and `collection`".into(),
                    "keep `filename` for a csv lookup or `collection` for a KV store lookup (contentctl 4.4.7 requires exactly one)",
                );
                None
            }
            (None, None) => {
                m.missing(
                    de,
                    "filename",
                    "the csv file in lookups/, or `collection:` for a KV store lookup",
                );
                None
            }
        }
    } else {
        // The 5.x shape, as `detc schema` describes it: contentctl 4.x's
        // keys do not belong in it.
        m.note_enum("lookup_type", LOOKUP_TYPES);
        m.note_required("lookup_type");
        for k in ["filename", "collection", "fields_list"] {
            m.note(k, Shape::Forbidden);
        }
        match m.get_some(de, "lookup_type") {
            Some(n) => de
                .string(n, "lookup_type")
                .and_then(|v| one_of(de, v, LOOKUP_TYPES, "lookup_type")),
            None => {
                let at = m.span;
                de.push(
                    diag(code::S001, "lookup is missing required field `lookup_type`")
                        .at(detc_diag::Span::new(at.file, at.start, at.start))
                        .help("add `lookup_type:` with csv, kvstore or mlmodel"),
                );
                None
            }
        }
    };
    if format == Format::V4 && de.peek(root, "fields").is_some_and(|n| de.is_scalar(n)) {
        ignored_key(
            de,
            &mut m,
            "fields",
            "a 4.x lookup lists its KV store fields in `fields_list`",
        );
    }
    let mut fields = if m.was_read("fields") {
        Vec::new()
    } else {
        m.str_list(de, "fields")
    };
    if fields.is_empty() {
        fields = v4_fields;
    }
    let written_by = match m.get_some(de, "written_by") {
        Some(n) => de
            .string(n, "written_by")
            .and_then(|v| one_of(de, v, WRITTEN_BY, "written_by")),
        None => None,
    };
    if let Some(w) = &written_by {
        let kind = lookup_type
            .as_ref()
            .and_then(|t| LookupType::parse(&t.value));
        if kind == Some(LookupType::MlModel) {
            constraint(
                de,
                w.span,
                "`written_by: firstseen` applies only to `lookup_type: csv` or `kvstore`".into(),
                "make the lookup `lookup_type: kvstore` (firstseen's store=kvstore, for search head clusters) \
                 or `csv` (its file store)",
            );
        }
        let (columns, hint) = if kind == Some(LookupType::KvStore) {
            (
                FIRSTSEEN_KV_COLUMNS,
                "list _key, the key fields, then firstTimeSeen, lastTimeSeen and reportedTime",
            )
        } else {
            (
                FIRSTSEEN_STATE_COLUMNS,
                "list the key fields, then firstTimeSeen, lastTimeSeen and enough_data",
            )
        };
        for col in columns {
            if !fields.iter().any(|f| f.value == *col) {
                constraint(
                    de,
                    w.span,
                    format!("a lookup written by firstseen must list `{col}` in `fields`"),
                    hint,
                );
            }
        }
    }
    let mut field_types = Vec::new();
    if let Some(n) = m.get_some(de, "field_types") {
        if let Some(mut fm) = de.map(n, "field_types") {
            for (k, kn, vn) in fm.take_all() {
                let key = Spanned::new(k, de.span(kn));
                if !fields.iter().any(|f| f.value == key.value) || key.value == "_key" {
                    constraint(
                        de,
                        key.span,
                        format!("`{}` is not one of the lookup's `fields`", key.value),
                        "give types only to fields listed in `fields` (after `_key`)",
                    );
                }
                if let Some(v) = de
                    .string(vn, "field_types")
                    .and_then(|v| one_of(de, v, KV_FIELD_TYPES, "KV store field type"))
                {
                    field_types.push((key, v));
                }
            }
        }
        if lookup_type
            .as_ref()
            .is_some_and(|t| LookupType::parse(&t.value) != Some(LookupType::KvStore))
            && let Some(span) = m.key_span(de, "field_types")
        {
            constraint(
                de,
                span,
                "`field_types` applies only to `lookup_type: kvstore`".into(),
                "remove it, or make the lookup a KV store collection",
            );
        }
    }
    let mut options = Vec::new();
    for &key in crate::enums::LOOKUP_OPTIONS {
        // contentctl 4.4.7's `Lookup` has no `max_matches`: it ignores the
        // key (an `S006` from `finish`), so a 4.x build does not write it.
        if format == Format::V4 && key == "max_matches" {
            if let Some(span) = m.key_span(de, key) {
                de.push(
                    diag(code::S006, "`max_matches` has no effect in 4.x content: contentctl 4.4.7's lookups have no such field".to_string())
                        .at(span)
                        .label("ignored")
                        .help("the build leaves it out, as 4.4.7 did, so Splunk's default applies; after `detc migrate` (which keeps it) it takes effect"),
                );
            }
            let _ = m.get(key);
            continue;
        }
        let Some(n) = m.get_some(de, key) else {
            continue;
        };
        let value = match key {
            "match_type" if format == Format::V4 && de.string(n, key).is_some() => {
                de.string(n, key)
            }
            "case_sensitive_match" | "default_match" if format == Format::V4 => {
                de.scalar_text(n, key).map(|v| {
                    let b = v.value.to_ascii_lowercase();
                    let t = if b == "true" || b == "false" {
                        b
                    } else {
                        v.value.clone()
                    };
                    Spanned::new(t, v.span)
                })
            }
            "match_type" => de.string_list(n, key).map(|l| {
                for v in &l {
                    let ok = (v.value.starts_with("WILDCARD(") || v.value.starts_with("CIDR("))
                        && v.value.ends_with(')');
                    regex_like(de, v, ok, "match_type", "WILDCARD(field) or CIDR(field)");
                }
                Spanned::new(
                    l.iter()
                        .map(|v| v.value.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                    de.span(n),
                )
            }),
            "min_matches" | "max_matches" => de.int(n, key).map(|v| {
                let bad = (key == "min_matches" && v.value < 0)
                    || (key == "max_matches" && !(1..=1000).contains(&v.value));
                if bad {
                    constraint(
                        de,
                        v.span,
                        format!("`{key}` {} is out of range", v.value),
                        if key == "min_matches" {
                            "use 0 or more"
                        } else {
                            "use 1 to 1000"
                        },
                    );
                }
                Spanned::new(v.value.to_string(), v.span)
            }),
            "case_sensitive_match" => de
                .bool(n, key)
                .map(|b| Spanned::new(b.value.to_string(), b.span)),
            _ => de.scalar_text(n, key),
        };
        if let Some(v) = value {
            options.push((key.to_string(), v));
        }
    }
    if format == Format::V5 {
        for k in ["filename", "collection", "fields_list"] {
            if let Some(span) = m.key_span(de, k) {
                de.push(diag(code::S002, format!("`{k}` is a contentctl 4.x lookup field, but this lookup has a 5.x `lookup_type`"))
                    .at(span)
                    .help(match k {
                        "filename" => "remove it: the csv file is `lookups/<this file's stem>.csv` (`detc migrate` renames 4.x files)",
                        "collection" => "remove it: the KV store collection is named after the lookup",
                        _ => "rename `fields_list` to `fields` and write it as a list starting with `_key`",
                    }));
            }
            let _ = m.get(k);
        }
    }
    m.finish(de);
    Some(Lookup {
        common,
        lookup_type,
        fields,
        csv_header: None,
        options,
        field_types,
        written_by,
        filename,
        format,
    })
}
