//! `detc lsp`: a Language Server Protocol server for detection content,
//! over stdio.
//!
//! It works on the whole content root (the folder holding
//! `contentctl.yml`: the workspace folder the editor opens, else the first
//! folder above an opened file that holds one), not on the open file alone:
//! every detc rule runs over every file, the editor's unsaved buffers read
//! in place of the files on disk, and each file's diagnostics are published
//! (and cleared when they are gone). A burst of edits is checked once.
//!
//! - `textDocument/publishDiagnostics`: every rule's diagnostics, with the
//!   rule code, its span, the help text and the related places (the first
//!   definition of a duplicate, a macro's definition).
//! - `textDocument/hover`: an ATT&CK technique (name, tactics, its parent,
//!   revoked or moved in a later version), a macro call (its definition
//!   and arguments, and where it is defined).
//! - `textDocument/definition`: a macro call goes to the macro's
//!   `definition:`, a lookup's name to its YAML, an `analytic_story` or
//!   `data_source` item to that story's or data source's YAML.
//!   A `$field$` token: whether the detection's search outputs the field.
//! - `textDocument/references`: every search that calls a macro.
//! - `textDocument/codeAction`: the rules' fixes as quick fixes (a
//!   misspelled key renamed, an enum value replaced, a technique listed
//!   beside its own sub-technique removed).
//! - `textDocument/completion`: the fields the search outputs after a `$`
//!   (risk message, drilldowns), macro names inside backticks (with their
//!   arguments), the schema's keys where a key is typed in a 5.x file
//!   (those the mapping lacks), technique IDs with their names in a `mitre_attack_id:`
//!   list, a detection's `type:` and `status:` values.
//!
//! - `workspace/executeCommand` `detc.expandedSearch` (a file's URI): the
//!   detection's search with its macros expanded, one command per line.
//!
//! The server never writes a file. Built on `lsp-server` (rust-analyzer's
//! synchronous transport: a plain message loop, no async runtime, which a
//! server whose work is one CPU-bound check per edit does not need) and
//! `lsp-types`.

mod position;

use detc_content::{Overlay, Project};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, GotoDefinitionResponse, Hover,
    HoverContents, HoverProviderCapability, Location, MarkupContent, MarkupKind, NumberOrString,
    OneOf, Position, PublishDiagnosticsParams, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri,
};
use position::{offset_of, path_of, range_of, uri_of};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Serves the editor on standard input and output until it says `exit`.
///
/// # Errors
/// The connection failed (the editor went away before `shutdown`), or the
/// initialize handshake did.
pub fn serve_stdio() -> Result<(), String> {
    let (conn, threads) = Connection::stdio();
    serve(&conn)?;
    drop(conn);
    threads
        .join()
        .map_err(|e| format!("the connection's threads: {e}"))
}

/// The editor command that answers a detection's (or baseline's) search
/// with every macro expanded, one command per line, as `detc snapshot`
/// writes it; its argument is the file's URI.
pub const EXPANDED_SEARCH: &str = "detc.expandedSearch";

/// What the server tells the editor it does.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(lsp_types::CompletionOptions {
            trigger_characters: Some(vec!["`".to_string()]),
            ..lsp_types::CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Simple(true)),
        execute_command_provider: Some(lsp_types::ExecuteCommandOptions {
            commands: vec![EXPANDED_SEARCH.to_string()],
            ..lsp_types::ExecuteCommandOptions::default()
        }),
        ..ServerCapabilities::default()
    }
}

/// Serves the editor at the other end of `conn`: the initialize handshake,
/// then every message until `shutdown` and `exit`.
///
/// # Errors
/// As [`serve_stdio`].
pub fn serve(conn: &Connection) -> Result<(), String> {
    let caps = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    let init = conn.initialize(caps).map_err(|e| e.to_string())?;
    let mut state = State {
        root: root_of(&init),
        ..State::default()
    };
    loop {
        let Ok(first) = conn.receiver.recv() else {
            return Ok(());
        };
        // Everything already waiting is taken at once: a burst of edits is
        // checked once, after the last.
        let mut batch = vec![first];
        while let Ok(m) = conn.receiver.try_recv() {
            batch.push(m);
        }
        let mut changed = false;
        let mut requests = Vec::new();
        for m in batch {
            match m {
                Message::Notification(n) => changed |= state.notify(n),
                Message::Request(r) => requests.push(r),
                Message::Response(_) => {}
            }
        }
        if changed {
            state.check(conn);
        }
        for r in requests {
            if conn.handle_shutdown(&r).map_err(|e| e.to_string())? {
                return Ok(());
            }
            let resp = state.answer(r);
            conn.sender
                .send(Message::Response(resp))
                .map_err(|e| e.to_string())?;
        }
    }
}

/// The content root the editor opened: its first workspace folder, else
/// its root URI; `None` until a file is opened (then the folder above it
/// that holds `contentctl.yml`).
fn root_of(init: &serde_json::Value) -> Option<PathBuf> {
    let folder = init
        .get("workspaceFolders")
        .and_then(|f| f.get(0))
        .and_then(|f| f.get("uri"))
        .or_else(|| init.get("rootUri"))
        .and_then(serde_json::Value::as_str)?;
    let path = path_of(folder)?;
    content_root(&path).or(Some(path))
}

/// `path` or the first folder above it that holds `contentctl.yml`.
fn content_root(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .find(|d| d.join("contentctl.yml").is_file())
        .map(Path::to_path_buf)
}

#[derive(Default)]
struct State {
    root: Option<PathBuf>,
    /// The editor's open buffers, by path.
    overlay: Overlay,
    /// What the editor shows, per file with diagnostics.
    published: BTreeMap<String, Vec<Diagnostic>>,
    /// The decoded files of the last check, for the next.
    cache: detc_content::DecodeCache,
    /// The files opened or edited since the last check: their diagnostics
    /// are sent even when unchanged, so the editor knows the edit was seen.
    touched: std::collections::HashSet<String>,
    /// The last check.
    project: Option<Project>,
}

