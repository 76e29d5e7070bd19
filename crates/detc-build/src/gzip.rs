//! Gzip (RFC 1952) on every core, streaming, with output that does not
//! depend on how many cores there are.
//!
//! The tarball is most of `detc build`'s time: a few MiB of lookups, the
//! `firstseen` binary and `savedsearches.conf` to deflate. Like pigz, the
//! input is cut into fixed [`BLOCK`]-byte blocks, each deflated on a worker
//! thread with the previous 32 KiB of input as its dictionary (so matches
//! still reach back across block boundaries) and ended with a sync flush
//! (an empty stored block that ends on a byte boundary); [`GzipWriter::finish`]
//! adds the final empty block. The deflated blocks, concatenated, are one
//! ordinary deflate stream in one gzip member: any gunzip, Python's
//! `tarfile` and Splunk read it as usual.
//!
//! Blocks are cut at fixed offsets, never by the thread count, so the bytes
//! are the same on a laptop and a 64-core CI runner. At most one block per
//! worker, plus one, is in flight, so memory stays a few MiB whatever the input size.

use flate2::{Compress, Compression, FlushCompress, Status};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Bytes of input per independently deflated block (256 KiB): large enough
/// that the sync flushes and the lost look-back cost well under 1 % in size.
pub const BLOCK: usize = 256 * 1024;

/// Deflate's window: the dictionary each block after the first starts with.
const WINDOW: usize = 32 * 1024;

/// One block to deflate: its index, its dictionary and its bytes.
type Job = (usize, Vec<u8>, Vec<u8>);
/// A deflated block and its index.
type Done = (usize, io::Result<Vec<u8>>);

struct Pool {
    jobs: Option<SyncSender<Job>>,
    done: Receiver<Done>,
    workers: Vec<JoinHandle<()>>,
}

/// A gzip writer that deflates [`BLOCK`]-byte blocks on up to `threads`
/// worker threads and writes them to `out` in order.
///
/// The header has no file name, no comment, modification time 0 and
/// operating system 255 (unknown), as `flate2::GzBuilder` writes it, so the
/// output depends only on the bytes written and `level`. Call
/// [`GzipWriter::finish`]: dropping the writer leaves the stream unended.
pub struct GzipWriter<W: Write> {
    out: W,
    level: u32,
    threads: usize,
    /// The block being filled.
    buf: Vec<u8>,
    /// The 32 KiB of input before `buf`.
    window: Vec<u8>,
    crc: crc32fast::Hasher,
    len: u64,
    sent: usize,
    written: usize,
    pending: BTreeMap<usize, Vec<u8>>,
    pool: Option<Pool>,
}

