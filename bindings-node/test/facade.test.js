'use strict';
// The native facade as the integration layer uses it: handles that end once with a typed
// error, agent / tool / normalized-call spans, trace continuation, and a beforeSendSpan round
// trip that keeps a double a double.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const llmtel = require('..');
const native = require('../lib/native');
const { freshSpool } = require('../testing/helpers');

function client() {
  return new native.NativeClient([['spool', 'false'], ['dsn', '']]);
}

test('a second end throws already_ended, and so does any use after it', () => {
  const span = client().startSpan('once');
  span.end();
  assert.throws(() => span.end(), (e) => e.code === 'already_ended' && /already ended/.test(e.message));
  assert.throws(() => span.setString('k', 'v'), (e) => e.code === 'already_ended');
  const call = client().call('openai', 'chat_completions', '{"model":"m"}');
  call.finishStream();
  assert.throws(() => call.finish('{}'), (e) => e.code === 'already_ended');
});

test('facade errors carry stable codes', () => {
  assert.deepEqual(native.errorCodes(), ['invalid_option', 'timeout', 'already_ended', 'malformed_json', 'unknown_provider', 'unknown_api', 'invalid_argument', 'closed', 'panic']);
  const c = client();
  assert.throws(() => c.call('nope', 'chat_completions', '{}'), (e) => e.code === 'unknown_provider');
  assert.throws(() => c.call('openai', 'nope', '{}'), (e) => e.code === 'unknown_api');
  assert.throws(() => c.agent('{"operation": "dance"}'), (e) => e.code === 'invalid_argument' && /operation/.test(e.message));
  assert.throws(() => c.tool('{"nmae": "x"}'), (e) => e.code === 'invalid_argument' && /nmae/.test(e.message));
  assert.throws(() => new native.NativeClient([['queue_capacity', '0']]), (e) => e.code === 'invalid_option' && /queue_capacity/.test(e.message));
  assert.throws(() => c.startSpan('x').setStatus('bogus'), (e) => e.code === 'invalid_argument');
  const bad = c.call('openai', 'chat_completions', '{not json');
  assert.match(bad.problem, /cannot read the request JSON/);
  assert.throws(() => bad.chunk(null, '{oops'), (e) => e.code === 'malformed_json');
  bad.finishStream();
});

test('agent, tool and normalized calls from Node: usage sums onto the agent', async () => {
  const read = freshSpool({ defaultIntegrations: false });
  const c = llmtel._client();
  const agent = c.agent(JSON.stringify({ name: 'Researcher', conversation_id: 'thread-1' }), { origin: 'auto.ai.langgraph' });
  const call = c.normalizedCall(JSON.stringify({ provider: 'openai', model: 'gpt-4o-mini' }), { origin: 'auto.ai.langchain' }, agent.context);
  call.markChunk();
  call.finishNormalized(JSON.stringify({ usage: { input_tokens: 30, output_tokens: 4 }, finish_reasons: ['stop'] }));
  const tool = c.tool(JSON.stringify({ name: 'search', call_id: 'c1', arguments: { q: 'x' } }), { recordInputs: true, recordOutputs: true }, agent.context);
  tool.setResult('{"hits": 3}');
  tool.fail('TimeoutError', 'slow');
  agent.end();
  const spans = Object.fromEntries((await read()).map((l) => JSON.parse(l)).map((s) => [s.name, s]));
  const top = spans['invoke_agent Researcher'];
  assert.equal(top.op, 'gen_ai.invoke_agent');
  assert.equal(top.attributes['gen_ai.usage.input_tokens'], 30);
  assert.equal(top.attributes['gen_ai.usage.output_tokens'], 4);
  assert.equal(top.attributes['gen_ai.conversation.id'], 'thread-1');
  const chat = spans['chat gpt-4o-mini'];
  assert.equal(chat.parent_span_id, top.span_id);
  assert.equal(chat.origin, 'auto.ai.langchain');
  assert.deepEqual(chat.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(typeof chat.attributes['gen_ai.response.time_to_first_chunk'], 'number');
  const t = spans['execute_tool search'];
  assert.equal(t.attributes['gen_ai.tool.call.arguments'], '{"q":"x"}');
  assert.equal(t.attributes['gen_ai.tool.call.result'], '{"hits":3}');
  assert.equal(t.attributes['error.type'], 'TimeoutError');
  assert.equal(t.status, 'error');
});

test('continueTrace joins the caller\'s trace and its decision; outgoing headers come from any context', async () => {
  const read = freshSpool({ defaultIntegrations: false });
  const c = llmtel._client();
  const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const remote = c.continueTrace({ traceparent: `00-${trace}-00f067aa0ba902b7-01` });
  assert.equal(remote.remote, true);
  const root = c.startSpan('POST /api/chat', undefined, remote);
  assert.equal(root.traceId, trace);
  assert.equal(root.context.traceparent(), `00-${trace}-${root.spanId}-01`);
  assert.equal(root.context.sentryTrace(), `${trace}-${root.spanId}-1`);
  root.end();
  const declined = c.startSpan('declined', undefined, c.continueTrace({ sentryTrace: `${trace}-00f067aa0ba902b7-0` }));
  assert.equal(declined.context.sampled, false);
  declined.end();
  assert.equal(c.continueTrace({}), null);
  assert.throws(() => c.continueTrace({ traceparent: 'garbage' }), (e) => e.code === 'invalid_argument' && /traceparent/.test(e.message));
  const [span] = (await read()).map((l) => JSON.parse(l));
  assert.equal(span.name, 'POST /api/chat');
  assert.equal(span.parent_span_id, '00f067aa0ba902b7');
});

test('a beforeSendSpan round trip keeps 1.0 a double and sees op and status', async () => {
  const seen = [];
  const read = freshSpool({ defaultIntegrations: false, beforeSendSpan: (span) => { seen.push(span); return span; } });
  llmtel.startSpan({ name: 'typed', op: 'ai.task' }, (span) => {
    span.setAttribute('count', 2);
    span.setStatus('ok');
  });
  const call = llmtel._client().call('openai', 'chat_completions', '{"model": "m", "temperature": 1.0}');
  call.finish('{"choices": []}');
  const lines = await read();
  const typed = seen.find((s) => s.name === 'typed');
  assert.equal(typed.op, 'ai.task');
  assert.equal(typed.status, 'ok');
  assert.equal(seen.find((s) => s.name === 'chat m').attributes['gen_ai.request.temperature'], 1);
  // JSON.parse made it 1 in the hook; the span on the wire still holds the double 1.0.
  assert.match(lines.find((l) => l.includes('"chat m"')), /"gen_ai\.request\.temperature":1\.0[,}]/);
  assert.match(lines.find((l) => l.includes('"typed"')), /"count":2[,}]/);
});

