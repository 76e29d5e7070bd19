//! contentctl 4.x content ("legacy" format, security_content before ESCU
//! 5.0, 2025-01): how it is recognised and how its risk settings map onto
//! the 5.x model.
//!
//! A 4.x detection keeps its risk settings in `tags`: `confidence` and
//! `impact` (0..100, the score is `round(confidence * impact / 100)`,
//! contentctl 4.4.7 `DetectionTags.risk_score`), `message` (the risk
//! message) and `observable`, a list of `{name, type, role}` where `role`
//! is exactly one of `Victim` (the entity at risk) or `Attacker` (the
//! threat). 5.x has a top-level `rba:` block instead. The mapping, in
//! [`risk_object_type`] and [`threat_object_type`], follows what
//! contentctl 4.4.7 wrote to `action.risk.param._risk`
//! (`detection_abstract.py`, `risk` property) and what ESCU 5.0's
//! migration (splunk/security_content#3204, with splunk/contentctl#263)
//! kept: every risk object gets the detection's one score. Where 4.4.7
//! wrote a threat object type that 5.x does not have (`user`, `other`,
//! `endpoint`), detc chooses; `docs/legacy.md` lists each choice.

pub use crate::format::Format;
use crate::risk::{Rba, RiskObject, ThreatObject};
use detc_diag::Span;
use detc_yaml::Spanned;

/// Keys of a detection's `tags` that only 4.x has. A detection with any of
/// them and no top-level `rba:` is read as 4.x.
pub const V4_TAG_KEYS: &[&str] = &[
    "observable",
    "message",
    "confidence",
    "impact",
    "risk_score",
    "required_fields",
];

/// Detection-only keys that old 4.x baselines carry in `tags`; contentctl
/// 4.4.7's `BaselineTags` ignores them (`S006`), `detc migrate` removes them.
pub const BASELINE_IGNORED_TAGS: &[&str] = &[
    "confidence",
    "impact",
    "risk_score",
    "message",
    "observable",
    "kill_chain_phases",
    "context",
    "mitre_attack_id",
    "asset_type",
    "cis20",
    "nist",
];

/// contentctl 4.4.7's observable types (`SES_OBSERVABLE_TYPE_MAPPING`).
pub const OBSERVABLE_TYPES: &[&str] = &[
    "Unknown",
    "Hostname",
    "IP Address",
    "MAC Address",
    "User Name",
    "Email Address",
    "URL String",
    "File Name",
    "File Hash",
    "Process Name",
    "Resource UID",
    "Endpoint",
    "User",
    "Email",
    "Uniform Resource Locator",
    "File",
    "Process",
    "Geo Location",
    "Container",
    "Registry Key",
    "Registry Value",
    "Other",
];

/// contentctl 4.4.7's observable roles (`RBA_OBSERVABLE_ROLE_MAPPING`):
/// exactly one per observable (from contentctl 4.3.1,
/// [`crate::era::Feature::RbaRoles`]).
pub const OBSERVABLE_ROLES: &[&str] = &["Attacker", "Victim"];

/// The observable roles contentctl 4.0.1 to 4.3.0 accepted, one or more per
/// observable (`SES_OBSERVABLE_ROLE_MAPPING` in `objects/constants.py`).
pub const SES_OBSERVABLE_ROLES: &[&str] = &[
    "Other",
    "Unknown",
    "Actor",
    "Target",
    "Attacker",
    "Victim",
    "Parent Process",
    "Child Process",
    "Known Bad",
    "Data Loss",
    "Observer",
];

/// One `tags.observable` entry.
#[derive(Debug, Clone)]
pub struct Observable {
    /// `name`: the result field.
    pub name: Option<Spanned<String>>,
    /// `type`, one of [`OBSERVABLE_TYPES`].
    pub kind: Option<Spanned<String>>,
    /// `role`: its entries that are [`SES_OBSERVABLE_ROLES`], in order
    /// (contentctl 4.3.1 and later accept exactly one of
    /// [`OBSERVABLE_ROLES`]; [`crate::reference::settle`] says so).
    pub roles: Vec<Spanned<String>>,
    /// The `role` value, when there is one.
    pub role_span: Option<Span>,
}

impl Observable {
    /// Whether `role` lists `r` (contentctl writes `'Victim' in
    /// entity.role`).
    pub fn has_role(&self, r: &str) -> bool {
        self.roles.iter().any(|x| x.value == r)
    }
}

