//! Benchmark: YAML parsing throughput of `detc_yaml::parse` beside the
//! maintained Rust YAML parsers, on real detections.
//!
//! Run with `cargo bench -p detc-yaml --bench parsers`. The input is every
//! detection of `../shared/corpus/security_content-v4.42.0-sample/` (325
//! real files) read 6 times over (1,950 files, about the size of the
//! `validate` bench's 2,000); without `../shared` it falls back to the
//! 7zip fixture detection 2,000 times. Each contender parses every file
//! from a `&str`, in one thread, and the rounds are interleaved so a noisy
//! machine slows all of them alike. Printed: median and fastest of 7
//! rounds, in ms, and MB/s (10^6 bytes per second) at the median.
//!
//! - `detc_yaml::parse`: saphyr-parser's events plus detc's node tree with
//!   byte spans, duplicate-key and limit checks (what `detc` runs);
//! - `saphyr-parser`, `yaml-rust2`, `libyaml-safer`: events only, thrown
//!   away, so each is the floor its parser would put under `detc`.
//!
//! Not a test: the figures are read, not asserted. They are the evidence
//! for the floor discussed in `docs/legacy.md` ("Performance").

use std::path::Path;
use std::time::{Duration, Instant};

fn files() -> (String, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample = root.join("../../../shared/corpus/security_content-v4.42.0-sample/detections");
    let mut texts = Vec::new();
    for e in walkdir::WalkDir::new(&sample)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "yml"))
    {
        if let Ok(t) = std::fs::read_to_string(e.path()) {
            texts.push(t);
        }
    }
    if !texts.is_empty() {
        let n = texts.len();
        let all = texts.iter().cycle().take(n * 6).cloned().collect();
        return (format!("{n} sample detections x 6"), all);
    }
    let fixture = root
        .join("../../tests/fixtures/packs/init/detections/endpoint/anomalous_usage_of_7zip.yml");
    let t = std::fs::read_to_string(fixture).expect("the 7zip fixture");
    ("the 7zip fixture x 2000".into(), vec![t; 2000])
}

fn detc(docs: &[String]) -> usize {
    docs.iter()
        .map(|d| {
            let (doc, diags) =
                detc_yaml::parse(d, detc_diag::FileId(0), detc_yaml::Limits::default());
            assert!(
                doc.is_some(),
                "detc_yaml::parse failed: {:?}",
                diags.first()
            );
            1
        })
        .sum()
}

fn saphyr(docs: &[String]) -> usize {
    use saphyr_parser::{Event, Parser};
    let mut n = 0;
    for d in docs {
        let mut p = Parser::new_from_str(d);
        loop {
            match p.next_event() {
                Some(Ok((Event::StreamEnd, _))) | None => break,
                Some(Ok(_)) => n += 1,
                Some(Err(e)) => panic!("saphyr-parser: {e}"),
            }
        }
    }
    n
}

fn yaml_rust2(docs: &[String]) -> usize {
    use yaml_rust2::{Event, parser::Parser};
    let mut n = 0;
    for d in docs {
        let mut p = Parser::new_from_str(d);
        loop {
            match p.next_token() {
                Ok((Event::StreamEnd, _)) => break,
                Ok(_) => n += 1,
                Err(e) => panic!("yaml-rust2: {e}"),
            }
        }
    }
    n
}

fn libyaml_safer(docs: &[String]) -> usize {
    use libyaml_safer::{EventData, Parser};
    let mut n = 0;
    for d in docs {
        let mut input = d.as_bytes();
        let mut p = Parser::new();
        p.set_input_string(&mut input);
        loop {
            match p.parse() {
                Ok(e) if matches!(e.data, EventData::StreamEnd) => break,
                Ok(_) => n += 1,
                Err(e) => panic!("libyaml-safer: {e}"),
            }
        }
    }
    n
}

/// A contender: a name and a function that parses every file and returns
/// a count, so the work cannot be optimised away.
type Contender = (&'static str, fn(&[String]) -> usize);

fn main() {
    const ROUNDS: usize = 7;
    let (what, docs) = files();
    let bytes: usize = docs.iter().map(String::len).sum();
    let contenders: [Contender; 4] = [
        ("detc_yaml::parse (saphyr + tree)", detc),
        ("saphyr-parser 0.3, events only", saphyr),
        ("yaml-rust2 0.13, events only", yaml_rust2),
        ("libyaml-safer 0.3, events only", libyaml_safer),
    ];
    for (_, f) in &contenders {
        std::hint::black_box(f(&docs));
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); contenders.len()];
    for _ in 0..ROUNDS {
        for (i, (_, f)) in contenders.iter().enumerate() {
            let t = Instant::now();
            std::hint::black_box(f(&docs));
            times[i].push(t.elapsed());
        }
    }
    println!(
        "YAML parsing, {what}: {} files, {:.1} MiB, one thread",
        docs.len(),
        bytes as f64 / 1048576.0
    );
    for ((name, _), mut t) in contenders.iter().zip(times) {
        t.sort();
        let median = t[ROUNDS / 2].as_secs_f64();
        println!(
            "  {name:<36} median {:>6.1} ms  fastest {:>6.1} ms  {:>5.1} MB/s",
            median * 1e3,
            t[0].as_secs_f64() * 1e3,
            bytes as f64 / median / 1e6
        );
    }
}
