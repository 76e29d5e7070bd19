//! A small client of splunkd's management REST API (port 8089): the calls
//! firstseen makes with the `splunkd_uri` and `session_key` that splunkd
//! passes in getinfo (`searchinfo`), within one time budget per run.
//!
//! **TLS.** splunkd serves its management port with a certificate signed by
//! Splunk's own CA (`$SPLUNK_HOME/etc/auth/cacert.pem`), not a public one.
//! Splunk's SDKs (splunk-sdk-python's `binding.py`, used by every Python
//! custom search command) connect to the `splunkd_uri` of getinfo without
//! verifying the certificate, and firstseen does the same: it only ever
//! talks to the URI splunkd itself hands it, normally `https://127.0.0.1:8089`.
//!
//! **Time budget.** Every call of one run shares one [`Budget`]: a connect
//! timeout, a timeout per answer (from the request until its body is read)
//! and a total for the run, waits for the KV store lock and pauses between
//! retries included. When the total is spent the next call fails at once,
//! with an error naming splunkd and the budget; a try never outlasts what
//! is left of it. A splunkd that accepts connections and never answers so
//! fails the search after [`Budget::total`] (30 s by default), not after
//! five full timeouts.
//!
//! **Retries.** A request is retried when splunkd answers 503 (the KV store
//! is starting: "KV Store is initializing. Please try again later."), 429,
//! 502 or 504, and when the connection is refused, drops or times out; at
//! most [`ATTEMPTS`] tries with a doubling pause from [`FIRST_PAUSE`], within
//! the budget. What a retry cannot fix is not retried: any other HTTP status
//! (an [`Answer`] for the caller), an answer over [`MAX_ANSWER_BYTES`], a
//! `splunkd_uri` that is not an http(s) URL, an unknown host, a TLS
//! failure. Every request firstseen sends is safe to repeat (reads,
//! `batch_save` by `_key`, deletes by query, the lock's insert).

use crate::error::Error;
use std::time::{Duration, Instant};

/// Tries per request, the first included.
pub const ATTEMPTS: u32 = 5;
/// Pause before the second try; doubled before each later one (0.5 + 1 +
/// 2 + 4 = 7.5 s of pauses at most, never past the budget).
pub const FIRST_PAUSE: Duration = Duration::from_millis(500);
/// Longest wait for [`Splunkd::send_last`], the one call made after the
/// budget (releasing the lock).
pub const LAST_CALL: Duration = Duration::from_secs(2);
/// Largest answer body read, bytes.
pub const MAX_ANSWER_BYTES: u64 = 512 << 20;

/// The time limits of one run's calls to splunkd (options `connect_timeout=`,
/// `read_timeout=` and `timeout=`, in seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Longest wait for a connection (TCP and TLS) to be set up.
    pub connect: Duration,
    /// Longest wait for one answer, from sending the request to the end of
    /// its body.
    pub read: Duration,
    /// All calls of the run together: tries, pauses and lock waits.
    pub total: Duration,
}

impl Default for Budget {
    /// 5 s to connect, 20 s an answer, 30 s in all: a scheduled search
    /// whose KV store does not answer gives its slot back within half a
    /// minute, while a healthy one (a run takes well under a second for
    /// thousands of keys) is never cut short.
    fn default() -> Budget {
        Budget {
            connect: Duration::from_secs(5),
            read: Duration::from_secs(20),
            total: Duration::from_secs(30),
        }
    }
}

impl Budget {
    /// The budget of `firstseen`'s options (seconds).
    pub fn from_options(o: &crate::options::Options) -> Budget {
        Budget {
            connect: Duration::from_secs_f64(o.connect_timeout),
            read: Duration::from_secs_f64(o.read_timeout),
            total: Duration::from_secs_f64(o.timeout),
        }
    }
}

/// The answer to a request: HTTP status and body text.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The body (JSON for `storage/collections/data`, JSON with `output_mode=json` elsewhere).
    pub body: String,
}

impl Answer {
    /// The first message of a splunkd error body
    /// (`{"messages":[{"type":"ERROR","text":"…"}]}` or
    /// `<msg type="ERROR">…</msg>`), else the body itself, shortened.
    pub fn message(&self) -> String {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&self.body)
            && let Some(t) = v
                .get("messages")
                .and_then(|m| m.get(0))
                .and_then(|m| m.get("text"))
                .and_then(|t| t.as_str())
        {
            return t.to_string();
        }
        if let Some(start) = self.body.find("<msg")
            && let Some(gt) = self.body[start..].find('>')
        {
            let rest = &self.body[start + gt + 1..];
            if let Some(end) = rest.find("</msg>") {
                return rest[..end].to_string();
            }
        }
        let t = self.body.trim();
        match t.char_indices().nth(300) {
            Some((i, _)) => format!("{}…", &t[..i]),
            None => t.to_string(),
        }
    }
}

