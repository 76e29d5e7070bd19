//! `firstseen` as a Splunk custom search command (protocol v2): where its
//! state lives, and the getinfo/execute handlers.

use crate::engine::Tracker;
use crate::error::Error;
use crate::kvstore::KvStore;
use crate::options::{Options, Store};
use crate::splunkd::Splunkd;
use crate::state::{CsvStore, StateStore};
use splunk_chunked::{Command, CommandType, Execute, Failure, Getinfo, GetinfoReply, Reply};
use std::path::{Path, PathBuf};

/// Environment variable that overrides the lookups folder (tests, unusual installs).
pub const LOOKUPS_DIR_ENV: &str = "FIRSTSEEN_LOOKUPS_DIR";

/// Environment variable naming the command's own app (tests, unusual
/// installs); else the app folder holding the executable.
pub const APP_ENV: &str = "FIRSTSEEN_APP";

/// Environment variable that, set to `1`, runs the CSV store without asking
/// splunkd who the user is (tests, and splunkd-less runs): writes are then
/// not checked against [`WRITE_CAPABILITY`]. Only whoever starts splunkd
/// sets its environment (splunk-launch.conf), never a search.
pub const NO_SPLUNKD_ENV: &str = "FIRSTSEEN_NO_SPLUNKD";

/// The capability (defined in the app's authorize.conf, granted to `admin`)
/// a user needs to change a CSV state: update it, age it out with
/// `retention=`, start it from `seed=` or create a new one. With
/// `store=kvstore` the collection's write permission decides instead.
pub const WRITE_CAPABILITY: &str = "edit_firstseen_state";

/// Platform folders Splunk searches for a command's `filename` (commands.conf.spec).
pub const PLATFORM_DIRS: &[&str] = &[
    "linux_x86_64",
    "linux_x86",
    "windows_x86_64",
    "windows_x86",
    "darwin_x86_64",
];

/// The app folder holding executable `exe`: the folder after `etc/apps/`
/// when the path has one, else the parent of `bin/` (or of
/// `<platform>/bin/`). `None` when neither applies.
pub fn app_root(exe: &Path) -> Option<PathBuf> {
    let comps: Vec<_> = exe.components().collect();
    for i in 0..comps.len().saturating_sub(3) {
        if comps[i].as_os_str() == "etc" && comps[i + 1].as_os_str() == "apps" {
            return Some(comps[..i + 3].iter().collect());
        }
    }
    let bin = exe.parent()?;
    if bin.file_name()? != "bin" {
        return None;
    }
    let up = bin.parent()?;
    match up.file_name().and_then(|n| n.to_str()) {
        Some(n) if PLATFORM_DIRS.contains(&n) => up.parent().map(Path::to_path_buf),
        _ => Some(up.to_path_buf()),
    }
}

/// The folder where state lookups live: `$FIRSTSEEN_LOOKUPS_DIR`, else
/// `<app>/lookups` of the app holding this executable.
///
/// # Errors
/// When the executable is not inside an app.
pub fn lookups_dir() -> Result<PathBuf, Error> {
    if let Some(d) = std::env::var_os(LOOKUPS_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    Ok(this_app()?.join("lookups"))
}

/// The folder of the app holding this executable ([`app_root`] of its
/// real path).
///
/// # Errors
/// When the executable cannot be found or is not inside an app.
fn this_app() -> Result<PathBuf, Error> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::environment(format!("cannot find the firstseen executable: {e}")))?;
    let exe = exe.canonicalize().unwrap_or(exe);
    app_root(&exe).ok_or_else(|| {
        Error::environment(format!(
            "{} is not inside a Splunk app (…/etc/apps/<app>/bin/)",
            exe.display()
        ))
    })
}

/// The name of the app firstseen belongs to: `$FIRSTSEEN_APP`, else the
/// folder name of the app holding the executable.
///
/// # Errors
/// When neither gives a name.
pub fn own_app() -> Result<String, Error> {
    if let Ok(a) = std::env::var(APP_ENV)
        && !a.is_empty()
    {
        return Ok(a);
    }
    let app = this_app()?;
    app.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::environment(format!("the app folder {} has no name", app.display())))
}

