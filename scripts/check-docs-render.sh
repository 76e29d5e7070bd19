#!/usr/bin/env bash
# Renders detc's documentation pages as a reader sees them and checks them:
# python-markdown (target/pyvenv, scripts/setup-py-tools.sh) turns each page
# into HTML in a GitHub-like layout (980 px wide, code blocks scroll), then
# headless Chromium (Debian package `chromium`) lays it out, screenshots it
# and reports what does not fit: an element wider than the page outside a
# scrolling code block, an empty table header, a `%original_detection_search%`
# placeholder left in a drilldown.
# Usage: bash scripts/check-docs-render.sh [CONTENT_ROOT] [OUT_DIR]
#   CONTENT_ROOT: default the repository's own content
#   OUT_DIR: where the HTML and screenshots go (default target/docs-render)
set -euo pipefail
ROOT=$(cd "${1:-.}" && pwd)
cd "$(dirname "$0")/.."
OUT=${2:-target/docs-render}
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $CHROMIUM ]]; then
    echo "check-docs-render: needs Chromium (Debian: apt-get install chromium)" >&2
    exit 2
fi
rm -rf "$OUT" && mkdir -p "$OUT"
cargo run --quiet --locked --release -p detc -- docs "$ROOT" --cap-lints warn --out "$OUT/md" >/dev/null 2>&1
# The pages a reader opens first, and the ones most likely to overflow:
# the index, the coverage matrix, the detection with the longest search
# and the one with the longest drilldown, a story.
dets=("$OUT"/md/detections/*.md)
stories=("$OUT"/md/stories/*.md)
longest=$(wc -c "${dets[@]}" | grep -v ' total$' | sort -n | tail -n1 | awk '{print $2}')
PAGES=("$OUT/md/index.md" "$OUT/md/attack.md" "$longest" "${dets[0]}" "${stories[0]}")
target/pyvenv/bin/python - "$OUT" "${PAGES[@]}" <<'PY'
import html, pathlib, sys
import markdown
out = pathlib.Path(sys.argv[1])
css = """body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;margin:0}
main{box-sizing:border-box;max-width:980px;margin:0 auto;padding:32px}
pre{background:#f6f8fa;padding:16px;overflow:auto}
table{border-collapse:collapse;display:block;max-width:100%;overflow:auto}
td,th{border:1px solid #d0d7de;padding:6px 13px}"""
probe = """<script>
const main = document.querySelector('main');
const limit = main.getBoundingClientRect().right + 1;
const bad = [];
for (const el of main.querySelectorAll('*')) {
  if (el.closest('pre')) continue;
  const r = el.getBoundingClientRect();
  const scrolls = getComputedStyle(el).overflowX === 'auto' && el.scrollWidth > el.clientWidth;
  if (r.right > limit || scrolls) bad.push(el.tagName + ': ' + el.textContent.slice(0, 60));
}
for (const th of main.querySelectorAll('th')) if (!th.textContent.trim()) bad.push('empty table header');
if (main.textContent.includes('%original_detection_search%')) bad.push('%original_detection_search% left in the page');
const r = document.createElement('pre'); r.id = 'render-result';
r.textContent = JSON.stringify(bad); document.body.appendChild(r);
</script>"""
for p in map(pathlib.Path, sys.argv[2:]):
    body = markdown.markdown(p.read_text(), extensions=["tables", "fenced_code"])
    name = p.relative_to(out / "md").with_suffix(".html")
    dest = out / "html" / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(f"<!doctype html><meta charset=utf-8><title>{html.escape(p.stem)}</title><style>{css}</style><main>{body}</main>{probe}")
    print(dest)
PY
status=0
while read -r page; do
    shot="${page%.html}.png"
    dom=$("$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,4000 \
        --virtual-time-budget=2000 --dump-dom "file://$PWD/$page" 2>/dev/null)
    "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2400 \
        --screenshot="$shot" "file://$PWD/$page" >/dev/null 2>&1
    result=$(printf '%s' "$dom" | sed -n 's/.*<pre id="render-result">\(.*\)<\/pre>.*/\1/p')
    if [[ $result == "[]" ]]; then
        echo "ok: ${page#"$OUT"/html/} (screenshot $shot)"
    else
        echo "does not fit: ${page#"$OUT"/html/}: ${result:-no result from Chromium}"
        status=1
    fi
done < <(find "$OUT/html" -name '*.html' | sort)
exit $status
