//! Decoding a deployment: a named one (`deployments/`) or a detection's
//! inline `deployment:`.

use super::*;

fn decode_deployment_body(
    de: &mut Decoder,
    m: &mut MapReader,
    inline: bool,
) -> (Scheduling, bool, Option<Notable>) {
    let mut scheduling = Scheduling::default();
    let sched = if inline {
        m.get_some(de, "scheduling")
    } else {
        m.req(
            de,
            "scheduling",
            "a mapping of cron_schedule, earliest_time, latest_time, schedule_window",
        )
    };
    if let Some(n) = sched
        && let Some(mut s) = de.map(n, "scheduling")
    {
        scheduling.cron_schedule = s.req_str(de, "cron_schedule");
        scheduling.earliest_time = s.req_str(de, "earliest_time");
        scheduling.latest_time = s.req_str(de, "latest_time");
        scheduling.schedule_window = s.req_str(de, "schedule_window");
        s.finish(de);
    }
    let mut rba_enabled = false;
    let mut notable = None;
    if let Some(n) = m.get_some(de, "alert_action")
        && let Some(mut a) = de.map(n, "alert_action")
    {
        if let Some(n) = a.get_some(de, "rba")
            && let Some(mut r) = de.map(n, "rba")
        {
            rba_enabled = r.opt_bool(de, "enabled").is_some_and(|b| b.value);
            r.finish(de);
        }
        if let Some(n) = a.get_some(de, "notable")
            && let Some(mut r) = de.map(n, "notable")
        {
            let rule_description = r.req_str(de, "rule_description");
            let rule_title = r.req_str(de, "rule_title");
            let nes_fields = r.str_list(de, "nes_fields");
            r.finish(de);
            notable = Some(Notable {
                rule_description,
                rule_title,
                nes_fields,
            });
        }
        for k in ["email", "slack", "phantom"] {
            if let Some(span) = a.key_span(de, k) {
                de.push(diag(code::S004, format!("the `{k}` alert action is not supported"))
                        .at(span)
                        .help("contentctl refuses to build it; remove it and configure the action in Splunk"));
            }
            let _ = a.get(k);
        }
        a.finish(de);
    }
    (scheduling, rba_enabled, notable)
}

/// Decodes a named deployment.
pub fn deployment(de: &mut Decoder, root: NodeId, path: &str) -> Option<Deployment> {
    let mut m = de.map(root, "deployment")?;
    let common = common(de, &mut m, path, &SUPPORT_OBJECT_BASE, Format::V5);
    for k in ["id", "date", "author"] {
        if !m.has(k) {
            m.missing(de, k, "a value");
        }
    }
    let kind = req_enum(de, &mut m, "type", DEPLOYMENT_TYPES);
    let (scheduling, rba_enabled, notable) = decode_deployment_body(de, &mut m, false);
    let span = m.span;
    m.finish(de);
    Some(Deployment {
        common: Some(common),
        kind,
        scheduling,
        rba_enabled,
        notable,
        span,
    })
}

/// A detection's or baseline's inline `deployment:` (a deployment
/// without base fields), if it has one.
pub(super) fn inline_deployment(de: &mut Decoder, m: &mut MapReader) -> Option<Deployment> {
    let n = m.get_some(de, "deployment")?;
    let mut dm = de.map(n, "deployment")?;
    let (scheduling, rba_enabled, notable) = decode_deployment_body(de, &mut dm, true);
    let span = dm.span;
    dm.finish(de);
    Some(Deployment {
        common: None,
        kind: None,
        scheduling,
        rba_enabled,
        notable,
        span,
    })
}
