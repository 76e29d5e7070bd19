//! Rendering the templates with minijinja.
//!
//! Every output file has a template in `crates/detc-build/templates/`,
//! embedded in the binary; `--templates DIR` replaces any of them by a file
//! of the same name in DIR. Templates see the [`detc_plan::Context`] and
//! three filters besides minijinja's built-ins (`tojson` among them):
//!
//! - `conf`: a value as written after `key = ` (trimmed, newlines as
//!   continuation lines); fails on what Splunk would read differently.
//! - `conf_entries`: a stanza of the plan (`d.conf`, `d.use_case`,
//!   `b.conf`, `s.conf`, ...: [`detc_plan::conf`]) as its `key = value`
//!   lines, each value through `conf`.
//! - `stanza`: a stanza name, checked.
//!
//! Undefined variables are errors (a typo in an overriding template must
//! not silently write an empty value). Every rendered `.conf` and `.meta`
//! file is read back with [`detc_conf::check`]: a line that is neither a
//! header, a key nor a comment, or a duplicate stanza or key, fails the
//! build with the template's name and line.

use crate::BuildError;
use detc_plan::{Context, Field};
use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use minijinja::{Environment, ErrorKind, UndefinedBehavior};
use serde::Serialize;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// A list of the context that can hand out one template value at a time.
trait Items: Send + Sync + 'static {
    fn count(&self) -> usize;
    fn value(&self, cx: &Arc<Context>, i: usize) -> Option<Value>;
}

impl<T: Planned + Send + Sync + 'static> Items for [T] {
    fn count(&self) -> usize {
        self.len()
    }

    fn value(&self, _: &Arc<Context>, i: usize) -> Option<Value> {
        self.get(i).map(Planned::value)
    }
}

/// An item of the context as a template sees it: its view's fields, and
/// for what has stanzas, `conf` (its savedsearches.conf or
/// analyticstories.conf stanza, [`detc_plan::conf`]) and `use_case` (its
/// analyticstories.conf `savedsearch://` stanza), as [`StanzaValue`]s.
trait Planned {
    fn value(&self) -> Value;
}

/// A stanza of the plan as a template sees it: `name`, `entries` (a list
/// of `{key, value}`), and the whole body at once through the
/// `conf_entries` filter, which writes it without converting each entry.
#[derive(Debug)]
pub(crate) struct StanzaValue(pub(crate) detc_plan::Stanza);

impl StanzaValue {
    pub(crate) fn value(s: detc_plan::Stanza) -> Value {
        Value::from_object(StanzaValue(s))
    }
}

impl Object for StanzaValue {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "name" => Some(Value::from(self.0.name.as_str())),
            "entries" => Some(Value::from_serialize(&self.0.entries)),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&["name", "entries"])
    }
}

/// A view with the stanzas the plan decides for it.
#[derive(Debug)]
struct WithStanzas {
    view: Value,
    conf: Value,
    use_case: Option<Value>,
}

impl WithStanzas {
    fn value(
        view: &impl Serialize,
        conf: detc_plan::Stanza,
        use_case: Option<detc_plan::Stanza>,
    ) -> Value {
        Value::from_object(WithStanzas {
            view: Value::from_serialize(view),
            conf: StanzaValue::value(conf),
            use_case: use_case.map(StanzaValue::value),
        })
    }
}

impl Object for WithStanzas {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "conf" => Some(self.conf.clone()),
            "use_case" => self.use_case.clone(),
            _ => self
                .view
                .get_attr(key.as_str()?)
                .ok()
                .filter(|v| !v.is_undefined()),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = self
            .view
            .try_iter()
            .map(|k| k.collect())
            .unwrap_or_default();
        keys.push(Value::from("conf"));
        if self.use_case.is_some() {
            keys.push(Value::from("use_case"));
        }
        Enumerator::Values(keys)
    }
}

impl Planned for detc_plan::BaselineView {
    fn value(&self) -> Value {
        WithStanzas::value(
            self,
            detc_plan::conf::baseline(self),
            Some(detc_plan::conf::baseline_use_case(self)),
        )
    }
}

