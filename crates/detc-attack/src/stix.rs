//! Reading a STIX 2.1 ATT&CK bundle.

use crate::{Analytic, AttackData, DetectionStrategy, Tactic, Technique};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Why a STIX bundle could not be read.
#[derive(Debug)]
pub enum StixError {
    /// The file could not be opened or decompressed.
    Io(std::io::Error),
    /// The file is not JSON.
    Json(serde_json::Error),
    /// The JSON is not an ATT&CK bundle (no `objects` array).
    NotABundle,
}

impl std::fmt::Display for StixError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StixError::Io(e) => write!(f, "cannot read the bundle: {e}"),
            StixError::Json(e) => write!(f, "the bundle is not valid JSON: {e}"),
            StixError::NotABundle => {
                f.write_str("the file is not a STIX bundle: it has no `objects` array")
            }
        }
    }
}

impl std::error::Error for StixError {}

fn external_id(o: &Value) -> Option<String> {
    o.get("external_references")?
        .as_array()?
        .iter()
        .find(|r| r.get("source_name").and_then(Value::as_str) == Some("mitre-attack"))?
        .get("external_id")?
        .as_str()
        .map(str::to_string)
}

fn strs(o: &Value, key: &str) -> Vec<String> {
    o.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn flag(o: &Value, key: &str) -> bool {
    o.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// Reads `path` (gzip when it ends in `.gz`) into [`AttackData`] without moves.
pub fn read_bundle(path: &Path) -> Result<AttackData, StixError> {
    let file = std::fs::File::open(path).map_err(StixError::Io)?;
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .map_err(StixError::Io)?;
    } else {
        std::io::BufReader::new(file)
            .read_to_string(&mut text)
            .map_err(StixError::Io)?;
    }
    let v: Value = serde_json::from_str(&text).map_err(StixError::Json)?;
    let mut data = from_bundle(&v)?;
    if data.version == "unknown" {
        // MITRE names its files `enterprise-attack-<version>.json[.gz]`.
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(v) = name
            .strip_prefix("enterprise-attack-")
            .and_then(|r| r.split(".json").next())
        {
            data.version = v.to_string();
        }
    }
    Ok(data)
}

/// Converts a parsed bundle.
pub fn from_bundle(v: &Value) -> Result<AttackData, StixError> {
    let objects = v
        .get("objects")
        .and_then(Value::as_array)
        .ok_or(StixError::NotABundle)?;
    let by_ref: HashMap<&str, &Value> = objects
        .iter()
        .filter_map(|o| Some((o.get("id")?.as_str()?, o)))
        .collect();
    let ext_of = |r: &str| by_ref.get(r).and_then(|o| external_id(o));

    let mut version = String::new();
    let mut tactics = Vec::new();
    let mut techniques = Vec::new();
    let mut strategies = Vec::new();
    let mut analytics = Vec::new();
    let mut revoked_by: HashMap<String, String> = HashMap::new();
    let mut detects: HashMap<String, Vec<String>> = HashMap::new();

    for o in objects {
        let ty = o.get("type").and_then(Value::as_str).unwrap_or("");
        if ty == "relationship" {
            let (Some(src), Some(dst)) = (
                o.get("source_ref").and_then(Value::as_str),
                o.get("target_ref").and_then(Value::as_str),
            ) else {
                continue;
            };
            match o.get("relationship_type").and_then(Value::as_str) {
                Some("revoked-by") if src.starts_with("attack-pattern--") => {
                    if let (Some(a), Some(b)) = (ext_of(src), ext_of(dst)) {
                        revoked_by.insert(a, b);
                    }
                }
                Some("detects") if src.starts_with("x-mitre-detection-strategy--") => {
                    if let (Some(a), Some(b)) = (ext_of(src), ext_of(dst)) {
                        detects.entry(a).or_default().push(b);
                    }
                }
                _ => {}
            }
        }
    }

    let mut analytic_strategy: HashMap<String, String> = HashMap::new();
    for o in objects {
        let ty = o.get("type").and_then(Value::as_str).unwrap_or("");
        let Some(id) = external_id(o) else {
            if ty == "x-mitre-collection" {
                version = o
                    .get("x_mitre_version")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
            }
            continue;
        };
        let name = o
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let gone = flag(o, "revoked") || flag(o, "x_mitre_deprecated");
        match ty {
            "x-mitre-tactic" => tactics.push(Tactic {
                id,
                shortname: o
                    .get("x_mitre_shortname")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                name,
                since: None,
            }),
            "attack-pattern" => {
                let phases = o
                    .get("kill_chain_phases")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter(|p| {
                                p.get("kill_chain_name").and_then(Value::as_str)
                                    == Some("mitre-attack")
                            })
                            .filter_map(|p| {
                                p.get("phase_name")
                                    .and_then(Value::as_str)
                                    .map(str::to_string)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                techniques.push(Technique {
                    revoked_by: revoked_by.get(&id).cloned(),
                    id,
                    name,
                    tactics: phases,
                    platforms: strs(o, "x_mitre_platforms"),
                    revoked: flag(o, "revoked"),
                    deprecated: flag(o, "x_mitre_deprecated"),
                });
            }
            "x-mitre-detection-strategy" => {
                let refs: Vec<String> = strs(o, "x_mitre_analytic_refs")
                    .iter()
                    .filter_map(|r| ext_of(r))
                    .collect();
                for a in &refs {
                    analytic_strategy.insert(a.clone(), id.clone());
                }
                let mut techs = detects.remove(&id).unwrap_or_default();
                techs.sort();
                techs.dedup();
                strategies.push(DetectionStrategy {
                    id,
                    name,
                    techniques: techs,
                    analytics: refs,
                    deprecated: gone,
                });
            }
            "x-mitre-analytic" => analytics.push(Analytic {
                id,
                strategy: None,
                platforms: strs(o, "x_mitre_platforms"),
                deprecated: gone,
            }),
            _ => {}
        }
    }
    for a in &mut analytics {
        a.strategy = analytic_strategy.get(&a.id).cloned();
    }
    if version.is_empty() {
        // Bundles carry their version on the x-mitre-collection object or not at all.
        version = objects
            .iter()
            .find(|o| o.get("type").and_then(Value::as_str) == Some("x-mitre-collection"))
            .and_then(|o| o.get("x_mitre_version").and_then(Value::as_str))
            .unwrap_or("unknown")
            .to_string();
    }
    tactics.sort_by(|a, b| a.id.cmp(&b.id));
    techniques.sort_by(|a, b| a.id.cmp(&b.id));
    strategies.sort_by(|a, b| a.id.cmp(&b.id));
    analytics.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(AttackData {
        version,
        tactics,
        techniques,
        detection_strategies: strategies,
        analytics,
        moves: Vec::new(),
    })
}
