//! CSV bodies: splunkd's records, multivalue fields encoded in `__mv_<field>`
//! columns, and encoding replies.
//!
//! Source: splunk-sdk-python `internals.py` `RecordWriter._write_record`
//! (`$v1$;$v2$`, `$` doubled) and `search_command.py` `_read_csv_records`
//! (a non-empty `__mv_` column wins over the plain `\n`-joined column).
//! Rows may end with LF (splunkd) or CRLF (splunklib); both are accepted.

use csv::ByteRecord;

/// Prefix of the column that carries a field's multiple values.
pub const MV_PREFIX: &str = "__mv_";

/// The records of one chunk body, stored flat (one buffer for every value,
/// one offset per cell) so a 50,000-row chunk costs a handful of allocations.
/// The whole body is checked to be UTF-8 once, so values borrow as `&str`.
#[derive(Debug, Default)]
pub struct Records {
    header: Vec<String>,
    names: Vec<String>,
    /// For each plain field (same order as `names`): its column and its `__mv_` column.
    columns: Vec<(usize, Option<usize>)>,
    data: String,
    /// End offset in `data` of every cell, row-major.
    ends: Vec<usize>,
    rows: usize,
}

/// The values of one field in one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Values<'a> {
    /// The field is empty (Splunk's null).
    Null,
    /// One value, borrowed from the body.
    One(&'a str),
    /// Several values, decoded from the `__mv_` column.
    Many(Vec<String>),
}

impl<'a> Values<'a> {
    /// The values as string slices (none for [`Values::Null`]).
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many): (Option<&str>, &[String]) = match self {
            Values::Null => (None, &[]),
            Values::One(s) => (Some(s), &[]),
            Values::Many(v) => (None, v.as_slice()),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }
}

impl Records {
    /// Parses a body. An empty body gives no fields and no rows; a header-only
    /// body gives fields and no rows.
    ///
    /// # Errors
    /// Invalid UTF-8 (with its byte offset), malformed CSV, or a row whose
    /// field count differs from the header's (with the row number, 1 = first data row).
    pub fn parse(body: &[u8]) -> Result<Records, String> {
        if let Err(e) = std::str::from_utf8(body) {
            return Err(format!(
                "chunk body is not valid UTF-8 at byte {}",
                e.valid_up_to()
            ));
        }
        if body.is_empty() {
            return Ok(Records::default());
        }
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(body);
        let mut rec = csv::StringRecord::new();
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => return Ok(Records::default()),
            Err(e) => return Err(format!("chunk body is not valid CSV: {e}")),
        }
        let header: Vec<String> = rec.iter().map(str::to_string).collect();
        let ncols = header.len();
        let mut data = String::with_capacity(body.len());
        let mut ends = Vec::new();
        let mut rows = 0;
        let mut rec = ByteRecord::new();
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {
                    if rec.len() != ncols {
                        return Err(format!(
                            "chunk body row {} has {} fields but the header has {}",
                            rows + 1,
                            rec.len(),
                            ncols
                        ));
                    }
                    // The body is valid UTF-8 and CSV splits only at ASCII bytes.
                    let text = std::str::from_utf8(rec.as_slice()).map_err(|e| e.to_string())?;
                    let base = data.len();
                    data.push_str(text);
                    let mut prev = 0;
                    for i in 0..ncols {
                        let end = rec.range(i).map_or(prev, |r| r.end);
                        ends.push(base + end);
                        prev = end;
                    }
                    rows += 1;
                }
                Ok(false) => break,
                Err(e) => return Err(format!("chunk body is not valid CSV: {e}")),
            }
        }
        let mut names = Vec::new();
        let mut columns = Vec::new();
        // Each `__mv_<name>` column by its name, first one kept: one pass,
        // so a chunk of many columns costs linear time.
        let mut mv_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (i, h) in header.iter().enumerate() {
            if let Some(base) = h.strip_prefix(MV_PREFIX) {
                mv_of.entry(base).or_insert(i);
            }
        }
        for (i, name) in header.iter().enumerate() {
            if name.starts_with(MV_PREFIX) {
                continue;
            }
            let mv = mv_of.get(name.as_str()).copied();
            names.push(name.clone());
            columns.push((i, mv));
        }
        Ok(Records {
            header,
            names,
            columns,
            data,
            ends,
            rows,
        })
    }

    /// Plain field names in column order (`__mv_` columns excluded).
    pub fn fields(&self) -> &[String] {
        &self.names
    }

    /// Every column name, `__mv_` ones included, in body order.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// `true` when the body has no data rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The raw text of column `col` (an index into [`Self::header`]) in row
    /// `row`; `""` when either is out of range.
    pub fn cell(&self, row: usize, col: usize) -> &str {
        let n = self.header.len();
        if row >= self.rows || col >= n {
            return "";
        }
        let i = row * n + col;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.data.get(start..self.ends[i]).unwrap_or_default()
    }

    /// Row `row` as raw cells in [`Self::header`] order.
    pub fn row(&self, row: usize) -> impl Iterator<Item = &str> {
        (0..self.header.len()).map(move |c| self.cell(row, c))
    }

    /// Index of a plain field in [`Self::fields`].
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The values of field `field` (an index from [`Self::field_index`]) in
    /// row `row`: a non-empty `__mv_` column wins, as in splunklib. Out-of-range
    /// indexes give [`Values::Null`].
    pub fn values(&self, row: usize, field: usize) -> Values<'_> {
        let Some(&(col, mv)) = self.columns.get(field) else {
            return Values::Null;
        };
        if let Some(mv) = mv.map(|c| self.cell(row, c)).filter(|v| !v.is_empty())
            && let Some(vals) = decode_mv(mv)
        {
            return Values::Many(vals);
        }
        match self.cell(row, col) {
            "" => Values::Null,
            v => Values::One(v),
        }
    }
}