impl State {
    /// Takes a notification; whether the content must be checked again.
    fn notify(&mut self, n: Notification) -> bool {
        use lsp_types::notification::{
            DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
        };
        let text_of = |v: &serde_json::Value, path: &[&str]| -> Option<String> {
            let mut v = v;
            for k in path {
                v = v.get(*k)?;
            }
            v.as_str().map(str::to_string)
        };
        let uri = text_of(&n.params, &["textDocument", "uri"]);
        let Some(path) = uri.as_deref().and_then(path_of) else {
            return false;
        };
        if self.root.is_none() {
            self.root = content_root(&path);
            // The first check reads `detc validate`'s parse trees (never
            // writes them): a server started on a validated root parses
            // only what changed since.
            if let Some(root) = &self.root {
                self.cache = detc_content::DecodeCache::reading_pack(
                    detc_content::ParseCache::pack_of(root),
                );
            }
        }
        self.touched.insert(uri_of(&path));
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Some(t) = text_of(&n.params, &["textDocument", "text"]) {
                    self.overlay.insert(path, t);
                }
                true
            }
            DidChangeTextDocument::METHOD => {
                // Full synchronisation: the last change holds the whole text.
                let last = n
                    .params
                    .get("contentChanges")
                    .and_then(serde_json::Value::as_array)
                    .and_then(|c| c.last())
                    .and_then(|c| c.get("text"))
                    .and_then(serde_json::Value::as_str);
                if let Some(t) = last {
                    self.overlay.insert(path, t.to_string());
                }
                true
            }
            DidCloseTextDocument::METHOD => {
                self.overlay.remove(&path);
                true
            }
            DidSaveTextDocument::METHOD => true,
            _ => false,
        }
    }

    /// Checks the content root and publishes every file's diagnostics.
    fn check(&mut self, conn: &Connection) {
        let Some(root) = self.root.clone() else {
            return;
        };
        if !root.join("contentctl.yml").is_file() {
            return;
        }
        let p = detc_content::validate_with(
            &root,
            &detc_content::Options::default(),
            self.overlay.clone(),
            Some(&mut self.cache),
        );
        let mut by_file: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
        for d in &p.diags {
            let file = d.file.or(d.span.map(|s| s.file));
            let (uri, range) = match (file, d.span) {
                (Some(f), Some(s)) => (
                    uri_of(&root.join(&p.sources.get(f).path)),
                    range_of(&p.sources.get(f).text, s.start, s.end),
                ),
                (Some(f), None) => (
                    uri_of(&root.join(&p.sources.get(f).path)),
                    lsp_types::Range::default(),
                ),
                _ => (
                    uri_of(&root.join("contentctl.yml")),
                    lsp_types::Range::default(),
                ),
            };
            by_file
                .entry(uri)
                .or_default()
                .push(diagnostic(&p, &root, d, range));
        }
        // The files opened or edited since the last check go first, always
        // (the editor shows them, and knows the edit was seen); of the
        // others, only what changed is sent: a file whose diagnostics are
        // gone gets an empty list, one whose diagnostics differ gets them.
        // The client reads the messages one by one: on the first check of
        // v4.42.0 (about 1,400 findings in 700 files) the open file would
        // otherwise wait for every file before it in path order.
        let mut touched: Vec<&String> = self.touched.iter().collect();
        touched.sort();
        for uri in touched {
            publish(conn, uri, by_file.get(uri).cloned().unwrap_or_default());
        }
        for gone in self.published.keys().filter(|u| !by_file.contains_key(*u)) {
            if !self.touched.contains(gone) {
                publish(conn, gone, Vec::new());
            }
        }
        for (uri, diags) in &by_file {
            if self.published.get(uri) != Some(diags) && !self.touched.contains(uri) {
                publish(conn, uri, diags.clone());
            }
        }
        self.touched.clear();
        self.published = by_file;
        // The last check's project (tens of MiB of small allocations) is
        // freed here, after the diagnostics are sent, on the thread that
        // allocated it: freed on a thread of its own, mimalloc kept its
        // pages longer (141-147 MiB after 1,000 edits of v4.42.0 instead
        // of 120-126, no faster).
        drop(self.project.replace(p));
    }

    /// Answers a request.
    fn answer(&self, r: Request) -> Response {
        use lsp_types::request::{
            CodeActionRequest, Completion, GotoDefinition, HoverRequest, References,
        };
        if r.method == lsp_types::request::ExecuteCommand::METHOD {
            let command = r.params.get("command").and_then(serde_json::Value::as_str);
            let arg = r
                .params
                .get("arguments")
                .and_then(|a| a.get(0))
                .and_then(serde_json::Value::as_str)
                .and_then(path_of);
            return match (command, arg) {
                (Some(EXPANDED_SEARCH), Some(path)) => match self.expanded_search(&path) {
                    Ok(text) => Response::new_ok(r.id, text),
                    Err(why) => error(r.id, ErrorCode::InvalidParams, &why),
                },
                (Some(EXPANDED_SEARCH), None) => error(
                    r.id,
                    ErrorCode::InvalidParams,
                    "detc.expandedSearch takes a file's URI",
                ),
                _ => error(
                    r.id,
                    ErrorCode::MethodNotFound,
                    "detc lsp has no such command",
                ),
            };
        }
        if r.method == CodeActionRequest::METHOD {
            let asked = || -> Option<(PathBuf, lsp_types::Range)> {
                let uri = r.params.get("textDocument")?.get("uri")?.as_str()?;
                let range = serde_json::from_value(r.params.get("range")?.clone()).ok()?;
                Some((path_of(uri)?, range))
            };
            return match asked() {
                Some((path, range)) => Response::new_ok(
                    r.id,
                    serde_json::to_value(self.code_actions(&path, range))
                        .unwrap_or(serde_json::Value::Null),
                ),
                None => error(
                    r.id,
                    ErrorCode::InvalidParams,
                    "a textDocument and a range are needed",
                ),
            };
        }
        let at = || -> Option<(PathBuf, Position)> {
            let uri = r.params.get("textDocument")?.get("uri")?.as_str()?;
            let pos: Position = serde_json::from_value(r.params.get("position")?.clone()).ok()?;
            Some((path_of(uri)?, pos))
        };
        match r.method.as_str() {
            HoverRequest::METHOD
            | GotoDefinition::METHOD
            | Completion::METHOD
            | References::METHOD => {
                let Some((path, pos)) = at() else {
                    return error(
                        r.id,
                        ErrorCode::InvalidParams,
                        "a textDocument and a position are needed",
                    );
                };
                let result = match r.method.as_str() {
                    HoverRequest::METHOD => serde_json::to_value(self.hover(&path, pos)),
                    GotoDefinition::METHOD => serde_json::to_value(self.definition(&path, pos)),
                    References::METHOD => serde_json::to_value(self.references(&path, pos)),
                    _ => serde_json::to_value(self.complete(&path, pos)),
                };
                Response::new_ok(r.id, result.unwrap_or(serde_json::Value::Null))
            }
            _ => error(
                r.id,
                ErrorCode::MethodNotFound,
                "detc lsp does not serve this request",
            ),
        }
    }

    /// `path` relative to the content root, `/`-separated, as the
    /// content's `common.path` and the sources name files; `None` outside
    /// the root.
    fn rel(&self, path: &Path) -> Option<String> {
        Some(
            path.strip_prefix(self.root.as_ref()?)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/"),
        )
    }

    /// The text of `path` as the editor has it.
    fn text(&self, path: &Path) -> Option<String> {
        self.overlay
            .get(path)
            .cloned()
            .or_else(|| std::fs::read_to_string(path).ok())
    }

    fn hover(&self, path: &Path, pos: Position) -> Option<Hover> {
        let text = self.text(path)?;
        let at = offset_of(&text, pos)?;
        let value = if let Some(id) = technique_at(&text, at) {
            technique_hover(&id)?
        } else if let Some(field) = token_at(&text, at) {
            self.token_hover(path, &field)?
        } else if let Some((name, arity)) = macro_at(&text, at) {
            self.macro_hover(&name, arity)?
        } else if let Some(h) = list_item_at(&text, at)
            .filter(|(k, _)| k == "data_source")
            .and_then(|(_, item)| self.data_source_hover(&item))
        {
            h
        } else {
            word_at(&text, at).and_then(|w| self.lookup_hover(w))?
        };
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }),
            range: None,
        })
    }

    /// A `$field$` token of a detection: whether its search outputs the
    /// field (risk messages, drilldowns and notables take their values from
    /// the search's results).
    fn token_hover(&self, path: &Path, field: &str) -> Option<String> {
        let p = self.project.as_ref()?;
        let rel = self.rel(path)?;
        let fields = outputs_of(p, &rel)?;
        let out = if fields.names().contains(field) {
            format!("**`${field}$`**: the search outputs `{field}`")
        } else if fields.is_known() {
            let all: Vec<&str> = fields.names().iter().map(String::as_str).collect();
            format!(
                "**`${field}$`**: the search does not output `{field}`; it outputs only {}",
                all.join(", ")
            )
        } else {
            format!(
                "**`${field}$`**: the search may output `{field}` (detc cannot tell all it outputs)"
            )
        };
        Some(out)
    }

    /// A lookup by name: its kind, its fields (a KV store collection's, or
    /// the header of its CSV file), its file and description.
    fn lookup_hover(&self, name: &str) -> Option<String> {
        let p = self.project.as_ref()?;
        let root = self.root.as_ref()?;
        let l = p.content.lookups.iter().find(|l| l.common.name() == name)?;
        let kind = l.lookup_type.as_ref().map_or("csv", |k| k.value.as_str());
        let mut fields: Vec<String> = l.fields.iter().map(|f| f.value.clone()).collect();
        let file = l
            .filename
            .as_ref()
            .map(|f| f.value.clone())
            .or_else(|| (kind == "csv").then(|| format!("{}.csv", l.common.name())));
        if fields.is_empty() {
            fields = l.csv_header.clone().unwrap_or_default();
        }
        if fields.is_empty()
            && let Some(f) = &file
            && let Ok(text) = std::fs::read_to_string(root.join("lookups").join(f))
        {
            fields = text
                .lines()
                .next()
                .unwrap_or("")
                .split(',')
                .map(|c| c.trim().trim_matches('"').to_string())
                .filter(|c| !c.is_empty())
                .collect();
        }
        let mut out = format!("**lookup `{name}`** ({kind})");
        if !fields.is_empty() {
            out.push_str(&format!("\n\nfields: {}", fields.join(", ")));
        }
        if let Some(f) = file {
            out.push_str(&format!("\n\nfile: `lookups/{f}`"));
        }
        if let Some(d) = &l.common.description {
            out.push_str(&format!("\n\n{}", d.value));
        }
        Some(out)
    }

    /// A data source by name: where its events come from and the fields
    /// they have.
    fn data_source_hover(&self, name: &str) -> Option<String> {
        let p = self.project.as_ref()?;
        let ds = p
            .content
            .data_sources
            .iter()
            .find(|d| d.common.name() == name)?;
        let mut out = format!("**data source `{name}`**");
        if let Some(s) = &ds.source {
            out.push_str(&format!("\n\nsource: `{}`", s.value));
        }
        if let Some(s) = &ds.sourcetype {
            out.push_str(&format!("\n\nsourcetype: `{}`", s.value));
        }
        if let Some((ta, version, _)) = &ds.supported_ta {
            out.push_str(&format!("\n\nadd-on: {ta} {version}"));
        }
        if !ds.fields.is_empty() {
            let f: Vec<&str> = ds.fields.iter().map(|f| f.value.as_str()).collect();
            out.push_str(&format!("\n\nfields ({}): {}", f.len(), f.join(", ")));
        }
        if !ds.output_fields.is_empty() {
            let f: Vec<&str> = ds.output_fields.iter().map(|f| f.value.as_str()).collect();
            out.push_str(&format!(
                "\n\nfields a detection using it must mention: {}",
                f.join(", ")
            ));
        }
        Some(out)
    }

    fn macro_hover(&self, name: &str, arity: usize) -> Option<String> {
        let p = self.project.as_ref()?;
        let root = self.root.as_ref()?;
        let m = p
            .content
            .macros
            .iter()
            .find(|m| m.common.name() == name && m.arguments.len() == arity)?;
        let def = m.definition.as_ref().map_or("", |d| d.value.as_str());
        let mut out = format!("**macro `{name}`**");
        if !m.arguments.is_empty() {
            let args: Vec<&str> = m.arguments.iter().map(|a| a.value.as_str()).collect();
            out.push_str(&format!(" ({})", args.join(", ")));
        }
        out.push_str(&format!("\n\n```spl\n{def}\n```\n"));
        // Nested macros: the definition as Splunk runs it.
        if def.contains('`')
            && let Ok(e) = detc_spl::expand_macros(def, &|name, n| definition(p, name, n))
            && e.text != def
        {
            out.push_str(&format!("\nexpands to:\n\n```spl\n{}\n```\n", e.text));
        }
        if let Some(n) = &m.common.name {
            let f = &p.sources.get(n.span.file).path;
            out.push_str(&format!("\ndefined in `{}`", Path::new(f).display()));
            let _ = root;
        }
        Some(out)
    }

    /// Completions at `pos`: macro names inside backticks, technique IDs in
    /// a `mitre_attack_id:` list, a detection's `type:` and `status:`
    /// values.
    fn complete(&self, path: &Path, pos: Position) -> Option<Vec<lsp_types::CompletionItem>> {
        use lsp_types::{CompletionItem, CompletionItemKind};
        let text = self.text(path)?;
        let at = offset_of(&text, pos)?;
        let (line_start, line) = line_at(&text, at)?;
        let before = line.get(..at - line_start)?;
        let item = |label: String, detail: String, kind| CompletionItem {
            label,
            detail: Some(detail),
            kind: Some(kind),
            ..CompletionItem::default()
        };
        // Inside an open `$`: a field the detection's search outputs (for
        // the risk message, drilldowns and notable).
        // (Not in the detection's own `search:`, where `$` is SPL's.)
        if before.matches('$').count() % 2 == 1 && !before.starts_with("search:") {
            let typed = before.rsplit('$').next().unwrap_or("");
            let p = self.project.as_ref()?;
            let rel = self.rel(path)?;
            let fields = outputs_of(p, &rel)?;
            let exact = fields.is_known();
            return Some(
                fields
                    .names()
                    .iter()
                    .filter(|f| f.starts_with(typed))
                    .map(|f| {
                        let detail = if exact {
                            "the search outputs it"
                        } else {
                            "the search outputs it (and maybe others)"
                        };
                        item(f.clone(), detail.to_string(), CompletionItemKind::FIELD)
                    })
                    .collect(),
            );
        }
        // Inside an open backtick: a macro.
        if before.matches('`').count() % 2 == 1 {
            let typed = before.rsplit('`').next().unwrap_or("");
            let p = self.project.as_ref()?;
            let mut out: Vec<CompletionItem> = p
                .content
                .macros
                .iter()
                .filter(|m| m.common.name().starts_with(typed))
                .map(|m| {
                    let def = m.definition.as_ref().map_or("", |d| d.value.as_str());
                    let first: String = def.lines().next().unwrap_or("").chars().take(80).collect();
                    let mut c = item(
                        m.common.name().to_string(),
                        first,
                        CompletionItemKind::FUNCTION,
                    );
                    if !m.arguments.is_empty() {
                        let args: Vec<&str> =
                            m.arguments.iter().map(|a| a.value.as_str()).collect();
                        c.insert_text = Some(format!("{}({})", m.common.name(), args.join(",")));
                    }
                    c
                })
                .collect();
            out.sort_by(|a, b| a.label.cmp(&b.label));
            out.dedup_by(|a, b| a.label == b.label && a.insert_text == b.insert_text);
            return Some(out);
        }
        let trimmed = before.trim_start();
        // An item of the mitre_attack_id list.
        if let Some(typed) = trimmed
            .strip_prefix("- ")
            .or_else(|| (trimmed == "-").then_some(""))
            && key_above(&text, line_start).as_deref() == Some("mitre_attack_id")
        {
            let typed = typed.trim();
            let a = detc_attack::Attack::embedded();
            return Some(
                a.data
                    .techniques
                    .iter()
                    .filter(|t| !t.revoked && !t.deprecated && t.id.starts_with(typed))
                    .map(|t| item(t.id.clone(), t.name.clone(), CompletionItemKind::VALUE))
                    .collect(),
            );
        }
        // A key of the schema, at the start of a line of a 5.x file.
        if let Some(items) = self.key_completions(path, &text, line_start, before) {
            return Some(items);
        }
        // A detection's type or status.
        let in_detections = self
            .root
            .as_ref()
            .and_then(|r| path.strip_prefix(r.join("detections")).ok())
            .is_some();
        for (key, values) in [
            ("type:", detc_content::enums::DETECTION_TYPES),
            ("status:", detc_content::enums::DETECTION_STATUS),
        ] {
            if in_detections && let Some(typed) = before.strip_prefix(key) {
                let typed = typed.trim();
                return Some(
                    values
                        .iter()
                        .filter(|v| v.starts_with(typed))
                        .map(|v| {
                            item(
                                v.to_string(),
                                format!("a detection's `{key}`"),
                                CompletionItemKind::ENUM_MEMBER,
                            )
                        })
                        .collect(),
                );
            }
        }
        None
    }

    /// The search of the detection or baseline of `path`, every macro the
    /// content defines expanded, one command per line.
    fn expanded_search(&self, path: &Path) -> Result<String, String> {
        let p = self
            .project
            .as_ref()
            .ok_or("the content has not been read yet")?;
        let rel = self
            .rel(path)
            .ok_or("the file is outside the content root")?;
        let search = p
            .content
            .detections
            .iter()
            .filter(|d| d.common.path == rel)
            .filter_map(|d| d.search.as_ref())
            .chain(
                p.content
                    .baselines
                    .iter()
                    .filter(|b| b.common.path == rel)
                    .filter_map(|b| b.search.as_ref()),
            )
            .next()
            .ok_or("the file is not a detection or baseline with a search")?;
        let e = detc_spl::expand_macros(&search.value, &|name, n| definition(p, name, n))
            .map_err(|e| e.to_string())?;
        // Macros the content does not define (Splunk_SA_CIM's
        // drop_dm_object_name) stay as written, as in the snapshot.
        Ok(detc_spl::pipeline_lines(&e.text))
    }

    /// The quick fixes of the diagnostics of `path` that touch `range`:
    /// the rules' own fixes (a misspelled key renamed, an enum value
    /// replaced, a technique listed beside its sub-technique removed).
    fn code_actions(
        &self,
        path: &Path,
        range: lsp_types::Range,
    ) -> Option<Vec<lsp_types::CodeAction>> {
        let p = self.project.as_ref()?;
        let root = self.root.as_ref()?;
        let rel = self.rel(path)?;
        let uri: Uri = uri_of(path).parse().ok()?;
        let mut out = Vec::new();
        for d in &p.diags {
            let (Some(fix), Some(span)) = (&d.fix, d.span) else {
                continue;
            };
            let f = p.sources.get(fix.span.file);
            if f.path != rel {
                continue;
            }
            let shown = range_of(&p.sources.get(span.file).text, span.start, span.end);
            let touches = shown.start <= range.end && range.start <= shown.end;
            if !touches {
                continue;
            }
            let edit = lsp_types::TextEdit {
                range: range_of(&f.text, fix.span.start, fix.span.end),
                new_text: fix.replacement.clone(),
            };
            // lsp-types' WorkspaceEdit keys its changes by Uri, whose
            // parsed form caches a position in a Cell; the key is never
            // changed here.
            #[allow(clippy::mutable_key_type)]
            let mut changes = std::collections::HashMap::new();
            changes.insert(uri.clone(), vec![edit]);
            out.push(lsp_types::CodeAction {
                title: format!("{} ({})", fix.title, d.code),
                kind: Some(lsp_types::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic(p, root, d, shown)]),
                edit: Some(lsp_types::WorkspaceEdit {
                    changes: Some(changes),
                    ..lsp_types::WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..lsp_types::CodeAction::default()
            });
        }
        Some(out)
    }

    /// What the reference or object at `pos` of `path` is: a macro call,
    /// a story, data source or detection named in a list, a lookup named in
    /// a search, else the object the file itself defines.
    fn target_at(&self, path: &Path, pos: Position) -> Option<Target> {
        let p = self.project.as_ref()?;
        let text = self.text(path)?;
        let at = offset_of(&text, pos)?;
        if let Some((name, _)) = macro_at(&text, at) {
            return Some(Target::Macro(name));
        }
        if let Some((key, item)) = list_item_at(&text, at) {
            match key.as_str() {
                "analytic_story" => return Some(Target::Story(item)),
                "data_source" => return Some(Target::DataSource(item)),
                "detections" => return Some(Target::Detection(item)),
                _ => {}
            }
        }
        if let Some(word) = word_at(&text, at)
            && p.content.lookups.iter().any(|l| l.common.name() == word)
        {
            return Some(Target::Lookup(word.to_string()));
        }
        let rel = self.rel(path)?;
        let c = &p.content;
        let own = |common: &detc_content::model::Common| common.path == rel;
        if let Some(m) = c.macros.iter().find(|m| own(&m.common)) {
            return Some(Target::Macro(m.common.name().to_string()));
        }
        if let Some(x) = c.stories.iter().find(|x| own(&x.common)) {
            return Some(Target::Story(x.common.name().to_string()));
        }
        if let Some(x) = c.data_sources.iter().find(|x| own(&x.common)) {
            return Some(Target::DataSource(x.common.name().to_string()));
        }
        if let Some(x) = c.lookups.iter().find(|x| own(&x.common)) {
            return Some(Target::Lookup(x.common.name().to_string()));
        }
        if let Some(x) = c.detections.iter().find(|x| own(&x.common)) {
            return Some(Target::Detection(x.common.name().to_string()));
        }
        c.deployments
            .iter()
            .filter_map(|d| d.common.as_ref())
            .find(|x| own(x))
            .map(|x| Target::Deployment(x.name().to_string()))
    }

    /// Where the object at `pos` is used: a macro's calls in every search;
    /// a story's or data source's mentions in detections, baselines and
    /// response tasks; a lookup's uses in every search and macro (by its
    /// name or its file's); a detection's in baselines; a deployment's by
    /// each detection it schedules (at the detection's name).
    fn references(&self, path: &Path, pos: Position) -> Option<Vec<Location>> {
        let p = self.project.as_ref()?;
        let root = self.root.as_ref()?;
        let target = self.target_at(path, pos)?;
        let c = &p.content;
        let mut spans: Vec<detc_diag::Span> = Vec::new();
        let named =
            |list: &[detc_yaml::Spanned<String>], name: &str, out: &mut Vec<detc_diag::Span>| {
                out.extend(list.iter().filter(|x| x.value == name).map(|x| x.span));
            };
        match &target {
            Target::Macro(name) => {
                for s in searches(c) {
                    spans.extend(macro_calls(p, s, name));
                }
            }
            Target::Story(name) => {
                for d in &c.detections {
                    named(&d.tags.analytic_story, name, &mut spans);
                }
                for b in &c.baselines {
                    named(&b.analytic_story, name, &mut spans);
                }
                for i in &c.investigations {
                    named(&i.analytic_story, name, &mut spans);
                }
            }
            Target::DataSource(name) => {
                for d in &c.detections {
                    named(&d.data_source, name, &mut spans);
                }
            }
            Target::Detection(name) => {
                for b in &c.baselines {
                    named(&b.detections, name, &mut spans);
                }
            }
            Target::Lookup(name) => {
                let l = c.lookups.iter().find(|l| l.common.name() == name)?;
                let mut names = vec![name.clone(), format!("{name}.csv")];
                names.extend(l.filename.as_ref().map(|f| f.value.clone()));
                let defs = c.macros.iter().filter_map(|m| m.definition.as_ref());
                for s in searches(c).chain(defs) {
                    for r in detc_spl::lookups(&s.value) {
                        if names.contains(&r.name)
                            && let Some(span) = raw_span(p, s, r.start, &r.name)
                        {
                            spans.push(span);
                        }
                    }
                }
            }
            Target::Deployment(name) => {
                for d in &c.detections {
                    let by = c
                        .deployment_of(d)
                        .and_then(|x| x.common.as_ref())
                        .is_some_and(|x| x.name() == name);
                    if by && let Some(n) = &d.common.name {
                        spans.push(n.span);
                    }
                }
            }
        }
        let mut out = Vec::new();
        for span in spans {
            let f = p.sources.get(span.file);
            if let Ok(uri) = uri_of(&root.join(&f.path)).parse::<Uri>() {
                out.push(Location {
                    uri,
                    range: range_of(&f.text, span.start, span.end),
                });
            }
        }
        Some(out)
    }

    /// The keys the schema allows where a key is being typed (a line that
    /// holds only indentation, an optional `- ` and a key's first letters),
    /// less those the mapping already has. Only in 5.x files: the schemas
    /// are contentctl 5.x's (`detc schema`), and a 4.x file has other keys.
    fn key_completions(
        &self,
        path: &Path,
        text: &str,
        line_start: usize,
        before: &str,
    ) -> Option<Vec<lsp_types::CompletionItem>> {
        use lsp_types::{CompletionItem, CompletionItemKind};
        let body = before
            .trim_start()
            .strip_prefix("- ")
            .unwrap_or(before.trim_start());
        if !body.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let p = self.project.as_ref()?;
        let rel = self.rel(path)?;
        let folder = rel.split('/').next()?;
        let c = &p.content;
        let v5 = c
            .detections
            .iter()
            .map(|d| (&d.common.path, d.format))
            .chain(c.stories.iter().map(|d| (&d.common.path, d.format)))
            .chain(c.lookups.iter().map(|d| (&d.common.path, d.format)))
            .find(|(path, _)| **path == rel)
            .map(|(_, f)| f);
        if v5 != Some(detc_content::model::Format::V5) {
            return None;
        }
        let object = match folder {
            "detections" => "detection",
            "stories" => "story",
            _ => "lookup",
        };
        let schema = schemas().get(object)?;
        let indent = before.len() - before.trim_start().len()
            + if before.trim_start().starts_with("- ") {
                2
            } else {
                0
            };
        let keys = key_path(text, line_start, indent)?;
        let mut node = schema;
        for k in &keys {
            node = node.get("properties")?.get(k)?;
            if let Some(items) = node.get("items") {
                node = items;
            }
        }
        let props = node.get("properties")?.as_object()?;
        let required: Vec<&str> = node
            .get("required")
            .and_then(serde_json::Value::as_array)
            .map(|r| r.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default();
        let present = sibling_keys(text, line_start, indent);
        Some(
            props
                .iter()
                .filter(|(k, _)| k.starts_with(body) && !present.contains(*k))
                .map(|(k, v)| CompletionItem {
                    label: k.clone(),
                    kind: Some(CompletionItemKind::PROPERTY),
                    detail: Some(
                        if required.contains(&k.as_str()) {
                            "required"
                        } else {
                            "optional"
                        }
                        .to_string(),
                    ),
                    documentation: v
                        .get("description")
                        .and_then(serde_json::Value::as_str)
                        .map(|d| lsp_types::Documentation::String(d.to_string())),
                    insert_text: Some(format!("{k}: ")),
                    ..CompletionItem::default()
                })
                .collect(),
        )
    }

    fn definition(&self, path: &Path, pos: Position) -> Option<GotoDefinitionResponse> {
        let p = self.project.as_ref()?;
        let root = self.root.as_ref()?;
        let text = self.text(path)?;
        let at = offset_of(&text, pos)?;
        let span = if let Some((name, arity)) = macro_at(&text, at) {
            let m = p
                .content
                .macros
                .iter()
                .find(|m| m.common.name() == name && m.arguments.len() == arity)?;
            m.definition
                .as_ref()
                .map(|d| d.span)
                .or(m.common.name.as_ref().map(|n| n.span))?
        } else if let Some((key, item)) = list_item_at(&text, at) {
            let c = &p.content;
            match key.as_str() {
                "analytic_story" => name_span(c.stories.iter().map(|x| &x.common), &item),
                "data_source" => name_span(c.data_sources.iter().map(|x| &x.common), &item),
                "detections" => name_span(c.detections.iter().map(|x| &x.common), &item),
                _ => None,
            }?
        } else {
            let word = word_at(&text, at)?;
            let l = p.content.lookups.iter().find(|l| l.common.name() == word)?;
            l.common.name.as_ref()?.span
        };
        let f = p.sources.get(span.file);
        let uri: Uri = uri_of(&root.join(&f.path)).parse().ok()?;
        Some(GotoDefinitionResponse::Scalar(Location {
            uri,
            range: range_of(&f.text, span.start, span.end),
        }))
    }
}

/// The span of the name of the object named `name` among `objects`.
fn name_span<'a>(
    mut objects: impl Iterator<Item = &'a detc_content::model::Common>,
    name: &str,
) -> Option<detc_diag::Span> {
    Some(objects.find(|c| c.name() == name)?.name.as_ref()?.span)
}

