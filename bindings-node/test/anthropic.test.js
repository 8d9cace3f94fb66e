'use strict';
// The real @anthropic-ai/sdk against the loopback provider server: every Anthropic scenario gives
// exactly its expected span; the messages.stream() helper gives the same span as create(stream).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const Anthropic = require('@anthropic-ai/sdk');

const llmtel = require('..');
const { scenarios, startProviderServer, freshSpool, assertMatches, contentOptions, countCrossings } = require('../testing/helpers');

let provider;
before(async () => { provider = await startProviderServer(); });
after(() => provider.server.kill());

for (const scenario of scenarios('anthropic')) {
  test(`${scenario.name} gives its expected span`, async () => {
    const read = freshSpool(contentOptions(scenario));
    const client = llmtel.instrumentAnthropicAiClient(
      new Anthropic({ baseURL: `${provider.url}/${scenario.name}`, apiKey: 'test', maxRetries: 0 }),
      { recordInputs: scenario.options.record_inputs, recordOutputs: scenario.options.record_outputs },
    );
    const run = async () => {
      const method = scenario.api === 'count_tokens' ? 'countTokens' : 'create';
      const result = await client.messages[method](scenario.request);
      if (result && typeof result[Symbol.asyncIterator] === 'function') {
        for await (const _ of result) { /* read it all */ }
      }
    };
    const response = scenario.response;
    const fails = (response.status || 200) >= 400 || (response.events || []).some((e) => e.event === 'error');
    if (fails) await assert.rejects(run(), Anthropic.APIError);
    else await run();
    const lines = await read();
    assert.equal(lines.length, 1);
    assertMatches(scenario, lines[0], provider.url);
  });
}

test('the messages.stream() helper gives the same span as create(stream)', async () => {
  const scenario = scenarios('anthropic').find((s) => s.name === 'anthropic_stream_tool_use');
  const read = freshSpool(contentOptions(scenario));
  const client = llmtel.instrumentAnthropicAiClient(
    new Anthropic({ baseURL: `${provider.url}/${scenario.name}`, apiKey: 'test', maxRetries: 0 }),
    { recordOutputs: true },
  );
  const { stream: _, ...params } = scenario.request;
  const stream = client.messages.stream(params);
  const texts = [];
  stream.on('text', (t) => texts.push(t));
  const message = await stream.finalMessage();
  assert.equal(message.stop_reason, 'tool_use');
  assert.equal(texts.join(''), 'Let me check.');
  const lines = await read();
  assert.equal(lines.length, 1);
  assertMatches(scenario, lines[0], provider.url);
});

test('a stream, from create(stream) or the messages.stream() helper, crosses into the binding once, when it ends', async () => {
  const scenario = scenarios('anthropic').find((s) => s.name === 'anthropic_stream_tool_use');
  const read = freshSpool(contentOptions(scenario));
  const client = llmtel.instrumentAnthropicAiClient(new Anthropic({ baseURL: `${provider.url}/${scenario.name}`, apiKey: 'test', maxRetries: 0 }), { recordOutputs: true });
  const { stream: _, ...params } = scenario.request;
  const created = await countCrossings(async () => {
    for await (const event of await client.messages.create({ ...params, stream: true })) void event;
  });
  const helper = await countCrossings(() => client.messages.stream(params).finalMessage());
  assert.equal(helper.result.stop_reason, 'tool_use');
  assert.deepEqual([created.crossings, helper.crossings], [['callFinished'], ['callFinished']]);
  const lines = await read();
  assert.equal(lines.length, 2);
  for (const line of lines) assertMatches(scenario, line, provider.url);
});
