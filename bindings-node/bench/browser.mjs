// llmtel's browser entry point against @sentry/browser with its OpenAI instrumentation:
// - what a page downloads (JS with the wasm core inlined): each page is the same small app (an
//   OpenAI client, instrumented), bundled and minified by esbuild, gzipped at level 9 (the
//   goal's measure) and brotli at quality 11 (what most CDNs send), the app alone as the baseline;
// - how long init() takes (llmtel compiles its core there), median of 5 page loads;
// - the time each adds per OpenAI call and per streamed chunk in Chromium: one page holds a plain
//   client, an llmtel one and a Sentry one, all answered by an in-page fetch (no network), timed
//   in blocks of calls (Chromium's clock is coarse), the variants interleaved round by round;
//   the median of the rounds, each against the plain client of its own round.
//
//   make bench-browser        (builds the wasm core first; needs Chromium, as make test-browser)
import { build } from 'esbuild';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';

const here = dirname(fileURLToPath(import.meta.url));
const nodePackage = resolve(here, '..');
const dir = mkdtempSync(join(tmpdir(), 'llmtel-size-'));
symlinkSync(nodePackage, join(dir, 'llmtel'));

const PAGES = {
  app: `import OpenAI from 'openai';
    window.client = new OpenAI({ apiKey: 'k', dangerouslyAllowBrowser: true });`,
  llmtel: `import OpenAI from 'openai'; import * as llmtel from 'llmtel';
    const started = performance.now();
    llmtel.init({ dsn: 'https://key@o1.ingest.sentry.io/1' });
    window.initMs = performance.now() - started;
    window.client = llmtel.instrumentOpenAiClient(new OpenAI({ apiKey: 'k', dangerouslyAllowBrowser: true }));`,
  sentry: `import OpenAI from 'openai'; import * as Sentry from '@sentry/browser';
    const started = performance.now();
    Sentry.init({ dsn: 'https://key@o1.ingest.sentry.io/1', tracesSampleRate: 1 });
    window.initMs = performance.now() - started;
    window.client = Sentry.instrumentOpenAiClient(new OpenAI({ apiKey: 'k', dangerouslyAllowBrowser: true }));`,
};

/** The speed page: three clients over one in-page fetch; DSN_ORIGIN is the bench's own server. */
const SPEED_PAGE = `import OpenAI from 'openai'; import * as llmtel from 'llmtel'; import * as Sentry from '@sentry/browser';
  const encoder = new TextEncoder();
  const answer = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } });
  const chunk = (i) => 'data: ' + JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini',
    choices: [{ index: 0, delta: { content: 'word' + i + ' ' }, finish_reason: null }] }) + '\\n\\n';
  let chunks = 0;
  const fetch = async (url, init) => {
    if (!JSON.parse(init.body).stream) return new Response(answer, { headers: { 'content-type': 'application/json' } });
    const body = new ReadableStream({ start(c) { for (let i = 0; i < chunks; i++) c.enqueue(encoder.encode(chunk(i))); c.enqueue(encoder.encode('data: [DONE]\\n\\n')); c.close(); } });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  };
  const options = { apiKey: 'k', dangerouslyAllowBrowser: true, fetch, maxRetries: 0 };
  llmtel.init({ dsn: 'http://key@' + location.host + '/1' });
  Sentry.init({ dsn: 'http://key@' + location.host + '/2', tracesSampleRate: 1 });
  const clients = {
    plain: new OpenAI(options),
    llmtel: llmtel.instrumentOpenAiClient(new OpenAI(options)),
    sentry: Sentry.instrumentOpenAiClient(new OpenAI(options)),
  };
  const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] };
  /** Mean ms per call over \`calls\` calls of \`variant\`, with \`k\` streamed chunks (0: not streamed). */
  window.block = async (variant, calls, k) => {
    chunks = k;
    const client = clients[variant];
    const started = performance.now();
    for (let i = 0; i < calls; i++) {
      if (k === 0) await client.chat.completions.create(request);
      else for await (const _ of await client.chat.completions.create({ ...request, stream: true })) { /* read */ }
    }
    return (performance.now() - started) / calls;
  };
  window.ready = true;`;

