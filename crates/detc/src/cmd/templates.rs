//! `detc templates`: the built-in templates, as a start for overriding them.

use std::process::ExitCode;

/// The options of `detc templates`.
#[derive(clap::Args)]
pub struct Args {
    /// A template name, e.g. savedsearches.conf.j2.
    pub name: Option<String>,
}

/// Runs `detc templates`.
pub fn run(a: Args) -> ExitCode {
    match a.name {
        None => {
            for t in detc_build::render::TEMPLATES {
                println!("{:<26} -> {}", t.name, t.output);
            }
            ExitCode::SUCCESS
        }
        Some(n) => match detc_build::render::builtin(&n) {
            Some(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: no template is named `{n}`\nhelp: `detc templates` lists them");
                ExitCode::from(2)
            }
        },
    }
}
