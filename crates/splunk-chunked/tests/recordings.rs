//! The reader and the run loop on real splunkd bytes (see tests/fixtures/protocol/README.md).

use splunk_chunked::body::BodyWriter;
use splunk_chunked::{
    ChunkReader, Command, CommandType, Execute, Failure, Getinfo, GetinfoReply, Incoming, Records,
    Reply, Status, run,
};
use std::path::PathBuf;

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/protocol")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn chunks(bytes: &[u8]) -> Vec<(Incoming, Records)> {
    let mut r = ChunkReader::new(bytes);
    let mut out = Vec::new();
    while let Some(c) = r.next_chunk().unwrap() {
        out.push((
            Incoming::parse(&c.meta).unwrap(),
            Records::parse(&c.body).unwrap(),
        ));
    }
    out
}

#[test]
fn splunk_8_0_linux_recording_reads_exactly() {
    let c = chunks(&fixture("multibyte_8.0.x.input"));
    assert_eq!(c.len(), 10, "getinfo + 9 execute chunks");
    let si = c[0].0.searchinfo.as_ref().unwrap();
    assert_eq!(si.command, "harvest");
    assert_eq!(si.latest_time, Some(1599172248.0));
    assert_eq!(si.earliest_time, Some(1599084000.0));
    let rows: usize = c[1..].iter().map(|(_, r)| r.len()).sum();
    assert_eq!(rows, 40_682);
    assert!(c.last().unwrap().0.finished);
    assert!(c[1..c.len() - 1].iter().all(|(m, _)| !m.finished));
    let (_, r) = &c[1];
    assert_eq!(r.fields(), &["_time", "teststring"]);
    let t = r.field_index("teststring").unwrap();
    assert_eq!(r.values(0, t).iter().collect::<Vec<_>>(), ["ทt"]);
}

#[test]
fn splunk_6_3_recordings_read_with_python_spacing_and_crlf() {
    let c = chunks(&fixture("countmatches.input"));
    assert_eq!(c.len(), 2);
    let si = c[0].0.searchinfo.as_ref().unwrap();
    assert_eq!(si.args, ["fieldname=word_count", "pattern=\\w+", "text"]);
    assert_eq!(si.raw_args[1], "pattern=\"\\w+\"");
    assert!(!c[1].1.is_empty());
    let c = chunks(&fixture("sum.reduce.output"));
    assert_eq!(
        c.len(),
        2,
        "replies, with the recording's stray newlines between chunks"
    );
    assert_eq!(c[1].1.fields(), &["total"]);
    assert_eq!(
        c[1].1.cell(0, 0),
        "2147943.07811",
        "CRLF row end not part of the value"
    );
}

/// Passes every row through.
struct PassThrough;
impl Command for PassThrough {
    fn getinfo(&mut self, _: &Getinfo) -> Result<GetinfoReply, Failure> {
        Ok(GetinfoReply::new(CommandType::Stateful))
    }
    fn execute(&mut self, chunk: Execute) -> Result<Reply, Failure> {
        let r = &chunk.records;
        let mut w = BodyWriter::new(r.header());
        for i in 0..r.len() {
            w.row(r.row(i));
        }
        Ok(Reply::rows(if r.header().is_empty() {
            Vec::new()
        } else {
            w.finish()
        }))
    }
}

#[test]
fn run_loop_replays_the_recording_one_reply_per_chunk() {
    let input = fixture("multibyte_8.0.x.input");
    let mut out = Vec::new();
    assert_eq!(run(&mut PassThrough, &input[..], &mut out), Status::Done);
    let replies = chunks(&out);
    assert_eq!(replies.len(), 10);
    let rows: usize = replies.iter().map(|(_, r)| r.len()).sum();
    assert_eq!(rows, 40_682);
    assert!(replies.last().unwrap().0.finished);
}
