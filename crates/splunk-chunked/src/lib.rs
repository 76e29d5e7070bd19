//! The Splunk custom search command protocol v2 (`chunked = true` in
//! `commands.conf`), as a library any command can use.
//!
//! splunkd starts the command with no protocol arguments, sends a `getinfo`
//! chunk, reads the reply, then sends `execute` chunks with CSV bodies until
//! one says `finished: true`, and closes stdin. The command answers **exactly
//! one chunk per chunk received**, in order. [`run`] implements that loop
//! around a [`Command`]; [`frame`], [`meta`] and [`body`] are the pieces.
//!
//! Facts and sources: `docs/protocol.md` in this repository.
//!
//! ```no_run
//! use splunk_chunked::{run, Command, Execute, Failure, Getinfo, GetinfoReply, CommandType, Reply};
//! struct Count(usize);
//! impl Command for Count {
//!     fn getinfo(&mut self, _: &Getinfo) -> Result<GetinfoReply, Failure> {
//!         Ok(GetinfoReply::new(CommandType::Reporting))
//!     }
//!     fn execute(&mut self, chunk: Execute) -> Result<Reply, Failure> {
//!         self.0 += chunk.records.len();
//!         if !chunk.finished { return Ok(Reply::empty()); }
//!         let mut w = splunk_chunked::body::BodyWriter::new(["count"]);
//!         w.row([self.0.to_string()]);
//!         Ok(Reply::rows(w.finish()))
//!     }
//! }
//! let status = run(&mut Count(0), std::io::stdin().lock(), std::io::stdout().lock());
//! std::process::exit(status.code());
//! ```

pub mod body;
pub mod frame;
pub mod harness;
pub mod meta;

use std::io::{BufRead, Write};

pub use body::Records;
pub use frame::{Chunk, ChunkReader, FrameError, write_chunk};
pub use meta::{CommandType, GetinfoReply, Incoming, Inspector, Level, ReplyMeta, SearchInfo};

/// What [`Command::getinfo`] receives.
#[derive(Debug, Clone, Default)]
pub struct Getinfo {
    /// The search's description (arguments, time range, app, user, …).
    pub searchinfo: SearchInfo,
    /// `true` when the search is a preview.
    pub preview: bool,
}

/// One execute chunk, its body parsed.
#[derive(Debug)]
pub struct Execute {
    /// The records (possibly none: splunkd sends header-only and empty chunks).
    pub records: Records,
    /// `true` on the search's last chunk.
    pub finished: bool,
    /// Zero-based number of this execute chunk.
    pub index: usize,
}

/// A reply to an execute chunk.
#[derive(Debug, Default)]
pub struct Reply {
    /// CSV body (possibly empty).
    pub body: Vec<u8>,
    /// Inspector messages to show.
    pub messages: Vec<(Level, String)>,
}

impl Reply {
    /// No rows, no messages.
    pub fn empty() -> Reply {
        Reply::default()
    }

    /// A reply with this CSV body.
    pub fn rows(body: Vec<u8>) -> Reply {
        Reply {
            body,
            messages: Vec::new(),
        }
    }
}

/// A command's error: shown to the user as an ERROR inspector message and as
/// the reply's `error`, after which the process exits with status 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl<T: Into<String>> From<T> for Failure {
    fn from(s: T) -> Failure {
        Failure(s.into())
    }
}

/// A custom search command.
pub trait Command {
    /// Answers the getinfo chunk: type, required fields, … Must have **no
    /// side effects**: splunkd starts getinfo-only probe processes.
    ///
    /// # Errors
    /// A [`Failure`] (bad arguments, for example) ends the process.
    fn getinfo(&mut self, info: &Getinfo) -> Result<GetinfoReply, Failure>;

    /// Processes one execute chunk and returns its reply.
    ///
    /// # Errors
    /// A [`Failure`] is sent to splunkd and ends the process.
    fn execute(&mut self, chunk: Execute) -> Result<Reply, Failure>;