/// What a 4.x detection's `tags` hold that 5.x keeps elsewhere or computes.
#[derive(Debug, Clone, Default)]
pub struct LegacyTags {
    /// `confidence`, 0..100.
    pub confidence: Option<Spanned<i64>>,
    /// `impact`, 0..100.
    pub impact: Option<Spanned<i64>>,
    /// `risk_score` as written (contentctl 4.4.7 ignores it and computes
    /// `round(confidence * impact / 100)`).
    pub risk_score: Option<Spanned<i64>>,
    /// `message`: the risk message.
    pub message: Option<Spanned<String>>,
    /// `observable`.
    pub observables: Vec<Observable>,
    /// `required_fields` (documentation only; 5.x dropped it).
    pub required_fields: Vec<Spanned<String>>,
}

impl LegacyTags {
    /// The risk score contentctl 4.4.7 computes: `round(confidence *
    /// impact / 100)`, rounding halves to even as Python's `round` does.
    /// `None` when either input is missing.
    pub fn computed_score(&self) -> Option<i64> {
        let c = self.confidence.as_ref()?.value;
        let i = self.impact.as_ref()?.value;
        let p = c * i;
        let (q, r) = (p / 100, p % 100);
        Some(if r > 50 || (r == 50 && q % 2 == 1) {
            q + 1
        } else {
            q
        })
    }
}

/// The 5.x risk object type of a `Victim` observable of 4.x type `ty`:
/// `user` for users and email addresses, `system` for hosts and addresses,
/// `other` for anything else (contentctl 4.4.7's `risk` property, except
/// that `User Name` is a `user` here: 4.4.7 tests for `username` and so
/// wrote `other`, its bug #246).
pub fn risk_object_type(ty: &str) -> &'static str {
    match ty {
        "User" | "User Name" | "Email Address" | "Email" => "user",
        "Hostname" | "IP Address" | "Endpoint" => "system",
        _ => "other",
    }
}

/// Where an `Attacker` observable goes in 5.x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttackerMapping {
    /// A threat object of this 5.x type.
    Threat(&'static str),
    /// A risk object of this 5.x type: 5.x has no threat object type for
    /// it (a user, or an `Other` value whose field is not a threat type).
    Risk(&'static str),
}

/// The 5.x place of an `Attacker` observable of 4.x type `ty` on result
/// field `field`. Threat object types follow contentctl 4.4.7 where 5.x
/// has the same type (`process`, `file_name`, `url`, `ip_address`), and
/// the 5.x type of the same meaning otherwise (`Process Name` ->
/// `process_name`, `File Hash` -> `file_hash`, `Email Address` ->
/// `email_address`, `Hostname`/`Endpoint` -> `system`, registry types).
/// A `User` attacker becomes a `user` risk object: 5.x has no user threat
/// object, and a user acting in your tenant is an account at risk (4.4.7
/// wrote `threat_object_type = user`, which ES files under "other"). An
/// `Other`/`Unknown` attacker takes the threat type named like its field
/// when there is one (`signature`, `domain`...), else becomes an `other`
/// risk object.
pub fn attacker_mapping(ty: &str, field: &str) -> AttackerMapping {
    use AttackerMapping::*;
    match ty {
        "IP Address" => Threat("ip_address"),
        "URL String" | "Uniform Resource Locator" => Threat("url"),
        "File Name" | "File" => Threat("file_name"),
        "File Hash" => Threat("file_hash"),
        "Process" => Threat("process"),
        "Process Name" => Threat("process_name"),
        "Email Address" | "Email" => Threat("email_address"),
        "Hostname" | "Endpoint" => Threat("system"),
        "Registry Key" => Threat("registry_path"),
        "Registry Value" => Threat("registry_value_name"),
        "User" | "User Name" => Risk("user"),
        _ => {
            let last = field.rsplit(['.', '}']).next().unwrap_or(field);
            match crate::enums::THREAT_OBJECT_TYPES
                .iter()
                .find(|t| **t == last)
            {
                Some(t) => Threat(t),
                None => Risk("other"),
            }
        }
    }
}

/// One entry of the `action.risk.param._risk` list that contentctl 4.4.7
/// writes for a 4.x detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Risk4 {
    /// `{"risk_object_field", "risk_object_type", "risk_score"}`.
    Risk {
        /// The result field.
        field: String,
        /// `user`, `system` or `other`.
        kind: &'static str,
        /// The detection's computed score.
        score: i64,
    },
    /// `{"threat_object_field", "threat_object_type"}`.
    Threat {
        /// The result field.
        field: String,
        /// The threat object type as 4.4.7 writes it.
        kind: String,
    },
}