impl<W: Write> GzipWriter<W> {
    /// A writer at deflate level `level` (0 to 9) on as many threads as
    /// `available_parallelism` reports.
    ///
    /// # Errors
    /// Writing the 10-byte header to `out`.
    pub fn new(out: W, level: u32) -> io::Result<Self> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::with_threads(out, level, threads)
    }

    /// A writer on at most `threads` threads (at least one: then everything
    /// is deflated on the caller's thread).
    ///
    /// # Errors
    /// Writing the 10-byte header to `out`.
    pub fn with_threads(mut out: W, level: u32, threads: usize) -> io::Result<Self> {
        // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL OS=unknown, as GzBuilder writes.
        let xfl = match level {
            9.. => 2,
            0 | 1 => 4,
            _ => 0,
        };
        out.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255])?;
        Ok(GzipWriter {
            out,
            level,
            threads: threads.max(1),
            buf: Vec::with_capacity(BLOCK),
            window: Vec::new(),
            crc: crc32fast::Hasher::new(),
            len: 0,
            sent: 0,
            written: 0,
            pending: BTreeMap::new(),
            pool: None,
        })
    }

    /// Hands the full block in `buf` to a worker (or deflates it here).
    fn send_block(&mut self) -> io::Result<()> {
        let block = std::mem::replace(&mut self.buf, Vec::with_capacity(BLOCK));
        let dict = std::mem::take(&mut self.window);
        self.window = block[block.len().saturating_sub(WINDOW)..].to_vec();
        let i = self.sent;
        self.sent += 1;
        if self.threads == 1 {
            let d = deflate_block(&block, &dict, FlushCompress::Sync, self.level)?;
            self.pending.insert(i, d);
            return self.write_ready();
        }
        if self.pool.is_none() {
            self.pool = Some(spawn_pool(self.threads, self.level)?);
        }
        // Keep at most one block per worker in flight, plus one: a worker
        // that finishes finds the next block waiting while this thread
        // fills another, and memory stays (threads + 2) blocks.
        while self.sent - self.written > self.threads + 1 {
            self.receive_one()?;
        }
        let jobs = self.pool.as_ref().and_then(|p| p.jobs.as_ref());
        match jobs {
            Some(j) => j
                .send((i, dict, block))
                .map_err(|_| io::Error::other("a deflate worker stopped")),
            None => Err(io::Error::other("no deflate worker")),
        }
    }

    /// Waits for one deflated block, then writes every block now in order.
    fn receive_one(&mut self) -> io::Result<()> {
        let Some(pool) = &self.pool else {
            return Err(io::Error::other("no deflate worker"));
        };
        let (i, d) = pool
            .done
            .recv()
            .map_err(|_| io::Error::other("a deflate worker stopped"))?;
        self.pending.insert(i, d?);
        self.write_ready()
    }

    fn write_ready(&mut self) -> io::Result<()> {
        while let Some(d) = self.pending.remove(&self.written) {
            self.out.write_all(&d)?;
            self.written += 1;
        }
        Ok(())
    }

    /// Deflates what is left, ends the stream, writes the CRC-32 and the
    /// length, stops the workers and returns `out`.
    ///
    /// # Errors
    /// A deflate or write error, or a worker that stopped.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.buf.is_empty() {
            self.send_block()?;
        }
        while self.written < self.sent {
            self.receive_one()?;
        }
        if let Some(mut pool) = self.pool.take() {
            pool.jobs = None;
            for w in pool.workers {
                w.join()
                    .map_err(|_| io::Error::other("a deflate worker panicked"))?;
            }
        }
        // The final block: empty, with BFINAL set.
        let end = deflate_block(&[], &[], FlushCompress::Finish, self.level)?;
        self.out.write_all(&end)?;
        self.out
            .write_all(&self.crc.clone().finalize().to_le_bytes())?;
        // ISIZE: the input's length modulo 2^32 (RFC 1952, 2.3.1).
        self.out.write_all(&(self.len as u32).to_le_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for GzipWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(BLOCK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        self.crc.update(&data[..n]);
        self.len += n as u64;
        if self.buf.len() == BLOCK {
            self.send_block()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn spawn_pool(threads: usize, level: u32) -> io::Result<Pool> {
    let (jobs_tx, jobs_rx) = sync_channel::<Job>(threads);
    let (done_tx, done_rx) = sync_channel::<Done>(2 * threads + 1);
    let jobs_rx = std::sync::Arc::new(std::sync::Mutex::new(jobs_rx));
    let mut workers = Vec::with_capacity(threads);
    for t in 0..threads {
        let jobs = std::sync::Arc::clone(&jobs_rx);
        let done = done_tx.clone();
        let w = std::thread::Builder::new()
            .name(format!("deflate-{t}"))
            .spawn(move || {
                loop {
                    // A poisoned lock means another worker panicked: stop.
                    let job = match jobs.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((i, dict, block)) = job else { return };
                    let d = deflate_block(&block, &dict, FlushCompress::Sync, level);
                    if done.send((i, d)).is_err() {
                        return;
                    }
                }
            })?;
        workers.push(w);
    }
    Ok(Pool {
        jobs: Some(jobs_tx),
        done: done_rx,
        workers,
    })
}

/// Gzips `data` in memory with [`GzipWriter`] (for the tests).
///
/// # Errors
/// As [`GzipWriter::finish`].
#[cfg(test)]
pub fn gzip(data: &[u8], level: u32) -> io::Result<Vec<u8>> {
    let mut w = GzipWriter::new(Vec::new(), level)?;
    w.write_all(data)?;
    w.finish()
}

/// Raw deflate of one block, `dict` priming the window, ended by `flush`
/// (sync: on a byte boundary; finish: the stream's last block).
///
/// Each block gets a new compressor. A reset one is not the same: zlib-rs
/// (like zlib) keeps its old window on reset, and on real content the
/// bytes of a block then depended on the block the worker deflated
/// before it, so on scheduling.
fn deflate_block(
    input: &[u8],
    dict: &[u8],
    flush: FlushCompress,
    level: u32,
) -> io::Result<Vec<u8>> {
    let c = &mut Compress::new(Compression::new(level), false);
    let err = |e: flate2::CompressError| io::Error::other(format!("deflate: {e}"));
    if !dict.is_empty() {
        c.set_dictionary(dict).map_err(err)?;
    }
    let finish = matches!(flush, FlushCompress::Finish);
    let mut out: Vec<u8> = Vec::with_capacity(input.len() / 2 + 1024);
    loop {
        if out.capacity() - out.len() < 1024 {
            out.reserve(out.capacity().max(4096));
        }
        let consumed = usize::try_from(c.total_in()).unwrap_or(usize::MAX);
        let rest = input.get(consumed..).unwrap_or_default();
        let status = c.compress_vec(rest, &mut out, flush).map_err(err)?;
        let all_in = usize::try_from(c.total_in()).is_ok_and(|t| t == input.len());
        match status {
            Status::StreamEnd => return Ok(out),
            // A sync flush is complete once deflate stops with room to spare.
            Status::Ok | Status::BufError if !finish && all_in && out.len() < out.capacity() => {
                return Ok(out);
            }
            Status::Ok | Status::BufError => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut out)
            .expect("valid gzip");
        out
    }

    fn gzip_with(data: &[u8], threads: usize, piece: usize) -> Vec<u8> {
        let mut w = GzipWriter::with_threads(Vec::new(), 6, threads).expect("header");
        for c in data.chunks(piece.max(1)) {
            w.write_all(c).expect("write");
        }
        w.finish().expect("finish")
    }

    /// Text that repeats across block boundaries, like a savedsearches.conf.
    fn sample(len: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(len);
        let mut i = 0u64;
        while v.len() < len {
            v.extend_from_slice(
                format!(
                    "[ESCU - Detection {i} - Rule]\nsearch = | tstats count where x={}\n",
                    i * 7919 % 1000
                )
                .as_bytes(),
            );
            i += 1;
        }
        v.truncate(len);
        v
    }

    #[test]
    fn round_trips_at_every_size_around_block_boundaries() {
        for len in [0, 1, 100, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 12345] {
            let data = sample(len);
            assert_eq!(gunzip(&gzip_with(&data, 2, 4096)), data, "length {len}");
        }
    }

    #[test]
    fn the_bytes_depend_on_neither_threads_nor_write_sizes() {
        let data = sample(9 * BLOCK / 2);
        let one = gzip_with(&data, 1, data.len());
        for (threads, piece) in [(2, 512), (3, BLOCK + 7), (8, 65536)] {
            assert_eq!(gzip_with(&data, threads, piece), one, "{threads} threads");
        }
    }

    #[test]
    fn header_and_trailer_follow_rfc_1952() {
        let data = sample(1000);
        let gz = gzip(&data, 6).expect("gzip");
        assert_eq!(&gz[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        let n = gz.len();
        assert_eq!(
            u32::from_le_bytes([gz[n - 4], gz[n - 3], gz[n - 2], gz[n - 1]]),
            1000
        );
        let mut crc = flate2::Crc::new();
        crc.update(&data);
        assert_eq!(
            u32::from_le_bytes([gz[n - 8], gz[n - 7], gz[n - 6], gz[n - 5]]),
            crc.sum()
        );
    }

    #[test]
    fn blocks_cost_little_against_one_stream() {
        let data = sample(4 * BLOCK);
        let ours = gzip_with(&data, 2, 65536).len();
        let mut one = flate2::write::GzEncoder::new(Vec::new(), Compression::new(6));
        one.write_all(&data).expect("write");
        let theirs = one.finish().expect("finish").len();
        assert!(
            (ours as f64) < theirs as f64 * 1.01,
            "{ours} bytes against {theirs} in one stream"
        );
    }

    /// Every file of the security_content sample in `../shared` (real
    /// YAML, csv lookups and JSON, 6 MiB), concatenated in path order, or
    /// `None` when the folder is absent (a failure under CI).
    fn shared_corpus() -> Option<Vec<u8>> {
        let root = detc_testkit::shared("corpus/security_content-v4.42.0-sample")?;
        let mut files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(&root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        files.sort();
        let mut data = Vec::new();
        for f in files {
            data.extend(std::fs::read(&f).expect("read a corpus file"));
        }
        Some(data)
    }

    #[test]
    fn the_bytes_do_not_depend_on_which_worker_got_which_block() {
        // Workers take blocks in whatever order they free up. A worker
        // that reused its compressor (reset between blocks) carried its
        // old window into the next block and changed a byte now and then
        // on real content: the app's tarball differed in about one build
        // in eight. Each block must deflate exactly as it would alone.
        let Some(data) = shared_corpus() else { return };
        let one = gzip_with(&data, 1, data.len());
        for run in 0..3 {
            assert!(
                gzip_with(&data, 2, 8192) == one,
                "run {run}: 2 threads differ from 1"
            );
            assert!(
                gzip_with(&data, 3, 65536) == one,
                "run {run}: 3 threads differ from 1"
            );
        }
        assert_eq!(gunzip(&one), data);
    }
}
