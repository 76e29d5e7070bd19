//! Byte offsets and LSP positions (a line and a column counted in UTF-16
//! code units, the protocol's default encoding), and `file://` URIs and
//! paths.

use lsp_types::{Position, Range};
use std::path::{Path, PathBuf};

/// The position of byte `offset` of `text` (clamped to the text, and back
/// to a character boundary).
pub fn position_of(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let head = &text[..offset];
    let line = head.matches('\n').count();
    let start = head.rfind('\n').map_or(0, |i| i + 1);
    let character = head[start..].encode_utf16().count();
    Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        character: u32::try_from(character).unwrap_or(u32::MAX),
    }
}

/// The range of bytes `start..end` of `text`.
pub fn range_of(text: &str, start: usize, end: usize) -> Range {
    Range {
        start: position_of(text, start),
        end: position_of(text, end.max(start)),
    }
}

/// The byte offset of `pos` in `text`; `None` past the last line. A column
/// past the line's end is its end.
pub fn offset_of(text: &str, pos: Position) -> Option<usize> {
    let mut start = 0;
    for _ in 0..pos.line {
        start += text.get(start..)?.find('\n')? + 1;
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let mut units = 0u32;
    for (i, c) in text[start..line_end].char_indices() {
        if units >= pos.character {
            return Some(start + i);
        }
        units += c.len_utf16() as u32;
    }
    Some(line_end)
}

/// The path of a `file://` URI (percent-decoded); `None` for another
/// scheme or a path that is not valid UTF-8.
pub fn path_of(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // file://host/path: only the local host (empty or localhost).
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(h);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

/// The `file://` URI of `path` (its bytes outside the unreserved set and
/// `/` percent-encoded).
pub fn uri_of(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let t = "a: é😀x\nb: y\n";
        let x = t.find('x').unwrap();
        assert_eq!(
            position_of(t, x),
            Position {
                line: 0,
                character: 6
            }
        );
        assert_eq!(
            offset_of(
                t,
                Position {
                    line: 0,
                    character: 6
                }
            ),
            Some(x)
        );
        let y = t.find('y').unwrap();
        assert_eq!(offset_of(t, position_of(t, y)), Some(y));
        assert_eq!(
            offset_of(
                t,
                Position {
                    line: 0,
                    character: 99
                }
            ),
            Some(t.find('\n').unwrap())
        );
        assert_eq!(
            offset_of(
                t,
                Position {
                    line: 9,
                    character: 0
                }
            ),
            None
        );
    }

    #[test]
    fn uris_and_paths_round_trip() {
        let p = Path::new("/tmp/a b/détections/x.yml");
        let u = uri_of(p);
        assert_eq!(u, "file:///tmp/a%20b/d%C3%A9tections/x.yml");
        assert_eq!(path_of(&u).as_deref(), Some(p));
        assert_eq!(path_of("untitled:Untitled-1"), None);
    }
}
