//! # `M002 refused-by-later-contentctl`
//!
//! ## What it checks
//! 4.x content that the contentctl of its era accepts and a later 4.x
//! contentctl refuses: an observable role outside `Attacker`/`Victim` (refused
//! from 4.3.1), a `cloud` security domain (refused from 4.4.3), a missing
//! `id`, `version`, `date`, `author` or `description` (required from 4.4.0),
//! a CVE id outside the `CVE-YYYY-NNNN` pattern (checked from 4.2.4). The era
//! is the `--contentctl` flag, `[build] contentctl` in `detc.toml`, the
//! contentctl pinned in `requirements.txt`, or the one inferred from the ESCU
//! version in `contentctl.yml` (see `docs/legacy.md`).
//!
//! ## Why it matters
//! The fork builds today, as it did with its own contentctl, but an upgrade
//! to a newer release or contentctl turns each of these into an error.
//!
//! ## Example
//! ```yaml
//! observable:
//! - name: process_name
//!   type: Process Name
//!   role:
//!   - Other
//! ```
//! With contentctl 4.0.4 the process name is an `other` risk object; from
//! 4.3.1 the role must be exactly one of `Attacker` or `Victim`. Fix: give it
//! the role the later release expects (`Attacker` makes it a threat object).
//!
//! ## Source
//! contentctl 4.0.1 to 4.4.7's models (`Observable`, `DetectionTags`,
//! `SecurityContentObject_Abstract`); the versions are in `era::Feature`.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::M002);
}
