"""splunkd_apps_sim: ../shared/splunkd/splunkd_sim.py (auth, current-context,
the KV store), extended with the endpoints `detc drift` reads and an admin's
edits in Splunk Web make, over installed app folders.

    python3 splunkd_apps_sim.py --sim ../shared/splunkd/splunkd_sim.py \
        [--app dist/DA-ESS-ContentUpdate ...] [--apps-dir DIR] --port 0 [--tls] \
        [--server-roles search_head,shc_member] [--install-fault 503|drop] \
        [--acs-token JWT --appinspect-user USER:PASSWORD [--appinspect-fail N]]

prints `LISTENING <uri>` (and `CERT <path>` with --tls) as splunkd_sim does.

Each app folder is an installed app: its `default/` and `local/`
savedsearches.conf and macros.conf are read on every request and merged
(local over default, key by key), as splunkd merges an app's layers.
Edits are written to the folder's `local/`, as Splunk Web writes them.

Endpoints, with the Splunk documentation page each follows:
- GET /servicesNS/{owner}/{app}/configs/conf-{file}[/{stanza}], file
  savedsearches, macros or transforms: REST API Reference, "Configuration endpoint
  descriptions" (configs/conf-{file}): a feed of the file's stanzas, each
  entry's `content` the stanza's settings and `eai:acl`; paging by `count`
  (default 30, 0 = all) and `offset` as "Request and response details" says;
  `search=eai:acl.app=<app>` keeps one app's stanzas [other `search`
  expressions are ignored: UNVERIFIED].
- POST /servicesNS/{owner}/{app}/configs/conf-{file}/{stanza}: sets the
  posted settings in the app's local layer (same page).
- POST /servicesNS/{owner}/{app}/saved/searches/{name} and
  .../{name}/disable, .../{name}/enable: REST API Reference, "Search
  endpoint descriptions" (saved/searches/{name}, .../disable,
  .../enable): the posted settings (or disabled = 1 / 0) in the local
  layer.
- GET /servicesNS/{owner}/{app}/data/lookup-table-files: REST API
  Reference, "Knowledge endpoint descriptions" (data/lookup-table-files):
  one entry per file of each app's lookups/ folder, named by the file,
  with `eai:acl`; the same paging and `search=eai:acl.app=`.
- GET /services/apps/local/{name}: REST API Reference, "Application
  endpoint descriptions" (apps/local/{name}): the app's entry, `version`
  from its default/app.conf `[launcher] version`; 404 when not installed.
- POST /services/apps/local with `name` (a path on this host, or an
  http(s) URL), `filename=true`, `update`: the same page (apps/local):
  the package is unpacked into --apps-dir, its default/ and other folders
  replaced, local/ kept; an installed app without `update=true` is 409.
  --install-fault 503 answers 503 without installing; --install-fault drop
  installs, then closes the connection unanswered (a connection lost
  mid-install: the client cannot know what happened).
- GET /services/server/info: "Introspection endpoint descriptions"
  (server/info), `server_roles` as --server-roles gives them.

With --acs-token, the same server also plays the two cloud services `detc
deploy --cloud` talks to (in reality other hosts: api.splunk.com,
appinspect.splunk.com, admin.splunk.com), as contentctl 4.4.7's `inspect`
and `deploy_acs` call them and the ACS manual ("Manage private apps in
Splunk Cloud Platform", "Admin Config Service (ACS) API endpoint
reference") describes them; their answers are JSON of their own, errors
`{"code": ..., "message": ...}`:
- GET /2.0/rest/login/splunk, HTTP Basic as --appinspect-user: `{"data":
  {"token": ...}}`.
- POST /v1/app/validate (multipart, `app_package`), Bearer that token:
  `{"request_id": ...}`; GET /v1/app/validate/status/{id}: PROCESSING once,
  then SUCCESS; GET /v1/app/report/{id}: `{"summary": {...}, "reports":
  [...]}` with --appinspect-fail failures [the report's shape: UNVERIFIED
  beyond the fields contentctl reads].
- POST /{stack}/adminconfig/v2/apps/victoria (the package as the body,
  `X-Splunk-Authorization` the AppInspect token, `ACS-Legal-Ack: Y`),
  Bearer --acs-token: installs into --apps-dir, 202; GET
  .../apps/victoria/{app}: `{"name", "version", "status": "installed"}`
  [field names: UNVERIFIED].

In JSON (output_mode=json) every setting is a string as the .conf file holds
it, but `disabled`, which is a boolean [UNVERIFIED: splunkd types more of
them; detc reads booleans and numbers either way].
"""
import argparse
import importlib.util
import os
import re
import sys


