//! The sourcetype definitions detc test brings (`crates/detc-test/sourcetypes/`,
//! embedded in the binary), used for attack data whose sourcetype the
//! content does not define in its own `sourcetypes/`: security_content has
//! none, and its tests name the sourcetypes of the Splunk add-ons. A
//! definition of the content's own always wins.
//!
//! Their spans carry file ids above [`BASE`], which no content file has,
//! so that a message can point into them ([`location`]).

use detc_content::model::Sourcetype;
use detc_diag::{FileId, Span};
use std::sync::OnceLock;

/// File ids from here up are the built-in definitions'.
pub(crate) const BASE: u32 = u32::MAX - 1024;

/// The embedded definitions: file name and text. `aws_cloudtrail.yml` is
/// the repository's own content's (one file, used by its tests too).
const FILES: &[(&str, &str)] = &[
    (
        "xmlwineventlog.yml",
        include_str!("../sourcetypes/xmlwineventlog.yml"),
    ),
    (
        "sysmon_linux.yml",
        include_str!("../sourcetypes/sysmon_linux.yml"),
    ),
    (
        "aws_cloudtrail.yml",
        include_str!("../../../sourcetypes/aws_cloudtrail.yml"),
    ),
];

struct Builtin {
    defs: Vec<Sourcetype>,
}

fn builtin() -> &'static Builtin {
    static B: OnceLock<Builtin> = OnceLock::new();
    B.get_or_init(|| Builtin {
        defs: FILES
            .iter()
            .enumerate()
            .filter_map(|(i, (name, text))| decode(i, name, text).ok())
            .collect(),
    })
}

/// Decodes built-in file number `i`; its diagnostics as text when it has any.
fn decode(i: usize, name: &str, text: &str) -> Result<Sourcetype, Vec<String>> {
    let file = FileId(BASE + i as u32);
    let (doc, mut diags) = detc_yaml::parse(text, file, detc_yaml::Limits::default());
    let path = format!("sourcetypes/{name}");
    let def = doc.as_ref().and_then(|doc| {
        let mut de = detc_yaml::Decoder::new(doc, file).with_source(text);
        let st = detc_content::model::sourcetype(&mut de, doc.root?, &path);
        diags.append(&mut de.diags);
        st
    });
    match def {
        Some(mut d) if diags.is_empty() => {
            d.path = format!("detc's built-in {path}");
            Ok(d)
        }
        _ => Err(diags.into_iter().map(|d| d.message).collect()),
    }
}

/// The built-in definition of sourcetype `name` (matched ignoring case:
/// attack data says `XmlWinEventLog`, data sources `xmlwineventlog`).
pub(crate) fn sourcetype(name: &str) -> Option<&'static Sourcetype> {
    builtin().defs.iter().find(|s| {
        s.name
            .as_ref()
            .is_some_and(|n| n.value.eq_ignore_ascii_case(name))
    })
}

/// Every built-in definition, in [`FILES`] order.
#[cfg(test)]
pub(crate) fn all() -> &'static [Sourcetype] {
    &builtin().defs
}

/// `file:line` of a span in a built-in definition; `None` for any other.
pub(crate) fn location(span: Span) -> Option<String> {
    let i = span.file.0.checked_sub(BASE)? as usize;
    let (name, text) = FILES.get(i)?;
    let line = text
        .get(..span.start)
        .map_or(1, |t| t.matches('\n').count() + 1);
    Some(format!("detc's built-in sourcetypes/{name}:{line}"))
}

#[cfg(test)]
mod tests {
    /// Every built-in definition decodes without a diagnostic.
    #[test]
    fn the_built_in_definitions_are_clean() {
        for (i, (name, text)) in super::FILES.iter().enumerate() {
            if let Err(d) = super::decode(i, name, text) {
                panic!("{name}: {d:?}");
            }
        }
        assert_eq!(super::builtin().defs.len(), super::FILES.len());
        assert!(super::sourcetype("XmlWinEventLog").is_some());
        assert!(super::sourcetype("aws:cloudtrail").is_some());
        assert!(super::sourcetype("sysmon:linux").is_some());
    }
}
