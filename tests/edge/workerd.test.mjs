// llmtel's edge entry point (bindings-node/lib/edge.mjs) in Cloudflare's workerd, the runtime
// the `workerd` npm package ships: a worker bundled with esbuild from the bare `llmtel` import
// (the `workerd` export condition) and the real provider SDKs, the wasm core as a wasm module,
// AsyncLocalStorage from `nodejs_compat`. Every shared scenario must reach a loopback Sentry as
// the same spans the Node package sends for the same calls (ids and timing aside).
//
// Run by `make test-edge`, after `make wasm` and `make node-build`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorker, startWorkerd } from './bundle.mjs';
import { startSentrySink } from '../browser/web/sentry_sink.mjs';
import { checkContinuedTrace, continuedHeaders } from '../browser/web/continued.mjs';
import { compareAiSdkWithNode, compareWithNode, optionsFor, sharedScenarios, startProvider } from '../browser/web/parity.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const nodePackage = join(repo, 'bindings-node');

let dir;
let workerd;
let origin;
let provider;
let sink;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llmtel-workerd-'));
  await bundleWorker({ entry: join(here, 'worker.mjs'), outfile: join(dir, 'worker.mjs'), nodePackage, platform: 'workerd' });
  workerd = await startWorkerd({ dir, nodePackage });
  origin = workerd.origin;
  [provider, sink] = await Promise.all([startProvider(repo), startSentrySink()]);
});

after(async () => {
  workerd?.stop();
  provider?.server.kill();
  await sink?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function inWorker(path, scenario, url, options, headers = {}) {
  const response = await fetch(`${origin}${path}`, { method: 'POST', headers, body: JSON.stringify({ scenario, url, options }) });
  const answer = await response.json();
  assert.equal(response.status, 200, answer.error);
  return answer;
}

test(`the ${sharedScenarios(repo).length} shared scenarios give the same spans from workerd as from Node`, async () => {
  const differing = await compareWithNode({ repo, sink, provider, run: (...args) => inWorker('/', ...args) });
  assert.deepEqual(differing, []);
});

test('a call after an await inside startSpan nests under it (AsyncLocalStorage)', async () => {
  const scenario = sharedScenarios(repo).find((s) => s.name === 'openai_chat_stream_with_usage');
  sink.received.length = 0;
  const answer = await inWorker('/nested', scenario, provider.url, optionsFor(scenario, sink.dsn(3)));
  assert.equal(answer.outcome, 'ok');
  const items = sink.received.flatMap((r) => r.envelope.items);
  const transaction = items.find((i) => i.header.type === 'transaction');
  assert.equal(transaction?.payload.transaction, 'edge turn');
  const [chat] = items.filter((i) => i.header.type === 'span').flatMap((i) => i.payload.items);
  assert.equal(chat.name, 'chat gpt-4o-mini');
  assert.equal(chat.parent_span_id, transaction.payload.contexts.trace.span_id);
  assert.equal(chat.trace_id, transaction.payload.contexts.trace.trace_id);
});

test('continueTrace joins the incoming request\'s trace; getTraceData passes it on', async () => {
  const scenario = sharedScenarios(repo).find((s) => s.name === 'openai_chat_plain');
  sink.received.length = 0;
  const answer = await inWorker('/continued', scenario, provider.url, optionsFor(scenario, sink.dsn(4)), continuedHeaders);
  checkContinuedTrace(answer, sink.received);
});

test('a Vercel AI SDK agent with a tool gives the same spans as from Node', async () => {
  await compareAiSdkWithNode({ repo, sink, provider, run: (url, options) => inWorker('/aisdk', undefined, url, options) });
});