/// An object that references point at ([`State::references`]), by name.
enum Target {
    Macro(String),
    Story(String),
    DataSource(String),
    Lookup(String),
    Detection(String),
    Deployment(String),
}

/// Every search of the content: detections', baselines' and response tasks'.
fn searches(c: &detc_content::model::Content) -> impl Iterator<Item = &detc_yaml::Spanned<String>> {
    c.detections
        .iter()
        .filter_map(|d| d.search.as_ref())
        .chain(c.baselines.iter().filter_map(|b| b.search.as_ref()))
        .chain(c.investigations.iter().filter_map(|i| i.search.as_ref()))
}

/// The spans of the calls of macro `name` in search `s` (the name, between
/// the backtick and the `` ` `` or `(` after it).
fn macro_calls(p: &Project, s: &detc_yaml::Spanned<String>, name: &str) -> Vec<detc_diag::Span> {
    let f = p.sources.get(s.span.file);
    let Some(raw) = f.text.get(s.span.start..s.span.end) else {
        return Vec::new();
    };
    let needle = format!("`{name}");
    raw.match_indices(&needle)
        .filter(|(i, _)| matches!(raw.as_bytes().get(i + needle.len()), Some(b'`' | b'(')))
        .map(|(i, _)| {
            let start = s.span.start + i + 1;
            detc_diag::Span::new(s.span.file, start, start + name.len())
        })
        .collect()
}