impl Planned for detc_plan::InvestigationView {
    fn value(&self) -> Value {
        WithStanzas::value(
            self,
            detc_plan::conf::investigation(self),
            Some(detc_plan::conf::investigation_use_case(self)),
        )
    }
}

impl Planned for detc_plan::StoryView {
    fn value(&self) -> Value {
        WithStanzas::value(self, detc_plan::conf::story(self), None)
    }
}

impl Planned for detc_plan::MacroView {
    fn value(&self) -> Value {
        Value::from_serialize(self)
    }
}

impl Planned for detc_plan::LookupView {
    fn value(&self) -> Value {
        match detc_plan::conf::lookup(self) {
            Some(conf) => WithStanzas::value(self, conf, None),
            None => Value::from_serialize(self),
        }
    }
}

/// A detection is a [`DetectionValue`]: its fields are computed as a
/// template reads them.
impl Items for detc_plan::Detections {
    fn count(&self) -> usize {
        self.len()
    }

    fn value(&self, cx: &Arc<Context>, i: usize) -> Option<Value> {
        (i < self.len()).then(|| {
            Value::from_object(DetectionValue {
                cx: Arc::clone(cx),
                i,
                full: OnceLock::new(),
            })
        })
    }
}

/// The `i`th detection as a template sees it: a map with the fields of
/// [`detc_plan::DetectionView`]. A field that
/// [`detc_plan::Detections::field`] computes alone, read before any
/// other, is computed alone
/// (`analyticstories.conf` reads nothing else, and building and converting
/// a whole view for each of 1,711 detections was most of its render); the
/// first other field builds and converts the whole view, which then
/// serves every field.
#[derive(Debug)]
struct DetectionValue {
    cx: Arc<Context>,
    i: usize,
    full: OnceLock<Value>,
}

impl DetectionValue {
    fn full(&self) -> &Value {
        self.full.get_or_init(|| {
            self.cx
                .detections
                .get(self.i)
                .map(|v| Value::from_serialize(&v))
                .unwrap_or_default()
        })
    }
}

impl Object for DetectionValue {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        // The stanzas, decided by the plan, each built on its own.
        match key {
            "conf" => return self.cx.detections.stanza(self.i).map(StanzaValue::value),
            "use_case" => return self.cx.detections.use_case(self.i).map(StanzaValue::value),
            _ => {}
        }
        if self.full.get().is_none()
            && let Some(f) = self.cx.detections.field(self.i, key)
        {
            return Some(match f {
                Field::Text(t) => Value::from(t),
                other => Value::from_serialize(&other),
            });
        }
        self.full().get_attr(key).ok().filter(|v| !v.is_undefined())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.full().try_iter() {
            Ok(keys) => Enumerator::Values(keys.collect()),
            Err(_) => Enumerator::Empty,
        }
    }
}

/// One of the context's lists, converted to template values an item at a
/// time as a template reads it. `Value::from_serialize` of the whole
/// context would hold a second copy of every detection for the whole
/// render (15 MiB for 1,300 detections); this holds one.
struct LazyList<L: ?Sized + 'static> {
    cx: Arc<Context>,
    list: fn(&Context) -> &L,
}

impl<L: Items + ?Sized> std::fmt::Debug for LazyList<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} items]", (self.list)(&self.cx).count())
    }
}

impl<L: Items + ?Sized> Object for LazyList<L> {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        (self.list)(&self.cx).value(&self.cx, key.as_usize()?)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq((self.list)(&self.cx).count())
    }
}

/// The template context: [`Context`]'s fields, its lists lazily.
fn context_value(cx: &Arc<Context>) -> Value {
    fn lazy<L: Items + ?Sized>(cx: &Arc<Context>, list: fn(&Context) -> &L) -> Value {
        Value::from_object(LazyList {
            cx: Arc::clone(cx),
            list,
        })
    }
    minijinja::context! {
        app => Value::from_serialize(&cx.app),
        detections => lazy(cx, |c| &c.detections),
        baselines => lazy(cx, |c| c.baselines.as_slice()),
        stories => lazy(cx, |c| c.stories.as_slice()),
        macros => lazy(cx, |c| c.macros.as_slice()),
        lookups => lazy(cx, |c| c.lookups.as_slice()),
        investigations => lazy(cx, |c| c.investigations.as_slice()),
        detc_version => cx.detc_version,
    }
}

