'use strict';
// The real `openai` package against the loopback provider server: every OpenAI scenario gives
// exactly its expected span (read back from a real spool), checked by tests/scenario_check.py,
// the same comparison the Rust, C and Python suites use.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

// The latest 7.x and 6.x (installed as `openai6`), each through every scenario.
const SDKS = ['openai', 'openai6'].map((name) => ({
  name,
  version: JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'node_modules', name, 'package.json'), 'utf8')).version,
  sdk: require(name),
}));
const { OpenAI } = require('openai');

const llmtel = require('..');
const { scenarios, startProviderServer, freshSpool, assertMatches, contentOptions, countCrossings } = require('../testing/helpers');

let provider;
before(async () => { provider = await startProviderServer(); });
after(() => provider.server.kill());

function makeClient(sdk, scenario) {
  const url = provider.url;
  if (scenario.provider === 'azure.ai.openai') {
    return new sdk.AzureOpenAI({ endpoint: `${url}/${scenario.name}`, apiKey: 'test', apiVersion: '2024-10-21', maxRetries: 0 });
  }
  return new sdk.OpenAI({ baseURL: `${url}/${scenario.name}/v1`, apiKey: 'test', maxRetries: 0 });
}

for (const { version, sdk } of SDKS) for (const scenario of scenarios('openai', 'azure.ai.openai')) {
  test(`openai ${version}: ${scenario.name} gives its expected span`, async () => {
    const read = freshSpool(contentOptions(scenario));
    const client = llmtel.instrumentOpenAiClient(makeClient(sdk, scenario), {
      recordInputs: scenario.options.record_inputs, recordOutputs: scenario.options.record_outputs,
    });
    const method = { chat_completions: client.chat.completions, responses: client.responses, embeddings: client.embeddings }[scenario.api];
    const run = async () => {
      const result = await method.create(scenario.request);
      if (result && typeof result[Symbol.asyncIterator] === 'function') {
        for await (const _ of result) { /* read it all */ }
      }
    };
    if ((scenario.response.status || 200) >= 400) {
      await assert.rejects(run(), (error) => error instanceof sdk.APIError && error.status === scenario.response.status);
    } else {
      await run();
    }
    const lines = await read();
    assert.equal(lines.length, 1);
    assertMatches(scenario, lines[0], provider.url);
  });
}

test('withResponse() and a stream left with break keep working', async () => {
  const read = freshSpool();
  const client = llmtel.instrumentOpenAiClient(new OpenAI({ baseURL: `${provider.url}/openai_chat_plain/v1`, apiKey: 'test', maxRetries: 0 }));
  const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).withResponse();
  assert.equal(data.id, 'chatcmpl-1');
  assert.equal(response.status, 200);
  const streaming = llmtel.instrumentOpenAiClient(new OpenAI({ baseURL: `${provider.url}/openai_chat_stream_no_usage/v1`, apiKey: 'test', maxRetries: 0 }));
  const stream = await streaming.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true });
  for await (const _ of stream) break;
  const spans = (await read()).map((l) => JSON.parse(l));
  assert.equal(spans.length, 2);
  assert.ok(spans.every((s) => s.status === 'ok'));
});

for (const { name, version, sdk } of SDKS) {
  test(`openai ${version}: a stream read to its end crosses into the binding once, when it ends, whichever way the SDK closes the body`, async () => {
    // openai 7 stops reading at the [DONE] sentinel and closes the body before its end: that
    // close must not make the call in the binding (four crossings instead of one).
    const read = freshSpool();
    const client = llmtel.instrumentOpenAiClient(new sdk.OpenAI({ baseURL: `${provider.url}/openai_chat_stream_no_usage/v1`, apiKey: 'test', maxRetries: 0 }));
    const { crossings: counted, result: text } = await countCrossings(async () => {
      let answer = '';
      for await (const part of await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true })) {
        answer += part.choices[0]?.delta.content || '';
      }
      return answer;
    });
    assert.ok(text.length > 0);
    assert.deepEqual(counted, ['callFinished'], `${name}: ${counted.join(', ')}`);
    const [span] = (await read()).map((l) => JSON.parse(l));
    assert.equal(span.status, 'ok');
  });
}

