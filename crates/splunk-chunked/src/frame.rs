//! Chunk framing: `chunked 1.0,<meta bytes>,<body bytes>\n`, then exactly
//! that many bytes of JSON metadata and of CSV body.
//!
//! Source: splunk-sdk-python `SearchCommand._read_chunk` (reader regex
//! `chunked\s+1.0\s*,\s*(\d+)\s*,\s*(\d+)\s*\n`) and `RecordWriterV2._write_chunk`
//! (writer `chunked 1.0,{m},{b}\n`). Lengths are UTF-8 byte counts.

use std::fmt;
use std::io::{self, BufRead, Read, Write};

/// Longest transport header accepted, in bytes (`chunked 1.0,` plus two
/// 20-digit numbers and some whitespace fit easily).
pub const MAX_HEADER_BYTES: usize = 128;

/// One chunk as read from the wire: raw metadata bytes (JSON) and raw body
/// bytes (CSV). Neither is validated here.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chunk {
    /// The metadata, `meta_len` bytes of (supposedly) UTF-8 JSON.
    pub meta: Vec<u8>,
    /// The body, `body_len` bytes of (supposedly) UTF-8 CSV; may be empty.
    pub body: Vec<u8>,
}

/// Why a chunk could not be read. Every variant is a protocol violation by
/// the peer (or a broken pipe), never a bug of ours.
#[derive(Debug)]
pub enum FrameError {
    /// The header line is not `chunked 1.0,<digits>,<digits>`; holds what was read (lossy).
    BadHeader(String),
    /// The header line exceeded [`MAX_HEADER_BYTES`] without a newline.
    HeaderTooLong,
    /// Input ended inside a header, metadata or body.
    Truncated {
        /// Which part was cut: `"header"`, `"metadata"` or `"body"`.
        part: &'static str,
        /// Bytes announced for that part (0 for the header).
        expected: u64,
        /// Bytes actually received.
        got: u64,
    },
    /// A length exceeds the reader's limit (bytes announced, limit).
    TooLarge {
        /// `"metadata"` or `"body"`.
        part: &'static str,
        /// Length announced by the header, in bytes.
        announced: u64,
        /// The reader's limit, in bytes.
        limit: u64,
    },
    /// Reading stdin failed.
    Io(io::Error),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::BadHeader(h) => write!(
                f,
                "malformed chunk header {h:?}: expected `chunked 1.0,<metadata bytes>,<body bytes>`"
            ),
            FrameError::HeaderTooLong => write!(
                f,
                "malformed chunk header: no newline within {MAX_HEADER_BYTES} bytes"
            ),
            FrameError::Truncated {
                part,
                expected,
                got,
            } if *part == "header" => {
                let _ = expected;
                write!(f, "input ended inside a chunk header after {got} bytes")
            }
            FrameError::Truncated {
                part,
                expected,
                got,
            } => write!(
                f,
                "input ended inside the chunk {part}: header announced {expected} bytes, got {got}"
            ),
            FrameError::TooLarge {
                part,
                announced,
                limit,
            } => write!(
                f,
                "chunk {part} of {announced} bytes exceeds the limit of {limit} bytes"
            ),
            FrameError::Io(e) => write!(f, "reading from splunkd failed: {e}"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Reads chunks from splunkd's side of the pipe.
///
/// Tolerates what real Splunk versions send: blank lines or `\r\n` between
/// chunks, whitespace around the numbers, metadata with trailing whitespace
/// (counted in its length) and empty bodies. Never allocates more than it has
/// received, so a lying header cannot exhaust memory.
#[derive(Debug)]
pub struct ChunkReader<R> {
    inner: R,
    max_meta: u64,
    max_body: u64,
    header: Vec<u8>,
}

impl<R: BufRead> ChunkReader<R> {
    /// A reader with the default limits: 64 MiB of metadata and 4 GiB of body.
    pub fn new(inner: R) -> Self {
        ChunkReader {
            inner,
            max_meta: 64 << 20,
            max_body: 4 << 30,
            header: Vec::with_capacity(64),
        }
    }

    /// Sets the largest metadata and body, in bytes, that [`Self::next_chunk`] accepts.
    pub fn with_limits(mut self, max_meta: u64, max_body: u64) -> Self {
        self.max_meta = max_meta;
        self.max_body = max_body;
        self
    }

    /// Reads the next chunk. `Ok(None)` at a clean end of input (EOF before
    /// any byte of a new header), which is how splunkd ends a search.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, FrameError> {
        let Some((m, b)) = self.read_header()? else {
            return Ok(None);
        };
        if m > self.max_meta {
            return Err(FrameError::TooLarge {
                part: "metadata",
                announced: m,
                limit: self.max_meta,
            });
        }
        if b > self.max_body {
            return Err(FrameError::TooLarge {
                part: "body",
                announced: b,
                limit: self.max_body,
            });
        }
        let meta = read_exact_vec(&mut self.inner, m, "metadata")?;
        let body = read_exact_vec(&mut self.inner, b, "body")?;
        Ok(Some(Chunk { meta, body }))
    }

    fn read_header(&mut self) -> Result<Option<(u64, u64)>, FrameError> {
        self.header.clear();
        // Skip blank separators (`\n`, `\r\n`) left between chunks.
        loop {
            let buf = self.inner.fill_buf().map_err(FrameError::Io)?;
            if buf.is_empty() {
                return Ok(None);
            }
            let skip = buf
                .iter()
                .take_while(|c| matches!(c, b'\n' | b'\r'))
                .count();
            let done = skip < buf.len();
            self.inner.consume(skip);
            if done {
                break;
            }
        }
        loop {
            let buf = self.inner.fill_buf().map_err(FrameError::Io)?;
            if buf.is_empty() {
                return Err(FrameError::Truncated {
                    part: "header",
                    expected: 0,
                    got: self.header.len() as u64,
                });
            }
            let room = MAX_HEADER_BYTES - self.header.len();
            match buf.iter().take(room).position(|&c| c == b'\n') {
                Some(i) => {
                    self.header.extend_from_slice(&buf[..i]);
                    self.inner.consume(i + 1);
                    break;
                }
                None => {
                    let n = buf.len().min(room);
                    self.header.extend_from_slice(&buf[..n]);
                    self.inner.consume(n);
                    if self.header.len() >= MAX_HEADER_BYTES {
                        return Err(FrameError::HeaderTooLong);
                    }
                }
            }
        }
        parse_header(&self.header).map(Some).ok_or_else(|| {
            FrameError::BadHeader(String::from_utf8_lossy(&self.header).into_owned())
        })
    }
}

/// Parses `chunked 1.0,<m>,<b>` (no newline), allowing whitespace as the SDK's
/// regex does: `chunked\s+1.0\s*,\s*(\d+)\s*,\s*(\d+)\s*`.
fn parse_header(line: &[u8]) -> Option<(u64, u64)> {
    let s = std::str::from_utf8(line).ok()?;
    let rest = s.strip_prefix("chunked")?;
    if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let rest = rest.trim_start().strip_prefix("1.0")?;
    let mut parts = rest.split(',');
    if !parts.next()?.trim().is_empty() {
        return None;
    }
    let m = parse_len(parts.next()?)?;
    let b = parse_len(parts.next()?)?;
    if parts.next().is_some() {
        return None;
    }
    Some((m, b))
}

fn parse_len(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn read_exact_vec<R: Read>(r: &mut R, n: u64, part: &'static str) -> Result<Vec<u8>, FrameError> {
    let mut v = Vec::with_capacity(n.min(1 << 20) as usize);
    let got = r.take(n).read_to_end(&mut v).map_err(FrameError::Io)? as u64;
    if got < n {
        return Err(FrameError::Truncated {
            part,
            expected: n,
            got,
        });
    }
    Ok(v)
}

/// Writes one chunk (header, metadata, body) and flushes, as splunkd expects
/// a whole reply before it reads the next one.
///
/// # Errors
/// Any write error of `w` (splunkd closed the pipe, for example).
pub fn write_chunk<W: Write>(w: &mut W, meta: &[u8], body: &[u8]) -> io::Result<()> {
    writeln!(w, "chunked 1.0,{},{}", meta.len(), body.len())?;
    w.write_all(meta)?;
    w.write_all(body)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> Vec<Result<Chunk, String>> {
        let mut r = ChunkReader::new(input);
        let mut out = Vec::new();
        loop {
            match r.next_chunk() {
                Ok(Some(c)) => out.push(Ok(c)),
                Ok(None) => break,
                Err(e) => {
                    out.push(Err(e.to_string()));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn reads_exact_lengths_and_trailing_whitespace_in_metadata() {
        let meta = "{ \"action\": \"execute\", \"finished\": false }\n";
        let input = format!("chunked 1.0,{},3\n{meta}a,b", meta.len());
        let chunks = read_all(input.as_bytes());
        assert_eq!(chunks.len(), 1);
        let c = chunks[0].as_ref().unwrap();
        assert_eq!(c.meta, meta.as_bytes());
        assert_eq!(c.body, b"a,b");
    }

    #[test]
    fn lengths_are_bytes_not_characters() {
        let body = "x\nä€\n"; // 8 bytes, 5 chars
        let input = format!(
            "chunked 1.0,2,{}\n{{}}{body}chunked 1.0,2,0\n{{}}",
            body.len()
        );
        let chunks = read_all(input.as_bytes());
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].as_ref().unwrap().body, body.as_bytes());
    }

    #[test]
    fn crlf_headers_blank_separators_and_spaces_are_accepted() {
        let input = b"chunked  1.0 , 2 , 0 \r\n{}\n\r\nchunked 1.0,2,0\n{}";
        let chunks = read_all(input);
        assert_eq!(chunks.len(), 2, "{chunks:?}");
        assert!(chunks.iter().all(|c| c.is_ok()));
    }

    #[test]
    fn garbage_and_truncation_are_errors_not_panics() {
        let cases: &[(&[u8], &str)] = &[
            (b"hello world\n", "malformed chunk header"),
            (b"chunked 1.0,-1,0\n", "malformed"),
            (b"chunked 1.0,2\n{}", "malformed"),
            (b"chunked 2.0,2,0\n{}", "malformed"),
            (
                b"chunked 1.0,10,0\n{}",
                "metadata: header announced 10 bytes, got 2",
            ),
            (
                b"chunked 1.0,2,10\n{}abc",
                "body: header announced 10 bytes, got 3",
            ),
            (b"chunked 1.0,2", "inside a chunk header"),
            (b"chunked 1.0,99999999999999999999999,0\n", "malformed"),
        ];
        for (input, want) in cases {
            let got = read_all(input);
            let last = got.last().unwrap();
            let err = last.as_ref().unwrap_err();
            assert!(
                err.contains(want),
                "{:?}: {err}",
                String::from_utf8_lossy(input)
            );
        }
        let long = vec![b'c'; 500];
        assert!(
            read_all(&long)[0]
                .as_ref()
                .unwrap_err()
                .contains("no newline")
        );
    }

    #[test]
    fn huge_announced_lengths_are_refused_before_reading() {
        let mut r = ChunkReader::new(&b"chunked 1.0,2,999999\n{}"[..]).with_limits(100, 1000);
        assert!(matches!(
            r.next_chunk(),
            Err(FrameError::TooLarge { part: "body", .. })
        ));
    }

    #[test]
    fn writer_matches_the_sdk_framing() {
        let mut out = Vec::new();
        write_chunk(&mut out, b"{\"finished\":true}", b"").unwrap();
        assert_eq!(out, b"chunked 1.0,17,0\n{\"finished\":true}");
    }
}
