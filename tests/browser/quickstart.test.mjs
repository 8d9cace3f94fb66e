// The README's browser quick start, as written, in Debian's headless Chromium: bundled with
// esbuild into a page with an #ask button; api.openai.com is the loopback provider and the
// README's DSN a loopback Sentry (through the browser's request routing, so the code keeps its
// real URLs). One click must send the `Ask` transaction with both chat spans in it. The same
// block, as TypeScript, must pass `tsc --strict` against the package's types (lib/web.d.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { launchChromium } from './web/chromium.mjs';
import { startSentrySink } from './web/sentry_sink.mjs';
import { startProvider } from './web/parity.mjs';
import { quickStart } from './web/readme.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const nodePackage = join(repo, 'bindings-node');

let dir;
let browser;
let provider;
let sink;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llmtel-quickstart-'));
  symlinkSync(nodePackage, join(dir, 'llmtel'));
  writeFileSync(join(dir, 'app.mjs'), quickStart(repo, 'Browser'));
  const result = await build({
    entryPoints: [join(dir, 'app.mjs')], bundle: true, format: 'esm', platform: 'browser', write: false,
    nodePaths: [dir, join(nodePackage, 'node_modules')], logLevel: 'silent',
  });
  [provider, sink] = await Promise.all([startProvider(repo), startSentrySink()]);
  sink.pages.set('/', ['text/html', '<!doctype html><button id="ask">Ask</button><script type="module" src="/app.js"></script>']);
  sink.pages.set('/app.js', ['text/javascript', result.outputFiles[0].text]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  provider?.server.kill();
  await sink?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the browser quick start runs as written and sends its spans', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The README's real endpoints, answered by the loopback servers.
  await page.route('https://api.openai.com/**', async (route) => {
    const url = new URL(route.request().url());
    await route.fulfill({ response: await route.fetch({ url: `${provider.url}/openai_chat_plain${url.pathname}` }) });
  });
  await page.route('https://o0.ingest.sentry.io/**', async (route) => {
    const url = new URL(route.request().url());
    await route.fulfill({ response: await route.fetch({ url: `${sink.origin}${url.pathname}${url.search}` }) });
  });
  await page.goto(`${sink.origin}/`);
  await page.click('#ask');
  for (let i = 0; i < 100 && sink.received.length === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(errors, []);
  const [sent] = sink.received;
  assert.ok(sent, 'no envelope reached Sentry');
  assert.match(sent.url, /^\/api\/0\/envelope\/\?sentry_key=public&sentry_version=7&sentry_client=/);
  const items = sent.envelope.items;
  const transaction = items.find((i) => i.header.type === 'transaction').payload;
  assert.equal(transaction.transaction, 'Ask');
  const chats = items.filter((i) => i.header.type === 'span').flatMap((i) => i.payload.items);
  assert.deepEqual(chats.map((c) => c.name), ['chat gpt-4o-mini', 'chat gpt-4o-mini']);
  for (const chat of chats) assert.equal(chat.parent_span_id, transaction.contexts.trace.span_id, 'both calls nest under Ask');
  assert.equal(chats[0].attributes['gen_ai.input.messages'], undefined, 'no content without sendDefaultPii');
  // Closing the page fires `pagehide`, whose keepalive flush may still be inside a handler above
  // when the page is gone: its route.fulfill then rejects ("Fetch response has been disposed").
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  await page.close();
});

test('the browser quick start type-checks with tsc --strict', () => {
  const project = join(dir, 'ts');
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  symlinkSync(nodePackage, join(project, 'node_modules', 'llmtel'));
  symlinkSync(join(nodePackage, 'node_modules', 'openai'), join(project, 'node_modules', 'openai'));
  writeFileSync(join(project, 'app.ts'), quickStart(repo, 'Browser'));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, module: 'esnext', moduleResolution: 'bundler', target: 'es2022',
      lib: ['es2022', 'dom'], skipLibCheck: true,
    },
    files: ['app.ts'],
  }));
  try {
    execFileSync(join(here, 'node_modules', '.bin', 'tsc'), ['-p', project], { encoding: 'utf8' });
  } catch (error) {
    assert.fail(`tsc --strict:\n${error.stdout}`);
  }
});