test('a stream that fails part-way rethrows its own error, not llmtel\'s (the call already ended)', async () => {
  const read = freshSpool({ defaultIntegrations: false });
  const google = require('../lib/integrations/google');
  const boom = Object.assign(new Error('boom'), { status: 500 });
  const ai = {
    apiClient: { getBaseUrl: () => 'https://generativelanguage.googleapis.com' },
    models: {
      generateContent: async () => ({}),
      embedContent: async () => ({}),
      generateContentStream: async () => (async function* () { yield { responseId: 'r1' }; throw boom; })(),
    },
    chats: { create: () => ({}) },
  };
  google.instrument(ai, () => ({ client: llmtel._client(), recordInputs: false, recordOutputs: false }));
  await assert.rejects(async () => {
    for await (const _ of await ai.models.generateContentStream({ model: 'gemini-2.5-flash' })) { /* read */ }
  }, (error) => error === boom);
  const [span] = (await read()).map((l) => JSON.parse(l));
  assert.equal(span.status, 'error');
  assert.equal(span.attributes['error.type'], '500');
});

test('a Stainless stream reaches the core as the wire bytes, never as re-serialized chunks', async () => {
  const OpenAI = require('openai');
  const read = freshSpool({ defaultIntegrations: false });
  const seen = { feed: 0, chunk: 0 };
  // A call made at once (NativeCall) or handed over when it ends (DeferredCall, Node's way).
  const classes = [native.NativeCall, native.DeferredCall].map((c) => [c.prototype, { feed: c.prototype.feed, chunk: c.prototype.chunk }]);
  for (const [proto, { feed, chunk }] of classes) {
    proto.feed = function (bytes) { seen.feed++; return feed.call(this, bytes); };
    proto.chunk = function (event, data) { seen.chunk++; return chunk.call(this, event, data); };
  }
  try {
    const body = ['{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}',
      '{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}', '[DONE]']
      .map((d) => `data: ${d}\n\n`).join('');
    const fetch = async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    const client = llmtel.instrumentOpenAiClient(new OpenAI({ apiKey: 'x', baseURL: 'http://mock/v1', fetch, maxRetries: 0 }), { recordOutputs: true });
    let text = '';
    for await (const part of await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true })) text += part.choices[0].delta.content || '';
    assert.equal(text, 'Hello'); // the user's stream is untouched
  } finally {
    for (const [proto, original] of classes) Object.assign(proto, original);
  }
  assert.ok(seen.feed >= 1);
  assert.equal(seen.chunk, 0);
  const [span] = (await read()).map((l) => JSON.parse(l));
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.match(span.attributes['gen_ai.output.messages'], /Hello/);
});