/// The span in the YAML source of `needle`, found at byte `at` of the
/// value `s` (values are unescaped and folded: the same occurrence is
/// found again in the raw text). `None` when it cannot be.
fn raw_span(
    p: &Project,
    s: &detc_yaml::Spanned<String>,
    at: usize,
    needle: &str,
) -> Option<detc_diag::Span> {
    let raw = p
        .sources
        .get(s.span.file)
        .text
        .get(s.span.start..s.span.end)?;
    let nth = s.value.get(..at)?.matches(needle).count();
    let (i, _) = raw.match_indices(needle).nth(nth)?;
    Some(detc_diag::Span::new(
        s.span.file,
        s.span.start + i,
        s.span.start + i + needle.len(),
    ))
}

/// Macros and lookups for the SPL analysis of what a search outputs.
struct Resolve<'a>(&'a Project);

impl detc_spl::Resolver for Resolve<'_> {
    fn macro_definition(&self, name: &str, arity: usize) -> Option<(Vec<String>, String)> {
        definition(self.0, name, arity)
    }

    fn lookup_fields(&self, name: &str) -> Option<Vec<String>> {
        // KV store collections' fields; a CSV lookup's columns are not
        // read here, so a search through one counts as "at least".
        let l = self
            .0
            .content
            .lookups
            .iter()
            .find(|l| l.common.name() == name)?;
        (!l.fields.is_empty()).then(|| l.fields.iter().map(|f| f.value.clone()).collect())
    }
}

