//! Any bytes from "splunkd": the chunk reader, metadata and body parsers and
//! the run loop must answer or fail cleanly, never panic, and every reply
//! they write must itself be a well-formed chunk.
#![no_main]

use libfuzzer_sys::fuzz_target;
use splunk_chunked::body::BodyWriter;
use splunk_chunked::{
    ChunkReader, Command, CommandType, Execute, Failure, Getinfo, GetinfoReply, Incoming, Records,
    Reply,
};

struct Echo;
impl Command for Echo {
    fn getinfo(&mut self, _: &Getinfo) -> Result<GetinfoReply, Failure> {
        Ok(GetinfoReply::new(CommandType::Events))
    }
    fn execute(&mut self, chunk: Execute) -> Result<Reply, Failure> {
        let r = &chunk.records;
        let mut w = BodyWriter::new(r.header());
        for i in 0..r.len() {
            for f in 0..r.fields().len() {
                let _ = r.values(i, f);
            }
            w.row(r.row(i));
        }
        Ok(Reply::rows(w.finish()))
    }
}

fuzz_target!(|data: &[u8]| {
    let mut rd = ChunkReader::new(data).with_limits(1 << 20, 1 << 20);
    while let Ok(Some(c)) = rd.next_chunk() {
        let _ = Incoming::parse(&c.meta).map(|m| m.action());
        let _ = Records::parse(&c.body);
    }
    let mut out = Vec::new();
    let _ = splunk_chunked::run(&mut Echo, data, &mut out);
    let mut replies = ChunkReader::new(&out[..]);
    loop {
        match replies.next_chunk() {
            Ok(Some(c)) => assert!(
                Incoming::parse(&c.meta).is_ok(),
                "reply metadata is not JSON"
            ),
            Ok(None) => break,
            Err(e) => panic!("a reply is not a well-formed chunk: {e}"),
        }
    }
});
