'use strict';
// The Vercel AI SDK through the real packages against the loopback provider: the shared
// framework scenarios of tests/frameworks/ marked "framework": "ai-sdk", with ai 7 (ES modules,
// imported) and ai 6 (CommonJS, required, from testing/ai6/), content off and on, each traced by
// automatic instrumentation alone (testing/aisdk-runner.mjs under `--import llmtel/register`),
// and what the caller gets is the same with and without llmtel.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createRequire } = require('node:module');
const { execFileSync } = require('node:child_process');

const llmtel = require('..');
const { startProviderServer, freshSpool } = require('../testing/helpers');

const TESTS = path.join(__dirname, '..', '..', 'tests');
const SCENARIOS = fs.readdirSync(path.join(TESTS, 'frameworks')).sort()
  .map((f) => JSON.parse(fs.readFileSync(path.join(TESTS, 'frameworks', f), 'utf8')))
  .filter((s) => s.framework === 'ai-sdk');

let provider;
before(async () => {
  provider = await startProviderServer();
});
after(() => provider.server.kill());

for (const version of ['6', '7']) {
  test(`every AI SDK scenario with ai ${version}: the expected span tree, and the caller's results unchanged`, async (t) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `llmtel-aisdk${version}-`));
    const pkg = path.join(__dirname, '..');
    execFileSync(process.execPath, ['--import', path.join(pkg, 'lib', 'register.mjs'), path.join(pkg, 'testing', 'aisdk-runner.mjs'), provider.url, out, version], { stdio: 'pipe', timeout: 120000, cwd: pkg });
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    const port = new URL(provider.url).port;
    let checked = 0;
    for (const scenario of SCENARIOS) {
      for (const [index, run] of scenario.runs.entries()) {
        if (String(run.ai) !== version) continue;
        for (const content of ['off', 'on']) {
          const key = `${scenario.name}-${index}-${content}`;
          await t.test(key, () => {
            assert.deepEqual(results[key].traced, results[key].untraced, 'the program gets the same with llmtel');
            try {
              execFileSync('python3', [path.join(TESTS, 'framework_check.py'), scenario.name, String(index), content, port, path.join(out, `${key}.jsonl`)], { stdio: 'pipe' });
            } catch (error) {
              assert.fail(`${key} differs:\n${error.stdout}`);
            }
          });
          checked += 1;
        }
      }
    }
    assert.ok(checked >= 16, `only ${checked} runs`);
  });
}

// In-process, with ai 6 (CommonJS): init() first, then require('ai') hands out the traced copy.
llmtel.init({ spool: path.join(os.tmpdir(), 'llmtel-aisdk-warmup.jsonl'), dsn: '' });
const fromAi6 = createRequire(path.join(__dirname, '..', 'testing', 'ai6', 'package.json'));
const ai = fromAi6('ai');
const { createOpenAI } = fromAi6('@ai-sdk/openai');
const { z } = fromAi6('zod');
const OpenAI = require('openai');

const chatModel = (scenario) => createOpenAI({ baseURL: `${provider.url}/${scenario}/v1`, apiKey: 'k' }).chat('gpt-4o');
const names = (lines) => lines.map((l) => JSON.parse(l).name);
const byName = (lines, name) => lines.map((l) => JSON.parse(l)).find((s) => s.name === name);

test('vercelAIIntegration({ recordInputs, recordOutputs }) decides content, not the AI SDK\'s own telemetry options', async () => {
  await fetch(`${provider.url}/__requests/ai_sdk_generate_object`, { method: 'DELETE' });
  let read = freshSpool({ sendDefaultPii: false, integrations: [llmtel.vercelAIIntegration({ recordInputs: true })] });
  await ai.generateText({ model: chatModel('ai_sdk_generate_object'), maxRetries: 0, prompt: 'Hi' });
  let chat = byName(await read(), 'chat gpt-4o');
  assert.ok(chat.attributes['gen_ai.input.messages'], 'inputs recorded');
  assert.equal(chat.attributes['gen_ai.output.messages'], undefined, 'outputs not');

  read = freshSpool({ sendDefaultPii: false });
  await ai.generateText({ model: chatModel('ai_sdk_generate_object'), maxRetries: 0, prompt: 'Hi', experimental_telemetry: { isEnabled: true, recordInputs: true, recordOutputs: true } });
  chat = byName(await read(), 'chat gpt-4o');
  assert.equal(chat.attributes['gen_ai.input.messages'], undefined);
  assert.equal(chat.attributes['gen_ai.output.messages'], undefined);
});

test('experimental_telemetry: { isEnabled: false } leaves a call untraced, as with Sentry', async () => {
  const read = freshSpool({});
  await ai.generateText({ model: chatModel('ai_sdk_generate_object'), maxRetries: 0, prompt: 'Hi', experimental_telemetry: { isEnabled: false } });
  assert.deepEqual(names(await read()), []);
});

