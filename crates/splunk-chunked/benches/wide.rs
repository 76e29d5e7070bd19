//! Chunk bodies with many columns (#18: the cost grew with the square of the
//! number of columns: 10,000 took 2.6 s through the command, 40,000 35 s,
//! 1,000,000 never answered). Parses bodies of N plain columns plus N/2
//! `__mv_` columns and one row, and prints the time per column, which must
//! stay flat as N grows.
//!
//! `cargo bench -p splunk-chunked --bench wide`

use splunk_chunked::Records;

fn main() {
    println!("chunk body parse, one row: columns, milliseconds, ns per column");
    for cols in [10_000usize, 40_000, 160_000, 1_000_000] {
        let mut header: Vec<String> = (0..cols).map(|i| format!("f{i}")).collect();
        header.extend((0..cols / 2).map(|i| format!("__mv_f{i}")));
        let mut body = header.join(",");
        body.push('\n');
        body.push_str(&vec!["x"; header.len()].join(","));
        body.push('\n');
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let r = Records::parse(body.as_bytes()).expect("a valid body");
            assert_eq!(r.fields().len(), cols);
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{cols:>9} {:>9.1} {:>7.0}",
            best * 1e3,
            best * 1e9 / header.len() as f64
        );
    }
}