/// Checks that the user behind `splunkd`'s session key holds
/// [`WRITE_CAPABILITY`] (`authentication/current-context`).
///
/// # Errors
/// The user lacks it (the message names it and suggests `update=false`),
/// or splunkd cannot say.
pub fn check_write_capability(splunkd: &Splunkd) -> Result<(), Error> {
    let cx = splunkd.current_context().map_err(|e| {
        Error::environment(format!("cannot check your permission to change the first-seen state ({e}); run with update=false to read it"))
    })?;
    if cx.capabilities.iter().any(|c| c == WRITE_CAPABILITY) {
        return Ok(());
    }
    Err(Error::environment(format!(
        "user {} (roles: {}) may not change the first-seen state: it needs the capability {WRITE_CAPABILITY}, \
         which an admin grants in authorize.conf; run with update=false to read the state",
        cx.username,
        cx.roles.join(", ")
    )))
}

/// Finds seed lookup `file` (already checked by [`crate::options::lookup_file_name`]) in our
/// own lookups folder, then in `lookups/` of every app under
/// `$SPLUNK_HOME/etc/apps` (or the apps folder holding ours), in name order.
pub fn find_seed(own: &Path, file: &str) -> Option<PathBuf> {
    let mine = own.join(file);
    if mine.is_file() {
        return Some(mine);
    }
    let apps = std::env::var_os("SPLUNK_HOME")
        .map(|h| PathBuf::from(h).join("etc").join("apps"))
        .filter(|p| p.is_dir())
        .or_else(|| own.parent()?.parent().map(Path::to_path_buf))?;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(apps)
        .ok()?
        .filter_map(|e| Some(e.ok()?.path()))
        .collect();
    entries.sort();
    entries
        .into_iter()
        .map(|a| a.join("lookups").join(file))
        .find(|p| p.is_file())
}

/// The command's state between chunks.
#[derive(Default)]
pub struct FirstSeen {
    run: Option<Running>,
    /// Current time override, epoch seconds (tests); `None` = the clock.
    pub now: Option<f64>,
}

struct Running {
    worker: Worker,
    store: Box<dyn StateStore + Send>,
    /// splunkd to ask for [`WRITE_CAPABILITY`] before a CSV write.
    check_writer: Option<Splunkd>,
    reference: f64,
    write: bool,
}

/// Parses and observes chunk bodies on a second thread, so the reply to a
/// chunk (empty until the last one) goes back to splunkd at once and the
/// work overlaps with splunkd sending the next chunk.
struct Worker {
    tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    handle: Option<std::thread::JoinHandle<Result<Tracker, Error>>>,
}

impl Worker {
    fn start(mut tracker: Tracker) -> Worker {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
        let handle = std::thread::spawn(move || {
            for body in rx {
                let records = splunk_chunked::Records::parse(&body).map_err(Error::search)?;
                tracker.observe(records)?;
            }
            Ok(tracker)
        });
        Worker {
            tx: Some(tx),
            handle: Some(handle),
        }
    }

    /// Queues a body. An error found in an earlier body is returned now.
    fn push(&mut self, body: Vec<u8>) -> Result<(), Error> {
        if self.handle.as_ref().is_some_and(|h| h.is_finished()) {
            return self.join().map(|_| ());
        }
        match &self.tx {
            Some(tx) if tx.send(body).is_ok() => Ok(()),
            _ => self.join().map(|_| ()),
        }
    }

    /// Waits for every queued body; returns the tracker or the first error.
    fn join(&mut self) -> Result<Tracker, Error> {
        drop(self.tx.take());
        match self.handle.take().map(|h| h.join()) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(Error::internal("internal error: the worker thread stopped")),
            None => Err(Error::internal("internal error: the worker already ended")),
        }
    }
}

