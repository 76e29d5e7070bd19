//! Search-time fields of a Windows event rendered as XML
//! (`sourcetype = XmlWinEventLog`: Windows Security, System and Sysmon
//! events as the Splunk Universal Forwarder's `renderXml = true` sends
//! them, and as splunk/attack_data's Windows `.log` files hold them, one
//! `<Event>` element an event).
//!
//! The names are the ones the Splunk Add-on for Microsoft Windows and the
//! Splunk Add-on for Sysmon give, as security_content's data source files
//! list them (`data_sources/*.yml`, `fields:`, next to a real event in
//! `example_log:`; `tests/` checks every one of them):
//!
//! - each child of `<System>` with text is a field of its tag's name
//!   (`EventID`, `Channel`, `Computer`, `EventRecordID`, `Keywords`...);
//! - each attribute of a child of `<System>` is a field of the attribute's
//!   name (`Provider Name=` gives `Name`, `TimeCreated SystemTime=` gives
//!   `SystemTime`, `Execution ProcessID=` `ProcessID`, `Security UserID=`
//!   `UserID`); an element without text gives no field of its own (the
//!   add-on's `TimeCreated` is computed, and not here);
//! - each `<Data Name='X'>value</Data>` of `<EventData>` is the field `X`
//!   (a `<Data>` without a name adds to the multivalue field `Data`);
//! - each leaf element under `<UserData>` is a field of its tag's name.
//!
//! A field seen twice is multivalue, in document order. Empty values and
//! Sysmon's `-` stay as they are. Everything the add-ons compute from these
//! (`EventCode`, `dest`, `process_name`...) is not here: it is the
//! content's `sourcetypes/` definition, as calculated fields.

use crate::Row;
use std::path::Path;

/// The `<Event>...</Event>` elements of the file at `path`, each with its
/// 1-based line; gzip-compressed when the name ends with `.gz`. An EVTX
/// file (known by its signature, whatever its name; `.evtx.gz` too) gives
/// its records instead, each with its record number in the file in place
/// of the line.
///
/// # Errors
/// The file cannot be read or is not UTF-8 (or gzip when named so), or it
/// holds no `<Event` element, or one that does not end (the message names
/// the file and line): such a file is not of this sourcetype.
pub fn read_events(path: &Path) -> Result<Vec<(usize, String)>, String> {
    let raw = crate::read_bytes(path)?;
    if raw.starts_with(EVTX_SIGNATURE) {
        return read_evtx(path, raw);
    }
    let text = crate::text(path, raw)?;
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = text[at..].find("<Event") {
        let start = at + i;
        // `<Event ` or `<Event>`, not `<EventData>` or `<EventID>`.
        if !matches!(
            text.as_bytes().get(start + 6),
            Some(b' ' | b'>' | b'\t' | b'\r' | b'\n')
        ) {
            at = start + 6;
            continue;
        }
        let line = text[..start].matches('\n').count() + 1;
        let Some(len) = text[start..].find("</Event>") else {
            return Err(format!(
                "{}:{line}: an <Event> element that does not end",
                path.display()
            ));
        };
        let end = start + len + "</Event>".len();
        out.push((line, text[start..end].to_string()));
        at = end;
    }
    if out.is_empty() {
        return Err(format!(
            "{}: no <Event> element: not XmlWinEventLog events",
            path.display()
        ));
    }
    Ok(out)
}

/// The signature an EVTX file starts with ([MS-EVEN6] 2.2, the file
/// header's `Signature`).
const EVTX_SIGNATURE: &[u8; 8] = b"ElfFile\0";