/// The `_risk` list contentctl 4.4.7 builds from a 4.x detection's
/// observables (`Detection.risk` in `detection_abstract.py`), in
/// observable order, so that a 4.x repository built by detc puts the
/// same risk and threat objects in front of Enterprise Security:
/// - `Victim` with type User, User Name or Email Address: a `user` risk
///   object; with Device, Endpoint, Hostname or IP Address: `system`;
/// - `Attacker` with Process Name or Process: a `process` threat object;
///   File Name, File or File Hash: `file_name`; IP Address: `ip_address`;
///   URL String or URL: `url`; any other type: the type in lower case
///   (`user`, `other`, `hostname`...), as 4.4.7 writes it;
/// - anything else (a `Victim` of another type): an `other` risk object.
///
/// Every risk object carries [`LegacyTags::computed_score`] (0 when it
/// cannot be computed, the error is reported elsewhere). Observables whose
/// name, type or role could not be read are left out.
pub fn contentctl4_risk(l: &LegacyTags, reference: &crate::era::Reference) -> Vec<Risk4> {
    let generic_attacker = reference.has(crate::era::Feature::RbaRoles);
    let score = l.computed_score().unwrap_or(0);
    let mut out = Vec::new();
    for o in &l.observables {
        let (Some(name), Some(kind)) = (&o.name, &o.kind) else {
            continue;
        };
        if o.roles.is_empty() {
            continue;
        }
        let ty = kind.value.to_lowercase();
        let field = name.value.clone();
        let risk = |kind| Risk4::Risk {
            field: field.clone(),
            kind,
            score,
        };
        let threat = |kind: &str| Risk4::Threat {
            field: field.clone(),
            kind: kind.to_string(),
        };
        let victim = o.has_role("Victim");
        let attacker = o.has_role("Attacker");
        out.push(match ty.as_str() {
            "user" | "username" | "email address" if victim => risk("user"),
            "device" | "endpoint" | "hostname" | "ip address" if victim => risk("system"),
            "process name" | "process" if attacker => threat("process"),
            "file name" | "file" | "file hash" if attacker => threat("file_name"),
            "ip address" if attacker => threat("ip_address"),
            "url string" | "url" if attacker => threat("url"),
            _ if attacker && generic_attacker => threat(&ty),
            _ => risk("other"),
        });
    }
    out
}

