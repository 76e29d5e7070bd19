//! Every rule detc checks, with its stable code: the one registry that the
//! YAML reader (`detc-yaml`, the `Y` and `S` rules), the content rules
//! (`detc-content`), the reports and `docs/rules.md` take codes, names and
//! levels from.
//!
//! Codes are grouped by letter: `Y` YAML, `S` schema, `C` content
//! references and identity, `A` MITRE ATT&CK, `Q` the SPL search
//! (macros, lookups, filter macro), `R` risk-based alerting, `D`
//! drilldowns, `P` contentctl's detection policies, `L` lookup files, `M`
//! content format (4.x and 5.x), `F` files and configuration. `contentctl`
//! says whether contentctl 5.6 enforces the same rule (the others are
//! detc's own).
//!
//! A rule is named in code by its constant in [`code`] (`code::D001`): a
//! misspelled code does not compile, and [`diag`] cannot be handed a code
//! that is not registered.

use detc_diag::{Diagnostic, RuleInfo, Severity};

/// A rule's identity and default level.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable code.
    pub code: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Whether contentctl 5.6 has the same rule.
    pub contentctl: bool,
    /// One line on what it checks.
    pub summary: &'static str,
}

/// A registered rule, as a constant of [`code`]: an index into [`RULES`],
/// made only by this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code(usize);

impl Code {
    /// The rule.
    pub fn rule(self) -> &'static Rule {
        &RULES[self.0]
    }

    /// The code text (`D001`).
    pub fn as_str(self) -> &'static str {
        RULES[self.0].code
    }
}

