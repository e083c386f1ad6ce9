// receiver.js - an OTLP/HTTP receiver for triage's span tests, decoding
// with OpenTelemetry JS's own protobuf code (generated from the official
// .proto files), not with anything of triage's.
//
// usage: node receiver.js PORTFILE SPANS REQUESTS
//   Listens on 127.0.0.1 at a port the kernel picks and writes it to
//   PORTFILE. Each span of each POST /v1/traces is appended to SPANS as
//   one JSON object a line; each request to REQUESTS as
//   {"ms": <time>, "status": <answer>, "spans": <count>, "encoding":
//   <Content-Encoding>, "apiKey": <x-api-key>}. A gzip body is inflated.
// Environment, to misbehave for the first requests:
//   FAIL_FIRST=N   the first N requests fail, by
//   FAIL_WITH=503  answering this status (with RETRY_AFTER=seconds as a
//                  Retry-After header when set), FAIL_WITH=reset to
//                  close the connection without an answer, or
//                  FAIL_WITH=hang never to answer.
//   REJECT=N       answer each accepted request with a partial success
//                  rejecting N spans.
'use strict';
const fs = require('fs');
const http = require('http');
const zlib = require('zlib');
const root = require(
  '@opentelemetry/otlp-transformer/build/src/generated/root.js');

const [portFile, spansFile, requestsFile] = process.argv.slice(2);
const Request = root.opentelemetry.proto.collector.trace.v1
  .ExportTraceServiceRequest;
const Response = root.opentelemetry.proto.collector.trace.v1
  .ExportTraceServiceResponse;
let failLeft = Number(process.env.FAIL_FIRST || 0);

const hex = (b) => Buffer.from(b || []).toString('hex');

function value(v) {
  if (v == null) return null;
  if (v.stringValue != null) return v.stringValue;
  if (v.intValue != null) return v.intValue.toString();
  if (v.doubleValue != null) return String(v.doubleValue);
  if (v.boolValue != null) return String(v.boolValue);
  return JSON.stringify(v);
}

function attrs(list) {
  const out = {};
  for (const kv of list || []) out[kv.key] = value(kv.value);
  return out;
}

function spansOf(body) {
  const req = Request.decode(body);
  const out = [];
  for (const rs of req.resourceSpans) {
    const resource = attrs(rs.resource && rs.resource.attributes);
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        out.push({
          name: s.name,
          kind: s.kind,
          trace: hex(s.traceId),
          span: hex(s.spanId),
          parent: hex(s.parentSpanId),
          tracestate: s.traceState || '',
          start: s.startTimeUnixNano.toString(),
          end: s.endTimeUnixNano.toString(),
          status: (s.status && s.status.code) || 0,
          message: (s.status && s.status.message) || '',
          attrs: attrs(s.attributes),
          droppedAttributes: s.droppedAttributesCount || 0,
          scope: ss.scope ? ss.scope.name : '',
          resource,
        });
      }
    }
  }
  return out;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const log = (status, n) => fs.appendFileSync(requestsFile,
      JSON.stringify({
        ms: Date.now(), status, spans: n,
        encoding: req.headers['content-encoding'] || '',
        apiKey: req.headers['x-api-key'] || '',
      }) + '\n');
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      log(404, 0);
      res.writeHead(404).end();
      return;
    }
    if (failLeft > 0) {
      failLeft--;
      const how = process.env.FAIL_WITH || '503';
      if (how === 'hang') {
        log('hang', 0);
        return;
      }
      if (how === 'reset') {
        log('reset', 0);
        req.socket.destroy();
        return;
      }
      const headers = { 'Content-Type': 'text/plain' };
      if (process.env.RETRY_AFTER) headers['Retry-After'] =
        process.env.RETRY_AFTER;
      log(Number(how), 0);
      res.writeHead(Number(how), headers).end('try later\n');
      return;
    }
    let spans;
    try {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') {
        body = zlib.gunzipSync(body);
      }
      spans = spansOf(body);
    } catch (e) {
      log(400, 0);
      res.writeHead(400).end(String(e));
      return;
    }
    fs.appendFileSync(spansFile,
      spans.map((s) => JSON.stringify(s) + '\n').join(''));
    log(200, spans.length);
    // An empty ExportTraceServiceResponse: everything accepted; or a
    // partial success.
    const reject = Number(process.env.REJECT || 0);
    const answer = reject ? Response.encode({
      partialSuccess: { rejectedSpans: reject, errorMessage: 'too old' },
    }).finish() : Buffer.alloc(0);
    res.writeHead(200, { 'Content-Type': 'application/x-protobuf' })
      .end(Buffer.from(answer));
  });
});

server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile + '.tmp', String(server.address().port));
  fs.renameSync(portFile + '.tmp', portFile);
});
