//! `detc lsp` as an editor drives it: crates/detc-lsp/tests/test_lsp.py
//! (pytest-lsp, from target/pyvenv: `scripts/setup-py-tools.sh`) starts
//! this build's `detc lsp` over stdio on the full security_content v4.42.0
//! and checks diagnostics while typing, hovers, completion, go to definition, bad
//! requests, and that no file of the content is written.

mod common;

#[test]
fn an_lsp_client_drives_detc_lsp_on_v4_42_0() {
    let Some(release) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    let Some(python) = common::python() else {
        return;
    };
    let tests = common::repo().join("crates/detc-lsp/tests");
    let (code, out) = common::run_tool(
        std::process::Command::new(&python)
            .args(["-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-c"])
            .arg(tests.join("pytest.ini"))
            .arg(tests.join("test_lsp.py"))
            .env("DETC_BIN", env!("CARGO_BIN_EXE_detc"))
            .env("DETC_CONTENT", &release)
            .env(
                "DETC_PACK",
                common::repo().join("tests/fixtures/packs/build"),
            ),
    );
    assert_eq!(code, 0, "{out}");
    // pytest's summary: some passed, none failed or skipped.
    assert!(
        out.contains(" passed") && !out.contains("failed") && !out.contains("skipped"),
        "{out}"
    );
    println!("{out}");
}
