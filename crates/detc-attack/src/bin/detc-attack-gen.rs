//! Generates `crates/detc-attack/data/attack.json` from MITRE's STIX bundle
//! and the v18 -> v19 ID map.
//!
//! Usage: `cargo run -p detc-attack --bin detc-attack-gen -- BUNDLE.json[.gz] MAP.yaml OUT.json`
//! (the repo's `scripts/gen-attack.sh` passes `../shared/attack/` files).

use detc_attack::{AttackData, Move, Tactic};
use detc_diag::FileId;
use detc_yaml::{Decoder, Limits};
use std::process::ExitCode;

fn read_moves(path: &str) -> Result<(String, Vec<Move>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let (doc, diags) = detc_yaml::parse(&text, FileId(0), Limits::default());
    let doc = doc.ok_or_else(|| {
        format!(
            "{path}: {}",
            diags
                .first()
                .map(|d| d.message.as_str())
                .unwrap_or("invalid YAML")
        )
    })?;
    let root = doc.root.ok_or("empty map file")?;
    let mut de = Decoder::new(&doc, FileId(0));
    let mut m = de.map(root, "map").ok_or("the map file is not a mapping")?;
    let target = m
        .opt_str(&mut de, "target_version")
        .map(|s| s.value)
        .unwrap_or_else(|| "19".into());
    let mut moves = Vec::new();
    for section in ["techniques", "subtechniques", "tactics"] {
        let Some(n) = m.get_some(&de, section) else {
            continue;
        };
        let pairs = match &doc.node(n).kind {
            detc_yaml::NodeKind::Map(p) => p.clone(),
            _ => continue,
        };
        for (k, v) in pairs {
            let Some(from) = de.string(k, section) else {
                continue;
            };
            if de.is_null(v) {
                moves.push(Move {
                    from: from.value,
                    to: None,
                    name: None,
                    version: target.clone(),
                });
                continue;
            }
            let Some(mut e) = de.map(v, "entry") else {
                continue;
            };
            let to = e.opt_str(&mut de, "id").map(|s| s.value);
            let name = e.opt_str(&mut de, "name").map(|s| s.value);
            moves.push(Move {
                from: from.value,
                to,
                name,
                version: target.clone(),
            });
        }
    }
    if let Some(d) = de.diags.first() {
        return Err(format!("{path}: {}", d.message));
    }
    moves.sort_by(|a, b| a.from.cmp(&b.from));
    Ok((target, moves))
}

/// One JSON object per line inside each array: small diffs when ATT&CK is updated.
fn write_lines(data: &AttackData) -> Result<String, serde_json::Error> {
    let mut out = String::from("{\n");
    out.push_str(&format!(
        "\"version\": {},\n",
        serde_json::to_string(&data.version)?
    ));
    fn arr<T: serde::Serialize>(
        out: &mut String,
        key: &str,
        items: &[T],
        last: bool,
    ) -> Result<(), serde_json::Error> {
        out.push_str(&format!("\"{key}\": [\n"));
        for (i, it) in items.iter().enumerate() {
            out.push_str(&serde_json::to_string(it)?);
            out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
        }
        out.push_str(if last { "]\n" } else { "],\n" });
        Ok(())
    }
    arr(&mut out, "tactics", &data.tactics, false)?;
    arr(&mut out, "techniques", &data.techniques, false)?;
    arr(
        &mut out,
        "detection_strategies",
        &data.detection_strategies,
        false,
    )?;
    arr(&mut out, "analytics", &data.analytics, false)?;
    arr(&mut out, "moves", &data.moves, true)?;
    out.push_str("}\n");
    Ok(out)
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, bundle, map, out] = args.as_slice() else {
        return Err("usage: detc-attack-gen BUNDLE.json[.gz] MAP.yaml OUT.json".into());
    };
    let mut data = detc_attack::Attack::from_stix_bundle(std::path::Path::new(bundle), Vec::new())
        .map_err(|e| format!("{bundle}: {e}"))?
        .data;
    let (target, moves) = read_moves(map)?;
    data.moves = moves;
    // ATT&CK v19 renamed Defense Evasion (TA0005) to Stealth and added Defense Impairment (TA0112).
    data.tactics.push(Tactic {
        id: "TA0005".into(),
        shortname: "stealth".into(),
        name: "Stealth".into(),
        since: Some(target.clone()),
    });
    data.tactics.push(Tactic {
        id: "TA0112".into(),
        shortname: "defense-impairment".into(),
        name: "Defense Impairment".into(),
        since: Some(target),
    });
    let text = write_lines(&data).map_err(|e| e.to_string())?;
    std::fs::write(out, text).map_err(|e| format!("{out}: {e}"))?;
    eprintln!(
        "wrote {out}: ATT&CK {} with {} techniques, {} tactics, {} detection strategies, {} analytics, {} moves",
        data.version,
        data.techniques.len(),
        data.tactics.len(),
        data.detection_strategies.len(),
        data.analytics.len(),
        data.moves.len()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