def load_sim(path):
    spec = importlib.util.spec_from_file_location("splunkd_sim", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["splunkd_sim"] = mod
    spec.loader.exec_module(mod)
    return mod


def parse_conf(text):
    """Stanzas of a .conf file, in order: a line ending in a backslash
    continues on the next, the line break kept in the value (Splunk Admin
    Manual, "About configuration files")."""
    out, stanza, key, pending = {}, "default", None, False
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if pending:
            cont = line.endswith("\\")
            out[stanza][key] += "\n" + (line[:-1] if cont else line)
            pending = cont
            continue
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("[") and s.endswith("]"):
            stanza = s[1:-1]
            out.setdefault(stanza, {})
            continue
        if "=" in line:
            k, v = line.split("=", 1)
            key, v = k.strip(), v.strip()
            pending = v.endswith("\\")
            out.setdefault(stanza, {})[key] = v[:-1] if pending else v
    return out


def write_conf(path, stanzas):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    lines = []
    for name, kv in stanzas.items():
        lines.append(f"[{name}]")
        for k, v in kv.items():
            lines.append(f"{k} = " + v.replace("\n", "\\\n"))
        lines.append("")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    os.replace(tmp, path)


class App:
    def __init__(self, folder):
        self.folder, self.name = folder, os.path.basename(os.path.normpath(folder))

    def layer(self, which, file):
        p = os.path.join(self.folder, which, file + ".conf")
        if not os.path.exists(p):
            return {}
        with open(p, encoding="utf-8") as fh:
            return parse_conf(fh.read())

    def merged(self, file):
        out = {}
        for which in ("default", "local"):
            for name, kv in self.layer(which, file).items():
                out.setdefault(name, {}).update(kv)
        out.pop("default", None)
        return out

    def set_local(self, file, stanza, settings):
        local = self.layer("local", file)
        local.setdefault(stanza, {}).update(settings)
        write_conf(os.path.join(self.folder, "local", file + ".conf"), local)


def app_version(folder):
    p = os.path.join(folder, "default", "app.conf")
    if not os.path.exists(p):
        return ""
    with open(p, encoding="utf-8") as fh:
        conf = parse_conf(fh.read())
    return conf.get("launcher", {}).get("version") or conf.get("id", {}).get("version", "")


def unpack(data, apps_dir):
    """Installs the package `data` (a gzip'd tar) into apps_dir: returns the
    app's name. Its folders replace the installed ones; local/ is kept."""
    import io
    import shutil
    import tarfile
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tf:
        members = tf.getmembers()
        tops = {m.name.split("/")[0] for m in members if m.name.strip("/")}
        if len(tops) != 1:
            raise ValueError("a package holds one top folder")
        name = tops.pop()
        dest = os.path.join(apps_dir, name)
        if os.path.isdir(dest):
            for entry in os.listdir(dest):
                if entry != "local":
                    full = os.path.join(dest, entry)
                    shutil.rmtree(full) if os.path.isdir(full) else os.remove(full)
        tf.extractall(apps_dir, filter="data")
    return name


def install(sim, opts):
    NS = sim.NS
    sim.ROUTES.append(("conf", re.compile("^" + NS + r"/configs/conf-(?P<file>savedsearches|macros|transforms)(?:/(?P<stanza>[^/]+))?/?$")))
    sim.ROUTES.append(("saved", re.compile("^" + NS + r"/saved/searches/(?P<name>[^/]+?)(?P<action>/disable|/enable)?/?$")))
    sim.ROUTES.append(("lookupfiles", re.compile("^" + NS + r"/data/lookup-table-files/?$")))
    sim.ROUTES.append(("applocal", re.compile(r"^/services/apps/local(?:/(?P<name>[^/]+))?/?$")))
    sim.ROUTES.append(("serverinfo", re.compile(r"^/services/server/info/?$")))
    ApiError, Handler = sim.ApiError, sim.Handler

    def apps(self):
        return self.server.sim.apps

    def conf_entry(self, app, file, name, kv):
        content = dict(kv)
        if "disabled" in content:
            content["disabled"] = sim.truthy(content["disabled"])
        acl = {"app": app.name, "owner": "nobody", "sharing": "app", "perms": {"read": ["*"], "write": ["admin"]}}
        url = f"/servicesNS/nobody/{app.name}/configs/conf-{file}/{sim.quote(name, safe='')}"
        return self.entry(name, url, content, author="nobody", acl=acl)

    def h_conf(self, method, params, body, owner, app, file, stanza=None):
        self.auth()
        listed = [a for a in apps(self).values() if app in ("-", a.name)]
        if method == "POST" and stanza:
            target = apps(self).get(app)
            if not target:
                raise ApiError(404, f"Application does not exist: {app}")
            settings = {k: v for k, v in params.items() if k != "output_mode"}
            target.set_local(file, stanza, settings)
            e = conf_entry(self, target, file, stanza, target.merged(file).get(stanza, {}))
            return self.feed(200, f"/servicesNS/{owner}/{app}/configs/conf-{file}", f"conf-{file}", [e])
        if method != "GET":
            raise ApiError(405, "Method Not Allowed")
        want = None
        m = re.fullmatch(r"eai:acl\.app=(.+)", params.get("search", ""))
        if m:
            want = m.group(1)
        entries = []
        for a in listed:
            if want and a.name != want:
                continue
            for name, kv in a.merged(file).items():
                if stanza is None or name == stanza:
                    entries.append(conf_entry(self, a, file, name, kv))
        if stanza is not None and not entries:
            raise ApiError(404, f"Could not find object id={stanza}")
        total = len(entries)
        offset = int(params.get("offset", "0") or 0)
        count = int(params.get("count", "30") or 30)
        page = entries[offset:] if count == 0 else entries[offset:offset + count]
        paging = {"total": total, "perPage": count, "offset": offset}
        return self.feed(200, f"/servicesNS/{owner}/{app}/configs/conf-{file}", f"conf-{file}", page, paging)

    def h_saved(self, method, params, body, owner, app, name, action=None):
        self.auth()
        if method != "POST":
            raise ApiError(405, "Method Not Allowed")
        target = apps(self).get(app)
        if not target or name not in target.merged("savedsearches"):
            raise ApiError(404, f"Could not find object id={name}")
        if action == "/disable":
            settings = {"disabled": "1"}
        elif action == "/enable":
            settings = {"disabled": "0"}
        else:
            settings = {k: v for k, v in params.items() if k != "output_mode"}
        target.set_local("savedsearches", name, settings)
        e = conf_entry(self, target, "savedsearches", name, target.merged("savedsearches")[name])
        return self.feed(200, f"/servicesNS/{owner}/{app}/saved/searches", "savedsearches", [e])

    def h_lookupfiles(self, method, params, body, owner, app):
        self.auth()
        if method != "GET":
            raise ApiError(405, "Method Not Allowed")
        m = re.fullmatch(r"eai:acl\.app=(.+)", params.get("search", ""))
        want = m.group(1) if m else None
        entries = []
        for a in apps(self).values():
            if app not in ("-", a.name) or (want and a.name != want):
                continue
            folder = os.path.join(a.folder, "lookups")
            for f in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
                acl = {"app": a.name, "owner": "nobody", "sharing": "app", "perms": {"read": ["*"], "write": ["admin"]}}
                url = f"/servicesNS/nobody/{a.name}/data/lookup-table-files/{sim.quote(f, safe='')}"
                entries.append(self.entry(f, url, {"eai:data": os.path.join(folder, f)}, author="nobody", acl=acl))
        total = len(entries)
        offset = int(params.get("offset", "0") or 0)
        count = int(params.get("count", "30") or 30)
        page = entries[offset:] if count == 0 else entries[offset:offset + count]
        return self.feed(200, f"/servicesNS/{owner}/{app}/data/lookup-table-files", "lookup-table-files", page,
                         {"total": total, "perPage": count, "offset": offset})

    def h_applocal(self, method, params, body, name=None):
        self.auth()
        server = self.server.sim
        if method == "GET" and name:
            a = apps(self).get(name)
            if not a:
                raise ApiError(404, f"Could not find object id={name}")
            content = {"version": app_version(a.folder), "disabled": False, "visible": True}
            return self.feed(200, "/services/apps/local", "localapps", [self.entry(name, f"/services/apps/local/{name}", content)])
        if method != "POST" or name:
            raise ApiError(405, "Method Not Allowed")
        if not server.apps_dir:
            raise ApiError(503, "app installation is disabled on this server")
        where = params.get("name", "")
        if sim.truthy(params.get("filename", "false")) is not True:
            raise ApiError(400, "filename=true is needed to install from a file or URL")
        try:
            if re.match(r"^https?://", where):
                import urllib.request
                with urllib.request.urlopen(where, timeout=30) as r:
                    data = r.read()
            else:
                with open(where, "rb") as fh:
                    data = fh.read()
        except OSError as e:
            raise ApiError(400, f"Error during app install: failed to read {where}: {e}")
        import io
        import tarfile
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tf:
                top = {m.name.split("/")[0] for m in tf.getmembers() if m.name.strip("/")}
        except (tarfile.TarError, OSError, EOFError) as e:
            raise ApiError(400, f"Error during app install: not an app package: {e}")
        if len(top) == 1 and top.pop() in apps(self) and sim.truthy(params.get("update", "false")) is not True:
            raise ApiError(409, "App already exists; use update=true to update it")
        if server.install_fault == "503":
            raise ApiError(503, "Service Unavailable: splunkd is restarting")
        try:
            installed = unpack(data, server.apps_dir)
        except (ValueError, tarfile.TarError) as e:
            raise ApiError(400, f"Error during app install: {e}")
        apps(self)[installed] = App(os.path.join(server.apps_dir, installed))
        if server.install_fault == "drop":
            raise sim.Dropped()
        content = {"version": app_version(apps(self)[installed].folder), "status": "installed"}
        return self.feed(201, "/services/apps/local", "localapps", [self.entry(installed, f"/services/apps/local/{installed}", content)])

    def h_serverinfo(self, method, params, body):
        self.auth()
        roles = [r for r in self.server.sim.server_roles if r]
        return self.feed(200, "/services/server/info", "server-info", [self.entry("server-info", "/services/server/info", {"server_roles": roles, "version": "9.4.0"})])

    Handler.h_conf = h_conf
    Handler.h_saved = h_saved
    Handler.h_applocal = h_applocal
    Handler.h_lookupfiles = h_lookupfiles
    Handler.h_serverinfo = h_serverinfo
    install_cloud(sim, opts)


def install_cloud(sim, opts):
    """The ACS and AppInspect endpoints (see the module's docstring)."""
    import base64
    import json
    import secrets
    Handler = sim.Handler
    splunkd_dispatch = Handler.dispatch
    issued, requests_seen = set(), {}

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def fail(self, status, code, message):
        answer(self, status, {"code": code, "message": message})

    def dispatch(self, method):
        path = sim.urlsplit(self.path).path
        if not opts.acs_token or path.startswith("/services"):
            return splunkd_dispatch(self, method)
        body = self.read_body()
        auth = self.headers.get("Authorization", "")
        if path == "/2.0/rest/login/splunk":
            want = "Basic " + base64.b64encode(opts.appinspect_user.encode()).decode()
            if auth != want:
                return fail(self, 401, "401-unauthorized", "Failed to authenticate user")
            token = secrets.token_hex(16)
            issued.add(token)
            return answer(self, 200, {"status": "success", "data": {"token": token, "user": {}}})
        if path.startswith("/v1/app/"):
            if auth.split(" ", 1)[-1] not in issued:
                return fail(self, 401, "401-unauthorized", "invalid token")
            if method == "POST" and path == "/v1/app/validate":
                if b'name="app_package"' not in body:
                    return fail(self, 400, "400-bad-request", "app_package is required")
                rid = secrets.token_hex(8)
                requests_seen[rid] = 0
                return answer(self, 200, {"request_id": rid, "message": "Validation request submitted."})
            m = re.match(r"^/v1/app/validate/status/([^/]+)$", path)
            if m and m.group(1) in requests_seen:
                requests_seen[m.group(1)] += 1
                status = "PROCESSING" if requests_seen[m.group(1)] == 1 else "SUCCESS"
                return answer(self, 200, {"request_id": m.group(1), "status": status})
            m = re.match(r"^/v1/app/report/([^/]+)$", path)
            if m and m.group(1) in requests_seen:
                n = opts.appinspect_fail
                checks = [{"name": f"check_sim_{i}", "result": "failure", "messages": [{"message": "emulated failure"}]} for i in range(n)]
                return answer(self, 200, {"summary": {"failure": n, "error": 0, "warning": 0, "manual_check": 0, "success": 10},
                                          "reports": [{"groups": [{"checks": checks}]}]})
            return fail(self, 404, "404-not-found", "no such request")
        m = re.match(r"^/(?P<stack>[^/]+)/adminconfig/v2/apps/victoria(?:/(?P<app>[^/]+))?/?$", path)
        if m:
            if auth != f"Bearer {opts.acs_token}":
                return fail(self, 401, "401-unauthorized", "invalid JWT")
            apps = self.server.sim.apps
            if method == "GET" and m.group("app"):
                a = apps.get(sim.unquote(m.group("app")))
                if not a:
                    return fail(self, 404, "404-app-not-found", "app not found")
                return answer(self, 200, {"name": a.name, "version": app_version(a.folder), "status": "installed"})
            if method == "POST" and not m.group("app"):
                if self.headers.get("ACS-Legal-Ack") != "Y":
                    return fail(self, 400, "400-bad-request", "ACS-Legal-Ack: Y is required to install a private app")
                if self.headers.get("X-Splunk-Authorization", "") not in issued:
                    return fail(self, 401, "401-unauthorized", "invalid AppInspect token")
                try:
                    name = unpack(body, self.server.sim.apps_dir)
                except Exception as e:
                    return fail(self, 400, "400-bad-request", f"not an app package: {e}")
                apps[name] = App(os.path.join(self.server.sim.apps_dir, name))
                return answer(self, 202, {"name": name, "status": "installing"})
        return fail(self, 404, "404-not-found", "Not Found")

    Handler.dispatch = dispatch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sim", required=True, help="path of ../shared/splunkd/splunkd_sim.py")
    ap.add_argument("--app", action="append", default=[], help="an installed app's folder")
    ap.add_argument("--apps-dir", help="the folder apps/local installs into (its folders are installed apps)")
    ap.add_argument("--server-roles", default="search_head", help="server/info's server_roles, comma-separated")
    ap.add_argument("--install-fault", choices=["503", "drop"], help="how apps/local's install fails")
    ap.add_argument("--acs-token", help="also play ACS and AppInspect; ACS takes this JWT")
    ap.add_argument("--appinspect-user", default="user:password", help="splunk.com USER:PASSWORD for AppInspect's login")
    ap.add_argument("--appinspect-fail", type=int, default=0, help="failures in AppInspect's report")
    args, rest = ap.parse_known_args()
    sim = load_sim(args.sim)
    from urllib.parse import quote, unquote, urlsplit
    sim.quote, sim.unquote, sim.urlsplit = quote, unquote, urlsplit
    install(sim, args)
    server = sim.build_server(sim.parse_args(rest))
    folders = list(args.app)
    if args.apps_dir:
        os.makedirs(args.apps_dir, exist_ok=True)
        folders += [os.path.join(args.apps_dir, d) for d in sorted(os.listdir(args.apps_dir))
                    if os.path.isdir(os.path.join(args.apps_dir, d))]
    server.sim.apps = {a.name: a for a in map(App, folders)}
    server.sim.apps_dir = args.apps_dir
    server.sim.server_roles = args.server_roles.split(",")
    server.sim.install_fault = args.install_fault
    print(f"LISTENING {server.uri}", flush=True)
    if server.cert_path:
        print(f"CERT {server.cert_path}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
