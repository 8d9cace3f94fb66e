// llmtel's edge entry point (bindings-node/lib/edge.mjs) in Cloudflare's workerd, the runtime
// the `workerd` npm package ships: a worker bundled with esbuild from the bare `llmtel` import
// (the `workerd` export condition) and the real provider SDKs, the wasm core as a wasm module,
// AsyncLocalStorage from `nodejs_compat`. Every shared scenario must reach a loopback Sentry as
// the same spans the Node package sends for the same calls (ids and timing aside).
//
// Run by `make test-edge`, after `make wasm` and `make node-build`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorker } from './bundle.mjs';
import { startSentrySink } from '../browser/web/sentry_sink.mjs';
import { compareWithNode, optionsFor, sharedScenarios, startProvider } from '../browser/web/parity.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const nodePackage = join(repo, 'bindings-node');
const WORKERD = join(here, 'node_modules/.bin/workerd');

let dir;
let workerd;
let origin;
let provider;
let sink;

const freePort = () => new Promise((done) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => done(port));
  });
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llmtel-workerd-'));
  await bundleWorker({ entry: join(here, 'worker.mjs'), outfile: join(dir, 'worker.mjs'), nodePackage, platform: 'workerd' });
  copyFileSync(join(nodePackage, 'wasm/llmtel_wasm_bg.wasm'), join(dir, 'llmtel_wasm_bg.wasm'));
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # The loopback provider and Sentry are "local" addresses, which the default network refuses.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "llmtel_wasm_bg.wasm", wasm = embed "llmtel_wasm_bg.wasm"),
  ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
);
`);
  workerd = spawn(WORKERD, ['serve', join(dir, 'config.capnp'), '--verbose'], { stdio: ['ignore', 'inherit', 'inherit'] });
  origin = `http://127.0.0.1:${port}`;
  [provider, sink] = await Promise.all([startProvider(repo), startSentrySink()]);
  for (let i = 0; ; i += 1) {
    try {
      await fetch(origin, { method: 'HEAD' });
      break;
    } catch (error) {
      if (i > 100) throw new Error(`workerd did not start: ${error.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

after(async () => {
  workerd?.kill();
  provider?.server.kill();
  await sink?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function inWorker(path, scenario, url, options) {
  const response = await fetch(`${origin}${path}`, { method: 'POST', body: JSON.stringify({ scenario, url, options }) });
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
