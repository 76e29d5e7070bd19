//! Benchmark: `detc validate` on 2,000 generated detections.
//!
//! Run with `cargo bench -p detc-content --bench validate`. The pack is the
//! contentctl 5.6.2 init pack from `tests/fixtures/packs/init/` plus 2,000
//! copies of its detection, each with its own name, id and filter macro,
//! written to a temporary folder. The whole validation (read, parse,
//! decode, every rule, SPL analysis) is timed; the median and the fastest
//! of 15 runs are printed. The speed target is a ratio to contentctl 4.4.7
//! on real content, measured in one run by `scripts/bench-contentctl4.sh`;
//! this bench follows the cost of validation as the content grows. Not a
//! test: the machine is shared, so the figure is read, not asserted. `DETC_BENCH_PHASES=1`
//! also prints the load, SPL and bare read+parse phases.

#[path = "synth.rs"]
mod synth;

use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    const N: usize = 2000;
    const RUNS: usize = 15;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/packs/init");
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = synth::pack_with_copies(&fixtures, dir.path(), N).expect("write the pack");
    let opts = detc_content::Options::default();
    // Warm-up: page cache, the embedded ATT&CK data parsed once per process.
    let p = detc_content::validate(dir.path(), &opts);
    let errors = p
        .diags
        .iter()
        .filter(|d| d.severity == detc_diag::Severity::Error)
        .count();
    assert_eq!(
        errors,
        0,
        "the generated pack must be clean: {:?}",
        p.diags.first()
    );
    assert_eq!(p.content.detections.len(), N + 1);
    if std::env::var_os("DETC_BENCH_PHASES").is_some() {
        let t = Instant::now();
        let p = detc_content::load(dir.path());
        println!("phase load: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        for d in &p.content.detections {
            std::hint::black_box(detc_spl::macros(
                &d.search
                    .as_ref()
                    .map(|s| s.value.clone())
                    .unwrap_or_default(),
            ));
        }
        println!(
            "phase spl macros: {:.1} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
        let t = Instant::now();
        for path in walkdir::WalkDir::new(dir.path())
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            let text = std::fs::read_to_string(path.path()).unwrap_or_default();
            std::hint::black_box(detc_yaml::parse(
                &text,
                detc_diag::FileId(0),
                detc_yaml::Limits::default(),
            ));
        }
        println!(
            "phase read+parse only: {:.1} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            let p = detc_content::validate(dir.path(), &opts);
            let e = t.elapsed();
            std::hint::black_box(p);
            e
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "validate {} detections ({:.1} MiB of YAML): median {:.1} ms, fastest {:.1} ms over {RUNS} runs",
        N + 1,
        bytes as f64 / 1048576.0,
        ms(times[RUNS / 2]),
        ms(times[0])
    );
}
