//! YAML itself. The YAML reader (`detc-yaml`) and the loader report these
//! rules as they parse; these modules hold their documentation and
//! fixture tests.

rule_files! {
    y001_yaml_syntax,
    y002_duplicate_key,
    y003_tab_indentation,
    y004_byte_order_mark,
    y005_crlf_line_endings,
    y007_yaml_too_complex,
    y008_empty_file,
    y009_multiple_documents,
    y010_quoted_scalar_indentation,
}
