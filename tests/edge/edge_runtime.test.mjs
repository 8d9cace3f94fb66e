// llmtel's edge entry point in Vercel's Edge Runtime (the `edge-runtime` npm package Vercel's
// local tooling runs functions in): the worker bundled for the `edge-light` export condition,
// with the compiled wasm module and AsyncLocalStorage handed over as Vercel's bundler and
// runtime hand them over. Every shared scenario must reach a loopback Sentry as the same spans
// the Node package sends for the same calls (ids and timing aside).
//
// Run by `make test-edge`, after `make wasm` and `make node-build`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EdgeRuntime } from 'edge-runtime';
import { bundleWorker } from './bundle.mjs';
import { startSentrySink } from '../browser/web/sentry_sink.mjs';
import { checkContinuedTrace, continuedHeaders } from '../browser/web/continued.mjs';
import { compareAiSdkWithNode, compareWithNode, optionsFor, sharedScenarios, startProvider } from '../browser/web/parity.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const nodePackage = join(repo, 'bindings-node');

let dir;
let runtime;
let provider;
let sink;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llmtel-vercel-'));
  const outfile = join(dir, 'worker.js');
  await bundleWorker({ entry: join(here, 'vercel_entry.mjs'), outfile, nodePackage, platform: 'vercel' });
  // The module compiled in the runtime's own realm, as Vercel compiles `.wasm?module` imports.
  const wasmBytes = readFileSync(join(nodePackage, 'wasm/llmtel_wasm_bg.wasm'));
  runtime = new EdgeRuntime({
    extend: (context) => Object.assign(context, { __llmtelWasmBytes: wasmBytes, AsyncLocalStorage }),
    initialCode: `globalThis.__llmtelWasmModule = new WebAssembly.Module(globalThis.__llmtelWasmBytes);\n${readFileSync(outfile, 'utf8')}`,
  });
  [provider, sink] = await Promise.all([startProvider(repo), startSentrySink()]);
});

after(async () => {
  provider?.server.kill();
  await sink?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function inRuntime(path, scenario, url, options, headers = {}) {
  const response = await runtime.dispatchFetch(`http://edge.test${path}`, { method: 'POST', headers, body: JSON.stringify({ scenario, url, options }) });
  const answer = await response.json();
  await response.waitUntil();
  assert.equal(response.status, 200, answer.error);
  return answer;
}

test(`the ${sharedScenarios(repo).length} shared scenarios give the same spans from the Edge Runtime as from Node`, async () => {
  const differing = await compareWithNode({ repo, sink, provider, run: (...args) => inRuntime('/', ...args) });
  assert.deepEqual(differing, []);
});

test('a call after an await inside startSpan nests under it (AsyncLocalStorage)', async () => {
  const scenario = sharedScenarios(repo).find((s) => s.name === 'anthropic_stream_text');
  sink.received.length = 0;
  const answer = await inRuntime('/nested', scenario, provider.url, optionsFor(scenario, sink.dsn(3)));
  assert.equal(answer.outcome, 'ok');
  const items = sink.received.flatMap((r) => r.envelope.items);
  const transaction = items.find((i) => i.header.type === 'transaction');
  assert.equal(transaction?.payload.transaction, 'edge turn');
  const [chat] = items.filter((i) => i.header.type === 'span').flatMap((i) => i.payload.items);
  assert.match(chat.name, /^chat claude/);
  assert.equal(chat.parent_span_id, transaction.payload.contexts.trace.span_id);
});

test("suppressTracing: a call inside it has no span after an await (AsyncLocalStorage), the same call after it has", async () => {
  const scenario = sharedScenarios(repo).find((s) => s.name === 'anthropic_stream_text');
  sink.received.length = 0;
  const answer = await inRuntime('/suppressed', scenario, provider.url, optionsFor(scenario, sink.dsn(3)));
  assert.deepEqual(answer.outcome, ['ok', 'ok']);
  const items = sink.received.flatMap((r) => r.envelope.items);
  const transaction = items.find((i) => i.header.type === 'transaction');
  assert.equal(transaction?.payload.transaction, 'edge turn');
  const chats = items.filter((i) => i.header.type === 'span').flatMap((i) => i.payload.items);
  assert.deepEqual(chats.map((c) => c.parent_span_id), [transaction.payload.contexts.trace.span_id]);
});

test('continueTrace joins the incoming request\'s trace; getTraceData passes it on', async () => {
  const scenario = sharedScenarios(repo).find((s) => s.name === 'openai_chat_plain');
  sink.received.length = 0;
  const answer = await inRuntime('/continued', scenario, provider.url, optionsFor(scenario, sink.dsn(4)), continuedHeaders);
  checkContinuedTrace(answer, sink.received);
});

test('a Vercel AI SDK agent with a tool gives the same spans as from Node', async () => {
  await compareAiSdkWithNode({ repo, sink, provider, run: (url, options) => inRuntime('/aisdk', undefined, url, options) });
});
