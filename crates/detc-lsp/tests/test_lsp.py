"""`detc lsp` driven over stdio as an editor drives it (pytest-lsp, pygls's
client), on the full security_content v4.42.0.

Run by crates/detc/tests/lsp.rs, which passes the detc binary and the
content root in DETC_BIN and DETC_CONTENT. The content is only read: the
server never writes a file, and the test checks that it did not.
"""

import asyncio
import hashlib
import os
import pathlib
import re
import statistics
import time

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

DETC = os.environ["DETC_BIN"]
ROOT = pathlib.Path(os.environ["DETC_CONTENT"]).resolve()
SPRAY = ROOT / "detections/application/detect_password_spray_attempts.yml"
# A contentctl 5.x pack (tests/fixtures/packs/build), for what is 5.x's.
PACK = pathlib.Path(os.environ["DETC_PACK"]).resolve()


def uri(p: pathlib.Path) -> str:
    return p.as_uri()


def digest() -> str:
    h = hashlib.sha256()
    for f in sorted(ROOT.rglob("*.yml")):
        h.update(f.read_bytes())
    return h.hexdigest()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[DETC, "lsp"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=uri(ROOT),
            workspace_folders=[types.WorkspaceFolder(uri=uri(ROOT), name="content")],
        )
    )
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[DETC, "lsp"]))
async def client5(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            workspace_folders=[types.WorkspaceFolder(uri=uri(PACK), name="pack")],
        )
    )
    yield
    await lsp_client.shutdown_session()


