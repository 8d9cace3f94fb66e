// The README's edge quick start, as written, in workerd: bundled as wrangler would, its env
// pointing at a loopback Sentry and the loopback provider. A request must answer with the
// model's message and send the `chat turn` transaction with its chat span.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorker, startWorkerd } from './bundle.mjs';
import { startSentrySink } from '../browser/web/sentry_sink.mjs';
import { startProvider } from '../browser/web/parity.mjs';
import { quickStart } from '../browser/web/readme.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const nodePackage = join(repo, 'bindings-node');

let dir;
let workerd;
let provider;
let sink;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llmtel-edge-quickstart-'));
  writeFileSync(join(dir, 'app.mjs'), quickStart(repo, 'Edge (Cloudflare Workers, Vercel Edge)'));
  await bundleWorker({ entry: join(dir, 'app.mjs'), outfile: join(dir, 'worker.mjs'), nodePackage, platform: 'workerd' });
  [provider, sink] = await Promise.all([startProvider(repo), startSentrySink()]);
  workerd = await startWorkerd({
    dir, nodePackage,
    bindings: { SENTRY_DSN: sink.dsn(7), OPENAI_API_KEY: 'test', OPENAI_BASE_URL: `${provider.url}/openai_chat_plain/v1` },
  });
});

after(async () => {
  workerd?.stop();
  provider?.server.kill();
  await sink?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the edge quick start runs as written and sends its spans', async () => {
  const response = await fetch(workerd.origin);
  assert.equal(response.status, 200);
  assert.equal((await response.json()).role, 'assistant');
  for (let i = 0; i < 100 && sink.received.length === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
  const items = sink.received.flatMap((r) => r.envelope.items);
  const transaction = items.find((i) => i.header.type === 'transaction')?.payload;
  assert.equal(transaction?.transaction, 'chat turn');
  const [chat] = items.filter((i) => i.header.type === 'span').flatMap((i) => i.payload.items);
  assert.equal(chat.name, 'chat gpt-4o-mini');
  assert.equal(chat.parent_span_id, transaction.contexts.trace.span_id);
});
