//! Benchmark: `detc build` of 2,000 generated detections.
//!
//! Run with `cargo bench -p detc-build --bench build`. The pack is
//! `tests/fixtures/packs/build/` plus 2,000 copies of its 7zip detection,
//! each with its own name, id and (auto-created) filter macro, written to a
//! temporary folder. Three figures, median and fastest of 15 runs:
//! - generate: every template rendered and lookups copied (in memory);
//! - generate + write: plus the tarball and the folder written to disk;
//! - validate + generate + write: the whole `detc build` but for the
//!   firstseen binary (add `FIRSTSEEN=path` to include it).
//!
//! The speed target is a ratio to contentctl 4.4.7 on real content,
//! measured in one run by `scripts/bench-contentctl4.sh`; this bench shows
//! where a build's time goes. Not a test: the machine is shared, so the
//! figures are read, not asserted.

#[path = "../../detc-content/benches/synth.rs"]
mod synth;

use std::path::Path;
use std::time::{Duration, Instant};

fn stats(mut t: Vec<Duration>) -> (f64, f64) {
    t.sort();
    (t[t.len() / 2].as_secs_f64() * 1e3, t[0].as_secs_f64() * 1e3)
}

fn main() {
    const N: usize = 2000;
    const RUNS: usize = 15;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/packs/build");
    let dir = tempfile::tempdir().expect("tempdir");
    synth::pack_with_copies(&fixtures, dir.path(), N).expect("write the pack");
    let vopts = detc_content::Options::default();
    let bopts = detc_build::Options {
        attack: detc_attack::Attack::embedded(),
        templates: None,
    };
    let firstseen = std::env::var_os("FIRSTSEEN");
    let p = std::sync::Arc::new(detc_content::validate(dir.path(), &vopts));
    let errors = p
        .diags
        .iter()
        .filter(|d| d.severity == detc_diag::Severity::Error)
        .count();
    assert_eq!(errors, 0, "the generated pack must validate");
    let app = detc_build::generate(&p, &bopts).expect("generate");
    let saved = app
        .file("default/savedsearches.conf")
        .expect("savedsearches")
        .data
        .len();
    println!(
        "build bench: {} detections, {} files, savedsearches.conf {:.1} MiB",
        p.content.detections.len(),
        app.files.len(),
        saved as f64 / 1048576.0
    );
    if std::env::var_os("DETC_BENCH_PHASES").is_some() {
        let (mut cx_t, mut render_t) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let t = Instant::now();
            let cx = std::sync::Arc::new(detc_plan::context(&p, bopts.attack).expect("context"));
            cx_t.push(t.elapsed());
            let t = Instant::now();
            detc_build::render::render_all(&cx, None).expect("render");
            render_t.push(t.elapsed());
        }
        println!(
            "  phases: context {:.1} ms, render {:.1} ms (medians)",
            stats(cx_t).0,
            stats(render_t).0
        );
    }
    let out = tempfile::tempdir().expect("out");
    let (mut gen_t, mut write_t, mut all_t) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let t = Instant::now();
        std::hint::black_box(detc_build::generate(&p, &bopts).expect("generate"));
        gen_t.push(t.elapsed());
        let t = Instant::now();
        let app = detc_build::generate(&p, &bopts).expect("generate");
        detc_build::write(&app, out.path(), 0).expect("write");
        write_t.push(t.elapsed());
        drop(app);
        let t = Instant::now();
        let p = std::sync::Arc::new(detc_content::validate(dir.path(), &vopts));
        let mut app = detc_build::generate(&p, &bopts).expect("generate");
        if let Some(f) = &firstseen {
            app.add_firstseen(Path::new(f)).expect("firstseen");
        }
        detc_build::write(&app, out.path(), 0).expect("write");
        all_t.push(t.elapsed());
    }
    for (what, t) in [
        ("generate", gen_t),
        ("generate + write (tarball, folder)", write_t),
        (
            if firstseen.is_some() {
                "validate + generate + write + firstseen"
            } else {
                "validate + generate + write"
            },
            all_t,
        ),
    ] {
        let (median, best) = stats(t);
        println!("  {what:<42} median {median:7.1} ms  fastest {best:7.1} ms");
    }
}
