//! Robustness: corrupted versions of real content files go through the
//! whole pipeline (read, parse, decode, every rule, rendering); nothing
//! may panic. Deterministic (fixed-seed xorshift), so a failure reproduces.

use std::path::Path;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const ALPHABET: &[&str] = &[
    ":",
    "-",
    " ",
    "\t",
    "\n",
    "\r\n",
    "'",
    "\"",
    "`",
    "|",
    "[",
    "]",
    "{",
    "}",
    "&a",
    "*a",
    "!!str ",
    "#",
    "$",
    "%",
    "é",
    "\u{feff}",
    "\\",
    ">",
    "?",
    "\0",
    "$dest$",
    "`x(",
    "T1562.008",
    "DET0078",
    "AN0215",
];

fn mutate(rng: &mut Rng, text: &str) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1).min(b.len());
        match rng.below(4) {
            0 => {
                let s = ALPHABET[rng.below(ALPHABET.len())].as_bytes();
                b.splice(at..at, s.iter().copied());
            }
            1 if at < b.len() => {
                let n = (1 + rng.below(20)).min(b.len() - at);
                b.drain(at..at + n);
            }
            2 if at < b.len() => b[at] = (rng.next() & 0xff) as u8,
            _ => {
                // Duplicate a line: duplicate keys, broken indentation.
                let start = b[..at]
                    .iter()
                    .rposition(|c| *c == b'\n')
                    .map_or(0, |p| p + 1);
                let end = b[at..]
                    .iter()
                    .position(|c| *c == b'\n')
                    .map_or(b.len(), |p| at + p + 1);
                let line = b[start..end].to_vec();
                b.splice(start..start, line);
            }
        }
    }
    b
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn corrupted_content_files_never_panic() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/packs/seed");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures, dir.path());
    let targets = [
        "detections/cloud/cloud_api_calls_from_previously_unseen_user_roles.yml",
        "detections/endpoint/anomalous_usage_of_7zip.yml",
        "lookups/previously_seen_cloud_api_calls_per_user_role.yml",
        "macros/security_content_ctime.yml",
        "contentctl.yml",
    ];
    let originals: Vec<String> = targets
        .iter()
        .map(|t| std::fs::read_to_string(dir.path().join(t)).unwrap())
        .collect();
    let opts = detc_content::Options::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut changed = 0;
    for i in 0..1500 {
        let k = i % targets.len();
        let bytes = mutate(&mut rng, &originals[k]);
        let path = dir.path().join(targets[k]);
        std::fs::write(&path, &bytes).unwrap();
        let p = detc_content::validate(dir.path(), &opts);
        let human = detc_diag::render_human(&p.sources, &p.diags, false);
        let _ = detc_diag::render_json(&p.sources, &p.diags);
        let _ = detc_diag::render_sarif(
            &p.sources,
            &p.diags,
            &detc_content::codes::rule_infos(),
            "test",
            None,
        );
        // The seed pack itself reports its four `$dest$` drilldown tokens unless the mutation hid them.
        if human != "0 errors, 0 warnings\n" {
            changed += 1;
        }
        std::fs::write(&path, &originals[k]).unwrap();
    }
    assert!(changed > 1400, "mutations are reported, {changed} of 1500");
}
