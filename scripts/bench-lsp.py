"""Times `detc lsp` on a content root as an editor sees it, through an LSP
client (pytest-lsp's, on pygls): the first diagnostics after opening a
detection, didChange to publishDiagnostics for edits of one detection and
of a macro many searches use, and the server's resident memory after 1,000
edits. Prints one line per figure.

usage: python bench-lsp.py DETC_BINARY CONTENT_ROOT [EDITS]
"""
import asyncio
import pathlib
import statistics
import sys
import time

from lsprotocol import types
from pytest_lsp.client import make_test_lsp_client

DETC, ROOT = sys.argv[1], pathlib.Path(sys.argv[2]).resolve()
EDITS = int(sys.argv[3]) if len(sys.argv) > 3 else 50
DETECTION = ROOT / "detections/application/detect_password_spray_attempts.yml"
MACRO = ROOT / "macros/security_content_summariesonly.yml"


class Published(dict):
    def __init__(self):
        super().__init__()
        self.count = {}

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.count[key] = self.count.get(key, 0) + 1


async def published(client, uri, after, timeout=60.0):
    deadline = time.monotonic() + timeout
    while client.diagnostics.count.get(uri, 0) <= after:
        if time.monotonic() > deadline:
            raise SystemExit(f"no diagnostics for {uri} in {timeout} s")
        await asyncio.sleep(0.001)


async def edit(client, path, text, version):
    uri = path.as_uri()
    n = client.diagnostics.count.get(uri, 0)
    t0 = time.perf_counter()
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    await published(client, uri, n)
    return time.perf_counter() - t0


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def started():
    """A server on ROOT, initialised; the client and the server's pid."""
    client = make_test_lsp_client()
    client.diagnostics = Published()
    await client.start_io(DETC, "lsp")
    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=ROOT.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=ROOT.as_uri(), name="content")]))
    return client, client._server.pid


def open_both(client, texts):
    for p, t in texts.items():
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=p.as_uri(), language_id="yaml", version=1, text=t)))


async def main():
    texts = {p: p.read_text() for p in (DETECTION, MACRO)}
    # The first diagnostics, median of 5 servers started afresh (as the
    # benchmark takes `detc validate`'s median of 5 runs).
    firsts = []
    for _ in range(5):
        client, _ = await started()
        t0 = time.perf_counter()
        open_both(client, texts)
        await published(client, DETECTION.as_uri(), 0)
        firsts.append(time.perf_counter() - t0)
        await client.shutdown_session()
    print(f"first diagnostics after opening the root: median {statistics.median(firsts) * 1000:.0f} ms of 5 servers")
    client, pid = await started()
    open_both(client, texts)
    await published(client, DETECTION.as_uri(), 0)
    version = 2
    det, mac = [], []
    for i in range(EDITS):
        version += 1
        det.append(await edit(client, DETECTION, texts[DETECTION].replace("unique_accounts > 30", f"unique_accounts > {31 + i}"), version))
    for i in range(EDITS):
        version += 1
        mac.append(await edit(client, MACRO, texts[MACRO].replace("summariesonly=", f"summariesonly{'' if i % 2 else ' '}="), version))
    print(f"didChange to publishDiagnostics, one detection: median {statistics.median(det) * 1000:.0f} ms of {EDITS} edits")
    users = sum(1 for f in ROOT.glob("detections/**/*.yml") if "`security_content_summariesonly`" in f.read_text())
    print(f"didChange to publishDiagnostics, a macro {users} searches use: median {statistics.median(mac) * 1000:.0f} ms of {EDITS} edits")
    for i in range(1000 - 2 * EDITS):
        version += 1
        await edit(client, DETECTION, texts[DETECTION].replace("unique_accounts > 30", f"unique_accounts > {100 + i % 7}"), version)
    print(f"server resident memory after 1,000 edits: {rss_mib(pid):.0f} MiB")
    await client.shutdown_session()


asyncio.run(main())
