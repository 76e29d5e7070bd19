//! `detc deploy`: the built app installed on a search head (Splunk
//! Enterprise) or a Splunk Cloud Platform stack.

use crate::flags::SplunkdArgs;
use detc_deploy::cloud::{self, Experience, Polling};
use detc_deploy::{Change, Package, enterprise};
use std::path::PathBuf;
use std::process::ExitCode;

/// A Splunk Cloud Platform Experience, for `--experience`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ExperienceArg {
    #[default]
    Victoria,
    Classic,
}

/// The environment variables of the splunk.com user AppInspect takes.
const ENV_COM_USERNAME: &str = "SPLUNK_COM_USERNAME";
const ENV_COM_PASSWORD: &str = "SPLUNK_COM_PASSWORD";

/// The options of `detc deploy`.
#[derive(clap::Args)]
pub struct Args {
    /// The app package `detc build` wrote: dist/<appid>-<version>.tar.gz.
    pub package: PathBuf,
    /// Say what would change (install, upgrade, reinstall or a refused
    /// downgrade) and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Install even when the search head has a newer version of the app.
    #[arg(long)]
    pub allow_downgrade: bool,
    /// Splunk Enterprise: where splunkd reads the package from, a path on
    /// the search head or an http(s) URL it can download [default: the
    /// package's own path, for splunkd on this host or a shared folder].
    #[arg(long, value_name = "PATH|URL", conflicts_with = "cloud")]
    pub server_path: Option<String>,
    /// Install on this Splunk Cloud Platform stack (the <stack> of
    /// <stack>.splunkcloud.com) through the Admin Config Service, after
    /// AppInspect, instead of on splunkd at --url. The credentials are
    /// the stack's JWT (SPLUNK_TOKEN or --credentials); AppInspect takes a
    /// splunk.com user from SPLUNK_COM_USERNAME and SPLUNK_COM_PASSWORD.
    #[arg(long, value_name = "STACK")]
    pub cloud: Option<String>,
    /// The stack's Experience (Support & Services > About in Splunk Web).
    #[arg(long, value_enum, default_value_t = ExperienceArg::Victoria)]
    pub experience: ExperienceArg,
    /// The Admin Config Service's URL (https://admin.splunkcloudgc.com for
    /// FedRAMP).
    #[arg(long, value_name = "URL", default_value = cloud::ACS_URL)]
    pub acs_url: String,
    /// AppInspect's URL.
    #[arg(long, value_name = "URL", default_value = cloud::APPINSPECT_URL)]
    pub appinspect_url: String,
    /// splunk.com's login URL, which gives AppInspect's token.
    #[arg(long, value_name = "URL", default_value = cloud::LOGIN_URL)]
    pub login_url: String,
    /// Seconds between two status requests to AppInspect and ACS.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub poll: f64,
    #[command(flatten)]
    pub splunkd: SplunkdArgs,
}

