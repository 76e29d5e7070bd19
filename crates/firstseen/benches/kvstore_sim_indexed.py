"""splunkd_sim.py (../shared/splunkd) with the two indexes a real KV store
uses for firstseen's queries, for the KV store benchmark only:

- `_key` lookups (`{"$or": [{"_key": ...}, ...]}`) go through the record
  dictionary, as MongoDB answers them from its `_id` index;
- a query with no filter, sorted on one field, limit 1 (the earliest
  firstTimeSeen) takes the minimum, as an accelerated field (collections.conf
  `accelerated_fields`) lets MongoDB read it from the index.

Everything else (auth, ACLs, limits, batch_save, deletes, logging) is the
emulator's own code. `--prefill APP/COLLECTION/N` stores N records
(`user` = u0 … u<N-1>, keyed as firstseen keys them) before listening.

Usage: python3 kvstore_sim_indexed.py SHARED_SPLUNKD_DIR [--prefill A/C/N] [splunkd_sim options]
"""
import hashlib
import json
import sys

sys.path.insert(0, sys.argv[1])
import splunkd_sim as sim  # noqa: E402

plain_find = sim.Handler.find


def find(self, coll, owner, spec):
    q = spec.get("query") or {}
    if isinstance(q, str):
        q = json.loads(q) if q.strip() else {}
    ors = q.get("$or") if set(q) == {"$or"} else None
    if ors and all(isinstance(c, dict) and set(c) == {"_key"} for c in ors) and not spec.get("sort"):
        docs = coll["docs"]
        proj = sim.parse_fields(spec.get("fields"))
        return [sim.project(docs[(owner, c["_key"])], proj) for c in ors if (owner, c["_key"]) in docs]
    sort = spec.get("sort")
    if not q and isinstance(sort, str) and "," not in sort and str(spec.get("limit")) == "1":
        field, _, direction = sort.partition(":")
        cands = [d for (u, _), d in coll["docs"].items()
                 if u == owner and isinstance(d.get(field), (int, float))]
        if not cands:
            return []
        pick = max if direction.strip() == "-1" else min
        return [sim.project(pick(cands, key=lambda d: d[field]), sim.parse_fields(spec.get("fields")))]
    return plain_find(self, coll, owner, spec)


sim.Handler.find = find


def record_key(values):
    h = hashlib.sha256()
    for v in values:
        h.update(f"{len(v)}:".encode())
        h.update(v.encode())
    return h.hexdigest()


def main():
    argv = sys.argv[2:]
    prefill = None
    if "--prefill" in argv:
        i = argv.index("--prefill")
        prefill = argv[i + 1]
        del argv[i:i + 2]
    server = sim.build_server(sim.parse_args(argv))
    if prefill:
        app, name, n = prefill.split("/")
        coll = server.sim.store.colls[(app, name)]
        t0 = 1_700_000_000
        for i in range(int(n)):
            user = f"u{i}"
            k = record_key([user])
            coll["docs"][("nobody", k)] = {"_key": k, "_user": "nobody", "user": user,
                                           "firstTimeSeen": t0 + i % 86400, "lastTimeSeen": t0 + 86400}
    print(f"LISTENING {server.uri}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
