//! # `Q013 macro-cycle`
//!
//! ## What it checks
//! No macro's definition uses itself, directly or through other macros.
//! Reported once per cycle, on the definition of its first macro by stanza
//! name, at its call of the next one.
//!
//! ## Why it matters
//! Splunk refuses every search that expands such a macro: every detection
//! that uses it, directly or not, never runs.
//!
//! ## Example
//! ```yaml
//! name: a
//! definition: '`b`'
//! ---
//! name: b
//! definition: '`a` | where x=1'
//! ```
//! Fix: write out what one of the macros should expand to.
//!
//! ## Source
//! detc's own; the expansion is `detc_spl::expand_macros`, as Splunk
//! expands macros.

use crate::codes::{Code, code, diag};
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::Q013;

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let defs = |n: &str, a: usize| cx.macros.definition(n, a);
    for m in &cx.content.macros {
        let Some(def) = &m.definition else { continue };
        let stanza = detc_spl::macro_stanza(m.common.name(), m.arguments.len());
        let Err(detc_spl::ExpandError::Cycle(chain)) = detc_spl::expand_macros(&def.value, &defs)
        else {
            continue;
        };
        let members = &chain[..chain.len().saturating_sub(1)];
        if members.iter().min() != Some(&stanza) {
            continue;
        }
        // The chain as seen from this macro: it, the ones it leads to, it.
        let Some(i) = members.iter().position(|s| *s == stanza) else {
            continue;
        };
        let mut cycle: Vec<&String> = members[i..].iter().chain(&members[..i]).collect();
        cycle.push(&stanza);
        let next = cycle[1];
        let next_name = next.split('(').next().unwrap_or(next);
        let call = detc_spl::macros(&def.value)
            .into_iter()
            .find(|c| c.name == next_name);
        let (at, needle) = match &call {
            Some(c) => (c.start, &def.value[c.start..c.end]),
            None => (0, def.value.lines().next().unwrap_or("")),
        };
        let chain: Vec<String> = cycle.iter().map(|s| format!("`{s}`")).collect();
        out.push(
            diag(CODE, format!("the macro `{stanza}` uses itself: {}", chain.join(" -> ")))
                .at(cx.locate(def, at, needle))
                .label(if cycle.len() == 2 { "calls itself" } else { "leads back to this macro" })
                .help("Splunk refuses every search that expands this macro; break the cycle by writing out what one of these macros should expand to"),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
