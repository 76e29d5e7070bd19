//! JSON Schemas (draft 2020-12) of content in contentctl 5.x's format, with
//! detc's extensions marked, for editors (the YAML language server shows
//! their descriptions, enums and patterns as you type) and CI
//! (`check-jsonschema`).
//!
//! The schemas are generated from the content model itself: each object's
//! decoder reads a sample document ([`SAMPLES`], one holding every nested
//! mapping) with [`detc_yaml::Decoder::shapes`] on, which records every key
//! the decoder knows and how it reads it (string, list, whole number,
//! boolean, one of an enum, a pattern, required or not, refused). A key's
//! value decoded as a mapping, or a list of mappings, becomes a nested
//! object schema. Keys the decoder refuses in 5.x content (computed by
//! contentctl, or contentctl 4.x only) are left out, and no other key is
//! allowed (`additionalProperties: false`), as detc reports an unknown key.
//! So the schemas cannot drift from what `detc validate` accepts; what they
//! cannot say (cross-file references, SPL, ATT&CK IDs) `detc validate`
//! checks.

use detc_yaml::{Doc, MapShape, NodeId, NodeKind, Shape};
use serde_json::{Map, Value, json};

/// One content type: its folder, its schema's file name, its title, and
/// sample documents that hold every field and nested mapping.
pub struct Sample {
    /// The content folder whose decoder reads it (`detections`...).
    pub folder: &'static str,
    /// The object, as the schema's file is named (`detection`).
    pub object: &'static str,
    /// What the schema describes.
    pub title: &'static str,
    /// The samples, merged: a key is required only when every sample's
    /// decoding requires it.
    pub texts: &'static [&'static str],
}

/// Every content type with its samples.
pub const SAMPLES: &[Sample] = &[
    Sample {
        folder: "detections",
        object: "detection",
        title: "detc detection (contentctl 5.x format)",
        texts: &[include_str!("../samples/detection.yml")],
    },
    Sample {
        folder: "stories",
        object: "story",
        title: "detc analytic story (contentctl 5.x format)",
        texts: &[include_str!("../samples/story.yml")],
    },
    Sample {
        folder: "macros",
        object: "macro",
        title: "detc macro (contentctl 5.x format)",
        texts: &[include_str!("../samples/macro.yml")],
    },
    Sample {
        folder: "lookups",
        object: "lookup",
        title: "detc lookup (contentctl 5.x format)",
        texts: &[
            include_str!("../samples/lookup-csv.yml"),
            include_str!("../samples/lookup-kvstore.yml"),
        ],
    },
    Sample {
        folder: "baselines",
        object: "baseline",
        title: "detc baseline (contentctl 5.x format)",
        texts: &[include_str!("../samples/baseline.yml")],
    },
    Sample {
        folder: "data_sources",
        object: "data_source",
        title: "detc data source (contentctl 5.x format)",
        texts: &[include_str!("../samples/data_source.yml")],
    },
    Sample {
        folder: "deployments",
        object: "deployment",
        title: "detc deployment (contentctl 5.x format)",
        texts: &[include_str!("../samples/deployment.yml")],
    },
    Sample {
        folder: "sourcetypes",
        object: "sourcetype",
        title: "detc sourcetype definition for detc test (a detc extension)",
        texts: &[include_str!("../samples/sourcetype.yml")],
    },
];

/// Where the schemas say they live (`$id`), relative to a repository's
/// `schemas/` folder.
pub const ID_BASE: &str = "https://detc.invalid/schemas/";

/// Every schema: `(file name, JSON text ending in a newline)`, e.g.
/// `("detection.schema.json", ...)`, in [`SAMPLES`] order.
///
/// # Errors
/// A sample that no longer decodes into a mapping (a programming error
/// that the crate's tests catch).
pub fn schemas() -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for s in SAMPLES {
        let mut merged: Option<Value> = None;
        for text in s.texts {
            let (doc, shapes) = detc_content::load::shapes(s.folder, text)
                .ok_or_else(|| format!("the {} sample is not YAML", s.object))?;
            let root = doc
                .root
                .ok_or_else(|| format!("the {} sample is empty", s.object))?;
            let top = shapes
                .iter()
                .find(|m| m.node == root)
                .ok_or_else(|| format!("the {} sample is not a mapping", s.object))?;
            let schema = object(top, &shapes, &doc, s.object, "");
            merged = Some(match merged {
                None => schema,
                Some(prev) => merge(prev, schema),
            });
        }
        let mut schema = merged.unwrap_or_else(|| json!({}));
        if let Some(o) = schema.as_object_mut() {
            let mut head = Map::new();
            head.insert(
                "$schema".into(),
                json!("https://json-schema.org/draft/2020-12/schema"),
            );
            head.insert(
                "$id".into(),
                json!(format!("{ID_BASE}{}.schema.json", s.object)),
            );
            head.insert("title".into(), json!(s.title));
            head.extend(std::mem::take(o));
            *o = head;
        }
        let text = serde_json::to_string_pretty(&schema).map_err(|e| e.to_string())? + "\n";
        out.push((format!("{}.schema.json", s.object), text));
    }
    Ok(out)
}