/// One splunkd, reached with one session key, within one [`Budget`].
pub struct Splunkd {
    agent: ureq::Agent,
    uri: String,
    auth: String,
    budget: Budget,
    /// When the budget runs out.
    deadline: Instant,
    /// Requests sent, retries included (for messages and benchmarks).
    pub requests: std::cell::Cell<u64>,
    /// Request and answer body bytes, retries included.
    pub bytes: std::cell::Cell<u64>,
}

/// What splunkd says of the user running the search
/// (`authentication/current-context`).
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The user name.
    pub username: String,
    /// The user's own roles.
    pub roles: Vec<String>,
    /// Capabilities, imported roles' included.
    pub capabilities: Vec<String>,
}

/// Whether a failed try is worth another.
enum Try {
    /// A transient fault (refused, dropped, timed out, garbled).
    Again(String),
    /// A fault no retry fixes.
    Never(String),
}

impl Splunkd {
    /// A client of splunkd at `uri` (`https://127.0.0.1:8089`, no trailing
    /// `/`) that authenticates with `session_key` (`Authorization: Splunk
    /// <key>`), with the default [`Budget`], which starts now.
    ///
    /// # Errors
    /// An empty URI or session key (splunkd passes both in getinfo), or a
    /// URI that is not `http(s)://host[:port]`.
    pub fn new(uri: &str, session_key: &str) -> Result<Splunkd, Error> {
        Splunkd::with_budget(uri, session_key, Budget::default())
    }

    /// As [`Splunkd::new`], with `budget` (starting now).
    ///
    /// # Errors
    /// As [`Splunkd::new`].
    pub fn with_budget(uri: &str, session_key: &str, budget: Budget) -> Result<Splunkd, Error> {
        let uri = uri.trim_end_matches('/');
        if uri.is_empty() || session_key.is_empty() {
            return Err(Error::environment(
                "splunkd did not pass its URI and a session key in getinfo; firstseen needs them to reach the KV store \
                 and to check permissions",
            ));
        }
        if !detc_splunkd::is_management_url(uri) {
            return Err(Error::splunkd(format!(
                "splunkd_uri {uri:?} from getinfo is not an http(s)://host:port URL, so the KV store cannot be reached; \
                 check server.conf [sslConfig] and the management port (splunkd normally passes https://127.0.0.1:8089)"
            )));
        }
        // splunkd's own management port, on this host, with its own
        // (normally self-signed) certificate: not checked.
        let agent = detc_splunkd::agent(
            &detc_splunkd::Tls::Insecure,
            budget.connect,
            budget.read,
            "firstseen",
        )
        .map_err(|e| Error::internal(e.message().to_string()))?;
        Ok(Splunkd {
            agent,
            uri: uri.to_string(),
            auth: format!("Splunk {session_key}"),
            budget,
            deadline: Instant::now() + budget.total,
            requests: std::cell::Cell::new(0),
            bytes: std::cell::Cell::new(0),
        })
    }

    /// The URI, for messages.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The budget of this run.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// What is left of the run's budget (zero once spent).
    pub fn time_left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Sleeps for `pause`, or until the budget runs out; `false` when
    /// nothing of the budget is left afterwards.
    pub fn pause(&self, pause: Duration) -> bool {
        std::thread::sleep(pause.min(self.time_left()));
        !self.time_left().is_zero()
    }

    /// The error for a spent budget.
    fn spent(&self, method: &str, path: &str, tries: u32, last: &str) -> Error {
        let total = self.budget.total.as_secs_f64();
        let mut msg = format!(
            "splunkd at {} did not answer {method} {path} within this search's {total} s budget for splunkd calls \
             (timeout={total}), after {tries} tr{}",
            self.uri,
            if tries == 1 { "y" } else { "ies" }
        );
        if !last.is_empty() {
            msg.push_str(&format!(": {last}"));
        }
        msg.push_str("; the state is unchanged, and the next run covers the same keys");
        Error::splunkd(msg)
    }

