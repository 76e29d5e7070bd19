//! Decoding a detection: its tags, its `rba:` block, and the 4.x risk tags
//! (`tags.observable`, `risk_score`, `message`) beside the 5.x ones.

use super::*;

pub(super) fn decode_rba(de: &mut Decoder, n: NodeId) -> Option<Rba> {
    let mut m = de.map(n, "rba")?;
    let message = m.req_str(de, "message");
    let mut risk_objects = Vec::new();
    if let Some(list) = m
        .req(de, "risk_objects", "a list of `{field, type, score}`")
        .and_then(|n| de.seq(n, "risk_objects"))
    {
        if list.is_empty() {
            let span = m.key_span(de, "risk_objects").unwrap_or(m.span);
            constraint(
                de,
                span,
                "`risk_objects` is empty".into(),
                "add at least one risk object: `- {field: user, type: user, score: 50}`",
            );
        }
        for item in list {
            let Some(mut r) = de.map(item, "risk object") else {
                continue;
            };
            let field = r.req_str(de, "field");
            let kind = req_enum(de, &mut r, "type", RISK_OBJECT_TYPES);
            let score = r.req_int(de, "score");
            if let Some(s) = &score
                && !(1..=100).contains(&s.value)
            {
                constraint(
                    de,
                    s.span,
                    format!("risk score {} is outside 1..100", s.value),
                    "use a score from 1 to 100",
                );
            }
            r.finish(de);
            risk_objects.push(RiskObject { field, kind, score });
        }
    }
    let mut threat_objects = Vec::new();
    match m.get("threat_objects") {
        None => m.missing(de, "threat_objects", "a list (use `[]` for none)"),
        Some(n) => {
            for item in de.seq(n, "threat_objects").unwrap_or_default() {
                let Some(mut t) = de.map(item, "threat object") else {
                    continue;
                };
                let field = t.req_str(de, "field");
                let kind = req_enum(de, &mut t, "type", THREAT_OBJECT_TYPES);
                t.finish(de);
                threat_objects.push(ThreatObject { field, kind });
            }
        }
    }
    let span = m.span;
    m.finish(de);
    Some(Rba {
        message,
        risk_objects,
        threat_objects,
        span,
    })
}

