// compare.js - checks the spans a receiver decoded against the spans
// span_service says it made.
//
// usage: node compare.js EXPECTED RECEIVED SERVICE
//   Every expected span marked exported must arrive once, with the same
//   trace, parent, name, kind, status, attributes and tracestate, a
//   start not after its end, inside its parent's time when the parent is
//   one of ours, and the resource's service.name SERVICE; no unexpected
//   span may arrive. Prints what differs; exits 1 when anything does.
'use strict';
const fs = require('fs');

const lines = (f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean)
  .map((l) => JSON.parse(l));
const [expFile, gotFile, service] = process.argv.slice(2);
const expected = lines(expFile);
const got = lines(gotFile);
const bySpan = new Map();
const errors = [];

for (const g of got) {
  if (bySpan.has(g.span)) errors.push(`span ${g.span} arrived twice`);
  bySpan.set(g.span, g);
}

for (const e of expected) {
  const g = bySpan.get(e.span);
  if (!e.exported) {
    if (g) errors.push(`${e.name}: unsampled, but it was exported`);
    continue;
  }
  if (!g) {
    errors.push(`${e.name} (${e.span}) never arrived`);
    continue;
  }
  bySpan.delete(e.span);
  for (const k of ['name', 'kind', 'trace', 'parent', 'status', 'message',
    'tracestate']) {
    if (String(g[k]) !== String(e[k])) {
      errors.push(`${e.name}: ${k} is ${JSON.stringify(g[k])}, ` +
        `want ${JSON.stringify(e[k])}`);
    }
  }
  if (JSON.stringify(g.attrs) !== JSON.stringify(e.attrs)) {
    errors.push(`${e.name}: attributes ${JSON.stringify(g.attrs)}, ` +
      `want ${JSON.stringify(e.attrs)}`);
  }
  if (BigInt(g.start) > BigInt(g.end) || BigInt(g.start) === 0n) {
    errors.push(`${e.name}: start ${g.start} end ${g.end}`);
  }
  if (g.resource['service.name'] !== service) {
    errors.push(`${e.name}: service.name ${g.resource['service.name']}`);
  }
  if (g.scope !== 'triage') errors.push(`${e.name}: scope ${g.scope}`);
  e.got = g;
}

// A child lies within its parent's time, when both are ours.
const all = new Map(expected.filter((e) => e.got).map((e) => [e.span, e]));
for (const e of all.values()) {
  const p = all.get(e.parent);
  if (!p) continue;
  if (BigInt(e.got.start) < BigInt(p.got.start) ||
      BigInt(e.got.end) > BigInt(p.got.end)) {
    errors.push(`${e.name} is not within its parent ${p.name}'s time`);
  }
}

for (const g of bySpan.values()) errors.push(`unexpected span ${g.name}`);
if (errors.length) {
  for (const m of errors) console.log('FAIL: ' + m);
  process.exit(1);
}
console.log(`${all.size} spans match`);
