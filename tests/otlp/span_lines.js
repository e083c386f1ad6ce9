// span_lines.js - checks the "span end" log lines of span_service's
// spans against the spans it says it made.
//
// usage: node span_lines.js EXPECTED LOGFILE
//   Every expected span (exported or not) must have one line with
//   content "span end", its own trace, span and parent IDs, its name,
//   its kind's word, a duration like "0.3ms", level error with its
//   message when it failed and info otherwise. Exits 1 on a mismatch.
'use strict';
const fs = require('fs');

const lines = (f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean);
const [expFile, logFile] = process.argv.slice(2);
const kinds = ['', 'internal', 'server', 'client', 'producer', 'consumer'];
const errors = [];
const ends = new Map();

for (const l of lines(logFile)) {
  let o;
  try {
    o = JSON.parse(l);
  } catch (e) {
    errors.push(`not JSON: ${l}`);
    continue;
  }
  if (o.content !== 'span end') continue;
  if (ends.has(o.span)) errors.push(`two span end lines for ${o.span}`);
  ends.set(o.span, o);
}

const expected = lines(expFile).map((l) => JSON.parse(l));
for (const e of expected) {
  const o = ends.get(e.span);
  if (!o) {
    errors.push(`${e.name}: no span end line`);
    continue;
  }
  const want = {
    trace: e.trace,
    span_name: e.name,
    kind: kinds[e.kind],
    level: e.status === 2 ? 'error' : 'info',
  };
  if (e.parent) want.parent = e.parent;
  if (e.status === 2) want.error = e.message;
  for (const k of Object.keys(want)) {
    if (o[k] !== want[k]) {
      errors.push(`${e.name}: ${k} is ${JSON.stringify(o[k])}, ` +
        `want ${JSON.stringify(want[k])}`);
    }
  }
  if (!e.parent && 'parent' in o) errors.push(`${e.name}: a root with a parent`);
  if (e.status !== 2 && 'error' in o) errors.push(`${e.name}: an error field`);
  if (!/^[0-9]+\.[0-9]ms$/.test(o.duration || '')) {
    errors.push(`${e.name}: duration ${JSON.stringify(o.duration)}`);
  }
}
if (errors.length) {
  for (const m of errors) console.log('FAIL: ' + m);
  process.exit(1);
}
console.log(`${expected.length} span end lines match`);