pub use crate::engine::now;

impl Command for FirstSeen {
    fn getinfo(&mut self, info: &Getinfo) -> Result<GetinfoReply, Failure> {
        let opts = Options::parse(&info.searchinfo.args, true)?;
        let si = &info.searchinfo;
        // No side effects here: probes run getinfo only. Preview runs never write.
        let write = opts.update && !info.preview;
        let no_splunkd = std::env::var(NO_SPLUNKD_ENV).is_ok_and(|v| v == "1");
        let budget = crate::splunkd::Budget::from_options(&opts);
        let mut check_writer = None;
        let store: Box<dyn StateStore + Send> = match opts.store {
            Store::KvStore => {
                let Some(collection) = opts.collection() else {
                    return Err(Error::search("missing lookup=").into());
                };
                let splunkd = Splunkd::with_budget(&si.splunkd_uri, &si.session_key, budget)?;
                Box::new(KvStore::new(splunkd, &own_app()?, collection))
            }
            Store::Csv => {
                let dir = lookups_dir()?;
                let Some(file) = opts.lookup.as_deref() else {
                    return Err(Error::search("missing lookup=").into());
                };
                let seed = match opts.seed.as_deref() {
                    Some(f) => Some(find_seed(&dir, f).ok_or_else(|| {
                        Error::search(format!(
                            "seed lookup {f} is not in any app's lookups folder"
                        ))
                    })?),
                    None => None,
                };
                if write && !no_splunkd {
                    check_writer = Some(Splunkd::with_budget(
                        &si.splunkd_uri,
                        &si.session_key,
                        budget,
                    )?);
                }
                Box::new(CsvStore::new(dir.join(file)).with_seed(seed))
            }
        };
        let reference = info
            .searchinfo
            .latest_time
            .unwrap_or_else(|| self.now.unwrap_or_else(now));
        self.run = Some(Running {
            worker: Worker::start(Tracker::new(opts).for_search(&si.search)),
            store,
            check_writer,
            reference,
            write,
        });
        Ok(GetinfoReply::new(CommandType::Events))
    }

    fn execute(&mut self, _chunk: Execute) -> Result<Reply, Failure> {
        Err(Error::internal("internal error: firstseen takes raw chunk bodies").into())
    }

    fn execute_body(
        &mut self,
        body: Vec<u8>,
        finished: bool,
        _index: usize,
    ) -> Result<Reply, Failure> {
        let Some(run) = self.run.as_mut() else {
            return Err(Error::environment("execute before getinfo").into());
        };
        run.worker.push(body)?;
        if !finished {
            return Ok(Reply::empty());
        }
        let Some(mut run) = self.run.take() else {
            return Err(Error::environment("execute before getinfo").into());
        };
        let tracker = run.worker.join()?;
        if let Some(splunkd) = &run.check_writer {
            check_write_capability(splunkd)?;
        }
        let out = tracker.finish(run.store.as_ref(), run.reference, run.write)?;
        Ok(Reply {
            body: out.body,
            messages: out.messages,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_app_from_the_executable() {
        let p = |s: &str| app_root(Path::new(s)).map(|p| p.display().to_string());
        assert_eq!(
            p("/opt/splunk/etc/apps/detc_app/linux_x86_64/bin/firstseen").as_deref(),
            Some("/opt/splunk/etc/apps/detc_app")
        );
        assert_eq!(
            p("/opt/splunk/etc/apps/detc_app/bin/firstseen").as_deref(),
            Some("/opt/splunk/etc/apps/detc_app")
        );
        assert_eq!(
            p("/tmp/x/myapp/linux_x86_64/bin/firstseen").as_deref(),
            Some("/tmp/x/myapp")
        );
        assert_eq!(
            p("/tmp/x/myapp/bin/firstseen").as_deref(),
            Some("/tmp/x/myapp")
        );
        assert_eq!(p("/usr/local/firstseen"), None);
    }
}
