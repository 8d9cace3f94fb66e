'use strict';
// Every option of the core's table can be set from Node in camelCase with a JavaScript value,
// and values reach the wire as given (an OTLP header with '+' and ',' in it).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');

const llmtel = require('..');
const { optionExamples } = require('../lib/options');

/** The example text as a JavaScript user would write the value. */
function jsValue(kind, text) {
  switch (kind) {
    case 'bool': return text === 'true';
    case 'integer': case 'number': return Number(text);
    case 'duration': return Number(text) * 1000; // milliseconds in JavaScript
    case 'headers': return Object.fromEntries(text.split(',').map((e) => e.split('=')).map(([k, v]) => [k, decodeURIComponent(v)]));
    case 'json': return JSON.parse(text);
    case 'path_or_off': case 'url_or_bool': return text === 'false' ? false : text;
    default: return text;
  }
}

test('every option of the core table is accepted by init in camelCase', async () => {
  const examples = optionExamples();
  for (const name of ['otlpTracesEndpoint', 'otlpCompression', 'spoolMaxBytes', 'spoolMaxFiles', 'maxExportBatchSize',
    'maxConcurrentRequests', 'sentryAiSpansInTransaction', 'sentryCompression']) {
    assert.ok(examples.some(([n]) => n === name), `${name} is in the table`);
  }
  for (const [name, text, kind] of examples) {
    assert.doesNotThrow(() => llmtel.init({ spool: false, defaultIntegrations: false, [name]: jsValue(kind, text) }), name);
  }
  await llmtel.close(2000);
});

test('an unknown option throws a TypeError naming it, with code and option', () => {
  assert.throws(() => llmtel.init({ tracesSampleRat: 1 }), (error) => {
    assert.ok(error instanceof TypeError);
    assert.equal(error.code, 'invalid_option');
    assert.equal(error.option, 'tracesSampleRat');
    assert.match(error.message, /unknown option tracesSampleRat; did you mean tracesSampleRate\?/);
    return true;
  });
  assert.throws(() => llmtel.init({ colour: 'blue' }), /unknown option colour; known options are .*tracesSampleRate/);
});

test('OTLP header values keep + and , as given', async () => {
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const token = 'Basic dXNl+cjpw/YXNz=,x';
    llmtel.init({
      otlpEndpoint: `http://127.0.0.1:${server.address().port}`, otlpProtocol: 'http/json',
      otlpHeaders: { authorization: token }, spool: false, defaultIntegrations: false, flushInterval: 20,
    });
    llmtel.startSpan({ name: 'headers' }, () => {});
    assert.equal(await llmtel.flush(5000), true);
    assert.deepEqual(seen, [token]);
  } finally {
    await llmtel.close(2000);
    server.close();
  }
});