/// The events of an EVTX file (a `.evtx` that Windows' Event Viewer or
/// `wevtutil epl` saves), each rendered as the `<Event>` XML that Windows
/// renders and the forwarder's `renderXml = true` sends, with its record
/// number in the file in place of a line (an exported log numbers its
/// records anew; each event keeps its own `EventRecordID`). Read with the
/// `evtx` crate.
///
/// # Errors
/// The file is not a readable EVTX file, one of its records cannot be
/// read (the message names the record), or it holds no record: a test
/// never runs on part of its data.
fn read_evtx(path: &Path, raw: Vec<u8>) -> Result<Vec<(usize, String)>, String> {
    let mut parser = evtx::EvtxParser::from_buffer(raw)
        .map_err(|e| format!("{}: not a readable EVTX file: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, record) in parser.records().enumerate() {
        let record = record.map_err(|e| {
            format!(
                "{}: record {} of the EVTX file cannot be read: {e}",
                path.display(),
                i + 1
            )
        })?;
        let id = usize::try_from(record.event_record_id).unwrap_or(usize::MAX);
        out.push((id, record.data));
    }
    if out.is_empty() {
        return Err(format!("{}: an EVTX file with no event", path.display()));
    }
    Ok(out)
}

/// The fields of one `<Event>` element (see the module doc), with `_raw`
/// set to its text.
///
/// # Errors
/// The text is not well-formed XML, or its root is not `<Event>`.
pub fn fields(xml: &str) -> Result<Row, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| format!("not XML: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "Event" {
        return Err(format!(
            "the root element is <{}>, not <Event>",
            root.tag_name().name()
        ));
    }
    let mut row = Row::new();
    let push = |row: &mut Row, k: &str, v: &str| {
        row.0.entry(k.to_string()).or_default().push(v.to_string())
    };
    for part in root.children().filter(roxmltree::Node::is_element) {
        match part.tag_name().name() {
            "System" => {
                for child in part.children().filter(roxmltree::Node::is_element) {
                    for a in child.attributes() {
                        push(&mut row, a.name(), a.value());
                    }
                    if let Some(t) = text_of(&child) {
                        push(&mut row, child.tag_name().name(), &t);
                    }
                }
            }
            "EventData" => {
                for data in part.children().filter(roxmltree::Node::is_element) {
                    let value = text_of(&data).unwrap_or_default();
                    match data.attribute("Name") {
                        Some(name) => push(&mut row, name, &value),
                        None => push(&mut row, data.tag_name().name(), &value),
                    }
                }
            }
            "UserData" => {
                for leaf in part
                    .descendants()
                    .filter(|n| n.is_element() && !n.children().any(|c| c.is_element()))
                {
                    push(
                        &mut row,
                        leaf.tag_name().name(),
                        &text_of(&leaf).unwrap_or_default(),
                    );
                }
            }
            _ => {}
        }
    }
    row.set("_raw", xml);
    Ok(row)
}