/// Decodes `$a$;$b$$c$` (`$$` = a literal `$`) into `["a", "b$c"]`.
/// `None` if the text is not in that form.
pub fn decode_mv(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        if chars.next()? != '$' {
            return None;
        }
        let mut v = String::new();
        loop {
            match chars.next()? {
                '$' if chars.peek() == Some(&'$') => {
                    chars.next();
                    v.push('$');
                }
                '$' => break,
                c => v.push(c),
            }
        }
        out.push(v);
        match chars.next() {
            None => return Some(out),
            Some(';') => {}
            Some(_) => return None,
        }
    }
}

/// Encodes values for a `__mv_` column: `$a$;$b$`, `$` doubled.
pub fn encode_mv<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push('$');
        out.push_str(&v.replace('$', "$$"));
        out.push('$');
    }
    out
}

/// Whether a CSV value must be quoted: it holds `,` `"` CR or LF, or starts
/// or ends with a space (which readers would otherwise trim).
pub fn needs_quotes(v: &[u8]) -> bool {
    v.first() == Some(&b' ')
        || v.last() == Some(&b' ')
        || v.iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r'))
}

/// Appends one CSV value to `out`, quoted only when it holds `,` `"` CR or
/// LF or starts or ends with a space, `"` doubled inside quotes (RFC 4180,
/// which splunkd and Splunk's lookup reader accept).
pub fn push_field(out: &mut Vec<u8>, v: &[u8]) {
    if !needs_quotes(v) {
        out.extend_from_slice(v);
        return;
    }
    out.push(b'"');
    for part in v.split_inclusive(|&c| c == b'"') {
        out.extend_from_slice(part);
        if part.last() == Some(&b'"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

/// Builds a reply body: a header, then rows, LF line ends, a value quoted
/// only when it holds `,` `"` CR or LF or starts or ends with a space, `"`
/// doubled inside quotes (RFC 4180; splunkd accepts any valid quoting).
#[derive(Debug)]
pub struct BodyWriter {
    out: Vec<u8>,
    rows: usize,
    fields_in_row: usize,
    first_empty: bool,
}

impl BodyWriter {
    /// Starts a body with these column names.
    pub fn new<I, T>(header: I) -> BodyWriter
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let mut w = BodyWriter {
            out: Vec::with_capacity(1 << 16),
            rows: 0,
            fields_in_row: 0,
            first_empty: false,
        };
        for h in header {
            w.field(h.as_ref());
        }
        w.end_line();
        w
    }

    /// Appends one value to the current row.
    pub fn field(&mut self, v: impl AsRef<[u8]>) {
        let v = v.as_ref();
        if self.fields_in_row > 0 {
            self.out.push(b',');
        }
        if self.fields_in_row == 0 {
            self.first_empty = v.is_empty();
        }
        self.fields_in_row += 1;
        push_field(&mut self.out, v);
    }

    fn end_line(&mut self) {
        // A row of one empty value must not read as a blank line.
        if self.fields_in_row == 1 && self.first_empty {
            self.out.extend_from_slice(b"\"\"");
        }
        self.out.push(b'\n');
        self.fields_in_row = 0;
    }

    /// Ends the current row (started by [`Self::field`]).
    pub fn end_row(&mut self) {
        self.end_line();
        self.rows += 1;
    }

    /// Appends a whole row; it should have as many fields as the header.
    pub fn row<I, T>(&mut self, fields: I)
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        for f in fields {
            self.field(f);
        }
        self.end_row();
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The encoded body.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splunkd_style_body_with_mv_columns_last() {
        let body = b"\"_time\",user,\"__mv__time\",\"__mv_user\"\n\"1627354345.934\",alice,,\"$alice$;$bob$$x$\"\n2,\"carol\",,\n";
        let r = Records::parse(body).unwrap();
        assert_eq!(r.fields(), &["_time", "user"]);
        let u = r.field_index("user").unwrap();
        let t = r.field_index("_time").unwrap();
        assert_eq!(
            r.values(0, u),
            Values::Many(vec!["alice".into(), "bob$x".into()])
        );
        assert_eq!(r.values(0, t), Values::One("1627354345.934"));
        assert_eq!(r.values(1, u), Values::One("carol"));
    }

    #[test]
    fn crlf_header_only_and_empty_bodies() {
        let r = Records::parse(b"a,b\r\n1,\r\n").unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r.values(0, 1), Values::Null);
        let r = Records::parse(b"a,b\n").unwrap();
        assert_eq!((r.fields().len(), r.len()), (2, 0));
        let r = Records::parse(b"").unwrap();
        assert!(r.fields().is_empty() && r.is_empty());
    }

    #[test]
    fn newlines_inside_values_and_bad_bodies() {
        let r = Records::parse(b"msg\n\"line1\nline2\"\n").unwrap();
        assert_eq!(r.values(0, 0), Values::One("line1\nline2"));
        assert!(
            Records::parse(b"a,b\n1,2,3\n")
                .unwrap_err()
                .contains("row 1 has 3 fields")
        );
        assert!(
            Records::parse(b"a\n\xff\n")
                .unwrap_err()
                .contains("UTF-8 at byte 2")
        );
    }

    #[test]
    fn mv_round_trip() {
        let vals = ["a", "$", "b;c", ""];
        let enc = encode_mv(vals);
        assert_eq!(enc, "$a$;$$$$;$b;c$;$$");
        assert_eq!(decode_mv(&enc).unwrap(), vals);
        assert_eq!(decode_mv("plain"), None);
    }

    #[test]
    fn writer_quotes_only_what_needs_it() {
        let mut w = BodyWriter::new(["user", "n"]);
        w.row(["a,b", "1"]);
        w.row(["x\"y", "2\n3"]);
        w.row([" lead", ""]);
        assert_eq!(
            String::from_utf8(w.finish()).unwrap(),
            "user,n\n\"a,b\",1\n\"x\"\"y\",\"2\n3\"\n\" lead\",\n"
        );
        let mut w = BodyWriter::new(["only"]);
        w.row([""]);
        let body = w.finish();
        assert_eq!(body, b"only\n\"\"\n");
        let r = Records::parse(&body).unwrap();
        assert_eq!(r.len(), 1, "the empty value survives a round trip");
    }
}
