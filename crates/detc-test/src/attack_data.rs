//! Where a test's attack data comes from: a file of the content, a local
//! mirror of splunk/attack_data, or a download kept in a cache.
//!
//! security_content's tests name their data by URL, nearly all of them
//! files of the splunk/attack_data repository (Git LFS objects served by
//! `media.githubusercontent.com`). [`Sources::resolve`] turns a test's
//! `data:` into a local file:
//!
//! - a path (not a URL) is a file under the content root;
//! - with a mirror (`--attack-data DIR`, a clone of splunk/attack_data
//!   with its LFS files), an attack_data URL is that file of the mirror
//!   (the path after the branch: `datasets/attack_techniques/...`), any
//!   other URL `DIR/<host>/<path>`;
//! - otherwise the URL is downloaded once into the cache folder (by
//!   default `.detc-cache/attack_data/` in the content root), beside the
//!   SHA-256 of what was downloaded; a cached file whose SHA-256 no longer
//!   matches is downloaded again. A download is written beside and renamed
//!   only when whole: a body shorter than its `Content-Length` (a broken
//!   connection) is refused, and so is a Git LFS pointer served in place of
//!   the data.
//!
//! A download that cannot be made (offline, `--offline`) skips the test
//! with the reason and what to do; a download that went wrong fails it.
//! Neither ever passes.

use sha2::Digest;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// The start of every Git LFS pointer file (its spec's first line).
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/v1";

/// The largest attack data file downloaded (1 GiB): attack_data's largest
/// are a few hundred MiB.
pub const MAX_DOWNLOAD_BYTES: u64 = 1 << 30;

/// Where a test's data is, or why it cannot be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A local file to read.
    File(PathBuf),
    /// The test cannot run here (not downloadable now, not in the
    /// mirror); the reason says what to do.
    Skip(String),
    /// The data is wrong (a truncated download, an LFS pointer, an HTTP
    /// error): the test fails with the reason.
    Fail(String),
}

/// How [`Sources`] finds attack data.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// A local copy of splunk/attack_data (or of any host's files, as
    /// `<host>/<path>`), read only.
    pub mirror: Option<PathBuf>,
    /// The download cache folder; `None` downloads nothing.
    pub cache: Option<PathBuf>,
    /// Never download: only the mirror and what the cache holds.
    pub offline: bool,
    /// Seconds a download may take, whole (0: 300).
    pub timeout: u64,
}

/// Resolves tests' attack data ([`Sources::resolve`]); each URL is
/// downloaded at most once a run (its outcome is kept).
pub struct Sources {
    settings: Settings,
    agent: Option<ureq::Agent>,
    done: Mutex<HashMap<String, Resolved>>,
    /// Called with each URL as its download starts (progress on stderr).
    on_download: Box<dyn Fn(&str) + Send + Sync>,
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("settings", &self.settings)
            .finish()
    }
}

impl Default for Sources {
    /// Local files only: no mirror, no cache, no download.
    fn default() -> Self {
        Sources::new(Settings {
            offline: true,
            ..Settings::default()
        })
    }
}

impl Sources {
    /// Sources as `settings` say.
    pub fn new(settings: Settings) -> Sources {
        let timeout = Duration::from_secs(if settings.timeout == 0 {
            300
        } else {
            settings.timeout
        });
        let agent = (!settings.offline && settings.cache.is_some())
            .then(|| {
                detc_splunkd::agent(
                    &detc_splunkd::Tls::Verify,
                    Duration::from_secs(15).min(timeout),
                    timeout,
                    concat!("detc/", env!("CARGO_PKG_VERSION")),
                )
                .ok()
            })
            .flatten();
        Sources {
            settings,
            agent,
            done: Mutex::new(HashMap::new()),
            on_download: Box::new(|_| {}),
        }
    }