/// The schema of the mapping `m`; `path` is its keys' prefix (`tags.`),
/// for the extensions' names.
fn object(m: &MapShape, all: &[MapShape], doc: &Doc, object_name: &str, path: &str) -> Value {
    if m.free_form && m.what == "expected row" {
        // A test's expected result: field to a value (a YAML scalar of any
        // type, compared as text) or a list of values.
        let scalar = json!({"type": ["string", "number", "boolean"]});
        return json!({"type": "object", "additionalProperties": {
            "anyOf": [scalar, {"type": "array", "items": scalar}]
        }});
    }
    if m.free_form {
        // Data as keys: `field_types` (field to type), a mapping's
        // `fields` (field to eval expression).
        return json!({"type": "object", "additionalProperties": {"type": "string"}});
    }
    let mut props = Map::new();
    let mut required = Vec::new();
    for k in &m.keys {
        if k.shape == Shape::Forbidden {
            continue;
        }
        let full = format!("{path}{}", k.key);
        let mut v = match &k.shape {
            Shape::Str => json!({"type": "string"}),
            Shape::StrList => json!({"type": "array", "items": {"type": "string"}}),
            // Read as pydantic's lax mode reads them (detc-yaml's
            // `Decoder::int` and `Decoder::bool`): a number or boolean, or
            // the same written as a string.
            Shape::Int => json!({"anyOf": [
                {"type": "integer"},
                {"type": "string", "pattern": "^\\s*-?[0-9]+\\s*$"}
            ]}),
            Shape::Bool => json!({"anyOf": [
                {"type": "boolean"},
                {"type": "integer", "enum": [0, 1]},
                {"type": "string", "pattern": bool_pattern()}
            ]}),
            Shape::Enum(vals) => json!({"type": "string", "enum": vals}),
            Shape::EnumList(vals) => {
                json!({"type": "array", "items": {"type": "string", "enum": vals}})
            }
            Shape::Pattern(p) => json!({"type": "string", "pattern": p}),
            Shape::Any | Shape::Forbidden => nested(k.value, all, doc, object_name, &full),
        };
        if let Some(d) = description(object_name, &full)
            && let Some(o) = v.as_object_mut()
        {
            o.insert("description".into(), json!(d));
        }
        if let Some(e) = detc_content::extensions::EXTENSIONS
            .iter()
            .find(|e| e.object == object_name && e.key == full)
            && let Some(o) = v.as_object_mut()
        {
            o.insert(
                "description".into(),
                json!(format!("detc extension to contentctl 5.x: {}", e.what)),
            );
            o.insert("x-detc-extension".into(), json!(true));
        }
        props.insert(k.key.to_string(), v);
        if k.required {
            required.push(k.key);
        }
    }
    let mut o = Map::new();
    o.insert("type".into(), json!("object"));
    o.insert("properties".into(), Value::Object(props));
    if !required.is_empty() {
        o.insert("required".into(), json!(required));
    }
    o.insert("additionalProperties".into(), json!(false));
    Value::Object(o)
}

/// The schema of a value read as a node: the mapping, or list of mappings,
/// decoded from it, else anything.
fn nested(
    value: Option<NodeId>,
    all: &[MapShape],
    doc: &Doc,
    object_name: &str,
    path: &str,
) -> Value {
    let Some(v) = value else { return json!({}) };
    if let Some(m) = all.iter().find(|m| m.node == v) {
        return object(m, all, doc, object_name, &format!("{path}."));
    }
    if let NodeKind::Seq(items) = &doc.node(v).kind {
        let children: Vec<&MapShape> = items
            .iter()
            .filter_map(|i| all.iter().find(|m| m.node == *i))
            .collect();
        if let Some(first) = children.first() {
            let mut schema = object(first, all, doc, object_name, &format!("{path}."));
            for c in &children[1..] {
                schema = merge(
                    schema,
                    object(c, all, doc, object_name, &format!("{path}.")),
                );
            }
            return json!({"type": "array", "items": schema});
        }
    }
    json!({})
}