async def diagnostics_of(client: LanguageClient, u: str, after: int = 0, timeout: float = 30.0):
    """The diagnostics of `u` once the server has published them for it
    more than `after` times."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.published.get(u, 0) > after:
            return client.diagnostics.get(u, [])
        await asyncio.sleep(0.005)
    raise AssertionError(f"no diagnostics for {u} within {timeout} s")


class Published(dict):
    """client.diagnostics that also counts each file's publications and
    keeps their order."""

    def __init__(self):
        super().__init__()
        self.count = {}
        self.order = []

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.count[key] = self.count.get(key, 0) + 1
        self.order.append(key)


def count_publications(client: LanguageClient):
    client.diagnostics = Published()
    client.published = client.diagnostics.count


def open_file(client: LanguageClient, p: pathlib.Path, text=None):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri(p), language_id="yaml", version=1, text=p.read_text() if text is None else text
            )
        )
    )


def change(client: LanguageClient, p: pathlib.Path, text: str, version: int):
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri(p), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def position_of(text: str, needle: str, into: int = 0) -> types.Position:
    at = text.index(needle) + into
    line = text.count("\n", 0, at)
    col = at - (text.rfind("\n", 0, at) + 1)
    return types.Position(line=line, character=col)


async def test_diagnostics_follow_every_edit_and_the_content_is_never_written(client: LanguageClient):
    before = digest()
    count_publications(client)
    text = SPRAY.read_text()
    open_file(client, SPRAY)
    diags = await diagnostics_of(client, uri(SPRAY))
    # The open file's diagnostics come first, before the 700 other files'
    # of the first check (which sort before it by path).
    assert client.diagnostics.order[0] == uri(SPRAY), client.diagnostics.order[:3]
    a004 = [d for d in diags if d.code == "A004"]
    assert a004, [(d.code, d.message) for d in diags]
    # The rule's span: `T1110` in the mitre_attack_id list (line 37 of the file).
    assert a004[0].range.start == types.Position(line=36, character=4), a004[0].range
    assert "T1110.003" in a004[0].message
    assert a004[0].source == "detc technique-and-subtechnique"
    # Other files' diagnostics are published too, unopened: the whole root
    # is checked (an R002 of another detection: a risk field the search
    # does not output).
    other = ROOT / "detections/application/email_attachments_with_lots_of_spaces.yml"
    assert any(d.code == "R002" for d in await diagnostics_of(client, uri(other)))

    # A misspelled key, while typing: the field is missing (an error), and
    # the unknown key is ignored as contentctl 4.4.7 ignores it (a warning:
    # this is 4.x content).
    n = client.published[uri(SPRAY)]
    broken = text.replace("\nstatus: production", "\nstatuss: production", 1)
    assert broken != text
    change(client, SPRAY, broken, 2)
    diags = await diagnostics_of(client, uri(SPRAY), after=n)
    shown = [(d.code, d.message) for d in diags]
    missing = [d for d in diags if d.code == "S001" and "`status`" in d.message]
    assert missing and missing[0].severity == types.DiagnosticSeverity.Error, shown
    unknown = [d for d in diags if d.code == "S006" and "statuss" in d.message]
    assert unknown and unknown[0].range.start == types.Position(line=5, character=0), shown

    # Broken YAML in the buffer: a diagnostic, and the server goes on.
    n = client.published[uri(SPRAY)]
    change(client, SPRAY, text + "\n  bad: [unclosed\n", 3)
    diags = await diagnostics_of(client, uri(SPRAY), after=n)
    assert any(d.severity == types.DiagnosticSeverity.Error for d in diags)

    # Fixed: back to the file's own findings.
    n = client.published[uri(SPRAY)]
    change(client, SPRAY, text, 4)
    diags = await diagnostics_of(client, uri(SPRAY), after=n)
    assert not any("statuss" in d.message for d in diags)
    assert any(d.code == "A004" for d in diags)

    # Edit to diagnostics, 20 edits (each a changed threshold): printed for
    # the record; the benchmark measures it (docs/lsp.md).
    times = []
    for i in range(20):
        n = client.published[uri(SPRAY)]
        edited = text.replace("unique_accounts > 30", f"unique_accounts > {31 + i}", 1)
        t0 = time.perf_counter()
        change(client, SPRAY, edited, 10 + i)
        await diagnostics_of(client, uri(SPRAY), after=n)
        times.append(time.perf_counter() - t0)
    print(f"didChange to publishDiagnostics, v4.42.0, median of 20: {statistics.median(times) * 1000:.0f} ms")

    assert digest() == before, "the server wrote to the content"


async def test_hover_and_definition(client: LanguageClient):
    count_publications(client)
    text = SPRAY.read_text()
    open_file(client, SPRAY)
    await diagnostics_of(client, uri(SPRAY))

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                          position=position_of(text, "- T1110.003", 4))
    )
    assert hover is not None
    assert "T1110.003 Password Spraying" in hover.contents.value, hover.contents.value
    assert "sub-technique of T1110 Brute Force" in hover.contents.value
    assert "credential-access" in hover.contents.value

    # A macro: its definition, and where it is.
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                          position=position_of(text, "`security_content_summariesonly`", 3))
    )
    assert hover is not None and "macro `security_content_summariesonly`" in hover.contents.value
    assert "summariesonly=" in hover.contents.value, hover.contents.value
    assert "macros/security_content_summariesonly.yml" in hover.contents.value

    where = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                               position=position_of(text, "`security_content_summariesonly`", 3))
    )
    assert where is not None
    assert where.uri == uri(ROOT / "macros/security_content_summariesonly.yml"), where
    macro = (ROOT / "macros/security_content_summariesonly.yml").read_text()
    assert where.range.start.line == position_of(macro, "definition:").line

    # A story and a data source the detection names: their files.
    where = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                               position=position_of(text, "- Active Directory Password Spraying", 5))
    )
    assert where is not None and where.uri == uri(ROOT / "stories/active_directory_password_spraying.yml"), where
    where = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                               position=position_of(text, "- Windows Event Log Security 4625", 5))
    )
    assert where is not None and "data_sources/" in where.uri, where

    # Every search that calls the macro, each range on the macro's name.
    refs = await client.text_document_references_async(
        types.ReferenceParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                              position=position_of(text, "`security_content_summariesonly`", 3),
                              context=types.ReferenceContext(include_declaration=False))
    )
    users = [f for f in ROOT.glob("detections/**/*.yml") if "`security_content_summariesonly`" in f.read_text()]
    assert len(refs) >= len(users) - 10, (len(refs), len(users))
    assert any(r.uri == uri(SPRAY) for r in refs)
    cache = {}
    for r in refs:
        lines = cache.setdefault(r.uri, pathlib.Path(r.uri[len("file://"):]).read_text().split("\n"))
        line = lines[r.range.start.line]
        assert line[r.range.start.character:r.range.end.character] == "security_content_summariesonly", (r, line)

    # Nothing there: no hover, no definition.
    nothing = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                          position=position_of(text, "name: Detect Password", 1))
    )
    assert nothing is None


async def test_bad_requests_get_errors_and_the_server_goes_on(client: LanguageClient, tmp_path):
    count_publications(client)
    # A file outside the root, and one that does not exist.
    outside = tmp_path / "x.yml"
    outside.write_text("mitre_attack_id:\n- T1078\n")
    open_file(client, outside)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(outside)),
                          position=types.Position(line=1, character=3))
    )
    # Outside the root it still reads as ATT&CK, but the root's checks do not include it.
    assert hover is not None and "Valid Accounts" in hover.contents.value
    gone = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(tmp_path / "missing.yml")),
                          position=types.Position(line=0, character=0))
    )
    assert gone is None
    # A position past the end of the file.
    past = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                          position=types.Position(line=100000, character=5))
    )
    assert past is None
    # A request the server does not serve: an LSP error, not a crash.
    with pytest.raises(Exception) as e:
        await client.text_document_formatting_async(
            types.DocumentFormattingParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                                           options=types.FormattingOptions(tab_size=2, insert_spaces=True))
        )
    assert "does not serve" in str(e.value) or "MethodNotFound" in type(e.value).__name__, repr(e.value)
    # Still serving.
    text = SPRAY.read_text()
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                          position=position_of(text, "- T1110.003", 4))
    )
    assert hover is not None


def labels(result):
    items = result.items if hasattr(result, "items") else (result or [])
    return {i.label: i for i in items}


async def test_completion(client: LanguageClient):
    count_publications(client)
    text = SPRAY.read_text()
    open_file(client, SPRAY)
    await diagnostics_of(client, uri(SPRAY))

    # A technique in the mitre_attack_id list, as it is typed.
    typing = text.replace("  - T1110\n", "  - T1110.\n", 1)
    assert typing != text
    change(client, SPRAY, typing, 2)
    at = position_of(typing, "  - T1110.\n", len("  - T1110."))
    got = labels(await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)), position=at)))
    assert "T1110.003" in got and got["T1110.003"].detail == "Password Spraying", sorted(got)[:5]
    assert all(k.startswith("T1110.") for k in got), sorted(got)

    # A macro, just after a backtick.
    typing = text.replace("| `security_content_ctime(firstTime)`", "| `security_content_c", 1)
    change(client, SPRAY, typing, 3)
    at = position_of(typing, "`security_content_c", len("`security_content_c"))
    got = labels(await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)), position=at)))
    assert "security_content_ctime" in got, sorted(got)
    assert got["security_content_ctime"].insert_text == "security_content_ctime(field)", got["security_content_ctime"]

    # A detection's type.
    typing = text.replace("\ntype: TTP", "\ntype: ", 1)
    change(client, SPRAY, typing, 4)
    at = position_of(typing, "\ntype: ", len("\ntype: "))
    got = labels(await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)), position=at)))
    assert set(got) == {"TTP", "Anomaly", "Hunting", "Correlation"}, sorted(got)

    # A key in 4.x content: nothing (the schemas are contentctl 5.x's).
    typing = text + "kno"
    change(client, SPRAY, typing, 5)
    got = labels(await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                               position=types.Position(line=typing.count("\n"), character=3))))
    assert not got, sorted(got)


async def test_quick_fixes(client: LanguageClient):
    count_publications(client)
    text = SPRAY.read_text()
    open_file(client, SPRAY)
    diags = await diagnostics_of(client, uri(SPRAY))
    a004 = next(d for d in diags if d.code == "A004")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                               range=a004.range, context=types.CodeActionContext(diagnostics=[a004])))
    fix = next(a for a in actions if a.title == "remove `T1110` (A004)")
    assert fix.kind == types.CodeActionKind.QuickFix
    (edit,) = fix.edit.changes[uri(SPRAY)]
    assert edit.range.start == types.Position(line=36, character=0) and edit.range.end == types.Position(line=37, character=0)
    assert edit.new_text == ""
    # The editor applies it: the finding is gone, nothing else changes.
    lines = text.split("\n")
    fixed = "\n".join(lines[:36] + lines[37:])
    n = client.published[uri(SPRAY)]
    change(client, SPRAY, fixed, 2)
    after = await diagnostics_of(client, uri(SPRAY), after=n)
    assert not any(d.code == "A004" for d in after), [(d.code, d.message) for d in after]
    assert len(after) == len(diags) - 1, ([(d.code, d.message) for d in diags], [(d.code, d.message) for d in after])


def applied(text: str, edit: types.TextEdit) -> str:
    """`text` with `edit` applied (ASCII text: UTF-16 columns are characters)."""
    lines = text.split("\n")
    def offset(p: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[:p.line]) + p.character
    return text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]


async def test_filter_macro_and_field_name_fixes(client: LanguageClient):
    """Q002 (`| search `x_filter``) and R002 (a risk object written
    `bucketName` where the search outputs `bucket_name`) on real v4.42.0
    files: the quick fix the editor applies removes the finding and brings
    none."""
    count_publications(client)
    cases = [
        (ROOT / "detections/network/detect_zerologon_via_zeek.yml", "Q002",
         "remove `search` before the filter macro (Q002)", "`detect_zerologon_via_zeek_filter`"),
        (ROOT / "detections/cloud/detect_s3_access_from_a_new_ip.yml", "R002",
         "use `bucket_name`, the field the search outputs (R002)", "bucket_name"),
    ]
    for path, code, title, new_text in cases:
        text = path.read_text()
        open_file(client, path)
        diags = await diagnostics_of(client, uri(path))
        found = next(d for d in diags if d.code == code)
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(text_document=types.TextDocumentIdentifier(uri=uri(path)),
                                   range=found.range, context=types.CodeActionContext(diagnostics=[found])))
        fix = next((a for a in actions if a.title == title), None)
        assert fix is not None, [a.title for a in actions]
        (edit,) = fix.edit.changes[uri(path)]
        assert edit.new_text == new_text, edit
        n = client.published[uri(path)]
        change(client, path, applied(text, edit), 2)
        after = await diagnostics_of(client, uri(path), after=n)
        assert not any(d.code == code for d in after), [(d.code, d.message) for d in after]
        assert len(after) == len(diags) - 1, ([(d.code, d.message) for d in diags], [(d.code, d.message) for d in after])


async def references_of(client: LanguageClient, path: pathlib.Path, pos=types.Position(line=0, character=0)):
    got = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=uri(path)), position=pos,
        context=types.ReferenceContext(include_declaration=False)))
    return got or []


def text_at(loc: types.Location) -> str:
    """The text a location covers (one line, ASCII)."""
    line = pathlib.Path(loc.uri.removeprefix("file://")).read_text().split("\n")[loc.range.start.line]
    return line[loc.range.start.character:loc.range.end.character]


async def test_references_to_stories_lookups_detections_and_deployments(client: LanguageClient):
    """From an object's own file (or a mention of it), every place that
    names it, on v4.42.0, checked against the files' text."""
    count_publications(client)
    open_file(client, SPRAY)
    await diagnostics_of(client, uri(SPRAY))
    # A story: each detection, baseline and response task that lists it.
    # A data source: each detection that lists it.
    for name, file, folders in [
        ("Suspicious AWS S3 Activities", "stories/suspicious_aws_s3_activities.yml",
         ("detections", "baselines", "investigations")),
        ("Sysmon EventID 1", "data_sources/sysmon_eventid_1.yml", ("detections",)),
    ]:
        item = re.compile(r"^\s*- " + re.escape(name) + r"\s*$", re.M)
        want = {uri(f) for d in folders for f in (ROOT / d).rglob("*.yml") if item.search(f.read_text())}
        got = await references_of(client, ROOT / file)
        assert {loc.uri for loc in got} == want and len(want) > 5, sorted(want ^ {loc.uri for loc in got})
        assert {text_at(loc) for loc in got} == {name}
    # A KV store lookup: the searches that read or write it.
    got = await references_of(client, ROOT / "lookups/previously_seen_s3_access_from_remote_ip.yml")
    assert sorted(pathlib.Path(loc.uri).name for loc in got) == [
        "detect_s3_access_from_a_new_ip.yml", "detect_s3_access_from_a_new_ip.yml",
        "previously_seen_s3_bucket_access_by_remote_ip.yml"], got
    assert {text_at(loc) for loc in got} == {"previously_seen_S3_access_from_remote_ip"}
    # A detection: the baselines that name it; from the baseline's list
    # item, go to the detection.
    s3 = ROOT / "detections/cloud/detect_s3_access_from_a_new_ip.yml"
    got = await references_of(client, s3)
    assert [pathlib.Path(loc.uri).name for loc in got] == ["previously_seen_s3_bucket_access_by_remote_ip.yml"]
    (loc,) = got
    definition = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=loc.uri), position=loc.range.start))
    assert definition.uri == uri(s3) and definition.range.start.line == 0, definition
    # A deployment: every detection it schedules (here, by type).
    got = await references_of(client, ROOT / "deployments/escu_default_configuration_hunting.yml")
    hunting = {uri(f) for f in (ROOT / "detections").rglob("*.yml")
               if re.search(r"^type: Hunting\s*$", f.read_text(), re.M)}
    assert {loc.uri for loc in got} == hunting and len(hunting) > 100