test('a call handed over with its response is timed from its start, with its parent and its tokens per second', async () => {
  // A non-streamed call crosses into the binding once, when its response is there: its span
  // must still start when the call did.
  const read = freshSpool();
  const answer = JSON.stringify({
    id: 'chatcmpl-slow', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
  });
  const fetch = async () => {
    await new Promise((resolve) => setTimeout(resolve, 120));
    return new Response(answer, { headers: { 'content-type': 'application/json' } });
  };
  const client = llmtel.instrumentOpenAiClient(new OpenAI({ baseURL: 'http://slow.test/v1', apiKey: 'test', maxRetries: 0, fetch }));
  const before = Date.now() * 1e6;
  await llmtel.startSpan({ name: 'handler' }, () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }));
  const spans = (await read()).map((l) => JSON.parse(l));
  const call = spans.find((s) => s.name === 'chat gpt-4o-mini');
  const root = spans.find((s) => s.name === 'handler');
  assert.equal(call.parent_span_id, root.span_id);
  assert.ok(call.start_time_unix_nano >= root.start_time_unix_nano && call.start_time_unix_nano - before < 100e6, 'started with the call');
  assert.ok(call.end_time_unix_nano - call.start_time_unix_nano >= 100e6, `lasted the provider's 120 ms: ${(call.end_time_unix_nano - call.start_time_unix_nano) / 1e6} ms`);
  assert.ok(call.attributes['gen_ai.response.tokens_per_second'] < 5 / 0.1, 'five tokens over the whole call');
});

for (const [label, padding] of [['a stream', 0], ['a stream longer than the bytes a call keeps', 300 * 1024]]) {
  test(`${label} handed over when it ends keeps its time to first chunk and all its events`, async () => {
    // A stream's bytes are kept as they come and handed to the core with its end (or, past
    // 256 KiB, from then on as they come): the time to first chunk is still when they came.
    const read = freshSpool();
    const event = (delta, finish) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const filler = padding ? `: ${'x'.repeat(padding)}\n\n` : ''; // an SSE comment: bytes, no event
    const usage = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\ndata: [DONE]\n\n`;
    const later = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    const encoder = new TextEncoder();
    const fetch = async () => new Response(new ReadableStream({
      async start(controller) {
        await later(80);
        controller.enqueue(encoder.encode(event({ role: 'assistant', content: 'Hel' }, null)));
        await later(80);
        controller.enqueue(encoder.encode(filler + event({ content: 'lo' }, null) + event({}, 'stop') + usage));
        controller.close();
      },
    }), { headers: { 'content-type': 'text/event-stream' } });
    const client = llmtel.instrumentOpenAiClient(new OpenAI({ apiKey: 'x', baseURL: 'http://mock/v1', fetch, maxRetries: 0 }), { recordOutputs: true });
    let text = '';
    for await (const part of await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true, stream_options: { include_usage: true } })) {
      text += part.choices[0]?.delta.content || '';
    }
    assert.equal(text, 'Hello');
    const [span] = (await read()).map((l) => JSON.parse(l));
    const a = span.attributes;
    const first = a['gen_ai.response.time_to_first_chunk'];
    assert.ok(first >= 0.07 && first < 0.15, `the first bytes came after 80 ms, the rest 80 ms later: ${first} s`);
    assert.ok((span.end_time_unix_nano - span.start_time_unix_nano) / 1e9 >= 0.15);
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(a['gen_ai.usage.output_tokens'], 2);
    assert.match(a['gen_ai.output.messages'], /Hello/);
  });
}

for (const { version, sdk } of SDKS) {
  test(`openai ${version}: a 200 with malformed JSON fails its span with the caller's error`, async () => {
    const read = freshSpool();
    const client = llmtel.instrumentOpenAiClient(new sdk.OpenAI({ baseURL: `${provider.url}/fault_openai_chat_malformed_json/v1`, apiKey: 'test', maxRetries: 0 }));
    let caught;
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }), (error) => { caught = error; return true; });
    const spans = (await read()).map((l) => JSON.parse(l));
    assert.equal(spans.length, 1, 'the call is never lost');
    assert.equal(spans[0].status, 'error');
    assert.equal(spans[0].attributes['error.type'], caught.name);
  });

  test(`openai ${version}: a stream whose events are not JSON fails its span with the caller's error`, async () => {
    const read = freshSpool();
    const client = llmtel.instrumentOpenAiClient(new sdk.OpenAI({ baseURL: `${provider.url}/fault_openai_chat_stream_not_json/v1`, apiKey: 'test', maxRetries: 0 }));
    await assertStreamFailsAfterOneChunk(client, read, 'chatcmpl-2');
  });
}

