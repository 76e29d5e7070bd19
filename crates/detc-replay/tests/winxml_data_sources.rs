//! Windows XML events (`XmlWinEventLog`) read as the Splunk add-ons name
//! their fields, checked on real events: every data source of
//! security_content v4.42.0 whose sourcetype is `xmlwineventlog` holds an
//! example event (`example_log:`, recorded on an attack range) and the
//! fields the add-on gives (`fields:`). Each field of that list that the
//! event's XML carries (a `<System>` element or attribute, a `<Data
//! Name=...>`, a `<UserData>` leaf) must be extracted, with the XML's value.

use detc_diag::FileId;
use detc_yaml::{Doc, Limits, NodeKind, parse};

/// The scalar at `key` of the root mapping, and the items of a list there.
fn get<'d>(doc: &'d Doc, key: &str) -> Option<&'d NodeKind> {
    let NodeKind::Map(pairs) = &doc.node(doc.root?).kind else {
        return None;
    };
    pairs.iter().find_map(|(k, v)| match &doc.node(*k).kind {
        NodeKind::Scalar(s) if s.text == key => Some(&doc.node(*v).kind),
        _ => None,
    })
}

fn scalar(doc: &Doc, key: &str) -> Option<String> {
    match get(doc, key)? {
        NodeKind::Scalar(s) => Some(s.text.clone()),
        _ => None,
    }
}

fn list(doc: &Doc, key: &str) -> Vec<String> {
    match get(doc, key) {
        Some(NodeKind::Seq(items)) => items
            .iter()
            .filter_map(|i| match &doc.node(*i).kind {
                NodeKind::Scalar(s) => Some(s.text.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The names the XML itself carries: element tags, attribute names and
/// `Name=` values (a field the add-on computes, such as `dest`, is not).
fn names_in(xml: &str) -> std::collections::BTreeSet<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let mut out = std::collections::BTreeSet::new();
    for n in doc.descendants().filter(|n| n.is_element()) {
        // An element carries a value of its own only as text (the add-on
        // computes `TimeCreated` for `<TimeCreated SystemTime=.../>`).
        let text = n
            .children()
            .filter_map(|c| c.text())
            .any(|t| !t.trim().is_empty());
        if text && !n.children().any(|c| c.is_element()) {
            out.insert(n.tag_name().name().to_string());
        }
        for a in n.attributes() {
            out.insert(a.name().to_string());
            if a.name() == "Name" {
                out.insert(a.value().to_string());
            }
        }
    }
    out
}

#[test]
fn every_field_an_example_event_carries_is_extracted_with_its_value() {
    let Some(root) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    let mut checked = 0;
    let mut extracted = 0;
    let mut sources = 0;
    let mut mislabelled = 0;
    for e in std::fs::read_dir(root.join("data_sources")).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let (Some(doc), _) = parse(&text, FileId(0), Limits::default()) else {
            continue;
        };
        if scalar(&doc, "sourcetype").as_deref() != Some("xmlwineventlog") {
            continue;
        }
        let Some(xml) = scalar(&doc, "example_log") else {
            continue;
        };
        let xml = xml.trim();
        if !xml.starts_with("<Event") {
            // An example in the classic text rendering, under the XML
            // sourcetype: not this sourcetype's event, and refused so.
            // (`mislabelled` also counts examples cut short.)
            assert!(
                detc_replay::winxml::fields(xml).is_err(),
                "{}",
                path.display()
            );
            mislabelled += 1;
            continue;
        }
        let row = match detc_replay::winxml::fields(xml) {
            Ok(r) => r,
            Err(e) => {
                // Only an example cut short (not well-formed XML) is refused.
                assert!(
                    roxmltree::Document::parse(xml).is_err(),
                    "{}: {e}",
                    path.display()
                );
                mislabelled += 1;
                continue;
            }
        };
        let carried = names_in(xml);
        sources += 1;
        for field in list(&doc, "fields") {
            if !carried.contains(&field)
                || matches!(
                    field.as_str(),
                    "Event" | "System" | "EventData" | "Data" | "UserData"
                )
            {
                continue;
            }
            checked += 1;
            let got = row.0.get(&field);
            assert!(
                got.is_some_and(|v| !v.is_empty()),
                "{}: `{field}` is in the event but not extracted; got {:?}",
                path.display(),
                row.0.keys().collect::<Vec<_>>()
            );
            extracted += 1;
        }
        // The values are the XML's: each `<Data Name='X'>v</Data>`'s text.
        let parsed = roxmltree::Document::parse(xml).unwrap();
        for d in parsed.descendants().filter(|n| n.has_tag_name("Data")) {
            if let Some(name) = d.attribute("Name") {
                let text: String = d.children().filter_map(|c| c.text()).collect();
                assert!(
                    row.0.get(name).is_some_and(|v| v.contains(&text)),
                    "{}: {name} = {text:?}, got {:?}",
                    path.display(),
                    row.0.get(name)
                );
            }
        }
    }
    // v4.42.0 has dozens of such data sources (Security, System, Sysmon,
    // PowerShell, AD...), each listing a few dozen fields.
    assert!(
        sources >= 40,
        "{sources} data sources ({mislabelled} examples not XML)"
    );
    eprintln!(
        "{sources} data sources: {extracted} of {checked} fields; {mislabelled} examples not XML or cut short"
    );
    assert!(
        checked >= 500 && extracted == checked,
        "{extracted} of {checked} fields"
    );
}
