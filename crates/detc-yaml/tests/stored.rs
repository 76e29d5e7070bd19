//! A parse tree stored by `Doc::to_bytes` comes back equal, in the file it
//! is read for; bytes that are not a tree `parse` could give are refused.

use detc_diag::FileId;
use detc_yaml::{Doc, Limits, NodeKind, parse};

const TEXT: &str = "name: x\nlist: &a [1, 'two', {k: v}]\nagain: *a\nblock: |\n  line\n";

#[test]
fn a_stored_tree_comes_back_in_its_file() {
    let (doc, diags) = parse(TEXT, FileId(3), Limits::default());
    let doc = doc.unwrap();
    assert!(diags.is_empty(), "{diags:?}");
    let bytes = doc.to_bytes();
    let back = Doc::from_bytes(&bytes, FileId(3), TEXT.len(), Limits::default()).unwrap();
    assert_eq!(back, doc);
    // Read for another file, every span is in that file.
    let other = Doc::from_bytes(&bytes, FileId(9), TEXT.len(), Limits::default()).unwrap();
    let root = other.node(other.root.unwrap());
    assert_eq!(root.span.file, FileId(9));
    // The bytes do not depend on the file id.
    let (again, _) = parse(TEXT, FileId(7), Limits::default());
    assert_eq!(again.unwrap().to_bytes(), bytes);
}

#[test]
fn bytes_that_are_not_such_a_tree_are_refused() {
    let (doc, _) = parse(TEXT, FileId(0), Limits::default());
    let bytes = doc.unwrap().to_bytes();
    // For a shorter text: a span would be past its end.
    assert!(Doc::from_bytes(&bytes, FileId(0), TEXT.len() - 1, Limits::default()).is_none());
    // Cut short, or with a byte more.
    assert!(
        Doc::from_bytes(
            &bytes[..bytes.len() - 1],
            FileId(0),
            TEXT.len(),
            Limits::default()
        )
        .is_none()
    );
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Doc::from_bytes(&longer, FileId(0), TEXT.len(), Limits::default()).is_none());
    // A changed byte never makes reading panic: the bytes are refused, or
    // they are a tree whose every node id and span is valid. (The cache
    // that stores trees checksums them, so such a tree is never used.)
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] = b[i].wrapping_add(1);
        if let Some(d) = Doc::from_bytes(&b, FileId(0), TEXT.len(), Limits::default())
            && let Some(r) = d.root
        {
            let _ = d.node(r);
        }
    }
}

/// A stored tree whose aliases would expand past the node limit (an alias
/// bomb the parser refuses) is refused when read back.
#[test]
fn an_alias_bomb_is_refused_when_read_back() {
    let text = "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n";
    let (doc, diags) = parse(text, FileId(0), Limits::default());
    let doc = doc.unwrap();
    assert!(diags.is_empty());
    let bytes = doc.to_bytes();
    let small = Limits {
        max_nodes: 40,
        ..Limits::default()
    };
    assert!(Doc::from_bytes(&bytes, FileId(0), text.len(), small).is_none());
    assert!(Doc::from_bytes(&bytes, FileId(0), text.len(), Limits::default()).is_some());
    let Some(root) = doc.root else { panic!() };
    assert!(matches!(doc.node(root).kind, NodeKind::Map(_)));
}
