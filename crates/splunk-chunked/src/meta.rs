//! Chunk metadata: what splunkd sends (`getinfo`, `execute`) and what the
//! command answers. Field names and shapes follow splunkd 8.x captures and
//! splunk-sdk-python `internals.py` (see `docs/protocol.md`).

use serde::{Deserialize, Deserializer, Serialize};

/// The `action` of a chunk from splunkd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// First chunk of a process: describe the command, no body.
    Getinfo,
    /// Process records in the body.
    Execute,
}

/// Metadata of a chunk sent by splunkd. Unknown keys are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Incoming {
    /// `"getinfo"` or `"execute"`; other values are rejected by [`Incoming::action`].
    #[serde(default)]
    pub action: Option<String>,
    /// `true` on the last execute chunk of the search.
    #[serde(default)]
    pub finished: bool,
    /// `true` when the search runs in preview (results shown while running).
    #[serde(default)]
    pub preview: bool,
    /// Present on getinfo.
    #[serde(default)]
    pub searchinfo: Option<SearchInfo>,
}

impl Incoming {
    /// Parses metadata bytes: UTF-8 JSON, trailing whitespace allowed.
    ///
    /// # Errors
    /// A message naming the problem (invalid UTF-8 or invalid JSON with its position).
    pub fn parse(bytes: &[u8]) -> Result<Incoming, String> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| format!("chunk metadata is not valid UTF-8 ({e})"))?;
        serde_json::from_str(text).map_err(|e| format!("chunk metadata is not valid JSON: {e}"))
    }

    /// The action, or an error message for a missing or unknown one.
    pub fn action(&self) -> Result<Action, String> {
        match self.action.as_deref() {
            Some("getinfo") => Ok(Action::Getinfo),
            Some("execute") => Ok(Action::Execute),
            Some(other) => Err(format!(
                "unknown chunk action {other:?}: expected \"getinfo\" or \"execute\""
            )),
            None => Err("chunk metadata has no \"action\"".to_string()),
        }
    }
}

/// `searchinfo` of the getinfo chunk. Every field is optional on the wire
/// (Splunk 6.3 lacks `command` and `maxresultrows`); missing strings are empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SearchInfo {
    /// Arguments after the command name, tokenised, quotes removed.
    pub args: Vec<String>,
    /// The same arguments with their quotes kept.
    pub raw_args: Vec<String>,
    /// `$SPLUNK_HOME/var/run/splunk/dispatch/<sid>`; may be empty or temporary in probes.
    pub dispatch_dir: String,
    /// Search id.
    pub sid: String,
    /// The search's app context (for example `search`), not the command's own app.
    pub app: String,
    /// Owner of the search.
    pub owner: String,
    /// User running the search.
    pub username: String,
    /// Token for splunkd's REST API (`Authorization: Splunk <session_key>`).
    pub session_key: String,
    /// splunkd's management URI, usually `https://127.0.0.1:8089`.
    pub splunkd_uri: String,
    /// Splunk version string.
    pub splunk_version: String,
    /// This phase's search text, URL-encoded.
    pub search: String,
    /// Command name as typed (8.x only).
    pub command: String,
    /// Largest result count splunkd wants per reply (8.x only).
    pub maxresultrows: Option<u64>,
    /// Search time range start, epoch seconds; `None` when unbounded (`"0"`).
    #[serde(deserialize_with = "epoch_opt")]
    pub earliest_time: Option<f64>,
    /// Search time range end, epoch seconds; `None` when unbounded (`"0"`).
    #[serde(deserialize_with = "epoch_opt")]
    pub latest_time: Option<f64>,
}

/// Accepts `"1627333200"`, `1627333200`, `1627333200.5`, `"0"`/`0`/`""`/null (= unbounded).
fn epoch_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Num(f64),
        Str(String),
        Null(()),
    }
    let v = match Raw::deserialize(d)? {
        Raw::Num(n) => n,
        Raw::Str(s) if s.trim().is_empty() => return Ok(None),
        Raw::Str(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| serde::de::Error::custom(format!("time {s:?} is not epoch seconds")))?,
        Raw::Null(()) => return Ok(None),
    };
    Ok(if v == 0.0 || !v.is_finite() {
        None
    } else {
        Some(v)
    })
}

/// A command's type, which decides where splunkd runs it (`commands.conf` has
/// no placement key for chunked commands). See the protocol notes, §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommandType {
    /// Distributed, one record at a time, many processes.
    Streaming,
    /// Search head, one process, order kept.
    Stateful,
    /// Search head, needs all records, records pass through.
    Events,
    /// Search head, needs all records, transforms them.
    Reporting,
}

