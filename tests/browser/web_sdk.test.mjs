// llmtel's browser entry point (bindings-node/lib/browser.mjs, the wasm core inside) in Debian's
// headless Chromium: a page bundled with esbuild from the bare `llmtel` import (the `browser`
// export condition) and the real openai, @anthropic-ai/sdk and @google/genai packages, calling
// the loopback provider server. Every shared scenario those SDKs can make in a browser must
// reach a loopback Sentry as the same spans the Node package sends for the same calls (ids and
// timing aside), and loading the page must make no request before a span is sent.
//
// Run by `make test-browser`, after `make wasm` and `make node-build`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { launchChromium } from './web/chromium.mjs';
import { startSentrySink } from './web/sentry_sink.mjs';
import { compareWithNode, sharedScenarios, startProvider } from './web/parity.mjs';
import { checkContinuedTrace, continuedHeaders } from './web/continued.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const nodePackage = join(repo, 'bindings-node');

const scenarios = sharedScenarios(repo);

let browser;
let dir;
let bundle;
let provider;
let sink;

before(async () => {
  assert.ok(existsSync(join(nodePackage, 'wasm/browser/inline.mjs')), 'no bindings-node/wasm: run `make wasm`');
  dir = mkdtempSync(join(tmpdir(), 'llmtel-web-'));
  // `llmtel` resolves as an installed package would: through its package.json `exports`.
  symlinkSync(nodePackage, join(dir, 'llmtel'));
  const result = await build({
    entryPoints: [join(here, 'web/page.mjs')],
    bundle: true, format: 'esm', platform: 'browser', write: false, minify: true,
    nodePaths: [dir, join(nodePackage, 'node_modules')],
    logLevel: 'silent',
  });
  bundle = result.outputFiles[0].text;
  [provider, sink] = await Promise.all([startProvider(repo), startSentrySink()]);
  sink.pages.set('/', ['text/html', '<!doctype html><script type="module" src="/bundle.js"></script>']);
  sink.pages.set('/bundle.js', ['text/javascript', bundle]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  provider?.server.kill();
  await sink?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The page with the bundle, and every request it makes. */
async function openPage() {
  const page = await browser.newPage();
  const seen = { requests: [], errors: [], console: [] };
  page.on('request', (r) => seen.requests.push(r.url()));
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('console', (m) => seen.console.push(`${m.type()}: ${m.text()}`));
  await page.goto(`${sink.origin}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => typeof window.runScenario === 'function');
  return { page, seen };
}

test('loading the page and init() make no request; the wasm core compiles at init', async () => {
  const { page, seen } = await openPage();
  const before = [...seen.requests];
  const debug = await page.evaluate((dsn) => {
    window.llmtel.init({ dsn, debug: true });
    return window.llmtel.stats();
  }, sink.dsn(9));
  await page.waitForTimeout(200);
  assert.deepEqual(seen.requests, before, 'init() made a request');
  assert.deepEqual(before, [`${sink.origin}/`, `${sink.origin}/bundle.js`]);
  assert.deepEqual(seen.errors, []);
  assert.equal(debug.queued, 0);
  assert.ok(seen.console.some((l) => /wasm core loaded in [\d.]+ ms; sending to sentry/.test(l)), seen.console.join('\n'));
  await page.close();
});

test(`the ${scenarios.length} shared scenarios give the same spans from Chromium as from Node`, async () => {
  assert.ok(scenarios.length >= 35, `${scenarios.length} scenarios`);
  const { page, seen } = await openPage();
  const differing = await compareWithNode({
    repo, sink, provider,
    run: (scenario, url, options) => page.evaluate(([s, u, o]) => window.runScenario(s, u, o), [scenario, url, options]),
  });
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(differing, []);
  await page.close();
});

test('continueTrace joins a server\'s trace in the page; getTraceData passes it on', async () => {
  const { page, seen } = await openPage();
  sink.received.length = 0;
  const answer = await page.evaluate(([u, o, h]) => window.runContinued(u, o, h), [provider.url, { dsn: sink.dsn(6) }, continuedHeaders]);
  assert.deepEqual(seen.errors, []);
  checkContinuedTrace(answer, sink.received);
  await page.close();
});

test('Sentry\'s span API in the page: updateName, isRecording, spanContext, numeric status codes', async () => {
  const { page, seen } = await openPage();
  sink.received.length = 0;
  const inPage = await page.evaluate(async (dsn) => {
    window.llmtel.init({ dsn });
    const out = window.llmtel.startSpan({ name: 'first name', op: 'ui.action' }, (span) => {
      span.updateName('renamed');
      span.setStatus({ code: 2, message: 'not_found' });
      return { recording: span.isRecording(), context: span.spanContext(), ids: [span.traceId, span.spanId] };
    });
    await window.llmtel.flush(5000);
    return out;
  }, sink.dsn(7));
  assert.deepEqual(seen.errors, []);
  assert.equal(inPage.recording, true);
  assert.deepEqual(inPage.context, { traceId: inPage.ids[0], spanId: inPage.ids[1], traceFlags: 1 });
  const transaction = sink.received.flatMap((r) => r.envelope.items).find((i) => i.header.type === 'transaction').payload;
  assert.equal(transaction.transaction, 'renamed');
  assert.equal(transaction.contexts.trace.status, 'not_found');
  await page.close();
});

test('the browser build leaves the AI SDK out: instrumentVercelAi returns `ai` untouched and says so once', async () => {
  const { page, seen } = await openPage();
  const result = await page.evaluate(() => {
    const ai = { generateText: () => 'the AI SDK\'s own' };
    window.llmtel.init({});
    const first = window.llmtel.instrumentVercelAi(ai);
    const second = window.llmtel.instrumentVercelAi(ai);
    return { same: first === ai && second === ai, own: first.generateText === ai.generateText, text: first.generateText() };
  });
  assert.deepEqual(result, { same: true, own: true, text: 'the AI SDK\'s own' });
  assert.deepEqual(seen.errors, []);
  const warnings = seen.console.filter((l) => l.startsWith('warning: llmtel (browser): the Vercel AI SDK'));
  assert.equal(warnings.length, 1, seen.console.join('\n'));
  await page.close();
});

test('spans still waiting when the page goes away are sent on pagehide, with keepalive', async () => {
  const { page } = await openPage();
  sink.received.length = 0;
  await page.evaluate((dsn) => {
    window.llmtel.init({ dsn, transportDelay: 600000 }); // no timer would send them
    window.llmtel.startSpan({ name: 'last words', op: 'ui.action' }, () => {});
  }, sink.dsn(5));
  await page.waitForTimeout(100);
  assert.equal(sink.received.length, 0, 'nothing was sent before the page went away');
  await page.goto('about:blank');
  for (let i = 0; i < 50 && sink.received.length === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
  const [sent] = sink.received;
  assert.equal(sent?.project, '5');
  assert.equal(sent.envelope.items[0].payload.transaction, 'last words');
  await page.close();
});

test('init() again sends what the previous setup still held', async () => {
  const { page } = await openPage();
  sink.received.length = 0;
  await page.evaluate(([first, second]) => {
    window.llmtel.init({ dsn: first, transportDelay: 600000 });
    window.llmtel.startSpan({ name: 'before the new setup' }, () => {});
    window.llmtel.init({ dsn: second, transportDelay: 600000 });
  }, [sink.dsn(6), sink.dsn(7)]);
  for (let i = 0; i < 50 && sink.received.length === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(sink.received.map((r) => [r.project, r.envelope.items[0].payload.transaction]), [['6', 'before the new setup']]);
  await page.close();
});

test('a page sends OTLP/HTTP JSON and Spotlight envelopes too, with the rate limits Sentry answers', async () => {
  const { page } = await openPage();
  sink.received.length = 0;
  sink.others.length = 0;
  sink.answers.push({ status: 429, headers: { 'x-sentry-rate-limits': '60:transaction:key' } });
  const stats = await page.evaluate(async ([dsn, origin]) => {
    const { llmtel } = window;
    llmtel.init({ dsn, otlpEndpoint: origin, otlpHeaders: { 'x-team': 'ai' }, spotlight: `${origin}/stream`, serviceName: 'web-app', transportDelay: 600000 });
    llmtel.startSpan({ name: 'first', op: 'ui.action' }, () => {});
    await llmtel.flush(5000);
    llmtel.startSpan({ name: 'second', op: 'ui.action' }, () => {});
    await llmtel.flush(5000);
    return llmtel.stats();
  }, [sink.dsn(8), sink.origin]);
  // Sentry: the first transaction, answered 429 for transactions; the second is held back and
  // counted, and a client report says so.
  const transactions = sink.received.flatMap((r) => r.envelope.items).filter((i) => i.header.type === 'transaction');
  assert.deepEqual(transactions.map((t) => t.payload.transaction), ['first']);
  assert.equal(stats.sentry.dropped.ratelimit_backoff, 2);
  const report = sink.received.flatMap((r) => r.envelope.items).find((i) => i.header.type === 'client_report');
  assert.ok(report, 'a client report reached Sentry');
  // OTLP: both spans, with the headers and the service name.
  const otlp = sink.others.filter((o) => o.url === '/v1/traces');
  assert.equal(otlp.length, 2);
  assert.equal(otlp[0].headers['x-team'], 'ai');
  const names = otlp.flatMap((o) => JSON.parse(o.body).resourceSpans[0].scopeSpans[0].spans.map((s) => s.name));
  assert.deepEqual(names, ['first', 'second']);
  assert.deepEqual(JSON.parse(otlp[0].body).resourceSpans[0].resource.attributes.find((a) => a.key === 'service.name').value, { stringValue: 'web-app' });
  // Spotlight: every envelope, whatever Sentry's limits.
  const spotlight = sink.others.filter((o) => o.url === '/stream');
  assert.equal(spotlight.length, 2);
  assert.match(spotlight[1].body, /"transaction":"second"/);
  await page.close();
});

test('with a tunnel, envelopes go to it and name the DSN in their header', async () => {
  const { page } = await openPage();
  sink.others.length = 0;
  sink.received.length = 0;
  await page.evaluate(async ([dsn, tunnel]) => {
    window.llmtel.init({ dsn, tunnel, transportDelay: 600000 });
    window.llmtel.startSpan({ name: 'tunnelled', op: 'ui.action' }, () => {});
    await window.llmtel.flush(5000);
  }, ['https://public@o9.ingest.sentry.io/9', `${sink.origin}/tunnel`]);
  assert.equal(sink.received.length, 0);
  const [sent] = sink.others.filter((o) => o.url === '/tunnel');
  const header = JSON.parse(sent.body.split('\n')[0]);
  assert.equal(header.dsn, 'https://public@o9.ingest.sentry.io/9');
  assert.match(sent.body, /"transaction":"tunnelled"/);
  assert.match(sent.body, /"platform":"javascript"/);
  await page.close();
});
