//! # `C006 unknown-deployment`
//!
//! ## What it checks
//! A detection without an inline `deployment:` needs the deployment `ESCU
//! Default Configuration <type>` (`deployments/`); a baseline needs `ESCU
//! Default Configuration Baseline`.
//!
//! ## Why it matters
//! The deployment gives the schedule, the notable and the RBA settings of
//! the savedsearches.conf stanza: without it contentctl cannot build the
//! search at all.
//!
//! ## Example
//! A `type: TTP` detection in content without
//! `deployments/escu_default_configuration_ttp.yml`. Fix: add that
//! deployment, or an inline `deployment:` to the detection.
//!
//! ## Source
//! contentctl 5.6 (`SecurityContentObject_Abstract.getDeploymentFromType`);
//! detc's copy of the naming is `naming::default_deployment_name`.

use super::Names;
use crate::codes::{Code, code, diag};
use crate::naming::{default_deployment_name, file_stem_for};
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::C006;

pub(super) fn check(_cx: &Cx, n: &Names, out: &mut Vec<Diagnostic>) {
    for d in &n.content.detections {
        if d.deployment.is_none()
            && let Some(k) = &d.kind
        {
            let name = default_deployment_name(&k.value);
            if !n.deployments.contains(name.as_str()) {
                out.push(
                    diag(
                        CODE,
                        format!("no deployment `{name}` for this {} detection", k.value),
                    )
                    .at(k.span)
                    .help(format!(
                        "add deployments/{}.yml, or give the detection an inline `deployment:`",
                        file_stem_for(&name)
                    )),
                );
            }
        }
    }
    for b in &n.content.baselines {
        if b.deployment.is_none() {
            let name = default_deployment_name("Baseline");
            if !n.deployments.contains(name.as_str())
                && let Some(nm) = &b.common.name
            {
                out.push(
                    diag(CODE, format!("no deployment `{name}` for this baseline"))
                        .at(nm.span)
                        .help("add deployments/escu_default_configuration_baseline.yml, or give the baseline an inline `deployment:`"),
                );
            }
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