/// A built-in template: its name, the file it writes in the app, and its
/// text (embedded from `crates/detc-build/templates/`).
pub struct Template {
    /// File name, also the name `--templates DIR` overrides it by.
    pub name: &'static str,
    /// Path of the output inside the app.
    pub output: &'static str,
    /// The template text.
    pub source: &'static str,
}

macro_rules! template {
    ($name:literal, $output:literal) => {
        Template {
            name: $name,
            output: $output,
            source: include_str!(concat!("../templates/", $name)),
        }
    };
}

/// Every template, in output order. A `.conf` that renders with no stanza
/// (for example `collections.conf` when no lookup is a KV store
/// collection) is not written: AppInspect warns about some files by their
/// mere presence.
pub const TEMPLATES: &[Template] = &[
    template!("app.conf.j2", "default/app.conf"),
    template!("app.manifest.j2", "app.manifest"),
    template!("savedsearches.conf.j2", "default/savedsearches.conf"),
    template!("analyticstories.conf.j2", "default/analyticstories.conf"),
    template!("macros.conf.j2", "default/macros.conf"),
    template!("transforms.conf.j2", "default/transforms.conf"),
    template!("collections.conf.j2", "default/collections.conf"),
    template!(
        "es_investigations.conf.j2",
        "default/es_investigations.conf"
    ),
    template!("workflow_actions.conf.j2", "default/workflow_actions.conf"),
    template!("commands.conf.j2", "default/commands.conf"),
    template!("authorize.conf.j2", "default/authorize.conf"),
    template!("searchbnf.conf.j2", "default/searchbnf.conf"),
    template!("server.conf.j2", "default/server.conf"),
    template!("content-version.conf.j2", "default/content-version.conf"),
    template!("default.meta.j2", "metadata/default.meta"),
    template!("nav.xml.j2", "default/data/ui/nav/default.xml"),
    template!("README.md.j2", "README.md"),
];

/// The embedded template `name`.
pub fn builtin(name: &str) -> Option<&'static str> {
    TEMPLATES.iter().find(|t| t.name == name).map(|t| t.source)
}

fn conf_filter(v: &str) -> Result<String, minijinja::Error> {
    detc_conf::value_text(v).map_err(|m| conf_error(&m, v))
}

/// A value the `.conf` file cannot hold, as a render error.
fn conf_error(m: &str, v: &str) -> minijinja::Error {
    let head: String = v.chars().take(60).collect();
    minijinja::Error::new(
        ErrorKind::InvalidOperation,
        format!("{m} (value starting {head:?})"),
    )
}

/// `conf_entries`: a plan stanza's entries as `key = value` lines (each
/// value through `conf`), joined by newlines, without a last one.
fn conf_entries_filter(v: &Value) -> Result<String, minijinja::Error> {
    let s = v.downcast_object_ref::<StanzaValue>().ok_or_else(|| {
        minijinja::Error::new(
            ErrorKind::InvalidOperation,
            "conf_entries takes a stanza of the plan (`d.conf`, `d.use_case`, `b.conf`, ...)",
        )
    })?;
    // One allocation of about the right size (a value's continuation
    // lines add a little).
    let size: usize =
        s.0.entries
            .iter()
            .map(|e| e.key.len() + e.value.len() + 4)
            .sum();
    let mut out = String::with_capacity(size + size / 16);
    for (i, e) in s.0.entries.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(e.key);
        out.push_str(" = ");
        detc_conf::push_value(&mut out, &e.value).map_err(|m| conf_error(&m, &e.value))?;
    }
    Ok(out)
}

fn stanza_filter(v: &str) -> Result<String, minijinja::Error> {
    detc_conf::check_stanza_name(v)
        .map(|_| v.to_string())
        .map_err(|m| minijinja::Error::new(ErrorKind::InvalidOperation, format!("[{v}]: {m}")))
}