/// The strings `Decoder::bool` reads as booleans, in any case
/// (`true`, `yes`, `on`, `1`, `t`, `y` and their opposites).
fn bool_pattern() -> String {
    let words = [
        "true", "yes", "on", "1", "t", "y", "false", "no", "off", "0", "f", "n",
    ];
    let alts: Vec<String> = words
        .iter()
        .map(|w| {
            w.chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c, c.to_ascii_uppercase())
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        })
        .collect();
    format!("^({})$", alts.join("|"))
}

/// Two schemas of the same object from different samples: properties
/// united (recursively), a key required only when both require it.
fn merge(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Object(mut a), Value::Object(b)) => {
            let req_a: Vec<Value> = a
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let req_b: Vec<Value> = b
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (k, vb) in b {
                match a.remove(&k) {
                    Some(va) if k == "properties" || k == "items" => {
                        let merged = if k == "properties" {
                            let (Value::Object(mut pa), Value::Object(pb)) = (va, vb) else {
                                continue;
                            };
                            for (pk, pv) in pb {
                                let m = match pa.remove(&pk) {
                                    Some(old) => merge(old, pv),
                                    None => pv,
                                };
                                pa.insert(pk, m);
                            }
                            Value::Object(pa)
                        } else {
                            merge(va, vb)
                        };
                        a.insert(k, merged);
                    }
                    Some(va) if va == json!({}) => {
                        a.insert(k, vb);
                    }
                    Some(va) => {
                        a.insert(k, va);
                    }
                    None => {
                        a.insert(k, vb);
                    }
                }
            }
            let both: Vec<Value> = req_a.into_iter().filter(|r| req_b.contains(r)).collect();
            if both.is_empty() {
                a.remove("required");
            } else {
                a.insert("required".into(), Value::Array(both));
            }
            Value::Object(a)
        }
        (a, _) => a,
    }
}

/// What an author sees when hovering a key (the fields contentctl
/// documents, in its words' spirit).
fn description(object: &str, key: &str) -> Option<&'static str> {
    Some(match (object, key) {
        (_, "name") => {
            "The object's name; the file name is derived from it (spaces, -, . and / become _, lower case)."
        }
        (_, "id") => "A UUID that stays the same for the object's whole life.",
        (_, "version") => "A whole number, raised by one with each change.",
        (_, "date") => "The date of the last change, YYYY-MM-DD.",
        (_, "author") => "Who wrote it: name, organisation.",
        (_, "description") => "What it is and why it matters.",
        (_, "status") => {
            "production, experimental or deprecated (which values apply depends on the object)."
        }
        (_, "references") => "URLs with more information.",
        ("detection", "type") => {
            "TTP and Anomaly detections raise risk; TTP also a notable by default; Hunting ones are run by hand; Correlation ones search the risk index."
        }
        ("detection", "search") => {
            "The SPL search; its last command is the filter macro `<file name>_filter`."
        }
        ("detection", "data_source") => "The data sources it reads, by name (data_sources/).",
        ("detection", "how_to_implement") => "The data, add-ons and settings the search needs.",
        ("detection", "known_false_positives") => "What else makes it fire, and how to filter it.",
        ("detection", "rba") => {
            "Risk-based alerting: the risk message and the risk and threat objects, each a field the search outputs."
        }
        ("detection", "drilldown_searches") => {
            "Searches an analyst runs from the finding; tokens such as $user$ are fields the search outputs."
        }
        ("detection", "tests") => "Attack data on which the search must return results.",
        ("detection", "tags") => {
            "Analytic stories, ATT&CK mapping, products, security domain, asset type."
        }
        ("detection", "tags.mitre_attack_id") => "ATT&CK technique IDs (T1059, T1059.001).",
        ("detection", "tags.analytic_story") => {
            "The analytic stories it belongs to, by name (stories/)."
        }
        ("detection", "enabled_by_default") => {
            "Whether the correlation search is enabled when the app is installed (production TTP, Anomaly and Correlation only)."
        }
        ("detection", "deployment") => {
            "The schedule and alert actions, when not those of the type's default deployment."
        }
        ("story", "narrative") => "The threat, how its detections find it, and what to do.",
        ("macro", "definition") => {
            "The SPL the macro expands to; $argument$ stands for an argument."
        }
        ("macro", "arguments") => "Argument names; the macro is called `name(value, ...)`.",
        ("lookup", "lookup_type") => {
            "csv (a file lookups/<name>.csv), kvstore (a KV store collection) or mlmodel."
        }
        ("baseline", "search") => {
            "The SPL search that records the baseline, usually ending in outputlookup."
        }
        ("deployment", "scheduling") => {
            "cron_schedule, earliest_time, latest_time and schedule_window of the saved searches."
        }
        ("deployment", "alert_action") => {
            "What a result raises: notable, rba, email, slack, phantom."
        }
        _ => return None,
    })
}
