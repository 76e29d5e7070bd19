//! MITRE ATT&CK Enterprise, embedded.
//!
//! `data/attack.json` is generated from the STIX 2.1 bundle
//! `enterprise-attack-18.1.json.gz` and elastic/detection-rules'
//! `attack_v18_to_v19.yaml` by `detc-attack-gen` (see the README in this
//! crate's `data/` folder); it ships with MITRE's terms of use in
//! `data/LICENSE-ATTACK.txt`. [`Attack::embedded`] parses it once.
//! [`Attack::from_stix_bundle`] reads a newer bundle a user points at.
//!
//! Field sources in the STIX bundle: `attack-pattern` objects give
//! techniques (`external_references[source_name=mitre-attack].external_id`,
//! `name`, `kill_chain_phases[].phase_name`, `revoked`,
//! `x_mitre_deprecated`, `revoked-by` relationships);
//! `x-mitre-tactic` gives tactics (`x_mitre_shortname`);
//! `x-mitre-detection-strategy` gives DET#### with
//! `x_mitre_analytic_refs` and its `detects` relationships to techniques;
//! `x-mitre-analytic` gives AN#### with `x_mitre_platforms`.

mod stix;

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

pub use stix::StixError;

/// A tactic such as `TA0005` `defense-evasion` "Defense Evasion".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tactic {
    /// `TA####`.
    pub id: String,
    /// The kill-chain phase name used by techniques, e.g. `defense-evasion`.
    pub shortname: String,
    /// Display name.
    pub name: String,
    /// The ATT&CK version that introduced this name, when it is newer than
    /// the bundle (v19's `stealth` and `defense-impairment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// A technique or sub-technique (`T1078`, `T1078.004`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Technique {
    /// `T####` or `T####.###`.
    pub id: String,
    /// Display name (for a sub-technique, its own name without the parent's).
    pub name: String,
    /// Tactic shortnames (kill-chain phases) in bundle order.
    #[serde(default)]
    pub tactics: Vec<String>,
    /// Platforms such as `IaaS`, `Windows`.
    #[serde(default)]
    pub platforms: Vec<String>,
    /// Revoked in this ATT&CK version.
    #[serde(default)]
    pub revoked: bool,
    /// Deprecated in this ATT&CK version.
    #[serde(default)]
    pub deprecated: bool,
    /// For a revoked technique, the technique that replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
}

/// A detection strategy (`DET0078`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DetectionStrategy {
    /// `DET####`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Techniques it detects (from `detects` relationships).
    pub techniques: Vec<String>,
    /// Its analytics, `AN####`.
    pub analytics: Vec<String>,
    /// Deprecated or revoked.
    #[serde(default)]
    pub deprecated: bool,
}

/// An analytic (`AN0215`), a platform-specific part of a detection strategy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Analytic {
    /// `AN####`.
    pub id: String,
    /// The detection strategy that lists it.
    pub strategy: Option<String>,
    /// Platforms such as `IaaS`.
    pub platforms: Vec<String>,
    /// Deprecated or revoked.
    #[serde(default)]
    pub deprecated: bool,
}

/// An ID that a newer ATT&CK version changes (elastic/detection-rules'
/// `attack_v18_to_v19.yaml`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Move {
    /// The ID in the embedded version, e.g. `T1562.008`.
    pub from: String,
    /// The new ID, e.g. `T1685.002`; `None` when it is dropped.
    pub to: Option<String>,
    /// The name under the new ID.
    pub name: Option<String>,
    /// The version that moves it, e.g. `19`.
    pub version: String,
}

/// The serialized form of `data/attack.json`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct AttackData {
    /// ATT&CK version of the bundle, e.g. `18.1`.
    pub version: String,
    /// Tactics, including names introduced after `version`.
    pub tactics: Vec<Tactic>,
    /// Techniques and sub-techniques, sorted by id.
    pub techniques: Vec<Technique>,
    /// Detection strategies, sorted by id.
    pub detection_strategies: Vec<DetectionStrategy>,
    /// Analytics, sorted by id.
    pub analytics: Vec<Analytic>,
    /// ID moves in the next version.
    pub moves: Vec<Move>,
}

/// ATT&CK with lookups by id.
#[derive(Debug)]
pub struct Attack {
    /// The data.
    pub data: AttackData,
    techniques: HashMap<String, usize>,
    strategies: HashMap<String, usize>,
    analytics: HashMap<String, usize>,
    moves: HashMap<String, usize>,
}

static EMBEDDED: OnceLock<Attack> = OnceLock::new();
const EMBEDDED_JSON: &str = include_str!("../data/attack.json");