/// Runs `detc deploy`.
pub fn run(a: Args) -> ExitCode {
    let started = std::time::Instant::now();
    let pkg = match Package::read(&a.package) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "package: {} {} ({} bytes, {})",
        pkg.appid,
        pkg.version,
        pkg.bytes.len(),
        a.package.display()
    );
    let polling = Polling {
        // from_secs_f64 panics on NaN and infinities, which clap parses.
        every: std::time::Duration::from_secs_f64(if a.poll.is_finite() {
            a.poll.clamp(0.01, 600.0)
        } else {
            5.0
        }),
        ..Polling::default()
    };
    let done = match &a.cloud {
        Some(stack) => to_cloud(&a, &pkg, stack, polling),
        None => to_enterprise(&a, &pkg),
    };
    match done {
        Ok(Some(what)) => {
            println!("{what} in {:.1} s", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// Prints the error; exit status 2. A failure after the install was sent
/// says so: the search head may hold a changed app.
fn failed(e: &detc_deploy::Error) -> ExitCode {
    eprintln!("error: {e}");
    if e.after_sending {
        eprintln!(
            "help: the install was sent: check the app on the search head (Apps > Manage Apps) before deploying again"
        );
    }
    ExitCode::from(2)
}

/// The plan for `installed`, printed; `None` when it stops here (a dry
/// run), an exit status when it is refused.
fn decide(a: &Args, pkg: &Package, installed: Option<&str>, on: &str) -> Result<bool, ExitCode> {
    let plan = detc_deploy::plan(pkg, installed, a.allow_downgrade).map_err(|e| failed(&e))?;
    let verb = if a.dry_run { "would" } else { "will" };
    println!("{verb} {} on {on}", plan.describe());
    if plan.change == Change::Reinstall {
        println!("  (the app's default/ is replaced; local/ edits made in Splunk stay)");
    }
    if a.dry_run {
        println!("dry run: nothing sent (`detc drift` shows what differs key by key)");
        return Ok(false);
    }
    Ok(true)
}

fn to_enterprise(a: &Args, pkg: &Package) -> Result<Option<String>, ExitCode> {
    let client = a.splunkd.client()?;
    let on = client.url().to_string();
    let installed = enterprise::installed(&client, &pkg.appid).map_err(|e| failed(&e))?;
    if enterprise::cluster_member(&client).map_err(|e| failed(&e))? {
        eprintln!(
            "error: {on} is a member of a search head cluster: an app installed on one member is not replicated to the others\nhelp: put the app in the deployer's etc/shcluster/apps/ and run `splunk apply shcluster-bundle` there"
        );
        return Err(ExitCode::from(2));
    }
    if !decide(a, pkg, installed.as_deref(), &on)? {
        return Ok(None);
    }
    let location = match &a.server_path {
        Some(p) => p.clone(),
        None => std::path::absolute(&pkg.path)
            .unwrap_or_else(|_| pkg.path.clone())
            .to_string_lossy()
            .into_owned(),
    };
    println!("installing from {location} ...");
    let done = enterprise::install(&client, pkg, &location).map_err(|e| failed(&e))?;
    let mut what = format!("installed {} {} on {on}", pkg.appid, done.version);
    if done.restart_required {
        what.push_str(" (splunkd asks for a restart for it to take effect)");
    }
    Ok(Some(what))
}

fn to_cloud(
    a: &Args,
    pkg: &Package,
    stack: &str,
    polling: Polling,
) -> Result<Option<String>, ExitCode> {
    let experience = match a.experience {
        ExperienceArg::Victoria => Experience::Victoria,
        ExperienceArg::Classic => Experience::Classic,
    };
    let client = a.splunkd.client_of(&a.acs_url)?.for_service(
        "ACS",
        "check the stack's JWT (SPLUNK_TOKEN or the credentials file), whether it has expired, and that its user has the sc_admin role",
    );
    let acs = cloud::Acs {
        client: &client,
        stack,
        experience,
    };
    let on = format!("the Splunk Cloud stack {stack}");
    let installed = cloud::installed(&acs, &pkg.appid).map_err(|e| failed(&e))?;
    if !decide(a, pkg, installed.as_deref(), &on)? {
        return Ok(None);
    }
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (Some(username), Some(password)) = (get(ENV_COM_USERNAME), get(ENV_COM_PASSWORD)) else {
        eprintln!(
            "error: AppInspect needs a splunk.com user\nhelp: set {ENV_COM_USERNAME} and {ENV_COM_PASSWORD} (the splunk.com account, not the stack's)"
        );
        return Err(ExitCode::from(2));
    };
    let ai = cloud::AppInspect {
        login_url: a.login_url.clone(),
        url: a.appinspect_url.clone(),
        credentials: detc_splunkd::Credentials::Password { username, password },
        credentials_hint: format!(
            "check {ENV_COM_USERNAME} and {ENV_COM_PASSWORD} (a splunk.com account)"
        ),
        tls: a.splunkd.tls(),
        timeout: a.splunkd.timeout(),
    };
    let mut progress = |s: &str| println!("  {s}");
    let token =
        cloud::inspect(&ai, pkg, experience, polling, &mut progress).map_err(|e| failed(&e))?;
    println!("installing through ACS ...");
    cloud::install(&acs, pkg, &token, polling).map_err(|e| failed(&e))?;
    Ok(Some(format!(
        "installed {} {} on {on}",
        pkg.appid, pkg.version
    )))
}