/// What the search of the detection in file `rel` outputs.
fn outputs_of(p: &Project, rel: &str) -> Option<detc_spl::Fields> {
    let d = p.content.detections.iter().find(|d| d.common.path == rel)?;
    Some(detc_spl::output_fields(
        &d.search.as_ref()?.value,
        &Resolve(p),
    ))
}

/// Macro `name` with `n` arguments as the app defines it: its argument
/// names and its definition; a detection's filter macro that `macros/`
/// lacks is `search *`, as the build creates it (contentctl's rule, in
/// detc-plan).
fn definition(p: &Project, name: &str, n: usize) -> Option<(Vec<String>, String)> {
    if let Some(m) = p
        .content
        .macros
        .iter()
        .find(|m| m.common.name() == name && m.arguments.len() == n)
    {
        return Some((
            m.arguments.iter().map(|a| a.value.clone()).collect(),
            m.definition.as_ref()?.value.clone(),
        ));
    }
    let stem = name.strip_suffix("_filter")?;
    (n == 0
        && p.content
            .detections
            .iter()
            .any(|d| detc_content::naming::file_stem_for(d.common.name()) == stem))
    .then(|| (Vec::new(), "search *".to_string()))
}

fn publish(conn: &Connection, uri: &str, diagnostics: Vec<Diagnostic>) {
    let Ok(uri) = uri.parse::<Uri>() else {
        return;
    };
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version: None,
    };
    let n = Notification::new(
        lsp_types::notification::PublishDiagnostics::METHOD.to_string(),
        params,
    );
    // A closed connection ends the loop at its next receive.
    let _ = conn.sender.send(Message::Notification(n));
}

