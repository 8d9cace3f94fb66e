// `llmtel report --html` opened in Debian's headless Chromium: the page renders with no console
// errors and no network requests, its charts hold what `llmtel report --json` says, names with
// markup stay text, and a screenshot is kept in target/browser/report.png.
//
// Run by `make test-browser`, which builds the binaries and sets LLMTEL_BIN and SAMPLE_SPOOL_BIN.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium } from './web/chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const need = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run this through \`make test-browser\``);
  return resolve(repo, value);
};
const OUT = resolve(repo, 'target/browser');

let browser;
let dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llmtel-html-'));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens a file and records every console message, page error and request while it loads. */
async function open(file) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const seen = { console: [], errors: [], requests: [] };
  page.on('console', (m) => seen.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('request', (r) => seen.requests.push(r.url()));
  const url = pathToFileURL(file).href;
  await page.goto(url, { waitUntil: 'load' });
  // Anything lazy (images, fonts) would have started by now.
  await page.waitForTimeout(300);
  return { page, seen, url };
}

test('the harness notices a page that fetches or logs an error', async () => {
  const file = join(dir, 'leaky.html');
  writeFileSync(
    file,
    '<!doctype html><img src="http://127.0.0.1:9/pixel.png"><script>console.error("boom")</script>',
  );
  const { page, seen, url } = await open(file);
  assert.ok(seen.requests.some((r) => r !== url), `requests: ${seen.requests}`);
  assert.ok(seen.console.some((m) => m.startsWith('error: boom')), `console: ${seen.console}`);
  await page.close();
});

test('the HTML report renders offline, matches the JSON report, and is screenshotted', async () => {
  const spool = join(dir, 'spans.jsonl');
  const html = join(dir, 'report.html');
  execFileSync(need('SAMPLE_SPOOL_BIN'), [spool, '480']);
  const json = JSON.parse(
    execFileSync(need('LLMTEL_BIN'), ['report', '--spool', spool, '--json'], { encoding: 'utf8' }),
  );
  execFileSync(need('LLMTEL_BIN'), ['report', '--spool', spool, '--html', html], { stdio: 'ignore' });

  const { page, seen, url } = await open(html);
  assert.deepEqual(seen.errors, [], 'no script errors');
  assert.deepEqual(seen.console.filter((m) => /^(error|warning)/.test(m)), [], 'no console errors');
  assert.deepEqual(seen.requests, [url], 'the page itself is the only request');

  const headings = await page.locator('section h2').allTextContents();
  assert.equal(headings.length, 5, headings.join(' | '));
  assert.match(headings[0], /^Tokens over time/);
  assert.match(headings[1], /^Cost over time/);
  assert.equal(headings[2], 'Cost by model');
  assert.equal(headings[3], 'Latency by model');

  // Every call is in one bar of the timeline: the bars' tooltips add up to the total.
  const tips = await page.locator('section').nth(0).locator('svg g > title').allTextContents();
  const calls = tips.map((t) => Number(/: (\d+) calls,/.exec(t)?.[1] ?? NaN));
  assert.ok(calls.every(Number.isFinite), tips.slice(0, 3).join(' | '));
  assert.equal(calls.reduce((a, b) => a + b, 0), json.total.calls);

  // One cost bar and one latency box per group, in the report's order.
  const groups = json.groups.map((g) => g.key);
  const costBars = await page.locator('section').nth(2).locator('svg rect.cost').count();
  assert.equal(costBars, json.groups.filter((g) => g.cost_usd !== null).length);
  const boxes = await page.locator('section').nth(3).locator('svg rect.box').count();
  assert.equal(boxes, groups.length);
  const labels = await page.locator('section').nth(2).locator('svg text.label').allTextContents();
  assert.deepEqual(labels, groups);

  // The table: a row per group and the totals, with the JSON's numbers.
  const rows = await page.locator('table tbody tr').all();
  assert.equal(rows.length, groups.length + 1);
  const total = await rows.at(-1).locator('td').allTextContents();
  assert.equal(total[0], 'total');
  assert.equal(Number(total[1]), json.total.calls);
  assert.equal(Number(total[3]), json.total.input_tokens);

  // A model name with markup in it is shown as text, never parsed.
  assert.ok(groups.includes('<b>fine-tune</b> & "friends"'));
  assert.equal(await page.locator('table b, svg b').count(), 0);

  mkdirSync(OUT, { recursive: true });
  const shot = join(OUT, 'report.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(statSync(shot).size > 20_000, 'the screenshot has content');
  await page.close();
});
