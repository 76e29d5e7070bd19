//! detc's extensions to contentctl 5.x's format, and the strict mode that
//! turns them off.
//!
//! detc reads a superset of what contentctl 5.6.2 reads. Each extension is
//! listed in [`EXTENSIONS`] (and in `docs/extensions.md`, kept equal by a
//! test). With `--no-extensions`, or `[schema] extensions = false` in
//! `detc.toml`, every use of one is an `S007` error, and so is what
//! contentctl 5.6.2 refuses although Splunk accepts it (a lookup file read
//! or written by name without a lookup of that name, `Q012`; a content root
//! without `playbooks/` or `removed/`): content that passes then passes
//! contentctl 5.6.2 too, as far as detc checks it.

use crate::codes::{code, diag};
use crate::load::Project;
use detc_diag::{Diagnostic, Severity};
use detc_yaml::Spanned;

/// One extension: where it is written and what it gives.
pub struct Extension {
    /// The key, as written in the YAML.
    pub key: &'static str,
    /// The object that has it.
    pub object: &'static str,
    /// What it does.
    pub what: &'static str,
}

/// Every detc extension to contentctl 5.6.2's YAML.
pub const EXTENSIONS: &[Extension] = &[
    Extension {
        key: "tags.mitre_attack_detection_strategies",
        object: "detection",
        what: "ATT&CK detection strategies (`DET####`), checked against the embedded ATT&CK and written to the annotations",
    },
    Extension {
        key: "tags.mitre_attack_analytics",
        object: "detection",
        what: "ATT&CK analytics (`AN####`), checked against the detection strategies and techniques and written to the annotations",
    },
    Extension {
        key: "tests[].expect",
        object: "detection",
        what: "`results` (the default: at least one result, contentctl's meaning) or `none` (benign data: no result), checked by `detc test`",
    },
    Extension {
        key: "tests[].count",
        object: "detection",
        what: "the exact number of results the search returns on the attack data, checked by `detc test`",
    },
    Extension {
        key: "tests[].rows",
        object: "detection",
        what: "results that must come out (field to value, or a list for a multivalue field), checked by `detc test`",
    },
    Extension {
        key: "tests[].timeline",
        object: "detection",
        what: "runs of the search in order (`events`, `shift`, `latest`, `reset_state`, and each run's `expect`, `count`, `rows`), sharing one firstseen state, run by `detc test`",
    },
    Extension {
        key: "written_by",
        object: "lookup",
        what: "`firstseen`: the lookup is the state the firstseen command keeps (a csv file for `store=csv`, a KV store collection for `store=kvstore`); no data ships, only its transforms.conf (and collections.conf, with admin-only write) stanzas",
    },
    Extension {
        key: "field_types",
        object: "lookup",
        what: "KV store field types (`string`, `number`, `bool`, `time`, `array`, `cidr`) written to collections.conf",
    },
    Extension {
        key: "sourcetypes/",
        object: "folder",
        what: "how `detc test` reads a sourcetype's events (`time`) and maps them to CIM data models (`datamodels`: a constraint and an eval expression per field); contentctl does not read the folder and nothing of it is built",
    },
    Extension {
        key: "investigations/",
        object: "folder",
        what: "contentctl 4.x response tasks, built as contentctl 4.4.7 builds them (contentctl 5 reads the folder too)",
    },
];

/// The extensions as the Markdown table of `docs/extensions.md`.
pub fn markdown_table() -> String {
    let mut out = String::from("| key | in | what it gives |\n| --- | --- | --- |\n");
    for e in EXTENSIONS {
        out.push_str(&format!("| `{}` | {} | {} |\n", e.key, e.object, e.what));
    }
    out
}

fn strict(span: detc_diag::Span, what: String, help: &str) -> Diagnostic {
    diag(code::S007, what)
        .at(span)
        .label("a detc extension")
        .help(format!("{help} (extensions are off: `--no-extensions` or `[schema] extensions = false` in detc.toml)"))
}

fn list_span(list: &[Spanned<String>]) -> Option<detc_diag::Span> {
    list.first().map(|v| v.span)
}

/// With extensions off, reports every use of one and what else contentctl
/// 5.6.2 refuses; and makes `Q012` an error.
pub fn check_strict(p: &mut Project) {
    let mut out = Vec::new();
    for d in &p.content.detections {
        for (list, key) in [
            (
                &d.tags.detection_strategies,
                "tags.mitre_attack_detection_strategies",
            ),
            (&d.tags.analytics, "tags.mitre_attack_analytics"),
        ] {
            if let Some(span) = list_span(list) {
                out.push(strict(
                    span,
                    format!("`{key}` is a detc extension that contentctl 5.6.2 refuses"),
                    "remove it, or turn extensions on",
                ));
            }
        }
    }
    for d in &p.content.detections {
        for t in &d.tests {
            let e = &t.expectation;
            let found = [
                ("expect", e.expect.as_ref().map(|x| x.span)),
                ("count", e.count.as_ref().map(|x| x.span)),
                ("rows", e.rows.first().map(|r| r.span)),
                ("timeline", t.timeline.first().map(|r| r.span)),
            ];
            for (key, span) in found {
                if let Some(span) = span {
                    out.push(strict(
                        span,
                        format!(
                            "`{key}` in a test is a detc extension that contentctl 5.6.2 refuses"
                        ),
                        "remove it (contentctl's tests all expect results), or turn extensions on",
                    ));
                }
            }
        }
    }
    for l in &p.content.lookups {
        if let Some(w) = &l.written_by {
            out.push(strict(
                w.span,
                "`written_by` is a detc extension that contentctl 5.6.2 refuses".into(),
                "remove it and ship the lookup's file, or turn extensions on",
            ));
        }
        if let Some((k, _)) = l.field_types.first() {
            out.push(strict(
                k.span,
                "`field_types` is a detc extension that contentctl 5.6.2 refuses".into(),
                "remove it (every field is then a string), or turn extensions on",
            ));
        }
    }
    let config_file = (0..u32::try_from(p.sources.len()).unwrap_or(u32::MAX))
        .map(detc_diag::FileId)
        .find(|f| p.sources.get(*f).path == "contentctl.yml");
    for dir in ["playbooks", "removed"] {
        if !p.root.join(dir).is_dir()
            && let Some(file) = config_file
        {
            out.push(
                diag(code::S007, format!("contentctl 5.6.2 refuses a content root without a `{dir}/` folder"))
                    .in_file(file)
                    .help(format!("create `{dir}/` beside contentctl.yml (an empty folder with a .gitkeep will do)")),
            );
        }
    }
    for d in p.diags.iter_mut() {
        if d.code == code::Q012.as_str() {
            d.severity = Severity::Error;
        }
    }
    p.diags.extend(out);
}