fn error(id: RequestId, code: ErrorCode, message: &str) -> Response {
    Response::new_err(id, code as i32, message.to_string())
}

/// One detc diagnostic as the editor shows it: the rule's code and name,
/// the message and its help, the related places.
fn diagnostic(
    p: &Project,
    root: &Path,
    d: &detc_diag::Diagnostic,
    range: lsp_types::Range,
) -> Diagnostic {
    let severity = match d.severity {
        detc_diag::Severity::Error => DiagnosticSeverity::ERROR,
        detc_diag::Severity::Warning => DiagnosticSeverity::WARNING,
        _ => DiagnosticSeverity::INFORMATION,
    };
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|l| {
            let f = p.sources.get(l.span.file);
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: uri_of(&root.join(&f.path)).parse().ok()?,
                    range: range_of(&f.text, l.span.start, l.span.end),
                },
                message: l.message.clone(),
            })
        })
        .collect();
    Diagnostic {
        range,
        severity: Some(severity),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some(format!("detc {}", d.name)),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Diagnostic::default()
    }
}

/// The content schemas (`detc schema`'s), by object, parsed once.
fn schemas() -> &'static std::collections::HashMap<String, serde_json::Value> {
    static SCHEMAS: std::sync::OnceLock<std::collections::HashMap<String, serde_json::Value>> =
        std::sync::OnceLock::new();
    SCHEMAS.get_or_init(|| {
        detc_schema::schemas()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(file, text)| {
                let object = file.strip_suffix(".schema.json")?.to_string();
                Some((object, serde_json::from_str(&text).ok()?))
            })
            .collect()
    })
}

