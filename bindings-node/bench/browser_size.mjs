// What a page downloads for llmtel's browser entry point (JS with the wasm core inlined), and
// how long init() takes to compile the core, against @sentry/browser with its OpenAI
// instrumentation. Each page is the same small app (an OpenAI client, instrumented), bundled and
// minified by esbuild; sizes are gzipped (level 9), the app alone is the baseline. The compile
// time is read in Debian's headless Chromium, median of 5 page loads.
//
//   make bench-browser        (builds the wasm core first; needs Chromium, as make test-browser)
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
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
const sizes = {};
const code = {};
for (const name of Object.keys(PAGES)) {
  code[name] = await bundle(name);
  sizes[name] = { raw: code[name].length, gz: gzipSync(code[name], { level: 9 }).length };
}
const wasm = await import('node:fs').then((fs) => fs.readFileSync(join(nodePackage, 'wasm/llmtel_wasm_bg.wasm')));
console.log(`page                         raw        gzipped   added to the app (gzipped)`);
for (const name of Object.keys(PAGES)) {
  const { raw, gz } = sizes[name];
  const added = name === 'app' ? '' : kb(gz - sizes.app.gz);
  console.log(`${name.padEnd(28)} ${kb(raw).padStart(10)} ${kb(gz).padStart(10)}   ${added}`);
}
console.log(`llmtel's wasm core alone: ${kb(wasm.length)} raw, ${kb(gzipSync(wasm, { level: 9 }).length)} gzipped (inlined in the page as base64)`);
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
  const server = createServer((request, response) => {
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
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
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
  await browser.close();
  server.close();
}
rmSync(dir, { recursive: true, force: true });