impl Attack {
    /// Indexes `data`.
    pub fn new(data: AttackData) -> Self {
        let idx = |ids: Vec<&String>| {
            ids.into_iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), i))
                .collect::<HashMap<_, _>>()
        };
        Attack {
            techniques: idx(data.techniques.iter().map(|t| &t.id).collect()),
            strategies: idx(data.detection_strategies.iter().map(|t| &t.id).collect()),
            analytics: idx(data.analytics.iter().map(|t| &t.id).collect()),
            moves: idx(data.moves.iter().map(|t| &t.from).collect()),
            data,
        }
    }

    /// The ATT&CK data built into detc (Enterprise 18.1 with v19 moves).
    pub fn embedded() -> &'static Attack {
        EMBEDDED.get_or_init(|| {
            // The file is generated and checked by a test; a parse failure is a build defect.
            let data: AttackData = serde_json::from_str(EMBEDDED_JSON).unwrap_or_default();
            Attack::new(data)
        })
    }

    /// Reads a STIX 2.1 bundle (`.json` or `.json.gz`) such as MITRE's
    /// `enterprise-attack-<version>.json`. `moves` come from the caller
    /// (the embedded ones, usually).
    ///
    /// # Errors
    /// [`StixError`] when the file cannot be read or is not a bundle.
    pub fn from_stix_bundle(path: &std::path::Path, moves: Vec<Move>) -> Result<Attack, StixError> {
        let mut data = stix::read_bundle(path)?;
        data.moves = moves;
        Ok(Attack::new(data))
    }

    /// A technique by id.
    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.techniques.get(id).map(|i| &self.data.techniques[*i])
    }

    /// A detection strategy by id.
    pub fn strategy(&self, id: &str) -> Option<&DetectionStrategy> {
        self.strategies
            .get(id)
            .map(|i| &self.data.detection_strategies[*i])
    }

    /// An analytic by id.
    pub fn analytic(&self, id: &str) -> Option<&Analytic> {
        self.analytics.get(id).map(|i| &self.data.analytics[*i])
    }

    /// The next version's move of `id`, if any.
    pub fn moved(&self, id: &str) -> Option<&Move> {
        self.moves.get(id).map(|i| &self.data.moves[*i])
    }

    /// A tactic by shortname (`defense-evasion`, `stealth`) or id.
    pub fn tactic(&self, key: &str) -> Option<&Tactic> {
        self.data
            .tactics
            .iter()
            .find(|t| t.shortname == key || t.id == key)
    }

    /// The parent technique of sub-technique `id` (`T1078` for `T1078.004`);
    /// `None` for a technique.
    pub fn parent_of(id: &str) -> Option<&str> {
        id.split_once('.').map(|(p, _)| p)
    }

    /// Whether detection strategy `det` detects `technique`, its parent, or
    /// one of its sub-techniques.
    pub fn strategy_fits(&self, det: &DetectionStrategy, technique: &str) -> bool {
        det.techniques.iter().any(|t| related(t, technique))
    }
}

/// Whether two technique ids are the same, or one is a sub-technique of the other.
pub fn related(a: &str, b: &str) -> bool {
    a == b || Attack::parent_of(a) == Some(b) || Attack::parent_of(b) == Some(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_has_the_known_objects() {
        let a = Attack::embedded();
        assert_eq!(a.data.version, "18.1");
        assert_eq!(
            a.technique("T1078.004").map(|t| t.name.as_str()),
            Some("Cloud Accounts")
        );
        assert!(a.data.techniques.len() > 800);
        let det = a.strategy("DET0078").expect("DET0078");
        assert!(det.analytics.contains(&"AN0215".to_string()));
        assert!(det.techniques.contains(&"T1059.009".to_string()));
        assert_eq!(
            a.analytic("AN0215").and_then(|x| x.strategy.as_deref()),
            Some("DET0078")
        );
        assert_eq!(
            a.moved("T1562.008").and_then(|m| m.to.as_deref()),
            Some("T1685.002")
        );
        assert_eq!(a.tactic("stealth").map(|t| t.id.as_str()), Some("TA0005"));
        assert_eq!(
            a.tactic("defense-impairment").map(|t| t.id.as_str()),
            Some("TA0112")
        );
    }

    #[test]
    fn revoked_techniques_name_their_replacement() {
        let a = Attack::embedded();
        let revoked: Vec<_> = a.data.techniques.iter().filter(|t| t.revoked).collect();
        assert!(revoked.len() > 100);
        assert!(
            revoked.iter().all(|t| t.revoked_by.is_some()),
            "every revoked technique has a revoked-by link"
        );
    }
}
