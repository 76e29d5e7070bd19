//! # `M001 mixed-formats`
//!
//! ## What it checks
//! Every detection, story, lookup and baseline is written in the same
//! generation of contentctl's YAML (4.x or 5.x). Each file of the less used
//! generation is reported.
//!
//! ## Why it matters
//! detc reads both, but contentctl 4.4.7 refuses 5.x files and contentctl 5
//! refuses 4.x ones ("Unable to extract tag using discriminator
//! 'lookup_type'"), so a repository that mixes them builds with neither.
//!
//! ## Example
//! A 4.x detection (risk settings under `tags`: `observable`, `risk_score`,
//! `message`) among 5.x ones. Fix: `detc migrate FILE` rewrites it in the
//! 5.x format (`detc migrate .` for every 4.x file).
//!
//! ## Source
//! contentctl 4.4.7's and 5.6.2's models; detc's own rule.

use crate::codes::{Code, code, diag};
use crate::legacy::Format;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::M001;

/// Reports the files of the minority format when both are present.
pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let objects: Vec<_> = cx.content.formats().collect();
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
    for (kind, common, format) in objects {
        if format != minority {
            continue;
        }
        let what = match (format, kind) {
            (Format::V4, "detection") => {
                "its risk settings are in `tags` (observable, risk_score, message)"
            }
            (Format::V4, "lookup") => "it has `filename` or `collection` and no `lookup_type`",
            (Format::V4, _) => "it has no `status`",
            (Format::V5, _) => "it has the 5.x fields",
        };
        let help = match format {
            Format::V4 => format!("run `detc migrate {}` to rewrite it in the 5.x format, or `detc migrate .` for every 4.x file", common.path),
            Format::V5 => "contentctl 4.4.7 cannot build 5.x files: migrate the 4.x files with `detc migrate .`".to_string(),
        };
        let at = common.name.as_ref().map_or(common.span, |n| n.span);
        out.push(
            diag(CODE, format!("this {kind} is in contentctl {this} format: {what}; {n} other files are {others}"))
                .at(at)
                .help(help),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