/// Renders every template, `savedsearches.conf` (most of the work) on a
/// thread of its own beside the others. Returns `(output path, text)` in
/// [`TEMPLATES`] order, leaving out `.conf` files without a stanza.
///
/// # Errors
/// A template in `overrides` that cannot be read or has a syntax error, a
/// file in `overrides` that names no template (a likely typo), a render
/// error, a generated `.conf` that does not read back: all of them, each
/// naming the template and, where known, its line.
pub fn render_all(
    cx: &Arc<Context>,
    overrides: Option<&Path>,
) -> Result<Vec<(String, String)>, Vec<BuildError>> {
    let mut errors = Vec::new();
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // No auto-escaping: .conf values go through `conf`, JSON through
    // `tojson`, and the one XML template escapes with `e` where needed.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("conf", conf_filter);
    env.add_filter("stanza", stanza_filter);
    env.add_filter("conf_entries", conf_entries_filter);
    if let Some(dir) = overrides {
        match std::fs::read_dir(dir) {
            Err(e) => errors.push(BuildError::new(format!(
                "cannot read the templates folder `{}`: {e}",
                dir.display()
            ))),
            Ok(rd) => {
                let mut names: Vec<String> = rd
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                names.sort();
                for n in names {
                    if builtin(&n).is_none() {
                        let known: Vec<&str> = TEMPLATES.iter().map(|t| t.name).collect();
                        errors.push(BuildError::new(format!(
                            "`{}` replaces no template; the templates are: {}",
                            dir.join(&n).display(),
                            known.join(", ")
                        )));
                    }
                }
            }
        }
    }
    for &Template { name, source, .. } in TEMPLATES {
        let source = match overrides.map(|d| d.join(name)).filter(|p| p.exists()) {
            Some(p) => match std::fs::read_to_string(&p) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(BuildError::new(format!(
                        "cannot read the template `{}`: {e}",
                        p.display()
                    )));
                    continue;
                }
            },
            None => source.to_string(),
        };
        if let Err(e) = env.add_template_owned(name.to_string(), source) {
            errors.push(template_error(name, overrides, &e));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let ctx = context_value(cx);
    let render_one =
        |&Template { name, output, .. }: &Template| -> Result<Option<String>, Vec<BuildError>> {
            let text = env
                .get_template(name)
                .and_then(|t| t.render(&ctx))
                .map_err(|e| vec![template_error(name, overrides, &e)])?;
            if output.ends_with(".conf") || output.ends_with(".meta") {
                match detc_conf::check(&text) {
                    Ok(0) => return Ok(None),
                    Ok(_) => {}
                    Err(es) => {
                        return Err(es
                            .into_iter()
                            .map(|e| {
                                BuildError::new(format!(
                                    "the template `{name}` wrote an invalid `{output}`: {e}"
                                ))
                            })
                            .collect());
                    }
                }
            }
            Ok(Some(text))
        };
    // savedsearches.conf is most of the work: it renders on a thread of its
    // own while this one renders the rest. Results keep TEMPLATES order.
    let big = TEMPLATES
        .iter()
        .position(|t| t.name == "savedsearches.conf.j2")
        .unwrap_or(0);
    let (first, mut results): (_, Vec<_>) = detc_content::par::join(
        || render_one(&TEMPLATES[big]),
        || {
            TEMPLATES
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != big)
                .map(|(i, t)| (i, render_one(t)))
                .collect()
        },
    );
    results.insert(big, (big, first));
    let mut out = Vec::new();
    for (i, r) in results {
        match r {
            Ok(Some(text)) => out.push((TEMPLATES[i].output.to_string(), text)),
            Ok(None) => {}
            Err(es) => errors.extend(es),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn template_error(name: &str, overrides: Option<&Path>, e: &minijinja::Error) -> BuildError {
    let origin = match overrides.map(|d| d.join(name)).filter(|p| p.exists()) {
        Some(p) => p.display().to_string(),
        None => format!("built-in {name}"),
    };
    let mut msg = format!("the template `{origin}` failed to render");
    if let Some(line) = e.line() {
        msg.push_str(&format!(" at line {line}"));
    }
    msg.push_str(&format!(": {}", e.detail().unwrap_or(&e.to_string())));
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    BuildError::new(msg)
}
