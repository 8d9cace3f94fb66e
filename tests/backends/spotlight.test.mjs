// Spotlight, Sentry's local debugger, run for real (the @spotlightjs/spotlight sidecar from npm;
// hono is pinned to 4.12 in package.json because the sidecar fails every request with hono
// 4.13) and read back with its own `spotlight tail traces`: an AI task traced by the Node
// package must show its chat span inside the trace. Spotlight reads a trace's spans from its
// transaction and shows no span v2 item, so llmtel's copy for Spotlight keeps the GenAI spans
// in the transaction (Sentry's own copy does not).
//
// Run by `make test-backends`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProvider } from '../browser/web/parity.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const SPOTLIGHT = join(here, 'node_modules/.bin/spotlight');

let sidecar;
let port;
let provider;

const freePort = () => new Promise((done) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = server.address();
    server.close(() => done(p));
  });
});

async function untilListening(p) {
  for (let i = 0; i < 100; i += 1) {
    const up = await new Promise((ok) => {
      const socket = connect(p, '127.0.0.1', () => { socket.end(); ok(true); });
      socket.on('error', () => ok(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the Spotlight sidecar is not listening on ${p}`);
}

before(async () => {
  port = await freePort();
  sidecar = spawn(SPOTLIGHT, ['server', '-p', String(port)], { stdio: 'ignore' });
  provider = await startProvider(repo);
  await untilListening(port);
});

after(() => {
  sidecar?.kill();
  provider?.server.kill();
});

test('Spotlight shows the chat span inside the trace the Node package sent', async () => {
  const tail = spawn(SPOTLIGHT, ['tail', 'traces', '-p', String(port), '-f', 'md'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let shown = '';
  tail.stdout.on('data', (d) => { shown += d; });
  try {
    await new Promise((r) => setTimeout(r, 1500)); // tail connects to the sidecar's stream
    const nodePackage = join(repo, 'bindings-node');
    const require = createRequire(join(nodePackage, 'package.json'));
    const llmtel = require(nodePackage);
    llmtel.init({ spotlight: `http://localhost:${port}/stream`, dsn: '', spool: false, defaultIntegrations: false });
    const { OpenAI } = require('openai');
    const openai = llmtel.instrumentOpenAiClient(new OpenAI({ baseURL: `${provider.url}/openai_chat_plain/v1`, apiKey: 'test', maxRetries: 0 }));
    await llmtel.startSpan({ name: 'Generate Report', op: 'ai.task' }, () =>
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello!' }] }));
    assert.ok(await llmtel.flush(5000));
    for (let i = 0; i < 100 && !shown.includes('chat gpt-4o-mini'); i += 1) await new Promise((r) => setTimeout(r, 100));
    await llmtel.close();
    assert.match(shown, /Generate Report \[[0-9a-f]{8} · \d+ms\]\n\s*└─ chat gpt-4o-mini \[[0-9a-f]{8} · gen_ai\.chat · \d+ms\]/, shown);
  } finally {
    tail.kill();
  }
});
