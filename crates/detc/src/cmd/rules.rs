//! `detc rules`: the rule registry and each rule's documentation.

use detc_content::codes;
use std::process::ExitCode;

/// The options of `detc rules`.
#[derive(clap::Args)]
pub struct Args {
    /// A rule code, e.g. Q002 (case-insensitive), or its name, e.g.
    /// filter-macro-misplaced.
    pub code: Option<String>,
}

/// Runs `detc rules`.
pub fn run(a: Args) -> ExitCode {
    match a.code {
        Some(want) => rule(&want),
        None => list(),
    }
}

fn rule(want: &str) -> ExitCode {
    let Some(r) = codes::RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(want) || r.name == want)
    else {
        eprintln!("error: no rule `{want}`; `detc rules` lists them");
        return ExitCode::from(2);
    };
    println!("{} {}: {}", r.code, r.name, r.summary);
    println!(
        "Default level: {}. contentctl 4.x: {}. contentctl 5.6: {}.\n",
        r.severity,
        r.contentctl4_text(),
        if r.contentctl {
            "has it"
        } else {
            "does not have it"
        },
    );
    match detc_content::rules::docs::rule_doc(r.code) {
        Some(doc) => {
            println!("{}", doc.body);
            println!(
                "\n(crates/detc-content/src/{}; all rules: docs/rules.md)",
                doc.file
            );
        }
        None => println!("(no documentation file; see docs/rules.md)"),
    }
    ExitCode::SUCCESS
}

fn list() -> ExitCode {
    let mut out =
        String::from("code  level    origin      name                          summary\n");
    for r in codes::RULES {
        out.push_str(&format!(
            "{:<5} {:<8} {:<11} {:<29} {}\n",
            r.code,
            r.severity.to_string(),
            if r.contentctl { "contentctl" } else { "detc" },
            r.name,
            r.summary
        ));
    }
    print!("{out}");
    ExitCode::SUCCESS
}
