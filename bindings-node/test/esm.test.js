'use strict';
// Every provider scenario from ESM, traced by automatic instrumentation alone
// (`node --import llmtel/register`): each gives exactly its expected span.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const { scenarios, startProviderServer, assertMatches } = require('../testing/helpers');

let provider;
before(async () => { provider = await startProviderServer(); });
after(() => provider.server.kill());

test('every scenario through the ESM SDKs with automatic instrumentation', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-esm-'));
  const pkg = path.join(__dirname, '..');
  execFileSync(process.execPath, [
    '--import', path.join(pkg, 'lib', 'register.mjs'), path.join(__dirname, '..', 'testing', 'esm-runner.mjs'),
    provider.url, out, path.join(pkg, '..', 'tests', 'scenarios'),
  ], { stdio: 'pipe', timeout: 120000, cwd: pkg });
  const checked = scenarios('openai', 'azure.ai.openai', 'anthropic', 'gcp.gemini');
  assert.ok(checked.length >= 40);
  for (const scenario of checked) {
    const lines = fs.readFileSync(path.join(out, `${scenario.name}.jsonl`), 'utf8').trim().split('\n');
    assert.equal(lines.length, 1, scenario.name);
    assertMatches(scenario, lines[0], provider.url);
  }
});

test('setConversationId tags the calls that follow, and asResponse() still gives the raw response', async () => {
  const llmtel = require('..');
  const { freshSpool } = require('../testing/helpers');
  const OpenAI = require('openai');
  const read = freshSpool();
  const client = new OpenAI({ baseURL: `${provider.url}/openai_chat_plain/v1`, apiKey: 'test', maxRetries: 0 });
  await llmtel.startSpan({ name: 'turn' }, async () => {
    llmtel.setConversationId('conv_42');
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] });
  });
  const raw = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).asResponse();
  assert.equal(raw.status, 200);
  assert.equal((await raw.json()).id, 'chatcmpl-1'); // the body is still the caller's to read
  const spans = (await read()).map((l) => JSON.parse(l));
  const chat = spans.find((s) => s.attributes['gen_ai.conversation.id']);
  assert.equal(chat.attributes['gen_ai.conversation.id'], 'conv_42');
});

test('an ES module import sees every export of the CommonJS package (named imports work)', () => {
  const pkg = path.join(__dirname, '..');
  // LangChainCallbackHandler is a lazy getter (reading it loads @langchain/core): an ES module
  // reads it from the default export, so the names list leaves it out on purpose.
  // Node 24 (23 on) adds a 'module.exports' name of its own to every CommonJS module's namespace.
  const cjs = Object.keys(require('..')).filter((k) => k !== 'LangChainCallbackHandler').sort();
  const esm = JSON.parse(execFileSync(process.execPath, [
    '--input-type=module', '-e',
    `import * as llmtel from ${JSON.stringify(path.join(pkg, 'lib', 'index.js'))}; console.log(JSON.stringify(Object.keys(llmtel).filter((k) => k !== 'default' && k !== 'module.exports').sort()))`,
  ], { encoding: 'utf8', timeout: 30000 }));
  assert.deepEqual(esm, cjs);
});