    /// Sends `method` (GET, POST or DELETE) to `path` (from `/services…` or
    /// `/servicesNS…`, already percent-encoded) with `query` parameters and,
    /// for POST, a JSON `body`; retried as the module says, within the
    /// budget.
    ///
    /// # Errors
    /// The budget is spent, the last transport error after [`ATTEMPTS`]
    /// tries, or a fault no retry fixes (an answer over
    /// [`MAX_ANSWER_BYTES`], an unknown host, TLS). An HTTP error status is
    /// an [`Answer`], not an error; a 429, 502, 503 or 504 is that answer
    /// once the tries or the budget are used up.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<Answer, Error> {
        let url = format!("{}{}", self.uri, path);
        let mut pause = FIRST_PAUSE;
        let mut last = String::new();
        let mut tries = 0;
        for attempt in 1..=ATTEMPTS {
            if attempt > 1 && !self.pause(pause) {
                return Err(self.spent(method, path, tries, &last));
            }
            pause *= 2;
            let left = self.time_left();
            if left.is_zero() {
                return Err(self.spent(method, path, tries, &last));
            }
            tries += 1;
            let this_try = self.budget.read.min(left);
            match self.try_once(method, &url, query, body, this_try) {
                Ok(answer) => {
                    if matches!(answer.status, 429 | 502..=504)
                        && attempt < ATTEMPTS
                        && self.time_left() > FIRST_PAUSE
                    {
                        last = format!("HTTP {}: {}", answer.status, answer.message());
                        continue;
                    }
                    return Ok(answer);
                }
                Err(Try::Never(e)) => {
                    return Err(Error::splunkd(format!(
                        "splunkd at {} could not be asked {method} {path}: {e}",
                        self.uri
                    )));
                }
                Err(Try::Again(e)) => last = e,
            }
        }
        if self.time_left().is_zero() {
            return Err(self.spent(method, path, tries, &last));
        }
        Err(Error::splunkd(format!(
            "splunkd at {} did not answer {method} {path} after {ATTEMPTS} tries: {last}",
            self.uri
        )))
    }

    /// `method` (GET or DELETE) on `path`, sent even when the budget is
    /// spent, within [`LAST_CALL`] of its own: the release of what a run
    /// holds (the KV store lock). Retried as [`Splunkd::send`] retries, with
    /// short pauses (0.1 s, doubled).
    ///
    /// # Errors
    /// The last fault when [`LAST_CALL`] or the tries are used up.
    pub fn send_last(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Answer, Error> {
        let url = format!("{}{}", self.uri, path);
        let end = Instant::now() + LAST_CALL;
        let mut pause = Duration::from_millis(100);
        let mut last = String::new();
        for _ in 0..ATTEMPTS {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self.try_once(method, &url, query, None, left.min(self.budget.read)) {
                Ok(a) if !matches!(a.status, 429 | 502..=504) => return Ok(a),
                Ok(a) => last = format!("HTTP {}: {}", a.status, a.message()),
                Err(Try::Never(e)) => {
                    last = e;
                    break;
                }
                Err(Try::Again(e)) => last = e,
            }
            std::thread::sleep(pause.min(end.saturating_duration_since(Instant::now())));
            pause *= 2;
        }
        Err(Error::splunkd(format!(
            "splunkd at {} could not be asked {method} {path}: {last}",
            self.uri
        )))
    }

    /// One try, ending within `limit`.
    fn try_once(
        &self,
        method: &str,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&str>,
        limit: Duration,
    ) -> Result<Answer, Try> {
        self.requests.set(self.requests.get() + 1);
        self.bytes
            .set(self.bytes.get() + body.map_or(0, |b| b.len() as u64));
        let connect = Some(self.budget.connect.min(limit));
        let result = match (method, body) {
            ("POST", Some(b)) => {
                let mut r = self
                    .agent
                    .post(url)
                    .header("Authorization", &self.auth)
                    .content_type("application/json");
                for (k, v) in query {
                    r = r.query(*k, *v);
                }
                r.config()
                    .timeout_global(Some(limit))
                    .timeout_connect(connect)
                    .build()
                    .send(b)
            }
            ("DELETE", _) => {
                let mut r = self.agent.delete(url).header("Authorization", &self.auth);
                for (k, v) in query {
                    r = r.query(*k, *v);
                }
                r.config()
                    .timeout_global(Some(limit))
                    .timeout_connect(connect)
                    .build()
                    .call()
            }
            _ => {
                let mut r = self.agent.get(url).header("Authorization", &self.auth);
                for (k, v) in query {
                    r = r.query(*k, *v);
                }
                r.config()
                    .timeout_global(Some(limit))
                    .timeout_connect(connect)
                    .build()
                    .call()
            }
        };
        let mut resp = result.map_err(|e| classify(&e, limit))?;
        let status = resp.status().as_u16();
        // An answer that says it is too long is refused before a byte is read.
        if let Some(n) = resp
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|n| *n > MAX_ANSWER_BYTES)
        {
            return Err(Try::Never(too_large(n)));
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_string()
            .map_err(|e| match classify(&e, limit) {
                Try::Again(m) => Try::Again(format!("the answer could not be read: {m}")),
                Try::Never(m) => Try::Never(m),
            })?;
        self.bytes.set(self.bytes.get() + body.len() as u64);
        Ok(Answer { status, body })
    }

    /// Who runs the search: `GET /services/authentication/current-context`.
    ///
    /// # Errors
    /// splunkd unreachable, or an answer that is not the documented JSON.
    pub fn current_context(&self) -> Result<Context, Error> {
        let a = self.send(
            "GET",
            "/services/authentication/current-context",
            &[("output_mode", "json")],
            None,
        )?;
        if a.status != 200 {
            return Err(Error::splunkd(format!(
                "splunkd refused authentication/current-context (HTTP {}): {}",
                a.status,
                a.message()
            )));
        }
        let v: serde_json::Value = serde_json::from_str(&a.body).map_err(|e| {
            Error::splunkd(format!(
                "authentication/current-context answered bad JSON: {e}"
            ))
        })?;
        let content = v
            .get("entry")
            .and_then(|e| e.get(0))
            .and_then(|e| e.get("content"))
            .ok_or_else(|| {
                Error::splunkd("authentication/current-context answered without entry[0].content")
            })?;
        let strings = |name: &str| -> Vec<String> {
            match content.get(name) {
                Some(serde_json::Value::Array(a)) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
                Some(serde_json::Value::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        Ok(Context {
            username: content
                .get("username")
                .and_then(|u| u.as_str())
                .unwrap_or_default()
                .to_string(),
            roles: strings("roles"),
            capabilities: strings("capabilities"),
        })
    }
}

/// Sorts a transport error into what a retry may fix and what it cannot.
fn classify(e: &ureq::Error, limit: Duration) -> Try {
    use ureq::Error as E;
    match e {
        E::Timeout(t) => Try::Again(format!(
            "no answer within {:.1} s ({t:?} timeout)",
            limit.as_secs_f64()
        )),
        E::BodyExceedsLimit(n) => Try::Never(too_large(*n)),
        E::Io(_) | E::ConnectionFailed | E::Protocol(_) | E::BodyStalled => {
            Try::Again(e.to_string())
        }
        E::HostNotFound => Try::Never(
            "its host name does not resolve; check splunkd_uri (normally https://127.0.0.1:8089)"
                .to_string(),
        ),
        _ => Try::Never(e.to_string()),
    }
}

/// The message for an answer over [`MAX_ANSWER_BYTES`] (`n`: its length,
/// or the limit it passed).
fn too_large(n: u64) -> String {
    format!(
        "its answer is {n} bytes or more, over firstseen's limit of {} MiB for one answer (not retried); \
         lower max_rows_per_query in limits.conf [kvstore]",
        MAX_ANSWER_BYTES >> 20
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_come_from_either_body_format() {
        let json = Answer {
            status: 403,
            body: r#"{"messages":[{"type":"ERROR","text":"User 'bob' cannot write"}]}"#.into(),
        };
        assert_eq!(json.message(), "User 'bob' cannot write");
        let xml = Answer {
            status: 503,
            body: r#"<response><messages><msg type="ERROR">KV Store is initializing. Please try again later.</msg></messages></response>"#.into(),
        };
        assert_eq!(
            xml.message(),
            "KV Store is initializing. Please try again later."
        );
    }

    #[test]
    fn a_missing_or_malformed_uri_or_key_is_an_error() {
        assert!(Splunkd::new("", "k").is_err());
        assert!(Splunkd::new("https://127.0.0.1:8089", "").is_err());
        assert!(Splunkd::new("https://127.0.0.1:8089", "k").is_ok());
        assert!(Splunkd::new("http://splunk.example:8089/", "k").is_ok());
        for bad in [
            "127.0.0.1:8089",
            "ftp://127.0.0.1:8089",
            "https://",
            "https://127.0.0.1:8089/services",
            "https://127.0.0.1:8089?x=1",
            "https://127.0.0.1:80 89",
        ] {
            let Err(e) = Splunkd::new(bad, "k") else {
                panic!("{bad} is accepted")
            };
            assert_eq!(e.kind(), crate::ErrorKind::Splunkd, "{bad}");
            assert!(
                e.message().contains("is not an http(s)://host:port URL"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn only_transient_faults_are_retried() {
        let t = Duration::from_secs(1);
        let again = |e: ureq::Error| matches!(classify(&e, t), Try::Again(_));
        assert!(again(ureq::Error::Timeout(ureq::Timeout::Global)));
        assert!(again(ureq::Error::ConnectionFailed));
        assert!(again(ureq::Error::Io(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset
        ))));
        assert!(!again(ureq::Error::BodyExceedsLimit(MAX_ANSWER_BYTES)));
        assert!(!again(ureq::Error::HostNotFound));
        assert!(!again(ureq::Error::BadUri("x".into())));
    }
}
