//! Flags that several commands share, each declared once.

use clap::ValueEnum;
use std::io::IsTerminal;
use std::process::ExitCode;

/// When to color diagnostics: `auto` (when standard output is a terminal
/// and `NO_COLOR` is not set), `always` or `never`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

impl Color {
    /// Whether to color: `auto` colors when standard output is a terminal
    /// and `NO_COLOR` (<https://no-color.org>) is not set.
    pub fn enabled(self) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

/// `--color`, for every command that prints diagnostics.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct ColorArg {
    /// Color the diagnostics: auto, always or never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// `--no-cache`, for the commands that read a content root again and
/// again while it is edited (`detc validate`, `detc build`).
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct CacheArg {
    /// Parse every file, and neither read nor write `.detc-cache/` (by
    /// default the parse trees of the content's files are kept there, with
    /// a `.gitignore` of their own, and a repeat run parses only the files
    /// that changed; nothing else is kept, so the result is the same).
    #[arg(long)]
    pub no_cache: bool,
}

impl CacheArg {
    /// The pack file of parse trees for the content root `root`, or
    /// `None` with `--no-cache`.
    pub fn pack(&self, root: &std::path::Path) -> Option<std::path::PathBuf> {
        (!self.no_cache).then(|| detc_content::ParseCache::pack_of(root))
    }

    /// No cache: for the commands without the flag.
    pub const OFF: CacheArg = CacheArg { no_cache: true };
}

/// Rule levels (see `detc rules`; `detc.toml` `[lints]` sets them for a repository).
#[derive(clap::Args, Clone, Default)]
pub struct LintArgs {
    /// Do not report rule CODE (a code such as A004 or a name such as
    /// technique-and-subtechnique). Repeatable.
    #[arg(long, value_name = "CODE")]
    allow: Vec<String>,
    /// Report rule CODE as a warning. Repeatable.
    #[arg(long, value_name = "CODE")]
    warn: Vec<String>,
    /// Report rule CODE as an error. Repeatable; when a rule is named
    /// twice, deny beats warn beats allow.
    #[arg(long, value_name = "CODE")]
    deny: Vec<String>,
    /// `warn`: every error from a rule that contentctl does not have (the
    /// reference contentctl for 4.x files, see --contentctl; 5.6 for 5.x
    /// ones) becomes a warning, so content with known defects still
    /// builds. Schema errors stay errors, but for duplicate keys (the last
    /// value is read, as PyYAML does).
    #[arg(long, value_name = "LEVEL", value_parser = ["warn"])]
    cap_lints: Option<String>,
    /// The contentctl 4.x version (4.0.1 to 4.4.7) that 4.x content is
    /// checked and built against, as that version built it [default:
    /// `[build] contentctl` of detc.toml, else the `contentctl==` pin of
    /// requirements.txt, else the era of the ESCU release in
    /// contentctl.yml's `app.version` as the content shows it, else 4.4.7]
    #[arg(long, value_name = "VERSION", value_parser = parse_contentctl)]
    contentctl: Option<String>,
    /// Refuse detc's extensions to the contentctl 5.x format (ATT&CK
    /// detection strategies and analytics, `written_by`, `field_types`)
    /// and whatever else contentctl 5.6.2 refuses: content that passes
    /// also passes contentctl 5.6.2. `[schema] extensions = false` in
    /// detc.toml does the same.
    #[arg(long)]
    no_extensions: bool,
}

/// `--contentctl`: a 4.x version detc knows.
fn parse_contentctl(s: &str) -> Result<String, String> {
    detc_content::era::parse_given(s).map(|v| v.to_string())
}

impl LintArgs {
    /// The flags as rule levels; prints why and fails on an unknown rule
    /// or a schema rule being lowered.
    pub fn flags(&self) -> Result<detc_content::lints::LintFlags, ExitCode> {
        use detc_content::lints::{Level, check_flag};
        let mut levels = Vec::new();
        for (list, level) in [
            (&self.allow, Level::Allow),
            (&self.warn, Level::Warn),
            (&self.deny, Level::Deny),
        ] {
            for code in list {
                if let Err(e) = check_flag(code, level) {
                    eprintln!("error: {e}");
                    return Err(ExitCode::from(2));
                }
                levels.push((code.clone(), level));
            }
        }
        Ok(detc_content::lints::LintFlags {
            levels,
            cap_warn: self.cap_lints.is_some(),
            no_extensions: self.no_extensions,
            contentctl: self.contentctl.clone(),
            errors_only: false,
        })
    }
}

/// How to reach splunkd, for the commands that talk to a search head
/// (`detc drift`, `detc deploy`). Credentials are never a flag: they come from the
/// environment (`SPLUNK_TOKEN`, or `SPLUNK_USERNAME` and `SPLUNK_PASSWORD`)
/// or from the file `--credentials` names, so they stay out of the shell's
/// history and the process list.
#[derive(clap::Args, Clone, Debug)]
pub struct SplunkdArgs {
    /// splunkd's management URL, https://<host>:8089 [default: the
    /// SPLUNK_URL environment variable].
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// A file holding `token = ...`, or `username = ...` and `password =
    /// ...` (readable by you only) [default: SPLUNK_TOKEN, else
    /// SPLUNK_USERNAME and SPLUNK_PASSWORD, from the environment].
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<std::path::PathBuf>,
    /// Check splunkd's certificate against this PEM file (splunkd's own
    /// CA, or its self-signed certificate) instead of the public roots.
    #[arg(long, value_name = "FILE", conflicts_with = "insecure")]
    pub ca_file: Option<std::path::PathBuf>,
    /// Do not check splunkd's certificate at all: anyone on the network
    /// path can then read the credentials. For a test instance only.
    #[arg(long)]
    pub insecure: bool,
    /// Seconds each request may take in all.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
}

impl SplunkdArgs {
    /// The client these flags describe; prints why and fails (exit status
    /// 2) when the URL or the credentials are missing or unusable.
    pub fn client(&self) -> Result<detc_splunkd::Client, ExitCode> {
        use detc_splunkd::ENV_URL;
        let url = match self
            .url
            .clone()
            .or_else(|| std::env::var(ENV_URL).ok().filter(|u| !u.is_empty()))
        {
            Some(u) => u,
            None => {
                return Err(fail(format!(
                    "no splunkd URL\nhelp: pass --url https://<host>:8089, or set {ENV_URL}"
                )));
            }
        };
        self.client_of(&url)
    }

