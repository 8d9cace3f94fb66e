'use strict';
// beforeSendSpan: edits and drops, for user spans and GenAI calls; a hook that throws never
// breaks the call (the span is dropped, as a privacy filter that failed should).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const OpenAI = require('openai');

const llmtel = require('..');
const { startProviderServer, freshSpool } = require('../testing/helpers');

let provider;
before(async () => { provider = await startProviderServer(); });
after(() => provider.server.kill());

test('beforeSendSpan can edit and drop spans', async () => {
  const read = freshSpool({
    beforeSendSpan: (span) => {
      if (span.name === 'secret') return null;
      span.attributes['prompt'] = '[Filtered]';
      span.name = `${span.name} (checked)`;
      return span;
    },
  });
  llmtel.startSpan({ name: 'visible' }, (span) => span.setAttribute('prompt', 'my password is hunter2'));
  llmtel.startSpan({ name: 'secret' }, () => {});
  const spans = (await read()).map((l) => JSON.parse(l));
  assert.equal(spans.length, 1);
  assert.equal(spans[0].name, 'visible (checked)');
  assert.equal(spans[0].attributes.prompt, '[Filtered]');
  assert.equal(llmtel.stats().dropped.before_send, 1);
});

test('GenAI spans go through beforeSendSpan too', async () => {
  const read = freshSpool({
    defaultIntegrations: false,
    beforeSendSpan: (span) => { delete span.attributes['gen_ai.response.id']; return span; },
  });
  const client = llmtel.instrumentOpenAiClient(new OpenAI({ baseURL: `${provider.url}/openai_chat_plain/v1`, apiKey: 'test', maxRetries: 0 }));
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] });
  const [span] = (await read()).map((l) => JSON.parse(l));
  assert.equal(span.attributes['gen_ai.request.model'], 'gpt-4o-mini');
  assert.ok(!('gen_ai.response.id' in span.attributes));
});

test('a beforeSendSpan that throws does not break the call', async () => {
  const read = freshSpool({ defaultIntegrations: false, beforeSendSpan: () => { throw new Error('bug in the hook'); } });
  const client = llmtel.instrumentOpenAiClient(new OpenAI({ baseURL: `${provider.url}/openai_chat_plain/v1`, apiKey: 'test', maxRetries: 0 }));
  const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] });
  assert.equal(completion.id, 'chatcmpl-1');
  assert.deepEqual(await read(), []);
  assert.equal(llmtel.stats().dropped.before_send, 1);
});

test('a beforeSendSpan that returns anything but a span object drops it, with one warning', async () => {
  const warnings = [];
  const onWarning = (w) => { if (w.code === 'LLMTEL_BEFORE_SEND_SPAN') warnings.push(w.message); };
  process.on('warning', onWarning);
  const returns = {
    'a number': () => 42,
    'a string': () => 'keep',
    'a promise': async (span) => { span.attributes = {}; return span; },
    'an array': (span) => [span],
    'true': () => true,
  };
  const read = freshSpool({ beforeSendSpan: (span) => (returns[span.name] ? returns[span.name](span) : span) });
  for (const name of Object.keys(returns)) {
    llmtel.startSpan({ name }, (span) => span.setAttribute('prompt', 'secret'));
  }
  llmtel.startSpan({ name: 'kept' }, () => {});
  const spans = (await read()).map((l) => JSON.parse(l));
  await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  process.off('warning', onWarning);
  assert.deepEqual(spans.map((s) => s.name), ['kept']);
  assert.equal(llmtel.stats().dropped.before_send, Object.keys(returns).length);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /beforeSendSpan returned a number, not a span object/);
});

test('a beforeSendSpan that deletes the attributes sends none, and an op it sets is kept', async () => {
  const read = freshSpool({
    beforeSendSpan: (span) => { delete span.attributes; span.op = 'edited.op'; return span; },
  });
  llmtel.startSpan({ name: 'cleared', op: 'ai.task' }, (span) => span.setAttribute('prompt', 'secret'));
  const [span] = (await read()).map((l) => JSON.parse(l));
  assert.deepEqual(span.attributes, {});
  assert.equal(span.op, 'edited.op');
});

test('attribute values never throw: bigints and objects are coerced, the rest counted', async () => {
  const read = freshSpool({});
  const circular = {}; circular.self = circular;
  llmtel.startSpan({ name: 'odd values' }, (span) => {
    span.setAttribute('big', 2n ** 70n);
    span.setAttribute('object', { a: [1, 2.5] });
    for (const [key, value] of [['null', null], ['undefined', undefined], ['function', () => 1], ['symbol', Symbol('x')], ['circular', circular]]) {
      span.setAttribute(key, value);
    }
  });
  const [span] = (await read()).map((l) => JSON.parse(l));
  assert.deepEqual(span.attributes, { big: (2n ** 70n).toString(), object: '{"a":[1,2.5]}' });
  assert.equal(llmtel.stats().invalidAttributes, 5);
});

test('scrubPatterns takes RegExps, and error messages are scrubbed with them', async () => {
  const read = freshSpool({ scrubPatterns: [/EMP-\d{6}/] });
  assert.throws(() => llmtel.startSpan({ name: 'job' }, () => { throw new Error('employee EMP-123456 failed'); }), /EMP-123456/);
  const [span] = (await read()).map((l) => JSON.parse(l));
  assert.equal(span.status_message, 'employee [Filtered] failed');
});
