'use strict';
// The real `openai` package against the loopback provider server: every OpenAI scenario gives
// exactly its expected span (read back from a real spool), checked by tests/scenario_check.py,
// the same comparison the Rust, C and Python suites use.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const readline = require('node:readline');
const { OpenAI, AzureOpenAI, APIError } = require('openai');

const llmtel = require('..');

const TESTS = path.join(__dirname, '..', '..', 'tests');
const SCENARIOS = fs.readdirSync(path.join(TESTS, 'scenarios'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(TESTS, 'scenarios', f), 'utf8')))
  .filter((s) => s.provider === 'openai' || s.provider === 'azure.ai.openai');

let server;
let url;

before(async () => {
  server = spawn('python3', [path.join(TESTS, 'provider_server.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve) => readline.createInterface({ input: server.stdout }).once('line', resolve));
  url = line.replace('listening on ', '').trim();
});

after(() => server.kill());

function makeClient(scenario) {
  if (scenario.provider === 'azure.ai.openai') {
    return new AzureOpenAI({ endpoint: `${url}/${scenario.name}`, apiKey: 'test', apiVersion: '2024-10-21', maxRetries: 0 });
  }
  return new OpenAI({ baseURL: `${url}/${scenario.name}/v1`, apiKey: 'test', maxRetries: 0 });
}

for (const scenario of SCENARIOS) {
  test(`${scenario.name} gives its expected span`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-openai-'));
    const spool = path.join(dir, 'spans.jsonl');
    const options = scenario.options;
    llmtel.init({ spool, dsn: '', flushInterval: 20, contentFormat: options.content_format, maxContentBytes: options.max_content_bytes });
    const client = llmtel.instrumentOpenAiClient(makeClient(scenario), { recordInputs: options.record_inputs, recordOutputs: options.record_outputs });
    const method = { chat_completions: client.chat.completions, responses: client.responses, embeddings: client.embeddings }[scenario.api];
    const run = async () => {
      const result = await method.create(scenario.request);
      if (result && typeof result[Symbol.asyncIterator] === 'function') {
        for await (const _ of result) { /* read it all */ }
      }
    };
    if ((scenario.response.status || 200) >= 400) {
      await assert.rejects(run(), (error) => error instanceof APIError && error.status === scenario.response.status);
    } else {
      await run();
    }
    await llmtel.flush(5000);
    const lines = fs.readFileSync(spool, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    const address = url.replace('http://', '');
    try {
      execFileSync('python3', [path.join(TESTS, 'scenario_check.py'), scenario.name, lines[0], address], { stdio: 'pipe' });
    } catch (error) {
      assert.fail(`${scenario.name} differs:\n${error.stdout}`);
    }
  });
}

test('withResponse() and a stream left with break keep working', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-openai-'));
  const spool = path.join(dir, 'spans.jsonl');
  llmtel.init({ spool, dsn: '', flushInterval: 20 });
  const client = llmtel.instrumentOpenAiClient(new OpenAI({ baseURL: `${url}/openai_chat_plain/v1`, apiKey: 'test', maxRetries: 0 }));
  const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).withResponse();
  assert.equal(data.id, 'chatcmpl-1');
  assert.equal(response.status, 200);
  const streaming = llmtel.instrumentOpenAiClient(new OpenAI({ baseURL: `${url}/openai_chat_stream_no_usage/v1`, apiKey: 'test', maxRetries: 0 }));
  const stream = await streaming.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true });
  for await (const _ of stream) break;
  await llmtel.flush(5000);
  const spans = fs.readFileSync(spool, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(spans.length, 2);
  assert.ok(spans.every((s) => s.status === 'ok'));
});