pub(super) fn decode_tags(
    de: &mut Decoder,
    n: NodeId,
    legacy: Option<&mut LegacyTags>,
) -> DetectionTags {
    let Some(mut m) = de.map(n, "tags") else {
        return DetectionTags::default();
    };
    let analytic_story = m.req_str_list(de, "analytic_story").unwrap_or_default();
    let asset_type = req_enum(de, &mut m, "asset_type", ASSET_TYPES);
    let product = m.req_str_list(de, "product").unwrap_or_default();
    if product.is_empty() && m.has("product") {
        let s = m.key_span(de, "product").unwrap_or(m.span);
        constraint(
            de,
            s,
            "`product` is empty".into(),
            "list at least one product, e.g. `- Splunk Enterprise`",
        );
    }
    m.note_enum_list("product", PRODUCTS);
    let product = enum_list(de, product, PRODUCTS, "product");
    // 4.x: `cloud` too, which contentctl accepted until 4.4.3
    // (`crate::reference::settle` says whether the reference does).
    let security_domain = if legacy.is_some() {
        req_enum(
            de,
            &mut m,
            "security_domain",
            crate::enums::SECURITY_DOMAINS_4X,
        )
    } else {
        req_enum(de, &mut m, "security_domain", SECURITY_DOMAINS)
    };
    let mitre_attack_id = m.str_list(de, "mitre_attack_id");
    for t in &mitre_attack_id {
        let b = t.value.as_bytes();
        let ok = b.len() >= 5
            && b[0] == b'T'
            && b[1..5].iter().all(u8::is_ascii_digit)
            && (b.len() == 5 || (b.len() == 9 && b[6..].iter().all(u8::is_ascii_digit)));
        regex_like(de, t, ok, "ATT&CK technique id", "T1078 or T1078.004");
    }
    let detection_strategies = m.str_list(de, "mitre_attack_detection_strategies");
    for t in &detection_strategies {
        let ok = t.value.len() == 7
            && t.value.starts_with("DET")
            && t.value[3..].bytes().all(|b| b.is_ascii_digit());
        regex_like(de, t, ok, "ATT&CK detection strategy id", "DET0078");
    }
    let analytics = m.str_list(de, "mitre_attack_analytics");
    for t in &analytics {
        let ok = t.value.len() == 6
            && t.value.starts_with("AN")
            && t.value[2..].bytes().all(|b| b.is_ascii_digit());
        regex_like(de, t, ok, "ATT&CK analytic id", "AN0215");
    }
    let cve = m.str_list(de, "cve");
    for c in &cve {
        let parts: Vec<&str> = c.value.split('-').collect();
        let ok = parts.len() == 3
            && parts[0] == "CVE"
            && parts[1].len() == 4
            && parts[1].starts_with(['1', '2'])
            && parts[1].bytes().all(|b| b.is_ascii_digit())
            && !parts[2].is_empty()
            && parts[2].bytes().all(|b| b.is_ascii_digit());
        regex_like(de, c, ok, "CVE id", "CVE-2021-44228");
    }
    let atomic_guid = m.str_list(de, "atomic_guid");
    for g in &atomic_guid {
        regex_like(
            de,
            g,
            uuid::Uuid::parse_str(&g.value).is_ok(),
            "Atomic Red Team GUID",
            "a UUID",
        );
    }
    let group = m.str_list(de, "group");
    let throttling = m.get_some(de, "throttling").and_then(|n| {
        let mut t = de.map(n, "throttling")?;
        let fields = t.req_str_list(de, "fields").unwrap_or_default();
        for f in &fields {
            if f.value.contains(char::is_whitespace) {
                constraint(
                    de,
                    f.span,
                    format!("throttling field `{}` has spaces", f.value),
                    "name one field per item",
                );
            }
        }
        let period = t.req_str(de, "period");
        if let Some(p) = &period {
            let ok = p.value.len() >= 2
                && p.value[..p.value.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                && p.value.ends_with(['s', 'm', 'h']);
            regex_like(de, p, ok, "throttling period", "3600s, 60m or 1h");
        }
        t.finish(de);
        Some(Throttling { fields, period })
    });
    let manual_test = m.opt_str(de, "manual_test");
    let _ = m.opt_str(de, "research_site_url");
    let _ = m.opt_str(de, "event_schema");
    let _ = m.get("mappings");
    let is_5x = legacy.is_none();
    if let Some(l) = legacy {
        decode_legacy_tags(de, &mut m, l);
    }
    for computed in [
        "nist",
        "cis20",
        "kill_chain_phases",
        "mitre_attack_enrichments",
        "confidence",
        "impact",
        "risk_score",
        "observable",
        "message",
        "required_fields",
    ] {
        if is_5x {
            m.note(computed, Shape::Forbidden);
        }
        if let Some(span) = m.key_span(de, computed)
            && !m.was_read(computed)
        {
            let computed_by_build = matches!(
                computed,
                "nist" | "cis20" | "kill_chain_phases" | "mitre_attack_enrichments"
            );
            if computed_by_build && !is_5x {
                // contentctl 4.x's `DetectionTags` ignores the key (pydantic
                // `extra="ignore"`; the field is a `computed_field`) and
                // writes the value it computes.
                de.push(
                    diag(
                        code::S006,
                        format!("`tags.{computed}` has no effect: contentctl 4.x computes it from the ATT&CK mapping and ignores what is written"),
                    )
                    .at(span)
                    .label("ignored")
                    .help(format!("remove `{computed}` (contentctl 5 rejects it; `detc migrate` removes it)")),
                );
                let _ = m.get(computed);
                continue;
            }
            let (msg, help) = match computed {
                "nist" | "cis20" | "kill_chain_phases" | "mitre_attack_enrichments" => (
                    format!("`tags.{computed}` is computed by the build and cannot be set"),
                    format!("remove `{computed}`"),
                ),
                _ => (
                    format!(
                        "`tags.{computed}` is a contentctl 4.x field, but this detection has a 5.x `rba:` block"
                    ),
                    format!(
                        "remove `tags.{computed}` and keep its meaning in `rba:` (risk_objects, threat_objects, message); for a whole 4.x repository, `detc migrate` rewrites every file"
                    ),
                ),
            };
            de.push(diag(code::S002, msg).at(span).help(help));
        }
        let _ = m.get(computed);
    }
    m.finish(de);
    DetectionTags {
        analytic_story,
        asset_type,
        product,
        security_domain,
        mitre_attack_id,
        detection_strategies,
        analytics,
        cve,
        atomic_guid,
        group,
        throttling,
        manual_test,
    }
}

/// Reads a 4.x detection's risk tags (contentctl 4.4.7 `DetectionTags`
/// and `Observable`): `confidence` and `impact` 0..100, `message`,
/// `observable` entries with exactly one role, `required_fields`; plus the
/// 4.x-only enrichment fields it accepted (`nist`, `confidence_id`,
/// `impact_id`, `evidence_str`).
pub(super) fn decode_legacy_tags(de: &mut Decoder, m: &mut MapReader, l: &mut LegacyTags) {
    for key in ["confidence", "impact"] {
        let v = m.req_int(de, key);
        if let Some(v) = &v
            && !(0..=100).contains(&v.value)
        {
            constraint(
                de,
                v.span,
                format!("`{key}` {} is outside 0..100", v.value),
                "use a value from 0 to 100",
            );
        }
        if key == "confidence" {
            l.confidence = v;
        } else {
            l.impact = v;
        }
    }
    l.risk_score = m.opt_int(de, "risk_score");
    l.message = m.req_str(de, "message");
    l.required_fields = m.str_list(de, "required_fields");
    let _ = m.str_list(de, "nist");
    let _ = m.opt_int(de, "confidence_id");
    let _ = m.opt_int(de, "impact_id");
    let _ = m.opt_str(de, "evidence_str");
    if let Some(n) = m.get_some(de, "observable") {
        for item in de.seq(n, "observable").unwrap_or_default() {
            let Some(mut o) = de.map(item, "observable") else {
                continue;
            };
            let name = o.req_str(de, "name");
            let kind = req_enum(de, &mut o, "type", crate::legacy::OBSERVABLE_TYPES);
            let mut role_span = None;
            let roles = match o.get_some(de, "role") {
                None => {
                    let field = name
                        .as_ref()
                        .map_or("this observable".to_string(), |n| format!("`{}`", n.value));
                    let at = name.as_ref().map_or(o.span, |n| n.span);
                    de.push(
                        diag(code::S001, format!("observable {field} has no `role`"))
                            .at(at)
                            .label("no role")
                            .help("add `role: [Victim]` when the field holds the entity at risk (it becomes a risk object), or `role: [Attacker]` when it holds the threat (a threat object)"),
                    );
                    Vec::new()
                }
                Some(r) => {
                    role_span = Some(de.span(r));
                    match de.string_list(r, "role") {
                        Some(roles) if roles.is_empty() => {
                            constraint(
                                de,
                                de.span(r),
                                "an observable needs a role".into(),
                                "add `Victim` (the entity at risk) or `Attacker` (the threat)",
                            );
                            Vec::new()
                        }
                        Some(roles) => roles
                            .into_iter()
                            .filter_map(|v| {
                                one_of(
                                    de,
                                    v,
                                    crate::legacy::SES_OBSERVABLE_ROLES,
                                    "observable role",
                                )
                            })
                            .collect(),
                        None => Vec::new(),
                    }
                }
            };
            o.finish(de);
            l.observables.push(Observable {
                name,
                kind,
                roles,
                role_span,
            });
        }
    }
}

/// Decodes a detection from its root node.
pub fn detection(de: &mut Decoder, root: NodeId, path: &str) -> Option<Detection> {
    let format = match de.peek(root, "tags") {
        Some(t)
            if !de.has_key(root, "rba")
                && crate::legacy::V4_TAG_KEYS.iter().any(|k| de.has_key(t, k)) =>
        {
            Format::V4
        }
        _ => Format::V5,
    };
    ignore_extra_keys_in(de, format);
    let mut m = de.map(root, "detection")?;
    let common = common(de, &mut m, path, &DETECTION_BASE, Format::V5);
    let kind = req_enum(de, &mut m, "type", DETECTION_TYPES);
    let data_source = m.str_list(de, "data_source");
    let search = m.req_str(de, "search");
    let how_to_implement = m.req_str(de, "how_to_implement");
    min_len(de, &how_to_implement, "how_to_implement", 4);
    let known_false_positives = m.req_str(de, "known_false_positives");
    min_len(de, &known_false_positives, "known_false_positives", 4);
    let rba = m.get_some(de, "rba").and_then(|n| decode_rba(de, n));
    let mut drilldowns = Vec::new();
    let dd_node = m.get_some(de, "drilldown_searches");
    let drilldowns_span = dd_node.map(|n| de.span(n));
    if let Some(n) = dd_node {
        for item in de.seq(n, "drilldown_searches").unwrap_or_default() {
            let Some(mut d) = de.map(item, "drilldown") else {
                continue;
            };
            let name = d.req_str(de, "name");
            min_len(de, &name, "name", 5);
            let search = d.req_str(de, "search");
            let offset = |de: &mut Decoder, d: &mut MapReader, key: &'static str| match d.get(key) {
                None => {
                    d.missing(de, key, "`$info_min_time$`/`$info_max_time$` or null");
                    None
                }
                Some(n) if de.is_null(n) => None,
                Some(n) => de.string(n, key),
            };
            let earliest_offset = offset(de, &mut d, "earliest_offset");
            let latest_offset = offset(de, &mut d, "latest_offset");
            d.finish(de);
            drilldowns.push(Drilldown {
                name,
                search,
                earliest_offset,
                latest_offset,
            });
        }
    }
    let tests = testing::tests(de, &mut m, format);
    let enabled_by_default = m.opt_bool(de, "enabled_by_default");
    let _ = m.opt_str(de, "explanation");
    let deployment = inline_deployment(de, &mut m);
    let tags_node = m.req(
        de,
        "tags",
        "a mapping with analytic_story, asset_type, product, security_domain",
    );
    let tags_span = tags_node.map(|n| de.span(n));
    let mut legacy = (format == Format::V4).then(LegacyTags::default);
    let tags = tags_node
        .map(|n| decode_tags(de, n, legacy.as_mut()))
        .unwrap_or_default();
    let rba = match &legacy {
        Some(l) => {
            let needs_victim = common.is_production()
                && kind
                    .as_ref()
                    .and_then(|k| DetectionType::parse(&k.value))
                    .is_some_and(DetectionType::is_ttp_or_anomaly);
            let victims = l
                .observables
                .iter()
                .filter(|o| o.has_role("Victim"))
                .count();
            if needs_victim && victims == 0 && !l.observables.is_empty() {
                let at = m.key_span(de, "tags").unwrap_or(m.span);
                constraint(de, at, "a production TTP or Anomaly detection needs an observable with the `Victim` role".into(), "mark the field holding the entity at risk (user, dest...) `role: [Victim]` (contentctl 4.4.7 `ensureProperObservablesExist`)");
            }
            crate::legacy::rba_from_legacy(l, tags_span.unwrap_or(m.span))
        }
        None => rba,
    };
    for k in ["baselines", "cve_enrichment"] {
        m.note(k, Shape::Forbidden);
        if let Some(n) = m.get_some(de, k) {
            let empty = de.seq(n, k).is_some_and(|v| v.is_empty());
            if !empty {
                de.push(
                    diag(
                        code::S005,
                        format!("`{k}` is computed and must not be set in YAML"),
                    )
                    .at(de.span(n))
                    .help(format!("remove `{k}`")),
                );
            }
        }
    }
    for k in [
        "macros",
        "lookups",
        "data_source_objects",
        "test_groups",
        "splunk_app_enrichment",
    ] {
        m.note(k, Shape::Forbidden);
        if let Some(span) = m.key_span(de, k) {
            de.push(
                diag(
                    code::S002,
                    format!("`{k}` is computed from the search and cannot be set"),
                )
                .at(span)
                .help(format!("remove `{k}`")),
            );
        }
        let _ = m.get(k);
    }
    m.finish(de);
    Some(Detection {
        common,
        kind,
        data_source,
        search,
        how_to_implement,
        known_false_positives,
        rba,
        drilldowns,
        drilldowns_span,
        tests,
        enabled_by_default,
        deployment,
        tags,
        tags_span,
        format,
        legacy,
    })
}
