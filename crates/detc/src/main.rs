//! `detc`: the detection-as-code compiler's command line. Thin: the work is
//! in `detc-content` (model and rules) and `detc-diag` (rendering).

use clap::{Parser, Subcommand, ValueEnum};
use detc_attack::Attack;
use detc_content::{Options, codes};
use detc_diag::{Summary, render_human, render_json, render_sarif};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Detection-as-code compiler for Splunk.
///
/// Reads content in the splunk/security_content layout (detections,
/// stories, macros, lookups, baselines, data sources, deployments as YAML,
/// configured by contentctl.yml) and checks it like a compiler.
#[derive(Parser)]
#[command(name = "detc", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Compiler-style text with the source line and the span marked.
    Human,
    /// A JSON object with every diagnostic and a summary.
    Json,
    /// SARIF 2.1.0, for code-scanning annotations on pull requests.
    Sarif,
}

#[derive(Subcommand)]
enum Command {
    /// Check every content file and report every problem in one run.
    ///
    /// Exit status: 0 when there is no error (warnings allowed), 1 when the
    /// content has errors, 2 on a usage or I/O error.
    Validate {
        /// The content root: the folder holding contentctl.yml.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Check ATT&CK mappings against this STIX 2.1 bundle
        /// (enterprise-attack-<version>.json or .json.gz) instead of the
        /// embedded ATT&CK 18.1.
        #[arg(long, value_name = "FILE")]
        attack_bundle: Option<PathBuf>,
        /// Color the human output: auto, always or never.
        #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
        color: String,
    },
    /// List every rule with its code, default level and origin.
    Rules,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Rules => {
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
        Command::Validate {
            path,
            format,
            attack_bundle,
            color,
        } => {
            if !path.is_dir() {
                eprintln!(
                    "error: `{}` is not a folder\nhelp: pass the content root, the folder holding contentctl.yml",
                    path.display()
                );
                return ExitCode::from(2);
            }
            let loaded;
            let attack: &Attack = match attack_bundle {
                None => Attack::embedded(),
                Some(b) => {
                    match Attack::from_stix_bundle(&b, Attack::embedded().data.moves.clone()) {
                        Ok(a) => {
                            loaded = a;
                            &loaded
                        }
                        Err(e) => {
                            eprintln!(
                                "error: {}: {e}\nhelp: pass MITRE's enterprise-attack-<version>.json (or .json.gz) STIX bundle",
                                b.display()
                            );
                            return ExitCode::from(2);
                        }
                    }
                }
            };
            let opts = Options {
                attack,
                ..Options::default()
            };
            let p = detc_content::validate(&path, &opts);
            let text = match format {
                Format::Human => {
                    let use_color = match color.as_str() {
                        "always" => true,
                        "never" => false,
                        _ => {
                            std::io::stdout().is_terminal()
                                && std::env::var_os("NO_COLOR").is_none()
                        }
                    };
                    render_human(&p.sources, &p.diags, use_color)
                }
                Format::Json => render_json(&p.sources, &p.diags),
                Format::Sarif => render_sarif(
                    &p.sources,
                    &p.diags,
                    &codes::rule_infos(),
                    env!("CARGO_PKG_VERSION"),
                ),
            };
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(text.as_bytes())
                .and_then(|_| stdout.flush())
                .is_err()
            {
                return ExitCode::from(2);
            }
            if Summary::of(&p.diags).errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
