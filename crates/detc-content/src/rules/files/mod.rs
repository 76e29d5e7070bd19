//! The files themselves: reading them, `contentctl.yml`, `detc.toml` and
//! dashboards' JSON definitions. The loader (`load.rs`) and the levels
//! (`lints.rs`) report these rules where they read the files; these
//! modules hold their documentation and fixture tests.

rule_files! {
    c010_dashboard_definition,
    f001_io_error,
    f002_file_too_large,
    f003_not_utf8,
    f004_config,
    f005_detc_toml,
}
