//! `detc lsp`: the language server, over stdio.

use std::process::ExitCode;

/// The options of `detc lsp` (none: the editor starts it, and speaks the
/// Language Server Protocol on its standard input and output).
#[derive(clap::Args)]
pub struct Args {
    /// Accepted for editors that pass it (the server only speaks stdio).
    #[arg(long, hide = true)]
    pub stdio: bool,
}

/// Runs `detc lsp` until the editor says `exit`.
pub fn run(_a: Args) -> ExitCode {
    match detc_lsp::serve_stdio() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: detc lsp: {e}");
            ExitCode::from(2)
        }
    }
}