/// The index of `code` in [`RULES`], at compile time.
const fn index_of(code: &str) -> usize {
    let want = code.as_bytes();
    let mut i = 0;
    while i < RULES.len() {
        let have = RULES[i].code.as_bytes();
        if have.len() == want.len() {
            let mut j = 0;
            while j < want.len() && have[j] == want[j] {
                j += 1;
            }
            if j == want.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("a rule code constant without a registry entry")
}

macro_rules! rules {
    ($($code:ident $name:literal $sev:ident $cc:literal $summary:literal;)*) => {
        /// All rules, in code order.
        pub const RULES: &[Rule] = &[$(Rule { code: stringify!($code), name: $name, severity: Severity::$sev, contentctl: $cc, summary: $summary }),*];

        /// One constant per rule.
        pub mod code {
            use super::{Code, index_of};
            $(
                #[doc = $summary]
                pub const $code: Code = Code(index_of(stringify!($code)));
            )*
        }
    };
}

rules! {
    F001 "io-error" Error true "a content file or folder cannot be read";
    F002 "file-too-large" Error false "a content file is larger than the size limit";
    F003 "not-utf8" Error true "a content file is not valid UTF-8";
    F004 "config" Error true "contentctl.yml is missing or invalid";
    F005 "detc-toml" Error false "detc.toml is invalid or sets an unknown rule";
    Y001 "yaml-syntax" Error true "the file is not valid YAML";
    Y002 "duplicate-key" Error false "a mapping has the same key twice";
    Y003 "tab-indentation" Error true "a tab is used for indentation";
    Y004 "byte-order-mark" Warning false "the file starts with a byte-order mark";
    Y005 "crlf-line-endings" Warning false "the file uses CRLF line endings";
    Y007 "yaml-too-complex" Error false "nesting or alias expansion passes the limits";
    Y008 "empty-file" Error true "the file holds no content object";
    Y009 "multiple-documents" Error false "the file holds more than one YAML document";
    Y010 "quoted-scalar-indentation" Warning false "a quoted string's continuation lines are not indented past its key (PyYAML accepts it)";
    S001 "missing-field" Error true "a required field is missing";
    S002 "unknown-key" Error true "a key is not a field of the object";
    S003 "wrong-type" Error true "a value has the wrong type";
    S004 "invalid-value" Error true "a value is not one of the allowed values";
    S005 "constraint" Error true "a value breaks a length, range or format constraint";
    S006 "ignored-key" Warning false "a key that contentctl 4.4.7 ignores has no effect";
    S007 "contentctl5-strict" Error true "with extensions off: a detc extension, or something else contentctl 5.6.2 refuses";
    C001 "duplicate-name" Error true "two content objects have the same name";
    C002 "duplicate-id" Error true "two content objects have the same id";
    C003 "file-name" Error true "the file name does not match the object's name";
    C004 "unknown-story" Error true "an analytic story that does not exist is named";
    C005 "unknown-data-source" Error true "a data source that does not exist is named";
    C006 "unknown-deployment" Error true "the deployment a detection needs does not exist";
    C007 "future-date" Error true "a date is after today";
    C008 "unknown-detection" Warning true "a baseline names a detection that does not exist";
    C009 "duplicate-reference" Error true "a story or data source is named twice in one list";
    C010 "dashboard-definition" Error true "a dashboard's JSON definition is missing, invalid, or not titled with its name";
    A001 "unknown-technique" Error true "a MITRE ATT&CK technique does not exist";
    A002 "revoked-technique" Error false "a technique is revoked or deprecated in ATT&CK";
    A003 "technique-moved" Warning false "a technique moves to another ID in the next ATT&CK version";
    A004 "technique-and-subtechnique" Error true "a technique and its own sub-technique are both listed";
    A005 "unknown-detection-strategy" Error false "an ATT&CK detection strategy (DET####) does not exist";
    A006 "detection-strategy-mismatch" Error false "a detection strategy does not detect any listed technique";
    A007 "unknown-analytic" Error false "an ATT&CK analytic (AN####) does not exist";
    A008 "analytic-mismatch" Error false "an analytic does not belong to a listed detection strategy or technique";
    Q001 "missing-filter-macro" Error true "the search does not use its `<name>_filter` macro";
    Q002 "filter-macro-misplaced" Error false "the `<name>_filter` macro is written inside another command, after `search`, or twice";
    Q003 "undefined-macro" Error true "the search uses a macro that is not defined";
    Q004 "macro-arity" Error false "a macro is called with a different number of arguments than it defines";
    Q005 "undefined-lookup" Error true "the `lookup` command uses a lookup that is not defined";
    Q006 "quadruple-backticks" Error true "the search has four backticks in a row";
    Q007 "firstseen-options" Error false "the options of a `firstseen` command do not parse";
    Q008 "firstseen-state-lookup" Error false "firstseen's `lookup=` is not a lookup with `written_by: firstseen` of the `store=` kind and the key's fields";
    Q009 "firstseen-field-not-output" Error false "a `key=` or `time=` field of firstseen is not output before it";
    Q010 "macro-in-quotes" Error false "a macro is written inside a quoted string, where Splunk does not expand it";
    Q011 "undefined-lookup-table" Error true "`inputlookup` or `outputlookup` names a lookup definition that does not exist";
    Q012 "lookup-file-for-contentctl5" Warning true "a lookup file read or written by name has no lookup of that name, which contentctl 5.6.2 refuses";
    Q013 "macro-cycle" Error false "a macro uses itself, directly or through other macros, so no search that expands it can run";
    R001 "rba-message-field" Error false "a risk message token is not a field the search outputs";
    R002 "risk-object-field" Error false "a risk object field is not a field the search outputs";
    R003 "threat-object-field" Error false "a threat object field is not a field the search outputs";
    R004 "rba-field-not-in-search" Error true "an RBA field or message token does not appear in the search text";
    R005 "rba-deployment-mismatch" Error true "RBA is given but the deployment has it disabled, or the reverse";
    R006 "duplicate-rba-field" Warning false "a field is listed twice as a risk object or twice as a threat object";
    D001 "drilldown-field" Error false "a drilldown token is not a field the search outputs";
    D002 "drilldown-count" Error true "a production detection needs two drilldowns, one with %original_detection_search%";
    P001 "enabled-by-default" Error true "enabled_by_default is set on a detection that may not be enabled";
    P002 "missing-tests" Error true "a production detection has no test";
    P003 "throttling-field" Error true "a throttling field does not appear in the search";
    P004 "data-source-output-field" Error true "a data source's output field does not appear in the search";
    P005 "stanza-too-long" Error true "the savedsearches.conf stanza name would be too long";
    P006 "placeholder" Error false "a `TODO(detc new)` placeholder written by `detc new` is still in the file";
    L001 "lookup-file-missing" Error true "a csv or mlmodel lookup's file does not exist";
    L002 "lookup-file-columns" Error true "a csv lookup's rows do not all have the header's column count";
    L003 "lookup-file-unreferenced" Error true "a file in lookups/ is not referenced by any lookup";
    L004 "kvstore-fields" Error true "a KV store lookup's first field is not `_key`";
    L005 "lookup-duplicate-field" Error false "a lookup lists the same field twice";
    M001 "mixed-formats" Warning false "the content mixes contentctl 4.x and 5.x files";
    M002 "refused-by-later-contentctl" Warning false "4.x content that its era's contentctl accepts and a later 4.x contentctl refuses";
}

/// Rules of contentctl 5.6 that contentctl 4.4.7 does not enforce (it
/// accepts a technique with its sub-technique, unknown data sources (a
/// warning), future dates, a baseline naming an unknown detection, RBA
/// tags with RBA disabled, data source output fields and KV store fields
/// without `_key`; its
/// lookup check, `Lookup.get_lookups`, matches `[^output]lookup`, so it
/// never checks `inputlookup` or `outputlookup`).
pub const NOT_IN_CONTENTCTL4: &[Code] = &[
    code::C005,
    code::C007,
    code::C008,
    code::C009,
    code::A004,
    code::Q006,
    code::Q011,
    code::Q012,
    code::R005,
    code::P004,
    code::L004,
];

/// Rules of contentctl 4.4.7 that earlier 4.x versions did not have, with
/// the first version that has each (`major, minor, patch`): the two
/// drilldowns of a production detection (`detection_abstract.py`, from
/// 4.4.0, when `drilldown_searches` came), the orphan lookup file
/// (`actions/validate.py`, `ensure_no_orphaned_files_in_lookups`, from
/// 4.1.5) and the search's own filter macro
/// (`validate_presence_of_filter_macro`, from 4.1.0). Every other rule of 4.4.7 holds from 4.0.1 on.
pub const CONTENTCTL4_SINCE: &[(Code, (u16, u16, u16))] = &[
    (code::D002, (4, 4, 0)),
    (code::L003, (4, 1, 5)),
    (code::Q001, (4, 1, 0)),
];

impl Rule {
    /// Whether the rule checks the schema or the files themselves (`F`,
    /// `Y`, `S`): content that breaks it cannot be read as meant, so its
    /// errors cannot be lowered by `[lints]`, `--warn`/`--allow` or
    /// `--cap-lints`.
    pub fn is_schema(&self) -> bool {
        matches!(self.code.as_bytes().first(), Some(b'F' | b'Y' | b'S'))
    }

    /// Whether contentctl 4.4.7 enforces it (contentctl 5.6 does, minus
    /// [`NOT_IN_CONTENTCTL4`]).
    pub fn in_contentctl4(&self) -> bool {
        self.contentctl && !NOT_IN_CONTENTCTL4.iter().any(|c| c.as_str() == self.code)
    }

    /// The first contentctl 4.x version (`major, minor, patch`) that
    /// enforces it, `None` when 4.4.7 does not ([`CONTENTCTL4_SINCE`]).
    pub fn contentctl4_since(&self) -> Option<(u16, u16, u16)> {
        if !self.in_contentctl4() {
            return None;
        }
        Some(
            CONTENTCTL4_SINCE
                .iter()
                .find(|(c, _)| c.as_str() == self.code)
                .map_or((4, 0, 1), |(_, v)| *v),
        )
    }

    /// Whether contentctl 4.x has it, for `detc rules` and docs/rules.md:
    /// `has it`, `has it from 4.4.0` or `does not have it`.
    pub fn contentctl4_text(&self) -> String {
        match self.contentctl4_since() {
            Some((4, 0, 1)) => "has it".to_string(),
            Some((a, b, c)) => format!("has it from {a}.{b}.{c}"),
            None => "does not have it".to_string(),
        }
    }
}

/// The rule with `code` (as written in `detc.toml`, a baseline or on the
/// command line), if there is one.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// A new diagnostic for rule `code`, with the rule's name and default severity.
pub fn diag(code: Code, message: impl Into<String>) -> Diagnostic {
    let r = code.rule();
    Diagnostic::new(r.code, r.name, r.severity, message)
}

/// The rules as the SARIF renderer wants them.
pub fn rule_infos() -> Vec<RuleInfo> {
    RULES
        .iter()
        .map(|r| RuleInfo {
            code: r.code,
            name: r.name,
            summary: r.summary,
        })
        .collect()
}

/// The rules as the Markdown table of `docs/rules.md` (code, name, level,
/// origin, summary), one row per rule in [`RULES`] order. A test keeps the
/// document equal to it.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| code | name | level | origin | checks |\n| --- | --- | --- | --- | --- |\n",
    );
    for r in RULES {
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} |\n",
            r.code,
            r.name,
            r.severity,
            if r.contentctl {
                "contentctl 5.6"
            } else {
                "detc"
            },
            r.summary
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    /// `docs/rules.md` lists exactly the registered rules. With
    /// `DETC_UPDATE_DOCS=1` the test rewrites the table instead.
    #[test]
    fn docs_rules_md_matches_the_registry() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md");
        let doc = std::fs::read_to_string(path).expect("docs/rules.md");
        let start = doc.find("| code | name |").expect("the rules table");
        let end = doc[start..]
            .find("\n\n")
            .map_or(doc.len(), |e| start + e + 1);
        let want = super::markdown_table();
        if doc[start..end] != want {
            if std::env::var_os("DETC_UPDATE_DOCS").is_some() {
                let new = format!("{}{}{}", &doc[..start], want, &doc[end..]);
                std::fs::write(path, new).expect("write docs/rules.md");
            } else {
                panic!(
                    "docs/rules.md's table is stale; run `DETC_UPDATE_DOCS=1 cargo test -p detc-codes docs_rules_md` to regenerate it"
                );
            }
        }
    }

    #[test]
    fn codes_are_unique_and_sorted_within_groups() {
        let mut seen = std::collections::HashSet::new();
        for r in super::RULES {
            assert!(seen.insert(r.code), "duplicate code {}", r.code);
            assert!(seen.insert(r.name), "duplicate name {}", r.name);
        }
    }
}
