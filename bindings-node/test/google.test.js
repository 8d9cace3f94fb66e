'use strict';
// The real @google/genai against the loopback provider server: every Gemini API scenario gives
// exactly its expected span, and a chat call gives one span, not two.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { GoogleGenAI } = require('@google/genai');

const llmtel = require('..');
const { scenarios, startProviderServer, freshSpool, assertMatches, contentOptions } = require('../testing/helpers');

let provider;
before(async () => { provider = await startProviderServer(); });
after(() => provider.server.kill());

for (const scenario of scenarios('gcp.gemini')) {
  test(`${scenario.name} gives its expected span`, async () => {
    const read = freshSpool(contentOptions(scenario));
    const ai = llmtel.instrumentGoogleGenAIClient(
      new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: `${provider.url}/${scenario.name}` } }),
      { recordInputs: scenario.options.record_inputs, recordOutputs: scenario.options.record_outputs },
    );
    const request = scenario.request;
    const run = async () => {
      if (scenario.api === 'chat_send_message') {
        const chat = ai.chats.create({ model: request.model, history: request.history });
        return chat.sendMessage({ message: request.message });
      }
      const params = { model: request.model, contents: request.contents, config: request.config };
      if (scenario.stream) {
        for await (const _ of await ai.models.generateContentStream(params)) { /* read it all */ }
        return undefined;
      }
      return ai.models.generateContent(params);
    };
    if ((scenario.response.status || 200) >= 400) await assert.rejects(run());
    else await run();
    const lines = await read();
    assert.equal(lines.length, 1, lines.join('\n'));
    assertMatches(scenario, lines[0], provider.url);
  });
}

test('a Gemini stream whose events are not JSON fails its span with the caller\'s error', async () => {
  const read = freshSpool();
  const ai = llmtel.instrumentGoogleGenAIClient(
    new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: `${provider.url}/fault_gemini_stream_not_json` } }),
  );
  let caught;
  try {
    for await (const _ of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Why?' })) { /* read */ }
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, 'the SDK raised');
  const [span] = (await read()).map((l) => JSON.parse(l));
  assert.equal(span.status, 'error');
  assert.equal(span.attributes['error.type'], caught.name);
});
