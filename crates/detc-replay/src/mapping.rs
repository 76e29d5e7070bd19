//! Events to rows of a CIM data model, as the content declares it
//! (`sourcetypes/*.yml`, a detc extension): the events the dataset's
//! constraint selects, each field an eval expression over the event's
//! fields. In Splunk the technology add-on's field extractions and the data
//! model's constraints do this; `| tstats ... from datamodel=...` then
//! reads the rows.
//!
//! Expressions are evaluated on the event's fields, each result visible to
//! the later expressions under its own name (as `eval a=..., b=...` does:
//! a later expression that names an earlier field gets that field's
//! expression); a null result leaves the field out of the row. Every row keeps
//! the event's `_time`; the other fields are named `<dataset>.<field>`.

use crate::Row;
use crate::spl::{Evaluate, Expr, SearchTerms, compile};

/// A compiled mapping of events to one data model dataset: one or more
/// arms (a sourcetype's events of several kinds, each with its constraint
/// and fields: Sysmon's process creation and Security's 4688 both give
/// `Processes`); an event takes the first arm whose constraint selects it.
#[derive(Debug)]
pub struct Mapping {
    prefix: String,
    arms: Vec<Arm>,
}

/// One kind of event of a [`Mapping`].
#[derive(Debug)]
struct Arm {
    constraint: Option<SearchTerms>,
    fields: Vec<(String, Expr)>,
}

/// Where a mapping does not compile.
#[derive(Debug, Clone, PartialEq)]
pub enum MappingError {
    /// The constraint's search terms, with why.
    Constraint(String),
    /// The expression of field number `.0` (in the order given), with why.
    Field(usize, String),
}

impl Mapping {
    /// Compiles a mapping of one arm: `dataset` prefixes the fields
    /// (`All_Changes`), `constraint` selects events (search terms; all
    /// events when `None`), `fields` are `(field, eval expression)` in
    /// order.
    ///
    /// # Errors
    /// The constraint or an expression is outside the SPL subset
    /// ([`crate::spl`]), with which one.
    pub fn compile(
        dataset: &str,
        constraint: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Result<Mapping, MappingError> {
        let constraint = constraint
            .map(SearchTerms::parse)
            .transpose()
            .map_err(MappingError::Constraint)?;
        // A reference to a field mapped earlier is replaced by its
        // expression, so each expression evaluates on the event alone.
        let mut compiled: Vec<(String, Expr)> = Vec::with_capacity(fields.len());
        for (i, (f, e)) in fields.iter().enumerate() {
            let x = compile(e).map_err(|err| MappingError::Field(i, err))?;
            let x = x.substitute(&compiled);
            compiled.push((f.to_string(), x));
        }
        Ok(Mapping {
            prefix: format!("{dataset}."),
            arms: vec![Arm {
                constraint,
                fields: compiled,
            }],
        })
    }

    /// Adds the arms of `other` after this mapping's (`other` maps the
    /// same dataset; its prefix is not read).
    pub fn or(mut self, other: Mapping) -> Mapping {
        self.arms.extend(other.arms);
        self
    }

    /// The dataset prefix with its dot (`All_Changes.`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether an arm of the mapping gives the field `name` (without the
    /// prefix).
    pub fn maps(&self, name: &str) -> bool {
        self.arms
            .iter()
            .any(|a| a.fields.iter().any(|(f, _)| f == name))
    }

    /// The data model row of `event` (its fields, with `_time`), from the
    /// first arm whose constraint selects it, or `None` when no constraint
    /// does or it has no `_time` (an event without a time cannot be placed
    /// in a search's time range).
    pub fn apply(&self, event: &Row) -> Option<Row> {
        let time = event.first("_time")?;
        let arm = self
            .arms
            .iter()
            .find(|a| a.constraint.as_ref().is_none_or(|c| c.matches(event)))?;
        let mut out = Row::new();
        out.set("_time", time);
        for (name, e) in &arm.fields {
            let v = e.eval(event).values();
            if !v.is_empty() {
                out.0.insert(format!("{}{name}", self.prefix), v);
            }
        }
        Some(out)
    }
}

/// Search-time calculated fields of a sourcetype (props.conf
/// `EVAL-<field>`, and `FIELDALIAS-` written as an expression naming the
/// field): each expression is evaluated on the event's extracted fields
/// alone, never on another calculated field, as Splunk evaluates them; the
/// results then replace the fields (a null removes it).
#[derive(Debug, Default)]
pub struct CalculatedFields(Vec<(String, Expr)>);

impl CalculatedFields {
    /// Compiles `(field, eval expression)` pairs.
    ///
    /// # Errors
    /// The index of the first expression outside the SPL subset, and why.
    pub fn compile(fields: &[(&str, &str)]) -> Result<CalculatedFields, (usize, String)> {
        fields
            .iter()
            .enumerate()
            .map(|(i, (f, e))| {
                compile(e)
                    .map(|x| (f.to_string(), x))
                    .map_err(|err| (i, err))
            })
            .collect::<Result<_, _>>()
            .map(CalculatedFields)
    }