async def test_the_expanded_search_is_the_snapshots(client: LanguageClient, tmp_path):
    import subprocess
    count_publications(client)
    open_file(client, SPRAY)
    await diagnostics_of(client, uri(SPRAY))
    got = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="detc.expandedSearch", arguments=[uri(SPRAY)]))
    assert got.startswith("| tstats summariesonly="), got[:200]
    # What `detc snapshot` writes for the same detection.
    subprocess.run([DETC, "snapshot", "--cap-lints", "warn", "--out", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    snap = (tmp_path / "detections/application/detect_password_spray_attempts.txt").read_text()
    section = snap.split("== search, macros expanded (one command per line) ==\n", 1)[1].split("\n== ", 1)[0]
    assert got.strip() == section.strip()
    # Not a detection: an LSP error that says why.
    with pytest.raises(Exception) as e:
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="detc.expandedSearch", arguments=[uri(ROOT / "contentctl.yml")]))
    assert "not a detection" in str(e.value), repr(e.value)

    # A macro's hover shows what a nested macro expands to.
    text = SPRAY.read_text()
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                          position=position_of(text, "`security_content_ctime(firstTime)`", 3)))
    assert hover is not None and "ctime($field$)" in hover.contents.value, hover


async def test_tokens_know_what_the_search_outputs(client: LanguageClient):
    count_publications(client)
    text = SPRAY.read_text()
    open_file(client, SPRAY)
    await diagnostics_of(client, uri(SPRAY))
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                          position=position_of(text, "from $src$", 7)))
    assert hover is not None and "the search outputs `src`" in hover.contents.value, hover

    typing = text.replace("from $src$ targeting", "from $s targeting", 1)
    change(client, SPRAY, typing, 2)
    got = labels(await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                               position=position_of(typing, "from $s", len("from $s")))))
    # The search ends in `table _time, src, action, app, unique_accounts,
    # total_failures, sourcetype, signature_id`.
    assert set(got) == {"src", "sourcetype", "signature_id"}, sorted(got)

    typing = text.replace("from $src$ targeting", "from $user$ targeting", 1)
    change(client, SPRAY, typing, 3)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                          position=position_of(typing, "from $user$", 7)))
    assert hover is not None and "does not output `user`" in hover.contents.value, hover