/** Reads a stream whose second event is not JSON: the SDK raises after one chunk, and the span
 * fails with the caller's error, keeping what it gathered (the response id). */
async function assertStreamFailsAfterOneChunk(client, read, responseId) {
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true });
  let seen = 0;
  let caught;
  try {
    for await (const _ of stream) seen += 1;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, 'the SDK raised');
  assert.equal(seen, 1);
  const spans = (await read()).map((l) => JSON.parse(l));
  assert.equal(spans.length, 1);
  assert.equal(spans[0].status, 'error');
  assert.equal(spans[0].attributes['error.type'], caught.name);
  assert.equal(spans[0].attributes['gen_ai.response.id'], responseId, 'what it gathered is kept');
}

test('a stream whose unreadable event comes alone in a later read fails its span with the caller\'s error', async () => {
  // Each event its own network read: the SDK raises in the very step whose read the core could
  // not parse (the fault scenario above has both events in one read, so a later step raises).
  const pieces = [
    'data: {"id":"chatcmpl-3","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}\n\n',
    'data: this is not json {\n\n',
    'data: [DONE]\n\n',
  ];
  const fetch = async () => {
    let next = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (next < pieces.length) controller.enqueue(new TextEncoder().encode(pieces[next++]));
        else controller.close();
      },
    }, { highWaterMark: 0 });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  };
  const read = freshSpool();
  const client = llmtel.instrumentOpenAiClient(new OpenAI({ apiKey: 'x', baseURL: 'http://mock/v1', fetch, maxRetries: 0 }));
  await assertStreamFailsAfterOneChunk(client, read, 'chatcmpl-3');
});

test('a long answer is cut at the content cap, never inside a surrogate pair', async () => {
  const { cut } = require('../lib/integrations/stainless');
  assert.equal(cut('ab😀cd', 3), 'ab'); // the emoji's first half would end the cut
  assert.equal(cut('abcd', 3), 'abc');
  const text = '😀'.repeat(40000); // 160 KB: serialized with its strings cut
  const body = JSON.stringify({ id: 'chatcmpl-long', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
  const fetch = async () => new Response(body, { headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } });
  const read = freshSpool({ maxContentBytes: 1001 });
  const client = llmtel.instrumentOpenAiClient(new OpenAI({ apiKey: 'x', baseURL: 'http://mock/v1', fetch, maxRetries: 0 }), { recordOutputs: true });
  const answer = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] });
  assert.equal(answer.choices[0].message.content, text, "the caller's answer is whole");
  const [span] = (await read()).map((l) => JSON.parse(l));
  assert.equal(span.attributes['gen_ai.response.id'], 'chatcmpl-long');
  assert.ok(Buffer.byteLength(span.attributes['gen_ai.output.messages']) <= 1001);
  assert.match(span.attributes['gen_ai.output.messages'], /😀/);
});

test('each client names its own server, however the calls of several clients interleave', async () => {
  const read = freshSpool();
  const body = JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] });
  const fetch = async () => new Response(body, { headers: { 'content-type': 'application/json' } });
  const client = (baseURL) => llmtel.instrumentOpenAiClient(new OpenAI({ apiKey: 'x', baseURL, fetch, maxRetries: 0 }));
  const a = client('https://a.example/v1');
  const b = client('http://b.example:8080/v1');
  for (const c of [a, b, a, a, b]) await c.chat.completions.create({ model: 'gpt-4o-mini', messages: [] });
  const servers = (await read()).map((l) => JSON.parse(l).attributes).map((at) => `${at['server.address']}:${at['server.port']}`);
  assert.deepEqual(servers, ['a.example:443', 'b.example:8080', 'a.example:443', 'a.example:443', 'b.example:8080']);
});
