//! MITRE ATT&CK mappings, checked against the embedded data (or a bundle
//! given with `--attack-bundle`).
//!
//! - `A001 unknown-technique`: every `tags.mitre_attack_id` exists
//!   (contentctl checks this only with `--enrichments`, over the network).
//! - `A002 revoked-technique`: it is neither revoked nor deprecated; the
//!   replacement is named (STIX `revoked-by` relationships, or the next
//!   version's ID map).
//! - `A003 technique-moved`: a warning when the next ATT&CK version moves
//!   the ID (elastic/detection-rules `attack_v18_to_v19.yaml`, e.g.
//!   T1562.008 -> T1685.002).
//! - `A004 technique-and-subtechnique`: a technique and its own
//!   sub-technique are not both listed (contentctl).
//! - `A005`/`A006`: each `tags.mitre_attack_detection_strategies` entry
//!   (`DET####`) exists and detects a listed technique (or its parent or
//!   sub-technique), from the strategy's `detects` relationships.
//! - `A007`/`A008`: each `tags.mitre_attack_analytics` entry (`AN####`)
//!   exists and belongs to a listed detection strategy (or, when none is
//!   listed, to a strategy that detects a listed technique).

use super::Cx;
use crate::codes::{code, diag};
use detc_diag::Diagnostic;

/// Runs the ATT&CK rules.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let a = cx.opts.attack;
    let ver = &a.data.version;
    for d in &cx.content.detections {
        let techs = &d.tags.mitre_attack_id;
        for t in techs {
            match a.technique(&t.value) {
                None => {
                    let mut x = diag(
                        code::A001,
                        format!("`{}` is not a technique in MITRE ATT&CK {ver}", t.value),
                    )
                    .at(t.span)
                    .label("unknown technique");
                    x = match a.moved(&t.value).and_then(|m| m.to.clone()) {
                        Some(to) => x.help(format!("ATT&CK v{} uses `{to}` for it", a.moved(&t.value).map(|m| m.version.as_str()).unwrap_or("?"))),
                        None => x.help("check the ID on attack.mitre.org/techniques/, or pass a newer bundle with --attack-bundle"),
                    };
                    out.push(x);
                }
                Some(tech) if tech.revoked || tech.deprecated => {
                    let state = if tech.revoked {
                        "revoked"
                    } else {
                        "deprecated"
                    };
                    let repl = tech
                        .revoked_by
                        .clone()
                        .or_else(|| a.moved(&t.value).and_then(|m| m.to.clone()));
                    let mut x = diag(
                        code::A002,
                        format!(
                            "`{}` ({}) is {state} in MITRE ATT&CK {ver}",
                            t.value, tech.name
                        ),
                    )
                    .at(t.span)
                    .label(state);
                    x = match repl {
                        Some(r) => {
                            let name = a.technique(&r).map(|t| format!(" ({})", t.name)).unwrap_or_default();
                            x.help(format!("replace it with `{r}`{name}"))
                        }
                        None => x.help("remove it, or map the detection to the technique that covers this behaviour now"),
                    };
                    out.push(x);
                }
                Some(tech) => {
                    if let Some(m) = a.moved(&t.value) {
                        let msg = match &m.to {
                            Some(to) => format!(
                                "`{}` ({}) becomes `{to}`{} in MITRE ATT&CK v{}",
                                t.value,
                                tech.name,
                                m.name
                                    .as_ref()
                                    .map(|n| format!(" ({n})"))
                                    .unwrap_or_default(),
                                m.version
                            ),
                            None => format!(
                                "`{}` ({}) is dropped in MITRE ATT&CK v{}",
                                t.value, tech.name, m.version
                            ),
                        };
                        let help = match &m.to {
                            Some(to) => format!(
                                "it is valid in ATT&CK {ver}, which detc embeds; plan the move to `{to}` when you adopt v{}",
                                m.version
                            ),
                            None => format!(
                                "it is valid in ATT&CK {ver}; plan a replacement before v{}",
                                m.version
                            ),
                        };
                        out.push(
                            diag(code::A003, msg)
                                .at(t.span)
                                .label("moves in the next ATT&CK version")
                                .help(help),
                        );
                    }
                }
            }
        }
        for t in techs {
            if let Some(parent) = detc_attack::Attack::parent_of(&t.value)
                && let Some(p) = techs.iter().find(|p| p.value == parent)
            {
                out.push(
                    diag(
                        code::A004,
                        format!(
                            "both `{}` and its own sub-technique `{}` are listed",
                            p.value, t.value
                        ),
                    )
                    .at(p.span)
                    .with_secondary(t.span, "its sub-technique")
                    .help(format!("keep only the more precise `{}`", t.value)),
                );
            }
        }
        let tech_list = techs
            .iter()
            .map(|t| t.value.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        for s in &d.tags.detection_strategies {
            match a.strategy(&s.value) {
                None => out.push(
                    diag(
                        code::A005,
                        format!(
                            "`{}` is not a detection strategy in MITRE ATT&CK {ver}",
                            s.value
                        ),
                    )
                    .at(s.span)
                    .label("unknown detection strategy")
                    .help("check the ID on attack.mitre.org/detectionstrategies/"),
                ),
                Some(det) => {
                    if !techs.iter().any(|t| a.strategy_fits(det, &t.value)) {
                        out.push(
                            diag(code::A006, format!("`{}` ({}) detects {}, none of the listed techniques", s.value, det.name, det.techniques.join(", ")))
                                .at(s.span)
                                .label("does not fit `mitre_attack_id`")
                                .help(if tech_list.is_empty() {
                                    format!("list the technique it detects in `tags.mitre_attack_id`: {}", det.techniques.join(", "))
                                } else {
                                    format!("the detection lists {tech_list}; add the technique this strategy detects, or name the strategy for one of those")
                                }),
                        );
                    }
                }
            }
        }
        for an in &d.tags.analytics {
            match a.analytic(&an.value) {
                None => out.push(
                    diag(code::A007, format!("`{}` is not an analytic in MITRE ATT&CK {ver}", an.value))
                        .at(an.span)
                        .label("unknown analytic")
                        .help("analytics are listed on their detection strategy's page, e.g. attack.mitre.org/detectionstrategies/DET0078"),
                ),
                Some(x) => {
                    let strat = x.strategy.as_deref().unwrap_or("");
                    let fits = if d.tags.detection_strategies.is_empty() {
                        a.strategy(strat).is_some_and(|det| techs.iter().any(|t| a.strategy_fits(det, &t.value)))
                    } else {
                        d.tags.detection_strategies.iter().any(|s| s.value == strat)
                    };
                    if !fits {
                        let help = if d.tags.detection_strategies.is_empty() {
                            format!("`{}` belongs to `{strat}`; list that strategy's technique in `tags.mitre_attack_id`", an.value)
                        } else {
                            format!("`{}` belongs to `{strat}`: add `{strat}` to `tags.mitre_attack_detection_strategies`", an.value)
                        };
                        out.push(
                            diag(code::A008, format!("`{}` is an analytic of `{strat}`, which this detection does not implement", an.value))
                                .at(an.span)
                                .label("does not fit")
                                .help(help),
                        );
                    }
                }
            }
        }
    }
}
