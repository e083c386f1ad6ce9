#!/usr/bin/env bash
# flame_chromium.sh - the flame graph that `triage pprof -flame` writes,
# opened in a real browser: Debian's chromium, headless. A test script
# appended to the page drives it as a person would (mouse events on the
# frames, typing in the search box) and writes what it found into the
# page, which chromium then dumps:
#
# - every frame's width is its share of the total, and the hottest frame
#   is the widest;
# - the self values of the hottest function's frames add up to its flat
#   value in `go tool pprof -top` (the oracle);
# - hovering shows the frame's name and share; clicking a frame zooms it
#   to the full width with its ancestors faded above; the search box
#   highlights matching frames (and only them) and says their share;
#   the icicle switch puts the root at the top.
#
# The page must load nothing from the network.
. "$(dirname "$0")/../lib/e2e.sh"

browser=$(command -v chromium || true)
[ -n "$browser" ] || fail "chromium is not installed (scripts/deps installs it)"

prof=$S/tests/data/go-cpu.pb.gz
page=$WORK/flame.html
"$TRIAGE" pprof -flame "$page" "$prof" 2>"$WORK/err" </dev/null ||
	fail "triage pprof -flame: $(cat "$WORK/err")"
grep -q "^Flame graph in $page\$" "$WORK/err" || fail "no word of the file: $(cat "$WORK/err")"
if grep -Eiq '<(link|img|iframe)|src=|https?://' "$page"; then
	fail "the page refers to something outside it: $(grep -Eio '<(link|img|iframe)[^>]*|src=[^ ]*|https?://[^ "]*' "$page" | head -3)"
fi
pass "the page is self-contained"

# The oracle: the hottest function by flat, and its flat in ns.
export TZ=UTC
read -r flat_ns hot < <(go tool pprof -top -unit=ns "$prof" 2>/dev/null |
	awk '/^ *flat  flat%/ { getline; sub(/ns$/, "", $1); print $1, $6; exit }')
[ -n "$hot" ] || fail "go tool pprof -top gave no rows"

cat >"$WORK/drive.js" <<EOF
window.addEventListener('load', function () {
  const out = [];
  const check = (what, ok, detail) =>
    out.push((ok ? 'PASS ' : 'FAIL ') + what + (ok ? '' : ': ' + detail));
  const chart = document.getElementById('chart');
  const frames = () => Array.from(chart.querySelectorAll('.f'));
  const px = (el) => el.getBoundingClientRect().width;
  const full = chart.getBoundingClientRect().width;
  const byIndex = (i) => chart.querySelector('.f[data-i="' + i + '"]');

  // Widths in proportion to values; the hottest frame the widest.
  let worst = 0, hot = null, widest = null;
  for (const el of frames()) {
    const i = Number(el.dataset.i);
    worst = Math.max(worst,
      Math.abs(px(el) / full - flame.width(i) / flame.width(0)));
    if (i === 0) continue;
    if (!hot || flame.width(i) > flame.width(Number(hot.dataset.i))) hot = el;
    if (!widest || px(el) > px(widest)) widest = el;
  }
  check('widths are shares of the total', worst < 0.002, 'off by ' + worst);
  check('the hottest frame is the widest', hot && px(hot) >= px(widest) - 0.5,
    (hot && hot.textContent) + ' ' + (hot && px(hot)) + 'px, ' +
    widest.textContent + ' ' + px(widest) + 'px');

  // The oracle's hottest function: its frames' self values add up to
  // its flat value.
  let self = 0, mine = null;
  for (let i = 0; i < DATA.nodes.length; i++)
    if (flame.name(i) === '$hot') {
      self += DATA.nodes[i][4];
      if (!mine || flame.width(i) > flame.width(mine)) mine = i;
    }
  check('self of $hot is its flat in go tool pprof', self === $flat_ns,
    self + ' != $flat_ns');

  // Hover.
  const el = byIndex(mine);
  el.dispatchEvent(new MouseEvent('mousemove', { bubbles: true,
    clientX: el.getBoundingClientRect().left + 2,
    clientY: el.getBoundingClientRect().top + 2 }));
  const tip = document.getElementById('tip');
  check('hover shows the frame and its share',
    tip.style.display === 'block' && tip.textContent.includes('$hot') &&
    /\d+\.\d\d% of the total/.test(tip.textContent), tip.textContent);

  // Click zooms: the frame spans the chart, its ancestors fade.
  el.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  const zoomed = byIndex(mine);
  check('a click zooms the frame to the full width',
    zoomed && Math.abs(px(zoomed) - full) < 1, zoomed && px(zoomed) + ' vs ' + full);
  check('its ancestors stay above, faded',
    byIndex(0) && byIndex(0).classList.contains('above'), 'root not faded');
  document.getElementById('reset').click();
  check('reset zooms out', !byIndex(0).classList.contains('above'), 'still zoomed');

  // Search highlights the frames that match, and only those.
  const box = document.getElementById('search');
  box.value = 'sha256';
  box.dispatchEvent(new Event('input', { bubbles: true }));
  const hits = frames().filter((f) => f.classList.contains('match'));
  const wrong = hits.filter((f) => !/sha256/i.test(f.textContent)).length +
    frames().filter((f) => !f.classList.contains('match') &&
      /sha256/i.test(flame.name(Number(f.dataset.i)))).length;
  check('search highlights matching frames', hits.length > 0 && wrong === 0,
    hits.length + ' highlighted, ' + wrong + ' wrong');
  check('search says the share matched',
    /^Matched: \d+\.\d\d%$/.test(document.getElementById('status').textContent),
    document.getElementById('status').textContent);

  // Icicle: the root moves to the top.
  const ice = document.getElementById('icicle');
  ice.click();
  check('icicle puts the root at the top', byIndex(0).style.top === '0px',
    byIndex(0).style.top);

  const pre = document.createElement('pre');
  pre.id = 'results';
  pre.textContent = out.join('\n');
  document.body.appendChild(pre);
});
EOF
{
	sed '/<\/body>/,$d' "$page"
	printf '<script>\n'
	cat "$WORK/drive.js"
	printf '</script>\n</body>\n</html>\n'
} >"$WORK/test.html"

# A fresh profile folder, nothing fetched, no sandbox (root in CI).
timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
	--disable-background-networking --disable-component-update \
	--no-first-run --user-data-dir="$WORK/chromium" \
	--window-size=1280,900 --virtual-time-budget=5000 \
	--dump-dom "file://$WORK/test.html" >"$WORK/dom.html" 2>"$WORK/chromium.log" ||
	fail "chromium failed: $(tail -5 "$WORK/chromium.log")"
sed -n '/<pre id="results">/,/<\/pre>/p' "$WORK/dom.html" |
	sed 's/<[^>]*>//g' >"$WORK/results"
[ -s "$WORK/results" ] || fail "the page's test did not run: $(tail -5 "$WORK/chromium.log")"
cat "$WORK/results"
! grep -q '^FAIL' "$WORK/results" || fail "the flame graph failed in chromium"
[ "$(grep -c '^PASS' "$WORK/results")" = 10 ] || fail "not every check ran"
pass "the flame graph works in headless chromium"