    /// Processes one execute chunk from its raw CSV body (`index` counts
    /// execute chunks from 0). The default parses the body and calls
    /// [`Command::execute`]; a command may override it to parse elsewhere,
    /// for example on a worker thread while splunkd sends the next chunk.
    ///
    /// # Errors
    /// A body that is not valid UTF-8 CSV, or the command's [`Failure`].
    fn execute_body(
        &mut self,
        body: Vec<u8>,
        finished: bool,
        index: usize,
    ) -> Result<Reply, Failure> {
        let records = Records::parse(&body)?;
        self.execute(Execute {
            records,
            finished,
            index,
        })
    }
}

/// How [`run`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The search ended normally (stdin closed after a finished chunk, or
    /// after getinfo for a probe).
    Done,
    /// The command or the protocol failed; the message was sent to splunkd if
    /// the pipe was still open.
    Failed(String),
}

impl Status {
    /// Process exit code: 0 for [`Status::Done`], 1 otherwise.
    pub fn code(&self) -> i32 {
        match self {
            Status::Done => 0,
            Status::Failed(_) => 1,
        }
    }
}

/// Runs the lock-step loop: getinfo, then execute chunks, one reply each,
/// until end of input. Never panics on any input; every failure is answered
/// with `{"finished":true,"error":…,"inspector":{"messages":[["ERROR",…]]}}`.
pub fn run<C: Command, R: BufRead, W: Write>(cmd: &mut C, input: R, mut output: W) -> Status {
    let mut reader = ChunkReader::new(input);
    let fail = |out: &mut W, msg: String| -> Status {
        let meta = ReplyMeta {
            finished: true,
            error: Some(msg.clone()),
            inspector: Inspector {
                messages: vec![(Level::Error, msg.clone())],
            },
        };
        let _ = write_chunk(out, &serde_json::to_vec(&meta).unwrap_or_default(), b"");
        Status::Failed(msg)
    };

    // getinfo
    let first = match reader.next_chunk() {
        Ok(Some(c)) => c,
        Ok(None) => return Status::Done,
        Err(e) => return fail(&mut output, e.to_string()),
    };
    let info = match Incoming::parse(&first.meta).and_then(|m| match m.action()? {
        meta::Action::Getinfo => Ok(m),
        meta::Action::Execute => Err("the first chunk must be getinfo, got execute".to_string()),
    }) {
        Ok(m) => Getinfo {
            searchinfo: m.searchinfo.unwrap_or_default(),
            preview: m.preview,
        },
        Err(e) => return fail(&mut output, e),
    };
    if !first.body.is_empty() {
        return fail(
            &mut output,
            "the getinfo chunk must have no body".to_string(),
        );
    }
    let reply = match cmd.getinfo(&info) {
        Ok(r) => r,
        Err(Failure(msg)) => return fail(&mut output, msg),
    };
    let meta = serde_json::to_vec(&reply).unwrap_or_default();
    if write_chunk(&mut output, &meta, b"").is_err() {
        return Status::Failed("splunkd closed the pipe".to_string());
    }

    // execute
    let mut index = 0;
    let mut finished = false;
    loop {
        let chunk = match reader.next_chunk() {
            Ok(Some(c)) => c,
            Ok(None) => return Status::Done,
            Err(e) => return fail(&mut output, e.to_string()),
        };
        if finished {
            return fail(
                &mut output,
                "splunkd sent a chunk after the finished one".to_string(),
            );
        }
        let m = match Incoming::parse(&chunk.meta).and_then(|m| match m.action()? {
            meta::Action::Execute => Ok(m),
            meta::Action::Getinfo => Err("unexpected second getinfo chunk".to_string()),
        }) {
            Ok(m) => m,
            Err(e) => return fail(&mut output, e),
        };
        finished = m.finished;
        let reply = match cmd.execute_body(chunk.body, finished, index) {
            Ok(r) => r,
            Err(Failure(msg)) => return fail(&mut output, msg),
        };
        let meta = ReplyMeta {
            finished,
            error: None,
            inspector: Inspector {
                messages: reply.messages,
            },
        };
        if write_chunk(
            &mut output,
            &serde_json::to_vec(&meta).unwrap_or_default(),
            &reply.body,
        )
        .is_err()
        {
            return Status::Failed("splunkd closed the pipe".to_string());
        }
        index += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Passes records through unchanged and counts chunks.
    struct Echo;
    impl Command for Echo {
        fn getinfo(&mut self, info: &Getinfo) -> Result<GetinfoReply, Failure> {
            if info.searchinfo.args.iter().any(|a| a == "fail=getinfo") {
                return Err("asked to fail".into());
            }
            Ok(GetinfoReply::new(CommandType::Stateful))
        }
        fn execute(&mut self, chunk: Execute) -> Result<Reply, Failure> {
            let r = &chunk.records;
            if r.header().is_empty() {
                return Ok(Reply::empty());
            }
            let mut w = body::BodyWriter::new(r.header());
            for i in 0..r.len() {
                w.row(r.row(i));
            }
            Ok(Reply::rows(w.finish()))
        }
    }

    fn chunk(meta: &str, body: &str) -> String {
        format!("chunked 1.0,{},{}\n{meta}{body}", meta.len(), body.len())
    }

    fn replies(out: &[u8]) -> Vec<(serde_json::Value, String)> {
        let mut r = ChunkReader::new(out);
        let mut v = Vec::new();
        while let Some(c) = r.next_chunk().unwrap() {
            v.push((
                serde_json::from_slice(&c.meta).unwrap(),
                String::from_utf8(c.body).unwrap(),
            ));
        }
        v
    }

    #[test]
    fn one_reply_per_chunk_including_header_only_and_empty_final() {
        let input = [
            chunk(
                r#"{"action":"getinfo","preview":false,"searchinfo":{"args":[]}}"#,
                "",
            ),
            chunk(
                r#"{"action":"execute","finished":false}"#,
                "\"_chunked_idx\",x\n0,a\n1,b\n",
            ),
            chunk(r#"{"action":"execute","finished":false}"#, "x\n"),
            chunk(r#"{"action":"execute","finished":true}"#, ""),
        ]
        .concat();
        let mut out = Vec::new();
        assert_eq!(run(&mut Echo, input.as_bytes(), &mut out), Status::Done);
        let r = replies(&out);
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].0["type"], "stateful");
        assert_eq!(r[1].1, "_chunked_idx,x\n0,a\n1,b\n");
        assert_eq!(r[1].0["finished"], false);
        assert_eq!(r[3].0["finished"], true);
    }

    #[test]
    fn failures_become_one_error_reply_and_status_1() {
        let cases = [
            (
                chunk(
                    r#"{"action":"getinfo","searchinfo":{"args":["fail=getinfo"]}}"#,
                    "",
                ),
                "asked to fail",
            ),
            (
                chunk(r#"{"action":"execute"}"#, ""),
                "first chunk must be getinfo",
            ),
            ("garbage\n".to_string(), "malformed chunk header"),
            (
                chunk(r#"{"action":"getinfo"}"#, "")
                    + &chunk(r#"{"action":"execute"}"#, "a,b\n1,2,3\n"),
                "row 1 has 3 fields",
            ),
            (
                chunk(r#"{"action":"getinfo"}"#, "") + "chunked 1.0,5,0\n{}",
                "input ended inside the chunk metadata",
            ),
        ];
        for (input, want) in cases {
            let mut out = Vec::new();
            let status = run(&mut Echo, input.as_bytes(), &mut out);
            assert_eq!(status.code(), 1, "{input:?}");
            let r = replies(&out);
            let last = &r.last().unwrap().0;
            let err = last["error"].as_str().unwrap();
            assert!(err.contains(want), "{err}");
            assert_eq!(last["inspector"]["messages"][0][0], "ERROR");
            assert_eq!(last["finished"], true);
        }
    }

    #[test]
    fn a_probe_that_only_gets_getinfo_exits_cleanly() {
        let input = chunk(r#"{"action":"getinfo","searchinfo":{}}"#, "");
        let mut out = Vec::new();
        assert_eq!(run(&mut Echo, input.as_bytes(), &mut out), Status::Done);
        assert_eq!(replies(&out).len(), 1);
    }
}
