//! `detc schema`: JSON Schemas of the content types.

use std::path::PathBuf;
use std::process::ExitCode;

/// The options of `detc schema`.
#[derive(clap::Args)]
pub struct Args {
    /// Output folder [default: schemas].
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    pub out: PathBuf,
}

/// Runs `detc schema`.
pub fn run(a: Args) -> ExitCode {
    let files = match detc_schema::schemas() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        eprintln!("error: cannot create `{}`: {e}", a.out.display());
        return ExitCode::from(2);
    }
    for (name, text) in &files {
        let path = a.out.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    println!("wrote {} schemas in {}", files.len(), a.out.display());
    ExitCode::SUCCESS
}