async function bundle(name) {
  const entry = join(dir, `${name}.mjs`);
  writeFileSync(entry, PAGES[name]);
  const result = await build({
    entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', minify: true, write: false,
    nodePaths: [dir, join(here, 'node_modules'), join(nodePackage, 'node_modules')], logLevel: 'silent',
  });
  return result.outputFiles[0].contents;
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sizes = {};
const code = {};
for (const name of Object.keys(PAGES)) {
  code[name] = await bundle(name);
  sizes[name] = {
    raw: code[name].length,
    gz: gzipSync(code[name], { level: 9 }).length,
    br: brotliCompressSync(code[name], { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
const wasm = await import('node:fs').then((fs) => fs.readFileSync(join(nodePackage, 'wasm/browser/llmtel_wasm_bg.wasm')));
console.log(`page                         raw        gzipped     brotli   added to the app (gzipped, brotli)`);
for (const name of Object.keys(PAGES)) {
  const { raw, gz, br } = sizes[name];
  const added = name === 'app' ? '' : `${kb(gz - sizes.app.gz)}, ${kb(br - sizes.app.br)}`;
  console.log(`${name.padEnd(28)} ${kb(raw).padStart(10)} ${kb(gz).padStart(10)} ${kb(br).padStart(10)}   ${added}`);
}
console.log(`llmtel's wasm core alone: ${kb(wasm.length)} raw, ${kb(gzipSync(wasm, { level: 9 }).length)} gzipped (inlined in the page, one or two characters per byte)`);
const added = sizes.llmtel.gz - sizes.app.gz;
console.log(`goal: at most 250 KB gzipped for llmtel: ${kb(added)} (${added <= 250 * 1024 ? 'met' : 'not met'}); ` +
  `${(added / (sizes.sentry.gz - sizes.app.gz)).toFixed(2)}x @sentry/browser's`);

// init() in Chromium: the wasm core compiles there (synchronously).
let chromium;
try {
  ({ chromium } = await import(join(nodePackage, '..', 'tests/browser/node_modules/playwright-core/index.mjs')));
} catch {
  console.log('init() time: skipped (no playwright-core: run `make test-browser` once)');
}
if (chromium) {
  code.speed = await (async () => {
    writeFileSync(join(dir, 'speed.mjs'), SPEED_PAGE);
    const result = await build({
      entryPoints: [join(dir, 'speed.mjs')], bundle: true, format: 'esm', platform: 'browser', minify: true, write: false,
      nodePaths: [dir, join(here, 'node_modules'), join(nodePackage, 'node_modules')], logLevel: 'silent',
    });
    return result.outputFiles[0].contents;
  })();
  const server = createServer((request, response) => {
    if (request.method === 'POST' || request.method === 'OPTIONS') {
      // Both SDKs' envelopes: accepted and dropped.
      request.resume();
      response.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*' });
      response.end('{}');
      return;
    }
    const name = request.url.slice(1).replace('.js', '');
    if (code[name]) {
      response.writeHead(200, { 'Content-Type': 'text/javascript' });
      response.end(code[name]);
    } else {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end(`<!doctype html><script type="module" src="/${request.url.slice(1).replace('.html', '')}.js"></script>`);
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  for (const name of ['llmtel', 'sentry']) {
    const times = [];
    for (let i = 0; i < 5; i += 1) {
      const page = await browser.newPage();
      await page.goto(`${origin}/${name}.html`);
      await page.waitForFunction(() => typeof window.initMs === 'number');
      times.push(await page.evaluate(() => window.initMs));
      await page.close();
    }
    console.log(`init() in Chromium, ${name}: ${median(times).toFixed(1)} ms (median of 5; ${times.map((t) => t.toFixed(1)).join(', ')})`);
  }
  const page = await browser.newPage();
  await page.goto(`${origin}/speed.html`);
  await page.waitForFunction(() => window.ready === true);
  const ROUNDS = 7;
  const CALLS = 300;
  const STREAM_CALLS = 40;
  const CHUNKS = 100;
  const rounds = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    const variants = ['plain', 'llmtel', 'sentry'];
    const order = variants.slice(r % 3).concat(variants.slice(0, r % 3)); // a different one first each round
    const round = {};
    for (const variant of order) {
      round[variant] = {
        call: await page.evaluate(([v, n]) => window.block(v, n, 0, false), [variant, CALLS]),
        nested: await page.evaluate(([v, n]) => window.block(v, n, 0, true), [variant, CALLS]),
        stream: await page.evaluate(([v, n, k]) => window.block(v, n, k, true), [variant, STREAM_CALLS, CHUNKS]),
      };
    }
    rounds.push(round);
  }
  const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;
  for (const variant of ['llmtel', 'sentry']) {
    const added = (r, key) => r[variant][key] - r.plain[key];
    // A streamed call's own cost (as a nested call's) is left out, so the rest is per chunk.
    const perChunk = median(rounds.map((r) => (added(r, 'stream') - added(r, 'nested')) / CHUNKS));
    console.log(`added in Chromium, ${variant}: ${us(median(rounds.map((r) => added(r, 'call'))))} per call as a root span ` +
      `(a transaction each), ${us(median(rounds.map((r) => added(r, 'nested'))))} per call inside a span, ` +
      `${us(perChunk)} per streamed chunk (median of ${ROUNDS} rounds)`);
  }
  console.log(`plain client: ${us(median(rounds.map((r) => r.plain.call)))} per call, ${us(median(rounds.map((r) => r.plain.stream)))} per ${CHUNKS}-chunk stream`);
  const ratio = (key) => median(rounds.map((r) => (r.llmtel[key] - r.plain[key]) / (r.sentry[key] - r.plain[key])));
  console.log(`llmtel / @sentry/browser, added time: ${ratio('call').toFixed(2)}x per root call, ${ratio('nested').toFixed(2)}x per call inside a span, ` +
    `${ratio('stream').toFixed(2)}x per ${CHUNKS}-chunk stream (median of the rounds' ratios)`);
  await browser.close();
  server.close();
}
rmSync(dir, { recursive: true, force: true });