    /// Calls `f` with each URL as its download starts.
    pub fn on_download(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Sources {
        self.on_download = Box::new(f);
        self
    }

    /// The local file of a test's `data` (a path under `root`, or a URL).
    pub fn resolve(&self, root: &Path, data: &str) -> Resolved {
        if !is_url(data) {
            return Resolved::File(root.join(data));
        }
        if let Ok(done) = self.done.lock()
            && let Some(r) = done.get(data)
        {
            return r.clone();
        }
        let r = self.resolve_url(data);
        if let Ok(mut done) = self.done.lock() {
            done.insert(data.to_string(), r.clone());
        }
        r
    }

    fn resolve_url(&self, url: &str) -> Resolved {
        if let Some(mirror) = &self.settings.mirror {
            let Some(rel) = mirror_path(url) else {
                return Resolved::Skip(format!(
                    "the attack data {url} has no place in a mirror (it is not a file's URL)"
                ));
            };
            let file = mirror.join(&rel);
            return match std::fs::File::open(&file).map(|mut f| {
                let mut head = [0u8; LFS_POINTER.len()];
                let n = f.read(&mut head).unwrap_or(0);
                head[..n] == *LFS_POINTER
            }) {
                Ok(false) => Resolved::File(file),
                Ok(true) => Resolved::Skip(format!(
                    "{} is a Git LFS pointer, not the data: run `git lfs pull` in the mirror {}",
                    file.display(),
                    mirror.display()
                )),
                Err(_) => Resolved::Skip(format!(
                    "the attack data {url} is not in the mirror: {} does not exist",
                    file.display()
                )),
            };
        }
        let Some(cache) = &self.settings.cache else {
            return Resolved::Skip(format!(
                "the attack data is a URL ({url}): pass --attack-data DIR (a clone of splunk/attack_data with its LFS files), or let detc test download it"
            ));
        };
        let file = cache.join(cache_name(url));
        let sum = with_suffix(&file, ".sha256");
        if let (Ok(want), Ok(bytes)) = (std::fs::read_to_string(&sum), std::fs::read(&file)) {
            if hex(&sha2::Sha256::digest(&bytes)) == want.trim() {
                return Resolved::File(file);
            }
            // Changed or damaged since it was downloaded: fetched again.
            let _ = std::fs::remove_file(&file);
        }
        let Some(agent) = &self.agent else {
            return Resolved::Skip(format!(
                "the attack data {url} is not in the cache {} and {}: run detc test once with network access, or pass --attack-data DIR",
                cache.display(),
                if self.settings.offline {
                    "--offline forbids downloading it"
                } else {
                    "no HTTP client could be made"
                }
            ));
        };
        (self.on_download)(url);
        match download(agent, url, cache, &file) {
            Ok(digest) => match std::fs::write(&sum, format!("{digest}\n")) {
                Ok(()) => Resolved::File(file),
                Err(e) => Resolved::Skip(format!("cannot write {}: {e}", sum.display())),
            },
            Err(Download::Unreachable(e)) => Resolved::Skip(format!(
                "cannot download the attack data {url}: {e}; with no network, pass --attack-data DIR (a clone of splunk/attack_data) or fill the cache {} on a machine that has it",
                cache.display()
            )),
            Err(Download::Wrong(e)) => Resolved::Fail(format!("the attack data {url}: {e}")),
            Err(Download::Local(e)) => Resolved::Skip(format!(
                "cannot keep the attack data {url} in {}: {e}",
                cache.display()
            )),
        }
    }
}

/// Whether `data` is an `http(s)://` URL.
pub fn is_url(data: &str) -> bool {
    data.starts_with("http://") || data.starts_with("https://")
}

/// The file of a mirror that `url` names: for splunk/attack_data's URLs
/// (`https://media.githubusercontent.com/media/splunk/attack_data/<branch>/<path>`,
/// `https://raw.githubusercontent.com/splunk/attack_data/<branch>/<path>`,
/// `https://github.com/splunk/attack_data/raw/<branch>/<path>`) the
/// `<path>`; for any other `<host>/<path>`. `None` for a URL with no path,
/// or one that would leave the mirror (`..`).
pub fn mirror_path(url: &str) -> Option<PathBuf> {
    let rest = url.split_once("://")?.1;
    let rest = rest.split(['?', '#']).next()?;
    let (host, path) = rest.split_once('/')?;
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.is_empty()
        || segments
            .iter()
            .any(|s| *s == ".." || *s == "." || s.contains('\\'))
    {
        return None;
    }
    let after = |prefix: &[&str]| -> Option<Vec<&str>> {
        // The prefix (in any case), then the branch, then the path.
        let same = segments
            .iter()
            .zip(prefix)
            .all(|(a, b)| a.eq_ignore_ascii_case(b));
        (segments.len() > prefix.len() + 1 && same).then(|| segments[prefix.len() + 1..].to_vec())
    };
    let rel = match host.to_ascii_lowercase().as_str() {
        "media.githubusercontent.com" => after(&["media", "splunk", "attack_data"]),
        "raw.githubusercontent.com" => after(&["splunk", "attack_data"]),
        "github.com" => after(&["splunk", "attack_data", "raw"]),
        _ => None,
    };
    let mut out = PathBuf::new();
    match rel {
        Some(r) => r.iter().for_each(|s| out.push(s)),
        None => {
            out.push(host);
            segments.iter().for_each(|s| out.push(s));
        }
    }
    Some(out)
}

/// The cache's file name for `url`: 16 hex digits of the URL's SHA-256,
/// then the URL's last segment (kept, so that a `.gz` stays one).
fn cache_name(url: &str) -> String {
    let h = hex(&sha2::Sha256::digest(url.as_bytes()));
    let last: String = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(80)
        .collect();
    format!("{}-{}", &h[..16], last.trim_start_matches('.'))
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

enum Download {
    /// No answer: no network, DNS, TLS, a timeout.
    Unreachable(String),
    /// An answer that is not the data.
    Wrong(String),
    /// The cache cannot be written.
    Local(String),
}

/// Downloads `url` into `file` (in `cache`), through a file beside it;
/// returns the SHA-256 (hex) of what was written.
fn download(agent: &ureq::Agent, url: &str, cache: &Path, file: &Path) -> Result<String, Download> {
    let resp = agent
        .get(url)
        .call()
        .map_err(|e| Download::Unreachable(e.to_string()))?;
    let status = resp.status().as_u16();
    if status != 200 {
        return Err(Download::Wrong(format!(
            "the server answered HTTP {status}"
        )));
    }
    let expected: Option<u64> = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    if expected.is_some_and(|n| n > MAX_DOWNLOAD_BYTES) {
        return Err(Download::Wrong(format!(
            "it is larger than the {} MiB limit",
            MAX_DOWNLOAD_BYTES >> 20
        )));
    }
    detc_cache::ensure_folder(cache).map_err(|e| Download::Local(e.to_string()))?;
    let tmp = with_suffix(file, &format!(".{}.part", std::process::id()));
    let result = (|| {
        let mut out = std::fs::File::create(&tmp).map_err(|e| Download::Local(e.to_string()))?;
        let mut body = resp.into_body().into_reader().take(MAX_DOWNLOAD_BYTES + 1);
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut total: u64 = 0;
        let mut head: Vec<u8> = Vec::new();
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    return Err(Download::Wrong(format!(
                        "the download is truncated: it broke off after {total} bytes{}: {e}",
                        expected.map(|n| format!(" of {n}")).unwrap_or_default()
                    )));
                }
            };
            if head.len() < LFS_POINTER.len() {
                head.extend_from_slice(&buf[..n.min(LFS_POINTER.len() - head.len())]);
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(|e| Download::Local(e.to_string()))?;
            total += n as u64;
        }
        if total > MAX_DOWNLOAD_BYTES {
            return Err(Download::Wrong(format!(
                "it is larger than the {} MiB limit",
                MAX_DOWNLOAD_BYTES >> 20
            )));
        }
        if let Some(n) = expected
            && n != total
        {
            return Err(Download::Wrong(format!(
                "the download is truncated: {total} of {n} bytes"
            )));
        }
        if head.starts_with(LFS_POINTER) {
            return Err(Download::Wrong(
                "the server sent a Git LFS pointer, not the data (use the media.githubusercontent.com URL, or a mirror with `git lfs pull` done)".into(),
            ));
        }
        out.flush().map_err(|e| Download::Local(e.to_string()))?;
        std::fs::rename(&tmp, file).map_err(|e| Download::Local(e.to_string()))?;
        Ok(hex(&hasher.finalize()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attack_data_urls_map_into_a_mirror_and_nothing_leaves_it() {
        let p = |u: &str| mirror_path(u).map(|p| p.to_string_lossy().into_owned());
        assert_eq!(
            p("https://media.githubusercontent.com/media/splunk/attack_data/master/datasets/attack_techniques/T1003.001/atomic_red_team/windows-sysmon.log").as_deref(),
            Some("datasets/attack_techniques/T1003.001/atomic_red_team/windows-sysmon.log")
        );
        assert_eq!(
            p("https://raw.githubusercontent.com/splunk/attack_data/master/datasets/x/y.json")
                .as_deref(),
            Some("datasets/x/y.json")
        );
        assert_eq!(
            p("https://github.com/splunk/attack_data/raw/master/datasets/x/y.json?raw=true")
                .as_deref(),
            Some("datasets/x/y.json")
        );
        assert_eq!(
            p("http://127.0.0.1:8080/a/b.log").as_deref(),
            Some("127.0.0.1:8080/a/b.log")
        );
        assert_eq!(p("https://example.com/a/../../etc/passwd"), None);
        assert_eq!(p("https://example.com/"), None);
        assert_eq!(p("https://example.com/a\\..\\b"), None);
    }

    #[test]
    fn cache_names_keep_the_extension_and_differ_by_url() {
        let a = cache_name("https://h/x/windows-sysmon.log.gz");
        let b = cache_name("https://h/y/windows-sysmon.log.gz");
        assert!(a.ends_with("-windows-sysmon.log.gz") && a != b, "{a} {b}");
        assert!(!cache_name("https://h/../..").contains('/'));
    }
}
