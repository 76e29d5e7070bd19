//! The 3-way merge of a CSV lookup, row by row: a lookup that a fork
//! extends (an allow list, a list of known admins) keeps its local rows
//! when upstream adds its own.

/// Merges `base`, `fork` and `new` (the texts of one CSV lookup): the
/// result is upstream's rows without the rows the fork removed, then the
/// rows the fork added that upstream does not have, in the fork's order.
/// Returns the text and a note of the local rows carried over (`2 rows
/// added locally`). `None` when the header differs between the three or a
/// field holds a quoted line break (rows are not lines there), so the
/// caller keeps the fork's file as a conflict.
pub(crate) fn merge(base: &str, fork: &str, new: &str) -> Option<(String, Vec<String>)> {
    let rows = |t: &str| -> Option<Vec<String>> {
        let lines: Vec<String> = t
            .lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect();
        // An odd count of quotes on a line opens a field that goes on to
        // the next line.
        lines
            .iter()
            .all(|l| l.matches('"').count() % 2 == 0)
            .then_some(lines)
    };
    let (b, f, n) = (rows(base)?, rows(fork)?, rows(new)?);
    if b.first() != f.first() || b.first() != n.first() || b.is_empty() {
        return None;
    }
    let count = |rows: &[String], r: &String| rows.iter().filter(|x| *x == r).count();
    let removed: Vec<&String> = b[1..]
        .iter()
        .filter(|r| count(&f[1..], r) < count(&b[1..], r))
        .collect();
    let added: Vec<&String> = f[1..]
        .iter()
        .filter(|r| !r.is_empty() && count(&b[1..], r) < count(&f[1..], r) && !n[1..].contains(r))
        .collect();
    let newline = if new.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out: Vec<&String> = n.iter().take(1).collect();
    out.extend(n[1..].iter().filter(|r| !removed.contains(r)));
    // Upstream's last empty lines stay last.
    while out.len() > 1 && out.last().is_some_and(|r| r.is_empty()) {
        out.pop();
    }
    out.extend(added.iter().copied());
    let mut text = out
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(newline);
    text.push_str(newline);
    let mut kept = Vec::new();
    if !added.is_empty() {
        kept.push(format!("{} row(s) added locally", added.len()));
    }
    let gone = removed.iter().filter(|r| !r.is_empty()).count();
    if gone > 0 {
        kept.push(format!("{gone} row(s) removed locally"));
    }
    Some((text, kept))
}

#[cfg(test)]
mod tests {
    use super::merge;

    #[test]
    fn local_rows_stay_beside_upstreams_new_ones() {
        let base = "user,reason\nadmin,setup\nsvc,backup\n";
        let fork = "user,reason\nadmin,setup\nsvc_scan,our scanner\n";
        let new = "user,reason\nadmin,setup\nsvc,backup\nroot,upstream\n";
        let (text, kept) = merge(base, fork, new).unwrap();
        assert_eq!(
            text,
            "user,reason\nadmin,setup\nroot,upstream\nsvc_scan,our scanner\n"
        );
        assert_eq!(kept, ["1 row(s) added locally", "1 row(s) removed locally"]);
    }

    #[test]
    fn a_changed_header_or_a_multiline_field_is_not_merged() {
        assert!(merge("a,b\n1,2\n", "a,b\n1,3\n", "a,b,c\n1,2,3\n").is_none());
        assert!(merge("a\n\"x\ny\"\n", "a\n1\n", "a\n2\n").is_none());
    }
}
