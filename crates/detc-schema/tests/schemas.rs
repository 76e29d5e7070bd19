//! The committed `schemas/` are what the content model generates today
//! (regenerate with `DETC_UPDATE_SCHEMAS=1 cargo test -p detc-schema` or
//! `detc schema`), and they say what the decoders say.

use serde_json::Value;
use std::path::Path;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn the_committed_schemas_are_current() {
    let dir = repo().join("schemas");
    let fresh = detc_schema::schemas().unwrap();
    if std::env::var_os("DETC_UPDATE_SCHEMAS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &fresh {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    for (name, text) in &fresh {
        let on_disk = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(
            on_disk == *text,
            "schemas/{name} is stale: run `DETC_UPDATE_SCHEMAS=1 cargo test -p detc-schema` (or `detc schema`) and commit it"
        );
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = fresh.iter().map(|(n, _)| n.clone()).collect();
    want.sort();
    assert_eq!(names, want, "schemas/ holds exactly the generated schemas");
}

fn schema(name: &str) -> Value {
    let (_, text) = detc_schema::schemas()
        .unwrap()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_schemas_say_what_the_decoders_say() {
    let d = schema("detection.schema.json");
    let props = &d["properties"];
    // Required as the decoder requires them.
    let required: Vec<&str> = d["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for k in [
        "name",
        "id",
        "version",
        "date",
        "author",
        "status",
        "type",
        "description",
        "search",
        "how_to_implement",
        "known_false_positives",
        "tags",
    ] {
        assert!(required.contains(&k), "{k} is required: {required:?}");
    }
    assert!(!required.contains(&"rba"));
    // Enums from the content model's own lists.
    assert_eq!(
        props["type"]["enum"],
        serde_json::json!(detc_content::enums::DETECTION_TYPES)
    );
    assert_eq!(
        props["rba"]["properties"]["risk_objects"]["items"]["properties"]["type"]["enum"],
        serde_json::json!(detc_content::enums::RISK_OBJECT_TYPES)
    );
    // Computed and 4.x-only keys are refused, unknown keys too.
    for k in ["macros", "lookups", "baselines"] {
        assert!(props.get(k).is_none(), "{k} must not be in the schema");
    }
    assert!(props["tags"]["properties"].get("observable").is_none());
    assert!(props["tags"]["properties"].get("risk_score").is_none());
    assert_eq!(d["additionalProperties"], false);
    assert_eq!(props["tags"]["additionalProperties"], false);
    // Extensions are marked.
    let det = &props["tags"]["properties"]["mitre_attack_detection_strategies"];
    assert_eq!(det["x-detc-extension"], true, "{det}");
    let l = schema("lookup.schema.json");
    assert_eq!(l["properties"]["written_by"]["x-detc-extension"], true);
    assert_eq!(l["properties"]["field_types"]["x-detc-extension"], true);
    assert!(l["properties"].get("filename").is_none(), "4.x key");
    // A key required by one sample and not the other is not required.
    let lreq = l["required"].as_array().unwrap();
    assert!(lreq.contains(&serde_json::json!("lookup_type")));
    assert!(!lreq.contains(&serde_json::json!("fields")));
}
