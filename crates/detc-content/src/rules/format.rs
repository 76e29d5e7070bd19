//! Content format.
//!
//! - `M001 mixed-formats` (detc): every detection, story, lookup and
//!   baseline is written in the same generation of contentctl's YAML.
//!   detc reads both, but contentctl 4.4.7 refuses 5.x files and
//!   contentctl 5 refuses 4.x ones ("Unable to extract tag using
//!   discriminator 'lookup_type'"), so a repository that mixes them builds
//!   with neither. Each file of the less used generation is reported.

use super::Cx;
use crate::codes::diag;
use crate::legacy::Format;
use crate::model::Common;
use detc_diag::Diagnostic;

/// Reports the files of the minority format when both are present.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let c = cx.content;
    let objects: Vec<(&str, &Common, Format, Option<&str>)> = c
        .detections
        .iter()
        .map(|d| ("detection", &d.common, d.format, Some("tags.observable")))
        .chain(c.stories.iter().map(|s| ("story", &s.common, s.format, Some("status"))))
        .chain(c.lookups.iter().map(|l| ("lookup", &l.common, l.format, Some("lookup_type"))))
        .chain(c.baselines.iter().map(|b| ("baseline", &b.common, b.format, Some("status"))))
        .collect();
    let v4 = objects.iter().filter(|o| o.2 == Format::V4).count();
    let v5 = objects.len() - v4;
    if v4 == 0 || v5 == 0 {
        return;
    }
    let minority = if v4 <= v5 { Format::V4 } else { Format::V5 };
    let (this, others, n) = match minority {
        Format::V4 => ("4.x", "5.x", v5),
        Format::V5 => ("5.x", "4.x", v4),
    };
    for (kind, common, format, hint) in objects {
        if format != minority {
            continue;
        }
        let what = match (format, hint) {
            (Format::V4, Some("tags.observable")) => "its risk settings are in `tags` (observable, risk_score, message)",
            (Format::V4, Some("status")) => "it has no `status`",
            (Format::V4, Some("lookup_type")) => "it has `filename` or `collection` and no `lookup_type`",
            _ => "it has the 5.x fields",
        };
        let help = match format {
            Format::V4 => format!("run `detc migrate {}` to rewrite it in the 5.x format, or `detc migrate .` for every 4.x file", common.path),
            Format::V5 => "contentctl 4.4.7 cannot build 5.x files: migrate the 4.x files with `detc migrate .`".to_string(),
        };
        let at = common.name.as_ref().map_or(common.span, |n| n.span);
        out.push(
            diag("M001", format!("this {kind} is in contentctl {this} format: {what}; {n} other files are {others}"))
                .at(at)
                .help(help),
        );
    }
}