/// The text of an element with no child element (`None` for an element
/// that has children, or no text).
fn text_of(n: &roxmltree::Node) -> Option<String> {
    if n.children().any(|c| c.is_element()) {
        return None;
    }
    let t: String = n.children().filter_map(|c| c.text()).collect();
    (!t.is_empty()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example event of security_content v4.42.0's
    /// `data_sources/windows_event_log_security_4625.yml` (shortened).
    const FAILED_LOGON: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/><EventID>4625</EventID><Version>0</Version><Level>0</Level><Task>12544</Task><Opcode>0</Opcode><Keywords>0x8010000000000000</Keywords><TimeCreated SystemTime='2022-09-02T16:48:45.578452000Z'/><EventRecordID>7412</EventRecordID><Correlation/><Execution ProcessID='780' ThreadID='1208'/><Channel>Security</Channel><Computer>win-dc-mhaag-attack-range-93.attackrange.local</Computer><Security/></System><EventData><Data Name='SubjectUserSid'>S-1-0-0</Data><Data Name='TargetUserName'>Administrator</Data><Data Name='IpAddress'>10.0.1.15</Data><Data Name='IpPort'>-</Data></EventData></Event>";

    #[test]
    fn system_and_event_data_fields_get_the_add_ons_names() {
        let r = fields(FAILED_LOGON).unwrap();
        let f = |k: &str| r.first(k).map(str::to_string);
        assert_eq!(f("EventID").as_deref(), Some("4625"));
        assert_eq!(
            f("Name").as_deref(),
            Some("Microsoft-Windows-Security-Auditing")
        );
        assert_eq!(
            f("SystemTime").as_deref(),
            Some("2022-09-02T16:48:45.578452000Z")
        );
        assert_eq!(f("ProcessID").as_deref(), Some("780"));
        assert_eq!(
            f("Computer").as_deref(),
            Some("win-dc-mhaag-attack-range-93.attackrange.local")
        );
        assert_eq!(f("TargetUserName").as_deref(), Some("Administrator"));
        assert_eq!(f("IpPort").as_deref(), Some("-"));
        assert_eq!(f("Correlation"), None, "an empty element is no field");
        assert_eq!(f("_raw").as_deref(), Some(FAILED_LOGON));
    }

    /// A real EVTX file (the attack sample of `attrib +h`, gzip-compressed
    /// as detc's CLI tests keep it) gives its one Sysmon process creation,
    /// the same fields as the XML rendering of it; a cut-short or
    /// header-only file is refused, naming the file.
    #[test]
    fn evtx_records_are_read_as_their_xml_and_damage_is_refused() {
        let gz = Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "../detc/tests/fixtures/evtx-attack-samples/de_hiding_files_via_attrib_cmdlet.evtx.gz",
        );
        let events = read_events(&gz).unwrap();
        assert_eq!(events.len(), 1);
        let (record, xml) = &events[0];
        let r = fields(xml).unwrap();
        // The file's own record number (an exported log numbers its
        // records anew; the event keeps its EventRecordID).
        assert_eq!(*record, 1);
        assert_eq!(r.first("EventRecordID"), Some("22013"));
        assert_eq!(
            r.first("Channel"),
            Some("Microsoft-Windows-Sysmon/Operational")
        );
        assert_eq!(r.first("EventID"), Some("1"));
        assert!(
            r.first("Image")
                .is_some_and(|i| i.ends_with("\\attrib.exe")),
            "{xml}"
        );
        assert!(
            r.first("CommandLine").is_some_and(|c| c.contains("+h")),
            "{xml}"
        );
        assert!(r.first("SystemTime").is_some(), "{xml}");
        // The same bytes, not compressed and under another name.
        let dir = tempfile::tempdir().unwrap();
        let raw = crate::read_bytes(&gz).unwrap();
        let p = dir.path().join("windows-sysmon.log");
        std::fs::write(&p, &raw).unwrap();
        assert_eq!(read_events(&p).unwrap(), events);
        // Cut short: the header is there, the chunk is not.
        std::fs::write(&p, &raw[..4096 + 600]).unwrap();
        let e = read_events(&p).unwrap_err();
        assert!(e.starts_with(&p.display().to_string()), "{e}");
        // Only the signature.
        std::fs::write(&p, EVTX_SIGNATURE).unwrap();
        let e = read_events(&p).unwrap_err();
        assert!(e.contains("not a readable EVTX file"), "{e}");
    }

    #[test]
    fn what_is_not_an_event_is_refused() {
        assert!(
            fields("<Event><System>")
                .unwrap_err()
                .starts_with("not XML")
        );
        assert!(fields("<Events/>").unwrap_err().contains("not <Event>"));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.log");
        std::fs::write(&p, "{\"eventName\": \"json\"}\n").unwrap();
        assert!(
            read_events(&p)
                .unwrap_err()
                .contains("not XmlWinEventLog events")
        );
        std::fs::write(
            &p,
            format!("{FAILED_LOGON}\n{FAILED_LOGON}\n<Event xmlns='x'><System>"),
        )
        .unwrap();
        let e = read_events(&p).unwrap_err();
        assert!(
            e.ends_with(":3: an <Event> element that does not end"),
            "{e}"
        );
        std::fs::write(&p, format!("{FAILED_LOGON}\n\n{FAILED_LOGON}\n")).unwrap();
        let events = read_events(&p).unwrap();
        assert_eq!(events.iter().map(|e| e.0).collect::<Vec<_>>(), [1, 3]);
    }
}