test('a model call handed over with its result is timed from its start, beneath its run', async () => {
  // A non-streamed model call crosses into the binding once, when its result is there.
  const read = freshSpool({});
  const answer = JSON.stringify({
    id: 'chatcmpl-slow', object: 'chat.completion', created: 1, model: 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
  });
  const fetch = async () => {
    await new Promise((resolve) => setTimeout(resolve, 120));
    return new Response(answer, { headers: { 'content-type': 'application/json' } });
  };
  const model = createOpenAI({ baseURL: 'http://slow.test/v1', apiKey: 'k', fetch }).chat('gpt-4o');
  await ai.generateText({ model, maxRetries: 0, prompt: 'Hi' });
  const lines = await read();
  const run = byName(lines, 'invoke_agent generateText');
  const call = byName(lines, 'chat gpt-4o');
  assert.equal(call.parent_span_id, run.span_id);
  assert.equal(call.attributes['gen_ai.response.id'], 'chatcmpl-slow');
  assert.ok(call.start_time_unix_nano >= run.start_time_unix_nano, 'within its run');
  assert.ok(call.end_time_unix_nano - call.start_time_unix_nano >= 100e6, `lasted the provider's 120 ms: ${(call.end_time_unix_nano - call.start_time_unix_nano) / 1e6} ms`);
});

test('without the integration (defaultIntegrations: false), nothing is traced', async () => {
  const read = freshSpool({ defaultIntegrations: false });
  await ai.generateText({ model: chatModel('ai_sdk_generate_object'), maxRetries: 0, prompt: 'Hi' });
  assert.deepEqual(names(await read()), []);
});

test('inside a tool, the tool\'s span is the active span: a provider SDK call and startSpan go beneath it', async () => {
  await fetch(`${provider.url}/__requests/ai_sdk_tool_two_steps`, { method: 'DELETE' });
  const read = freshSpool({});
  const client = new OpenAI({ baseURL: `${provider.url}/openai_chat_plain/v1`, apiKey: 'k', maxRetries: 0 });
  const getWeather = ai.tool({
    description: 'Get the weather for a city.',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      llmtel.getActiveSpan().setAttributes({ 'app.city': city, 'app.cached': false });
      await llmtel.startSpan({ name: 'lookup' }, async () => {});
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
      return `sunny in ${city}`;
    },
  });
  let onFinishCalled = false;
  await ai.generateText({
    model: chatModel('ai_sdk_tool_two_steps'), maxRetries: 0, prompt: 'Weather in Paris?', tools: { get_weather: getWeather }, stopWhen: ai.stepCountIs(3),
    onFinish: () => { onFinishCalled = true; },
  });
  assert.ok(onFinishCalled, "the application's onFinish still runs");
  const lines = await read();
  const tool = byName(lines, 'execute_tool get_weather');
  assert.equal(tool.attributes['app.city'], 'Paris');
  assert.equal(tool.attributes['app.cached'], false);
  assert.equal(byName(lines, 'lookup').parent_span_id, tool.span_id);
  assert.equal(byName(lines, 'chat gpt-4o-mini').parent_span_id, tool.span_id);
});

test('a streamText the application never reads leaves no error, and a run read to the end calls the application\'s onFinish once', async () => {
  await fetch(`${provider.url}/__requests/ai_sdk_stream_text`, { method: 'DELETE' });
  const read = freshSpool({});
  const model = fromAi6('@ai-sdk/anthropic').createAnthropic({ baseURL: `${provider.url}/ai_sdk_stream_text/v1`, apiKey: 'k' })('claude-sonnet-4-5');
  let finished = 0;
  const result = ai.streamText({ model, maxRetries: 0, prompt: 'Hello!', onFinish: () => { finished += 1; } });
  assert.equal(await result.text, 'Hello there');
  assert.equal(finished, 1);
  assert.deepEqual(names(await read()).sort(), ['chat claude-sonnet-4-5', 'invoke_agent streamText']);
});

test('an image given as bytes is recorded as a blob part, never its bytes', async () => {
  const read = freshSpool({ sendDefaultPii: true });
  const image = new Uint8Array(200000).fill(7);
  await ai.generateText({
    model: chatModel('ai_sdk_generate_object'), maxRetries: 0,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', image, mediaType: 'image/png' }] }],
  });
  const input = byName(await read(), 'chat gpt-4o').attributes['gen_ai.input.messages'];
  const parts = JSON.parse(input)[0].parts;
  assert.equal(parts[0].content, 'What is this?');
  assert.equal(parts[1].type, 'blob');
  assert.equal(parts[1].modality, 'image');
  assert.ok(input.length < 1000, `${input.length} bytes recorded`);
});

test('a failing streamText logs its error as the AI SDK does without llmtel, and fails its run\'s span', async () => {
  const model = () => createOpenAI({ baseURL: `${provider.url}/ai_sdk_rate_limited/v1`, apiKey: 'k' }).chat('gpt-4o-mini');
  const logged = async (options) => {
    const calls = [];
    const original = console.error;
    console.error = (...args) => calls.push(args);
    try {
      const result = ai.streamText({ model: model(), maxRetries: 0, prompt: 'Hi' });
      for await (const _ of result.textStream); // eslint-disable-line no-unused-vars
    } finally {
      console.error = original;
    }
    return calls.map((args) => args.map((a) => (a && a.name) || String(a)));
  };
  let read = freshSpool({ defaultIntegrations: false });
  const untraced = await logged();
  await read();
  read = freshSpool({});
  const traced = await logged();
  assert.deepEqual(traced, untraced);
  assert.ok(untraced.length >= 1, 'the AI SDK logs a stream error by default');
  const lines = await read();
  assert.equal(byName(lines, 'invoke_agent streamText').status, 'error');
  assert.equal(byName(lines, 'chat gpt-4o-mini').attributes['error.type'], 'rate_limit_exceeded');
});
