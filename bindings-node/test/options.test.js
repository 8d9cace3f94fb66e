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

test('first-run feedback: callbacks that are not functions and unknown integrations are init errors; debug names the setup', () => {
  assert.throws(() => llmtel.init({ spool: false, beforeSendSpan: 'drop' }), (e) => e.code === 'invalid_option' && e.option === 'beforeSendSpan' && /must be a function, got string/.test(e.message));
  assert.throws(() => llmtel.init({ spool: false, tracesSampler: 0.5 }), (e) => e.option === 'tracesSampler' && /got number/.test(e.message));
  assert.throws(() => llmtel.init({ spool: false, integrations: [{ name: 'openAi' }] }), (e) => e.option === 'integrations' && /unknown integration "openAi"; did you mean openai\?/.test(e.message));
  assert.throws(() => llmtel.init({ spool: false, integrations: [{ name: 'http' }] }), /unknown integration "http"; llmtel has openai, anthropic/);
  const lines = [];
  const write = process.stderr.write;
  process.stderr.write = (text, ...rest) => (String(text).startsWith('llmtel: exporters') ? lines.push(String(text)) : write.call(process.stderr, text, ...rest));
  try {
    llmtel.init({ spool: false, dsn: 'https://public:secret@o1.ingest.sentry.io/42', debug: true, tracesSampleRate: 0.5, defaultIntegrations: false, integrations: [llmtel.openAIIntegration()] });
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(lines, ['llmtel: exporters: sentry (o1.ingest.sentry.io, project 42); traces_sample_rate 0.5; send_default_pii false; integrations: openai\n']);
});