/// The keys of the mappings that hold a key typed at `indent` on the line
/// starting at byte `line_start` of `text`, outermost first (`["tags"]`,
/// `["drilldown_searches"]` for an item of that list); `None` when a line
/// above cannot be read as a block mapping's key.
fn key_path(text: &str, line_start: usize, indent: usize) -> Option<Vec<String>> {
    let mut path = Vec::new();
    let mut want = indent;
    for above in text.get(..line_start)?.lines().rev() {
        if want == 0 {
            break;
        }
        let t = above.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let ind = above.len() - t.len();
        let (ind, t) = match t.strip_prefix("- ") {
            Some(rest) => (ind + 2, rest),
            None => (ind, t),
        };
        if ind < want {
            let key = t.strip_suffix(':')?.trim();
            path.push(key.to_string());
            want = above.len() - above.trim_start().len();
        }
    }
    path.reverse();
    Some(path)
}

/// The keys already written at `indent` in the mapping around the line at
/// `line_start` (its lines above and below, up to a less indented line).
fn sibling_keys(text: &str, line_start: usize, indent: usize) -> Vec<String> {
    let key_of = |line: &str| -> Option<(usize, String)> {
        let t = line.trim_start();
        let ind = line.len() - t.len();
        let (ind, t) = match t.strip_prefix("- ") {
            Some(rest) => (ind + 2, rest),
            None => (ind, t),
        };
        let (k, _) = t.split_once(':')?;
        Some((ind, k.trim().to_string()))
    };
    let mut out = Vec::new();
    let blank = |l: &str| l.trim().is_empty() || l.trim_start().starts_with('#');
    for l in text
        .get(..line_start)
        .unwrap_or("")
        .lines()
        .rev()
        .filter(|l| !blank(l))
    {
        let ind = l.len() - l.trim_start().len();
        if ind < indent && !(l.trim_start().starts_with("- ") && ind + 2 == indent) {
            break;
        }
        if let Some((i, k)) = key_of(l)
            && i == indent
        {
            out.push(k);
        }
        if l.trim_start().starts_with("- ") && ind + 2 == indent {
            break;
        }
    }
    for l in text
        .get(line_start..)
        .unwrap_or("")
        .lines()
        .skip(1)
        .filter(|l| !blank(l))
    {
        let ind = l.len() - l.trim_start().len();
        if ind < indent || (l.trim_start().starts_with("- ") && ind + 2 == indent) {
            break;
        }
        if let Some((i, k)) = key_of(l)
            && i == indent
        {
            out.push(k);
        }
    }
    out
}

/// The list item on the line of byte `at` (`- Some Story`) and the key
/// whose list it is (`analytic_story`).
fn list_item_at(text: &str, at: usize) -> Option<(String, String)> {
    let (line_start, line) = line_at(text, at)?;
    let item = line.trim_start().strip_prefix("- ")?.trim();
    let item = item
        .strip_prefix('\'')
        .and_then(|i| i.strip_suffix('\''))
        .or_else(|| item.strip_prefix('"').and_then(|i| i.strip_suffix('"')))
        .unwrap_or(item);
    Some((key_above(text, line_start)?, item.to_string()))
}

/// The key of the block holding the line that starts at byte `line_start`
/// of `text`: the nearest line above it, less indented (or, for a list
/// item at the key's own indentation, as indented), that ends in `key:`.
fn key_above(text: &str, line_start: usize) -> Option<String> {
    let line = text.get(line_start..)?.lines().next().unwrap_or("");
    let indent = line.len() - line.trim_start().len();
    for above in text.get(..line_start)?.lines().rev() {
        let t = above.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let ind = above.len() - t.len();
        if ind <= indent && !t.starts_with('-') {
            return t.strip_suffix(':').map(|k| k.trim().to_string());
        }
    }
    None
}

/// The ATT&CK ID (`T1078`, `T1078.003`) at byte `at` of `text`.
fn technique_at(text: &str, at: usize) -> Option<String> {
    let (s, e) = around(text, at, |c| c.is_ascii_alphanumeric() || c == '.');
    let w = text.get(s..e)?.trim_end_matches('.');
    let b = w.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let ok = b.first() == Some(&b'T')
        && digits(1..5)
        && (b.len() == 5 || (b.len() == 9 && b[5] == b'.' && digits(6..9)));
    ok.then(|| w.to_string())
}

