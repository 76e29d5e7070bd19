//! contentctl's naming conventions, which the build, the rules and the
//! docs must agree on: savedsearches.conf stanza names, file names derived
//! from object names, default deployment names.

/// A detection's savedsearches.conf stanza, `<app label> - <name> - Rule`,
/// as contentctl names correlation searches.
pub fn rule_stanza(label: &str, name: &str) -> String {
    format!("{label} - {name} - Rule")
}

/// The file name contentctl derives from a name (`objects/.../security_content_object_abstract.py`):
/// spaces, `-`, `.` and `/` become `_`, then lower case.
pub fn file_stem_for(name: &str) -> String {
    name.replace([' ', '-', '.', '/'], "_").to_lowercase()
}

/// The deployment name contentctl uses for a detection or baseline type.
pub fn default_deployment_name(kind: &str) -> String {
    format!("ESCU Default Configuration {kind}")
}
