//! The files diagnostics point into.

use std::sync::OnceLock;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A 1-based line and column (the column counts characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct LineCol {
    /// Line number, from 1.
    pub line: usize,
    /// Column number in characters, from 1.
    pub column: usize,
}

/// One file's name and text.
///
/// Cloning copies the text (and its line index, once built).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path shown to users, with `/` separators, relative to where
    /// detc was pointed when that is possible.
    pub path: String,
    /// The text. For a file that is not valid UTF-8 this is the lossy
    /// decoding; for a file too large to read it is empty.
    pub text: String,
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// Byte offsets where each line starts (the first is 0).
    pub fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut v = vec![0];
            v.extend(
                self.text
                    .bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            );
            v
        })
    }

    /// The line and column of byte `offset` (clamped to the text, and
    /// moved back to a character boundary).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = self.line_starts();
        let line = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let column = self.text[starts[line]..offset].chars().count() + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// The byte range of 1-based `line`, without its line break.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let starts = self.line_starts();
        let i = line.saturating_sub(1).min(starts.len() - 1);
        let start = starts[i];
        let mut end = starts.get(i + 1).copied().unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        while end > start && (bytes[end - 1] == b'\n' || bytes[end - 1] == b'\r') {
            end -= 1;
        }
        start..end
    }
}

/// All the files of one run, addressed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile {
            path: path.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
        });
        id
    }

    /// The file with id `id`.
    ///
    /// # Panics
    /// If `id` did not come from this map (a programming error, never
    /// caused by input).
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Rewrites every path with `f`, e.g. to show paths relative to the
    /// folder a command runs in rather than to the content root.
    pub fn map_paths(&mut self, f: impl Fn(&str) -> String) {
        for file in &mut self.files {
            file.path = f(&file.path);
        }
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the map holds no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_handles_crlf() {
        let mut m = SourceMap::new();
        let id = m.add("a.yml", "a: 1\r\nnäme: x\n");
        let f = m.get(id);
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        let x = f.text.find('x').unwrap();
        assert_eq!(f.line_col(x), LineCol { line: 2, column: 7 });
        assert_eq!(&f.text[f.line_range(1)], "a: 1");
        assert_eq!(&f.text[f.line_range(2)], "näme: x");
    }
}
