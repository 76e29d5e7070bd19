"""splunkd_apps_sim: ../shared/splunkd/splunkd_sim.py (auth, current-context,
the KV store), extended with the endpoints `detc drift` reads and an admin's
edits in Splunk Web make, over installed app folders.

    python3 splunkd_apps_sim.py --sim ../shared/splunkd/splunkd_sim.py \
        --app dist/DA-ESS-ContentUpdate [--app ...] --port 0 [--tls]

prints `LISTENING <uri>` (and `CERT <path>` with --tls) as splunkd_sim does.

Each app folder is an installed app: its `default/` and `local/`
savedsearches.conf and macros.conf are read on every request and merged
(local over default, key by key), as splunkd merges an app's layers.
Edits are written to the folder's `local/`, as Splunk Web writes them.

Endpoints, with the Splunk documentation page each follows:
- GET /servicesNS/{owner}/{app}/configs/conf-{file}[/{stanza}], file
  savedsearches or macros: REST API Reference, "Configuration endpoint
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


def install(sim):
    NS = sim.NS
    sim.ROUTES.append(("conf", re.compile("^" + NS + r"/configs/conf-(?P<file>savedsearches|macros)(?:/(?P<stanza>[^/]+))?/?$")))
    sim.ROUTES.append(("saved", re.compile("^" + NS + r"/saved/searches/(?P<name>[^/]+?)(?P<action>/disable|/enable)?/?$")))
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

    Handler.h_conf = h_conf
    Handler.h_saved = h_saved


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sim", required=True, help="path of ../shared/splunkd/splunkd_sim.py")
    ap.add_argument("--app", action="append", default=[], help="an installed app's folder")
    args, rest = ap.parse_known_args()
    sim = load_sim(args.sim)
    from urllib.parse import quote
    sim.quote = quote
    install(sim)
    server = sim.build_server(sim.parse_args(rest))
    server.sim.apps = {a.name: a for a in map(App, args.app)}
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