async def test_lookup_and_data_source_hovers(client: LanguageClient):
    count_publications(client)
    text = SPRAY.read_text()
    open_file(client, SPRAY)
    await diagnostics_of(client, uri(SPRAY))
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(SPRAY)),
                          position=position_of(text, "- Windows Event Log Security 4625", 6)))
    assert hover is not None, "no data source hover"
    v = hover.contents.value
    assert "source: `XmlWinEventLog:Security`" in v and "Splunk Add-on for Microsoft Windows 8.9.0" in v, v
    assert "AuthenticationPackageName" in v, v

    dll = ROOT / "detections/endpoint/windows_known_abused_dll_created.yml"
    dtext = dll.read_text()
    open_file(client, dll)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(dll)),
                          position=position_of(dtext, "| lookup hijacklibs_loaded", 12)))
    assert hover is not None, "no lookup hover"
    v = hover.contents.value
    assert "**lookup `hijacklibs_loaded`** (csv)" in v and "fields: islibrary, library, excludes, ttp, comment" in v, v
    assert "file: `lookups/hijacklibs_loaded.csv`" in v, v


async def test_schema_keys_complete_in_5x_content(client5: LanguageClient):
    client = client5
    count_publications(client)
    det = PACK / "detections/endpoint/anomalous_usage_of_7zip.yml"
    text = det.read_text()
    open_file(client, det)
    await diagnostics_of(client, uri(det))
    # A new top-level key: those the detection lacks.
    typing = text + "kno"
    change(client, det, typing, 2)
    at = types.Position(line=typing.count("\n"), character=3)
    got = labels(await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri(det)), position=at)))
    if "known_false_positives:" in text:
        assert "known_false_positives" not in got, sorted(got)
    else:
        assert "known_false_positives" in got, sorted(got)
    # Under tags: the tags' keys, less those written.
    lines = text.split("\n")
    i = lines.index("tags:")
    typing = "\n".join(lines[: i + 1] + ["  "] + lines[i + 1 :])
    change(client, det, typing, 3)
    got = labels(await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri(det)),
                               position=types.Position(line=i + 1, character=2))))
    assert got and all(k in ("analytic_story", "asset_type", "atomic_guid", "cve", "event_schema", "group",
                              "manual_test", "mappings", "mitre_attack_analytics", "mitre_attack_detection_strategies",
                              "mitre_attack_id", "product", "research_site_url", "security_domain", "throttling")
                       for k in got), sorted(got)
    assert "analytic_story" not in got, sorted(got)
    assert all(i.detail in ("required", "optional") and i.insert_text == f"{k}: " for k, i in got.items())