/// The hover of technique `id`: its name, tactics, parent, and whether it
/// is revoked, deprecated or moved in a later ATT&CK version.
fn technique_hover(id: &str) -> Option<String> {
    let a = detc_attack::Attack::embedded();
    let t = a.technique(id);
    let moved = a.moved(id);
    if t.is_none() && moved.is_none() {
        return Some(format!(
            "**{id}**: not a technique of the embedded ATT&CK data"
        ));
    }
    let mut out = String::new();
    if let Some(t) = t {
        out.push_str(&format!("**{id} {}**", t.name));
        if let Some(parent) = detc_attack::Attack::parent_of(id).and_then(|p| a.technique(p)) {
            out.push_str(&format!(
                " (sub-technique of {} {})",
                parent.id, parent.name
            ));
        }
        if !t.tactics.is_empty() {
            out.push_str(&format!("\n\ntactics: {}", t.tactics.join(", ")));
        }
        if t.revoked {
            out.push_str(&format!(
                "\n\n**revoked**{}",
                t.revoked_by
                    .as_ref()
                    .map(|r| format!(", replaced by {r}"))
                    .unwrap_or_default()
            ));
        }
        if t.deprecated {
            out.push_str("\n\n**deprecated**");
        }
    } else {
        out.push_str(&format!("**{id}**"));
    }
    if let Some(m) = moved {
        match &m.to {
            Some(to) => out.push_str(&format!(
                "\n\nmoves to {to}{} in ATT&CK v{}",
                m.name
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default(),
                m.version
            )),
            None => out.push_str(&format!("\n\ndropped in ATT&CK v{}", m.version)),
        }
    }
    Some(out)
}

/// The line holding byte `at` of `text`: its first byte's offset and its
/// text, without the line break.
fn line_at(text: &str, at: usize) -> Option<(usize, &str)> {
    let start = text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    let end = text.get(at..)?.find('\n').map_or(text.len(), |i| at + i);
    Some((start, text.get(start..end)?))
}

/// The `$field$` token around byte `at` of `text`, on one line (not
/// Splunk's own `$info_min_time$` and the like, nor `%...%`).
fn token_at(text: &str, at: usize) -> Option<String> {
    let (line_start, line) = line_at(text, at)?;
    let rel = at - line_start;
    let dollars: Vec<usize> = line.match_indices('$').map(|(i, _)| i).collect();
    let pair = dollars
        .chunks(2)
        .find(|p| p.len() == 2 && p[0] <= rel && rel <= p[1])?;
    let tok = line.get(pair[0] + 1..pair[1])?;
    let ok = !tok.is_empty()
        && tok
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-:".contains(c))
        && !tok.starts_with("info_");
    ok.then(|| tok.to_string())
}

/// The macro call (name, number of arguments) inside the backticks around
/// byte `at` of `text`, on one line.
fn macro_at(text: &str, at: usize) -> Option<(String, usize)> {
    let (line_start, line) = line_at(text, at)?;
    let rel = at - line_start;
    // The backtick pair holding the cursor: ticks alternate open, close.
    let ticks: Vec<usize> = line.match_indices('`').map(|(i, _)| i).collect();
    let pair = ticks
        .chunks(2)
        .find(|p| p.len() == 2 && p[0] < rel && rel <= p[1])?;
    let call = line.get(pair[0] + 1..pair[1])?.trim();
    let (name, arity) = match call.split_once('(') {
        Some((n, rest)) => {
            let args = rest.strip_suffix(')')?;
            let n_args = if args.trim().is_empty() {
                0
            } else {
                args.split(',').count()
            };
            (n.trim(), n_args)
        }
        None => (call, 0),
    };
    (!name.is_empty()).then(|| (name.to_string(), arity))
}

/// The identifier (`[A-Za-z0-9_]+`) at byte `at` of `text`.
fn word_at(text: &str, at: usize) -> Option<&str> {
    let (s, e) = around(text, at, |c| c.is_ascii_alphanumeric() || c == '_');
    text.get(s..e).filter(|w| !w.is_empty())
}

/// The byte range around `at` whose characters all satisfy `keep`.
fn around(text: &str, at: usize, keep: impl Fn(char) -> bool) -> (usize, usize) {
    let at = at.min(text.len());
    let start = text
        .get(..at)
        .and_then(|t| {
            t.char_indices()
                .rev()
                .find(|(_, c)| !keep(*c))
                .map(|(i, c)| i + c.len_utf8())
        })
        .unwrap_or(0);
    let end = text
        .get(at..)
        .and_then(|t| {
            t.char_indices()
                .find(|(_, c)| !keep(*c))
                .map(|(i, _)| at + i)
        })
        .unwrap_or(text.len());
    (start, end.max(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_under_the_cursor_is_found() {
        let t = "  mitre_attack_id:\n  - T1078.003\n";
        let at = t.find("T1078").unwrap() + 3;
        assert_eq!(technique_at(t, at).as_deref(), Some("T1078.003"));
        assert_eq!(technique_at("name: Tomato", 7), None);
        let s = "search: '| tstats count | `security_content_ctime(firstTime)` | `x_filter`'";
        let at = s.find("ctime").unwrap();
        assert_eq!(macro_at(s, at), Some(("security_content_ctime".into(), 1)));
        let at = s.find("x_filter").unwrap();
        assert_eq!(macro_at(s, at), Some(("x_filter".into(), 0)));
        assert_eq!(macro_at(s, s.find("tstats").unwrap()), None);
        assert_eq!(word_at("| lookup my_lookup user", 12), Some("my_lookup"));
        let y = "tags:\n  mitre_attack_id:\n  - T1110.003\n  - T11\n";
        assert_eq!(
            key_above(y, y.find("  - T11\n").unwrap()).as_deref(),
            Some("mitre_attack_id")
        );
        assert_eq!(key_above("a:\n  b: 1\n", 3).as_deref(), Some("a"));
    }

    #[test]
    fn the_keys_around_a_line_are_found() {
        let y = "name: x\ntags:\n  analytic_story:\n  - A\n  \n  product: []\ndrilldown_searches:\n- name: d\n  \n";
        let at = y.find("  \n  product").unwrap();
        assert_eq!(key_path(y, at, 2), Some(vec!["tags".to_string()]));
        assert_eq!(
            sibling_keys(y, at, 2),
            vec!["analytic_story".to_string(), "product".to_string()]
        );
        let at = y.rfind("  \n").unwrap();
        assert_eq!(
            key_path(y, at, 2),
            Some(vec!["drilldown_searches".to_string()])
        );
        assert_eq!(sibling_keys(y, at, 2), vec!["name".to_string()]);
        assert_eq!(key_path(y, y.find("tags:").unwrap(), 0), Some(vec![]));
        assert!(
            sibling_keys(y, y.find("tags:").unwrap(), 0)
                .contains(&"drilldown_searches".to_string())
        );
    }

    #[test]
    fn a_technique_hover_names_it_and_its_tactics() {
        let h = technique_hover("T1078.003").unwrap();
        assert!(
            h.contains("Local Accounts") && h.contains("sub-technique of T1078 Valid Accounts"),
            "{h}"
        );
        assert!(h.contains("tactics:"), "{h}");
        assert!(
            technique_hover("T9999")
                .unwrap()
                .contains("not a technique")
        );
    }
}