    /// A client of `url` (another service than splunkd: ACS) with these
    /// flags' credentials, certificate check and time limit.
    pub fn client_of(&self, url: &str) -> Result<detc_splunkd::Client, ExitCode> {
        let credentials = self.credentials(url)?;
        detc_splunkd::Client::new(url, &credentials, &self.tls(), self.timeout())
            .map_err(|e| fail(e.message().to_string()))
    }

    /// The credentials: --credentials FILE, else the environment.
    fn credentials(&self, url: &str) -> Result<detc_splunkd::Credentials, ExitCode> {
        use detc_splunkd::Credentials;
        match &self.credentials {
            Some(f) => Credentials::from_file(f).map_err(|e| fail(e.message().to_string())),
            None => Credentials::from_env().ok_or_else(|| {
                fail(format!(
                    "no credentials for {url}\nhelp: set {} (an authentication token), or {} and {}, or pass --credentials FILE",
                    detc_splunkd::ENV_TOKEN,
                    detc_splunkd::ENV_USERNAME,
                    detc_splunkd::ENV_PASSWORD
                ))
            }),
        }
    }

    /// How certificates are checked: --ca-file, --insecure, else against
    /// the public roots.
    pub fn tls(&self) -> detc_splunkd::Tls {
        match (&self.ca_file, self.insecure) {
            (Some(f), _) => detc_splunkd::Tls::CaFile(f.clone()),
            (None, true) => detc_splunkd::Tls::Insecure,
            (None, false) => detc_splunkd::Tls::Verify,
        }
    }

    /// Each request's time limit.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout.max(1))
    }
}

/// Prints `error: msg` and gives exit status 2.
fn fail(msg: String) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}