/// Inspector message level, shown by Splunk in the job inspector and the search bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// Debug detail.
    Debug,
    /// Information.
    Info,
    /// Warning.
    Warn,
    /// Error shown to the user.
    Error,
    /// Fatal error.
    Fatal,
}

/// The getinfo reply. Only keys splunkd understands are sent; `None`s are omitted.
#[derive(Debug, Clone, Serialize)]
pub struct GetinfoReply {
    /// Command type.
    #[serde(rename = "type")]
    pub kind: CommandType,
    /// `true` for commands that produce records without input.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub generating: bool,
    /// Fields the command needs (`["*"]` = all); `None` = all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_fields: Option<Vec<String>>,
    /// SPL that splunkd runs before this command (on indexers for reporting commands).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub streaming_preop: Option<String>,
    /// Whether to run the command while the search previews results.
    pub run_in_preview: bool,
}

impl GetinfoReply {
    /// A reply for `kind` with everything else at its default, not run in preview.
    pub fn new(kind: CommandType) -> Self {
        GetinfoReply {
            kind,
            generating: false,
            required_fields: None,
            streaming_preop: None,
            run_in_preview: false,
        }
    }
}

/// Metadata of a reply chunk: `{"finished":…}` plus optional inspector
/// messages and `error`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReplyMeta {
    /// Whether the command is done.
    pub finished: bool,
    /// Error text splunkd shows and fails the search with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `{"messages":[[level,text],…]}`.
    #[serde(skip_serializing_if = "Inspector::is_empty")]
    pub inspector: Inspector,
}

/// The `inspector` object of a reply.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inspector {
    /// `[level, text]` pairs.
    pub messages: Vec<(Level, String)>,
}

impl Inspector {
    fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_real_8_2_getinfo() {
        let raw = br#"{"action":"getinfo","preview":false,"streaming_command_will_restart":false,"searchinfo":{"args":["a=1"],"raw_args":["a=\"1\""],"dispatch_dir":"C:\\x","sid":"1629786722.117","app":"CustomSearchCommandExamples","owner":"admin","username":"admin","session_key":"k","splunkd_uri":"https://127.0.0.1:8089","splunk_version":"8.2.1","search":"search%20index%3Dbeetles","command":"accumages","maxresultrows":50000,"earliest_time":"1627333200","latest_time":"0"}}  "#;
        let m = Incoming::parse(raw).unwrap();
        assert_eq!(m.action(), Ok(Action::Getinfo));
        let si = m.searchinfo.unwrap();
        assert_eq!(si.earliest_time, Some(1627333200.0));
        assert_eq!(si.latest_time, None);
        assert_eq!(si.args, vec!["a=1"]);
        assert_eq!(si.maxresultrows, Some(50000));
    }

    #[test]
    fn times_may_be_numbers() {
        let m =
            Incoming::parse(br#"{"action":"getinfo","searchinfo":{"latest_time":1700000000.5}}"#)
                .unwrap();
        assert_eq!(m.searchinfo.unwrap().latest_time, Some(1700000000.5));
        assert!(
            Incoming::parse(br#"{"action":"getinfo","searchinfo":{"latest_time":"soon"}}"#)
                .is_err()
        );
    }

    #[test]
    fn bad_metadata_is_an_error_message() {
        assert!(
            Incoming::parse(b"{\"action\":")
                .unwrap_err()
                .contains("not valid JSON")
        );
        assert!(Incoming::parse(b"\xff\xfe").unwrap_err().contains("UTF-8"));
        assert!(
            Incoming::parse(b"{\"action\":\"dance\"}")
                .unwrap()
                .action()
                .is_err()
        );
    }

    #[test]
    fn replies_serialise_like_splunklib() {
        let r = ReplyMeta {
            finished: true,
            ..Default::default()
        };
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"finished":true}"#);
        let r = ReplyMeta {
            finished: true,
            error: None,
            inspector: Inspector {
                messages: vec![(Level::Error, "Unrecognized option: bogus=1".into())],
            },
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"finished":true,"inspector":{"messages":[["ERROR","Unrecognized option: bogus=1"]]}}"#
        );
        let g = GetinfoReply::new(CommandType::Events);
        assert_eq!(
            serde_json::to_string(&g).unwrap(),
            r#"{"type":"events","run_in_preview":false}"#
        );
    }
}