/// The 5.x `rba:` block of a 4.x detection: `Victim` observables become
/// risk objects ([`risk_object_type`]), `Attacker` ones threat or risk
/// objects ([`attacker_mapping`]); every risk object gets
/// [`LegacyTags::computed_score`] (spanned at `confidence`); the message
/// is `tags.message`. Observables whose name, type or role could not be
/// read are left out (their error is already reported). `None` when the
/// detection has no observable and no message.
pub fn rba_from_legacy(l: &LegacyTags, span: Span) -> Option<Rba> {
    if l.observables.is_empty() && l.message.is_none() {
        return None;
    }
    let score_span = l
        .confidence
        .as_ref()
        .or(l.impact.as_ref())
        .map_or(span, |c| c.span);
    let score = l.computed_score().map(|v| Spanned::new(v, score_span));
    let mut risk_objects = Vec::new();
    let mut threat_objects = Vec::new();
    for o in &l.observables {
        let (Some(name), Some(kind)) = (&o.name, &o.kind) else {
            continue;
        };
        if o.roles.is_empty() {
            continue;
        }
        let risk = |t: &'static str| RiskObject {
            field: Some(name.clone()),
            kind: Some(Spanned::new(t.to_string(), kind.span)),
            score: score.clone(),
        };
        if o.has_role("Victim") {
            risk_objects.push(risk(risk_object_type(&kind.value)));
            continue;
        }
        if !o.has_role("Attacker") {
            // `Other`, `Unknown`, `Parent Process`... (contentctl before
            // 4.3.1): contentctl wrote an `other` risk object.
            risk_objects.push(risk("other"));
            continue;
        }
        match attacker_mapping(&kind.value, &name.value) {
            AttackerMapping::Threat(t) => threat_objects.push(ThreatObject {
                field: Some(name.clone()),
                kind: Some(Spanned::new(t.to_string(), kind.span)),
            }),
            AttackerMapping::Risk(t) => risk_objects.push(risk(t)),
        }
    }
    Some(Rba {
        message: l.message.clone(),
        risk_objects,
        threat_objects,
        span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use detc_diag::FileId;

    fn n(v: i64) -> Option<Spanned<i64>> {
        Some(Spanned::new(v, Span::new(FileId(0), 0, 0)))
    }

    #[test]
    fn score_rounds_like_python() {
        let t = |c, i| {
            LegacyTags {
                confidence: n(c),
                impact: n(i),
                ..Default::default()
            }
            .computed_score()
        };
        // ESCU examples: 50*30 -> 15, 70*80 -> 56, 90*70 -> 63.
        assert_eq!(t(50, 30), Some(15));
        assert_eq!(t(70, 80), Some(56));
        assert_eq!(t(90, 70), Some(63));
        // Halves round to even: 2.5 -> 2, 3.5 -> 4 (Python 3 round()).
        assert_eq!(t(50, 5), Some(2));
        assert_eq!(t(50, 7), Some(4));
        assert_eq!(t(10, 1), Some(0));
    }

    #[test]
    fn contentctl4_risk_follows_4_4_7() {
        let sp = Span::new(FileId(0), 0, 0);
        let obs = |name: &str, kind: &str, role: &str| Observable {
            name: Some(Spanned::new(name.into(), sp)),
            kind: Some(Spanned::new(kind.into(), sp)),
            roles: vec![Spanned::new(role.into(), sp)],
            role_span: Some(sp),
        };
        let l = LegacyTags {
            confidence: n(70),
            impact: n(70),
            observables: vec![
                obs("src", "IP Address", "Attacker"),
                obs("sourcetype", "Other", "Victim"),
                obs("user", "User", "Attacker"),
                obs("dest", "Hostname", "Victim"),
                obs("user", "User Name", "Victim"),
                obs("file_hash", "File Hash", "Attacker"),
            ],
            ..Default::default()
        };
        let r = |field: &str, kind, score| Risk4::Risk {
            field: field.into(),
            kind,
            score,
        };
        let t = |field: &str, kind: &str| Risk4::Threat {
            field: field.into(),
            kind: kind.into(),
        };
        // 4.4.7 keeps a User attacker as a `user` threat object (ES files
        // it under "other"), and every Victim type it does not know as an
        // `other` risk object.
        let latest = crate::era::Reference::default();
        assert_eq!(
            contentctl4_risk(&l, &latest),
            [
                t("src", "ip_address"),
                r("sourcetype", "other", 49),
                t("user", "user"),
                r("dest", "system", 49),
                // "User Name" is not in 4.4.7's user types ({user,
                // username, email address}; its TODO #246): `other`.
                r("user", "other", 49),
                t("file_hash", "file_name"),
            ]
        );
        // Before 4.3.1 an Attacker of a type without a threat mapping was an
        // `other` risk object, and several roles (SES roles) were allowed:
        // `'Victim' in entity.role` comes first.
        let old = crate::era::Reference {
            version: crate::era::Version::new(4, 0, 4),
            source: crate::era::Source::Flag,
        };
        let mut l2 = l.clone();
        l2.observables.push(Observable {
            roles: vec![
                Spanned::new("Attacker".into(), sp),
                Spanned::new("Victim".into(), sp),
            ],
            ..obs("dest", "Hostname", "Attacker")
        });
        l2.observables
            .push(obs("parent", "Process", "Parent Process"));
        let got = contentctl4_risk(&l2, &old);
        assert_eq!(got[2], r("user", "other", 49));
        assert_eq!(got[6], r("dest", "system", 49));
        assert_eq!(got[7], r("parent", "other", 49));
        assert_eq!(got[0], t("src", "ip_address"));
    }

    #[test]
    fn attacker_mapping_covers_the_corpus_pairs() {
        use AttackerMapping::*;
        assert_eq!(attacker_mapping("IP Address", "src"), Threat("ip_address"));
        assert_eq!(attacker_mapping("User", "user_arn"), Risk("user"));
        assert_eq!(attacker_mapping("Other", "signature"), Threat("signature"));
        assert_eq!(attacker_mapping("Other", "object_name"), Risk("other"));
        assert_eq!(attacker_mapping("Endpoint", "src"), Threat("system"));
        assert_eq!(risk_object_type("User Name"), "user");
        assert_eq!(risk_object_type("Other"), "other");
    }
}
