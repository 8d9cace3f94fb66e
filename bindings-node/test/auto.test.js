'use strict';
// Automatic instrumentation: after init(), clients made before or after it are traced with no
// wrapper call, from CommonJS and from ESM (`node --import llmtel/register`). Each case runs in
// a child process of its own.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const { startProviderServer } = require('../testing/helpers');

const PACKAGE = path.join(__dirname, '..');
let provider;
before(async () => { provider = await startProviderServer(); });
after(() => provider.server.kill());

function run(source, { esm = false, register = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-auto-'));
  const spool = path.join(dir, 'spans.jsonl');
  const file = path.join(PACKAGE, `.auto-test-${process.pid}-${Date.now()}.${esm ? 'mjs' : 'cjs'}`);
  fs.writeFileSync(file, source.replaceAll('__SPOOL__', JSON.stringify(spool)).replaceAll('__URL__', JSON.stringify(provider.url)));
  try {
    const args = register ? ['--import', path.join(PACKAGE, 'lib', 'register.mjs'), file] : [file];
    execFileSync(process.execPath, args, { stdio: 'pipe', timeout: 30000, cwd: PACKAGE });
  } finally {
    fs.unlinkSync(file);
  }
  return fs.existsSync(spool) ? fs.readFileSync(spool, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

test('CommonJS: clients made before and after init are traced, Anthropic too', () => {
  const spans = run(`
    const OpenAI = require('openai');
    const early = new OpenAI({ baseURL: __URL__ + '/openai_chat_plain/v1', apiKey: 'test', maxRetries: 0 });
    const llmtel = require('.');
    llmtel.init({ spool: __SPOOL__, dsn: '' });
    const Anthropic = require('@anthropic-ai/sdk');
    const late = new Anthropic({ baseURL: __URL__ + '/anthropic_text', apiKey: 'test', maxRetries: 0 });
    (async () => {
      await early.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
      await late.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] });
    })();`);
  assert.deepEqual(spans.map((s) => s.name).sort(), ['chat claude-sonnet-4-5', 'chat gpt-4o-mini']);
  assert.ok(spans.every((s) => !('gen_ai.input.messages' in s.attributes)), 'content stays off by default');
});

test('integration options choose the content, and defaultIntegrations: false turns tracing off', () => {
  const spans = run(`
    const llmtel = require('.');
    llmtel.init({ spool: __SPOOL__, dsn: '', integrations: [llmtel.openAIIntegration({ recordInputs: true })] });
    const OpenAI = require('openai');
    const client = new OpenAI({ baseURL: __URL__ + '/openai_chat_plain/v1', apiKey: 'test', maxRetries: 0 });
    client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).then(() => {});`);
  assert.equal(spans.length, 1);
  assert.ok('gen_ai.input.messages' in spans[0].attributes);
  assert.ok(!('gen_ai.output.messages' in spans[0].attributes));
  const none = run(`
    const llmtel = require('.');
    llmtel.init({ spool: __SPOOL__, dsn: '', defaultIntegrations: false });
    const OpenAI = require('openai');
    new OpenAI({ baseURL: __URL__ + '/openai_chat_plain/v1', apiKey: 'test', maxRetries: 0 })
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).then(() => {});`);
  assert.deepEqual(none, []);
});

test('ESM with --import llmtel/register: imported clients are traced', () => {
  const spans = run(`
    import OpenAI from 'openai';
    import llmtel from 'llmtel';
    llmtel.init({ spool: __SPOOL__, dsn: '' });
    const client = new OpenAI({ baseURL: __URL__ + '/openai_chat_stream_with_usage/v1', apiKey: 'test', maxRetries: 0 });
    await llmtel.startSpan({ name: 'Generate Report', op: 'ai.task' }, async () => {
      for await (const _ of await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true })) {}
    });`, { esm: true, register: true });
  const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
  assert.deepEqual(Object.keys(byName).sort(), ['Generate Report', 'chat gpt-4o-mini']);
  const chat = byName['chat gpt-4o-mini'];
  assert.equal(chat.parent_span_id, byName['Generate Report'].span_id);
  assert.equal(chat.attributes['gen_ai.usage.output_tokens'], 3);
});

test('Google GenAI clients are traced automatically, a chat as one span, from CommonJS and ESM', () => {
  const cjs = run(`
    const llmtel = require('.');
    llmtel.init({ spool: __SPOOL__, dsn: '' });
    const { GoogleGenAI } = require('@google/genai');
    const ai = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: __URL__ + '/gemini_chat_session' } });
    (async () => {
      const chat = ai.chats.create({ model: 'gemini-2.5-flash', history: [] });
      await chat.sendMessage({ message: 'How are you?' });
    })();`);
  assert.deepEqual(cjs.map((s) => s.name), ['chat gemini-2.5-flash']);
  const esm = run(`
    import { GoogleGenAI } from '@google/genai';
    import llmtel from 'llmtel';
    llmtel.init({ spool: __SPOOL__, dsn: '' });
    const ai = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: __URL__ + '/gemini_text' } });
    await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Why is the sky blue?' });`, { esm: true, register: true });
  assert.deepEqual(esm.map((s) => s.name), ['generate_content gemini-2.5-flash']);
});

test('a linked llmtel (npm install ../llmtel, workspaces) traces the application\'s own SDK copy', () => {
  // The application resolves `openai` to its own copy (6.x here); llmtel, linked from
  // elsewhere, would find another (7.x, its dev dependency) if it looked from its own place.
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-linked-'));
  fs.mkdirSync(path.join(app, 'node_modules'));
  fs.symlinkSync(PACKAGE, path.join(app, 'node_modules', 'llmtel'), 'dir');
  fs.symlinkSync(path.join(PACKAGE, 'node_modules', 'openai6'), path.join(app, 'node_modules', 'openai'), 'dir');
  const spool = path.join(app, 'spans.jsonl');
  fs.writeFileSync(path.join(app, 'main.js'), `
    const llmtel = require('llmtel');
    llmtel.init({ spool: ${JSON.stringify(spool)}, dsn: '' });
    const OpenAI = require('openai');
    const manifest = require('path').join(require('path').dirname(require.resolve('openai')), 'package.json');
    if (!JSON.parse(require('fs').readFileSync(manifest, 'utf8')).version.startsWith('6.')) throw new Error('not the app copy');
    new OpenAI({ baseURL: ${JSON.stringify(provider.url)} + '/openai_chat_plain/v1', apiKey: 'test', maxRetries: 0 })
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).then(() => {});`);
  try {
    execFileSync(process.execPath, ['main.js'], { cwd: app, stdio: 'pipe', timeout: 30000 });
    const spans = fs.readFileSync(spool, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(spans.map((s) => s.name), ['chat gpt-4o-mini']);
  } finally {
    fs.rmSync(app, { recursive: true, force: true });
  }
});