    /// Adds the calculated fields to `event`.
    pub fn apply(&self, event: &mut Row) {
        let values: Vec<Vec<String>> = self.0.iter().map(|(_, e)| e.eval(event).values()).collect();
        for ((name, _), v) in self.0.iter().zip(values) {
            event.put(name, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calculated_fields_see_only_the_extracted_fields() {
        let c = CalculatedFields::compile(&[
            ("errorCode", "coalesce(errorCode, \"success\")"),
            ("src", "sourceIPAddress"),
            ("copy", "src"),
        ])
        .unwrap();
        let mut e = Row::new();
        e.set("sourceIPAddress", "1.2.3.4");
        e.set("src", "old");
        c.apply(&mut e);
        assert_eq!(e.first("errorCode"), Some("success"));
        assert_eq!(e.first("src"), Some("1.2.3.4"));
        assert_eq!(e.first("copy"), Some("old"), "not the calculated src");
        let mut e = Row::new();
        e.set("errorCode", "AccessDenied");
        c.apply(&mut e);
        assert_eq!(e.first("errorCode"), Some("AccessDenied"));
        assert_eq!(e.first("src"), None, "null removes the field");
        assert_eq!(CalculatedFields::compile(&[("a", "f(")]).unwrap_err().0, 0);
    }

    #[test]
    fn constraint_order_and_nulls() {
        let m = Mapping::compile(
            "All_Changes",
            Some("eventType=AwsApiCall OR NOT eventType=*"),
            &[
                ("user", "coalesce('userIdentity.userName', \"unknown\")"),
                ("object", "if(eventName=\"CreateAccessKey\", user, null())"),
                ("result", "errorCode"),
            ],
        )
        .unwrap();
        let mut e = Row::new();
        e.set("_time", "100");
        e.set("eventName", "CreateAccessKey");
        e.set("userIdentity.userName", "alice");
        let row = m.apply(&e).unwrap();
        assert_eq!(row.first("_time"), Some("100"));
        assert_eq!(row.first("All_Changes.user"), Some("alice"));
        assert_eq!(
            row.first("All_Changes.object"),
            Some("alice"),
            "sees `user`"
        );
        assert_eq!(row.first("All_Changes.result"), None, "null: left out");
        e.set("eventType", "AwsServiceEvent");
        assert!(m.apply(&e).is_none());
        assert_eq!(
            Mapping::compile("X", None, &[("a", "1"), ("b", "nosuch(a)")]).unwrap_err(),
            MappingError::Field(
                1,
                "the function `nosuch` with 1 argument(s) is not replayed".into()
            )
        );
        assert!(matches!(
            Mapping::compile("X", Some("a IN b"), &[]),
            Err(MappingError::Constraint(_))
        ));
    }
}
