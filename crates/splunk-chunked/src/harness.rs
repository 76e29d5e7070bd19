//! Plays splunkd's side of the protocol against an executable, over pipes,
//! in lock step: one chunk out, exactly one reply in, checked strictly
//! (header `chunked 1.0,<m>,<b>\n`, exact byte lengths, UTF-8 JSON metadata
//! object, UTF-8 CSV body). For tests and benchmarks of any chunked command.

use crate::body::MV_PREFIX;
use crate::frame::MAX_HEADER_BYTES;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// A reply chunk from the command.
#[derive(Debug, Clone)]
pub struct ReplyChunk {
    /// Metadata as JSON.
    pub meta: serde_json::Value,
    /// Body text (CSV).
    pub body: String,
}

impl ReplyChunk {
    /// `finished` from the metadata (false when absent).
    pub fn finished(&self) -> bool {
        self.meta["finished"].as_bool().unwrap_or(false)
    }

    /// Inspector messages as `(level, text)`.
    pub fn messages(&self) -> Vec<(String, String)> {
        self.meta["inspector"]["messages"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|p| {
                        let s = |i: usize| p[i].as_str().unwrap_or_default().to_string();
                        (s(0), s(1))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The body parsed as CSV rows, header first.
    pub fn rows(&self) -> Vec<Vec<String>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(self.body.as_bytes());
        r.records()
            .filter_map(Result::ok)
            .map(|rec| rec.iter().map(str::to_string).collect())
            .collect()
    }
}

/// A running command.
pub struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

/// How a session ended.
#[derive(Debug)]
pub struct Exit {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Everything written to stderr.
    pub stderr: String,
    /// Bytes written to stdout after the last reply read (should be none).
    pub trailing: Vec<u8>,
}

impl Session {
    /// Starts `cmd` with piped stdin, stdout and stderr.
    ///
    /// # Errors
    /// The process cannot be started.
    pub fn spawn(cmd: &mut Command) -> io::Result<Session> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = BufReader::with_capacity(
            1 << 20,
            child.stdout.take().ok_or(io::ErrorKind::BrokenPipe)?,
        );
        Ok(Session {
            child,
            stdin,
            stdout,
        })
    }

    /// Sends one chunk and reads its one reply.
    ///
    /// # Errors
    /// A protocol violation by the command (described), or the command
    /// exiting without a reply.
    pub fn send(&mut self, meta: &[u8], body: &[u8]) -> Result<ReplyChunk, String> {
        if let Some(w) = self.stdin.as_mut() {
            // A command that fails may exit before reading all of it; its reply is still read below.
            let _ = crate::frame::write_chunk(w, meta, body);
        }
        self.read_reply()
    }

    /// Sends raw bytes (a malformed chunk, for example) and reads one reply.
    ///
    /// # Errors
    /// As [`Self::send`].
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<ReplyChunk, String> {
        if let Some(w) = self.stdin.as_mut() {
            let _ = w.write_all(bytes).and_then(|_| w.flush());
        }
        self.read_reply()
    }

    /// Reads one reply chunk, checking its framing strictly.
    ///
    /// # Errors
    /// A description of the violation.
    pub fn read_reply(&mut self) -> Result<ReplyChunk, String> {
        let mut header = Vec::new();
        let n = (&mut self.stdout)
            .take(MAX_HEADER_BYTES as u64)
            .read_until(b'\n', &mut header)
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the command closed stdout without a reply".to_string());
        }
        let text = String::from_utf8_lossy(&header).into_owned();
        let lens = text
            .strip_prefix("chunked 1.0,")
            .and_then(|r| r.strip_suffix('\n'))
            .and_then(|r| r.split_once(','))
            .and_then(|(m, b)| Some((m.parse::<usize>().ok()?, b.parse::<usize>().ok()?)));
        let Some((m, b)) = lens else {
            return Err(format!("bad reply header {text:?}"));
        };
        let mut meta = vec![0; m];
        let mut body = vec![0; b];
        self.stdout
            .read_exact(&mut meta)
            .map_err(|e| format!("reply metadata shorter than {m} bytes: {e}"))?;
        self.stdout
            .read_exact(&mut body)
            .map_err(|e| format!("reply body shorter than {b} bytes: {e}"))?;
        let meta: serde_json::Value = serde_json::from_slice(&meta)
            .map_err(|e| format!("reply metadata is not JSON: {e}"))?;
        if !meta.is_object() {
            return Err(format!("reply metadata is not an object: {meta}"));
        }
        let body = String::from_utf8(body).map_err(|e| format!("reply body is not UTF-8: {e}"))?;
        Ok(ReplyChunk { meta, body })
    }

    /// Closes stdin (end of search) and waits for the exit.
    ///
    /// # Errors
    /// Waiting failed.
    pub fn finish(mut self) -> io::Result<Exit> {
        drop(self.stdin.take());
        let mut trailing = Vec::new();
        self.stdout.read_to_end(&mut trailing)?;
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            e.read_to_string(&mut stderr)?;
        }
        let status = self.child.wait()?;
        Ok(Exit {
            code: status.code(),
            stderr,
            trailing,
        })
    }
}

/// A getinfo metadata object like splunkd 8.x sends, with `args`.
pub fn getinfo_meta(
    args: &[&str],
    earliest: Option<f64>,
    latest: Option<f64>,
    preview: bool,
) -> Vec<u8> {
    let t = |v: Option<f64>| v.map_or("0".to_string(), |v| format!("{v}"));
    serde_json::json!({
        "action": "getinfo",
        "preview": preview,
        "streaming_command_will_restart": false,
        "searchinfo": {
            "args": args,
            "raw_args": args,
            "dispatch_dir": "/opt/splunk/var/run/splunk/dispatch/1700000000.1",
            "sid": "1700000000.1",
            "app": "search",
            "owner": "admin",
            "username": "admin",
            "session_key": "test",
            "splunkd_uri": "https://127.0.0.1:8089",
            "splunk_version": "9.1.2",
            "search": "search%20index%3Dmain",
            "command": "firstseen",
            "maxresultrows": 50000,
            "earliest_time": t(earliest),
            "latest_time": t(latest),
        }
    })
    .to_string()
    .into_bytes()
}

/// Execute metadata: `{"action":"execute","finished":…}`.
pub fn execute_meta(finished: bool) -> Vec<u8> {
    format!("{{\"action\":\"execute\",\"finished\":{finished}}}").into_bytes()
}

/// Encodes rows as splunkd does: every header and value that is not purely
/// alphanumeric quoted, LF line ends, an empty `__mv_<field>` column per
/// field, after all plain columns.
pub fn splunkd_body(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let q = |s: &str| {
        if !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric()) {
            s.to_string()
        } else if s.is_empty() {
            String::new()
        } else {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
    };
    let mut out = String::new();
    let cols: Vec<String> = header
        .iter()
        .map(|h| q(h))
        .chain(header.iter().map(|h| q(&format!("{MV_PREFIX}{h}"))))
        .collect();
    out.push_str(&cols.join(","));
    out.push('\n');
    for r in rows {
        let cells: Vec<String> = r.iter().map(|v| q(v)).collect();
        out.push_str(&cells.join(","));
        out.push_str(&",".repeat(header.len()));
        out.push('\n');
    }
    out.into_bytes()
}
