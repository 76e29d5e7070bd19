//! Benchmark: the app's tarball, detc's gzip ([`detc_build::App::tarball`]:
//! deflate on every core, fixed 256 KiB blocks) beside flate2's
//! `GzEncoder` (one thread, the same zlib-rs backend and level) on the
//! same tar bytes, in the same run.
//!
//! Run with `cargo bench -p detc-build --bench tarball`. The app is
//! security_content v4.42.0's (`../shared/corpus`, 17 MB of tar), else the
//! `build` fixture pack's. It decides whether the hand-written parallel
//! gzip stays (issue: replace hand-written performance code by a
//! maintained crate unless a benchmark shows a real loss). Not a test: the
//! machine is shared, so the figures are read, not asserted.

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

fn stats(mut t: Vec<Duration>) -> (f64, f64) {
    t.sort();
    (t[t.len() / 2].as_secs_f64() * 1e3, t[0].as_secs_f64() * 1e3)
}

fn main() {
    const RUNS: usize = 15;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let corpus = repo.join("../shared/corpus/security_content-v4.42.0");
    let root = if corpus.join("contentctl.yml").is_file() {
        corpus
    } else {
        repo.join("tests/fixtures/packs/build")
    };
    let p = std::sync::Arc::new(detc_content::load(&root));
    let opts = detc_build::Options {
        attack: detc_attack::Attack::embedded(),
        templates: None,
    };
    let app = detc_build::generate(&p, &opts).expect("generate");
    let ours = app.tarball(0).expect("tarball");
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(ours.as_slice())
        .read_to_end(&mut tar)
        .expect("gunzip");
    let level = flate2::Compression::new(detc_build::TARBALL_LEVEL);
    let one_thread = |data: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
        e.write_all(data).expect("deflate");
        e.finish().expect("deflate")
    };
    let theirs = one_thread(&tar);
    println!(
        "tarball bench: {} ({} files), tar {:.1} MiB, {} cores",
        root.display(),
        app.files.len(),
        tar.len() as f64 / 1048576.0,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let t = Instant::now();
        std::hint::black_box(app.tarball(0).expect("tarball"));
        a.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(one_thread(&tar));
        b.push(t.elapsed());
    }
    let (am, ab) = stats(a);
    let (bm, bb) = stats(b);
    println!(
        "  detc App::tarball (tar + parallel gzip)    median {am:6.1} ms  fastest {ab:6.1} ms  {} bytes",
        ours.len()
    );
    println!(
        "  flate2 GzEncoder, one thread (gzip only)   median {bm:6.1} ms  fastest {bb:6.1} ms  {} bytes",
        theirs.len()
    );
}
