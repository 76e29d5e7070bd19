//! How `detc test` reads a sourcetype's events (`sourcetypes/*.yml`, a
//! detc extension): the time field, the add-on's calculated fields, and
//! the CIM data model mappings.

use detc_diag::Span;
use detc_yaml::{Decoder, NodeId, Spanned};

/// How `detc test` reads the events of one sourcetype (`sourcetypes/*.yml`,
/// a detc extension; see docs/testing.md): what Splunk's props.conf and
/// transforms.conf of a technology add-on, and the CIM data models'
/// constraints, do in Splunk. Nothing of it is built into the app.
#[derive(Debug, Clone)]
pub struct Sourcetype {
    /// The file, relative to the content root.
    pub path: String,
    /// `name`: the sourcetype, as attack data names it (`aws:cloudtrail`).
    pub name: Option<Spanned<String>>,
    /// `description`.
    pub description: Option<Spanned<String>>,
    /// `format`: how the attack data holds its events, one of
    /// [`EVENT_FORMATS`]: `json` (the default: a JSON list, CloudTrail's
    /// `{"Records": [...]}` or JSON lines, fields as `KV_MODE = json` names
    /// them) or `xmlwineventlog` (Windows events rendered as XML, fields as
    /// the Windows and Sysmon add-ons name them).
    pub format: Option<Spanned<String>>,
    /// `time`: the event field that holds the event's time (`_time`):
    /// ISO 8601 with a zone, or epoch seconds.
    pub time: Option<Spanned<String>>,
    /// `calculated_fields`: search-time fields the add-on gives every
    /// event (props.conf `EVAL-<field>` and `FIELDALIAS-`): field to an
    /// eval expression over the extracted fields, each evaluated on those
    /// alone (as Splunk evaluates calculated fields independently of one
    /// another); a null result removes the field.
    pub calculated_fields: Vec<(Spanned<String>, Spanned<String>)>,
    /// `datamodels`: the CIM data models its events map to.
    pub datamodels: Vec<DatamodelMapping>,
}

/// How events of a sourcetype become rows of one CIM data model dataset,
/// as `| tstats ... from datamodel=<datamodel>` sees them.
#[derive(Debug, Clone)]
pub struct DatamodelMapping {
    /// The mapping in the YAML.
    pub span: Span,
    /// `datamodel`: the data model's name (`Change`).
    pub datamodel: Option<Spanned<String>>,
    /// `dataset`: the root dataset whose name prefixes the fields
    /// (`All_Changes`, so `user` is `All_Changes.user`).
    pub dataset: Option<Spanned<String>>,
    /// `constraint`: search terms over the event's fields that select the
    /// events the data model holds (the dataset's constraint in Splunk:
    /// its tags); every event when absent.
    pub constraint: Option<Spanned<String>>,
    /// `fields`: dataset field (without the prefix) to an eval expression
    /// over the event's fields, in file order; an expression sees the
    /// fields mapped before it, as in `eval a=..., b=...`. A null result
    /// leaves the field out.
    pub fields: Vec<(Spanned<String>, Spanned<String>)>,
}

/// The values of a sourcetype definition's `format`.
pub const EVENT_FORMATS: &[&str] = &["json", "xmlwineventlog"];

/// Decodes a sourcetype definition (`sourcetypes/*.yml`).
pub fn sourcetype(de: &mut Decoder, root: NodeId, path: &str) -> Option<Sourcetype> {
    let mut m = de.map(root, "sourcetype")?;
    let name = m.req_str(de, "name");
    let description = m.opt_str(de, "description");
    m.note_enum("format", EVENT_FORMATS);
    let format = m
        .opt_str(de, "format")
        .and_then(|v| super::decode::one_of(de, v, EVENT_FORMATS, "format"));
    let time = m.req_str(de, "time");
    let calculated_fields = m
        .get_some(de, "calculated_fields")
        .map(|n| expressions(de, n, "calculated_fields"))
        .unwrap_or_default();
    let mut datamodels = Vec::new();
    if let Some(n) = m.get_some(de, "datamodels") {
        for dn in de.seq(n, "datamodels").unwrap_or_default() {
            let Some(mut d) = de.map(dn, "data model mapping") else {
                continue;
            };
            let span = d.span;
            let datamodel = d.req_str(de, "datamodel");
            let dataset = d.req_str(de, "dataset");
            let constraint = d.opt_str(de, "constraint");
            let fields = d
                .req(de, "fields", "a mapping of field to eval expression")
                .map(|n| expressions(de, n, "fields"))
                .unwrap_or_default();
            d.finish(de);
            datamodels.push(DatamodelMapping {
                span,
                datamodel,
                dataset,
                constraint,
                fields,
            });
        }
    }
    m.finish(de);
    Some(Sourcetype {
        path: path.to_string(),
        name,
        description,
        format,
        time,
        calculated_fields,
        datamodels,
    })
}

/// A mapping of field name to eval expression, in file order.
fn expressions(de: &mut Decoder, n: NodeId, what: &str) -> Vec<(Spanned<String>, Spanned<String>)> {
    let mut out = Vec::new();
    if let Some(mut fm) = de.map(n, what) {
        for (k, kn, vn) in fm.take_all() {
            if let Some(v) = de.string(vn, what) {
                out.push((Spanned::new(k, de.span(kn)), v));
            }
        }
        fm.finish(de);
    }
    out
}
