'use strict';
// Runtime edges: worker_threads (each worker loads the addon and records its own spans, and
// frees their slots when it exits), and a stream collected unread, or a span never ended, still
// ends its span when it is collected.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const { startProviderServer } = require('../testing/helpers');

const PACKAGE = path.join(__dirname, '..');
let provider;
before(async () => { provider = await startProviderServer(); });
after(() => provider.server.kill());

function spoolLines(spool) {
  return fs.existsSync(spool) ? fs.readFileSync(spool, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

test('worker threads record their own spans next to the main thread', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-workers-'));
  const script = `
    const { Worker, isMainThread, workerData } = require('node:worker_threads');
    const llmtel = require(${JSON.stringify(PACKAGE)});
    const spool = (name) => require('node:path').join(${JSON.stringify(dir)}, name + '.jsonl');
    if (isMainThread) {
      llmtel.init({ spool: spool('main'), dsn: '' });
      llmtel.startSpan({ name: 'main work' }, () => {});
      const workers = [1, 2].map((i) => new Worker(__filename, { workerData: i }));
      Promise.all(workers.map((w) => new Promise((r) => w.on('exit', r)))).then(() => llmtel.flush(5000));
    } else {
      llmtel.init({ spool: spool('worker' + workerData), dsn: '' });
      llmtel.startSpan({ name: 'worker ' + workerData }, () => {});
      llmtel.close(5000);
    }`;
  const file = path.join(dir, 'workers.cjs');
  fs.writeFileSync(file, script);
  execFileSync(process.execPath, [file], { stdio: 'pipe', timeout: 30000 });
  assert.deepEqual(spoolLines(path.join(dir, 'main.jsonl')).map((s) => s.name), ['main work']);
  assert.deepEqual(spoolLines(path.join(dir, 'worker1.jsonl')).map((s) => s.name), ['worker 1']);
  assert.deepEqual(spoolLines(path.join(dir, 'worker2.jsonl')).map((s) => s.name), ['worker 2']);
});

test('a worker that exits frees the slots of its spans, ended or not', () => {
  // A worker's objects are never collected once it exits, so no finalizer frees their slots:
  // the environment's cleanup does. The main thread makes no handle of its own here.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-worker-exit-'));
  const script = `
    const { Worker, isMainThread, parentPort } = require('node:worker_threads');
    const native = require(${JSON.stringify(path.join(PACKAGE, 'lib', 'native'))});
    if (isMainThread) {
      const worker = new Worker(__filename);
      let inWorker;
      worker.on('message', (n) => { inWorker = n; });
      worker.on('exit', () => process.stdout.write(JSON.stringify({ inWorker, after: native.liveHandles() })));
    } else {
      const llmtel = require(${JSON.stringify(PACKAGE)});
      llmtel.init({ spool: ${JSON.stringify(path.join(dir, 'worker.jsonl'))}, dsn: '' });
      const ended = llmtel.startInactiveSpan({ name: 'ended' });
      ended.end();
      globalThis.kept = [ended, llmtel.startInactiveSpan({ name: 'left open' })];
      parentPort.postMessage(native.liveHandles());
    }`;
  const file = path.join(dir, 'worker_exit.cjs');
  fs.writeFileSync(file, script);
  const { inWorker, after } = JSON.parse(execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 30000 }));
  assert.equal(inWorker, 2);
  assert.equal(after, 0);
});

/**
 * Runs `body` (statements that may await; `llmtel` is initialised on a fresh spool, with
 * `options`, object members as source text, added to init()'s, and `collect()` runs the GC
 * until finalizers have run) in a process started with --expose-gc; returns the spans it
 * recorded.
 */
function spansAfterCollecting(body, prelude = '', options = '') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-gc-'));
  const spool = path.join(dir, 'spans.jsonl');
  const script = `
    const llmtel = require(${JSON.stringify(PACKAGE)});
    ${prelude}
    llmtel.init({ spool: ${JSON.stringify(spool)}, dsn: '', flushInterval: 20, ${options} });
    const collect = async () => { for (let i = 0; i < 10; i++) { global.gc(); await new Promise((r) => setTimeout(r, 20)); } };
    (async () => {
      ${body}
      await llmtel.flush(5000);
      process.exit(0);
    })();`;
  const file = path.join(dir, 'gc.cjs');
  fs.writeFileSync(file, script);
  execFileSync(process.execPath, ['--expose-gc', file], { stdio: 'pipe', timeout: 30000, cwd: PACKAGE });
  return spoolLines(spool);
}

test('a stream that is never read ends its span when it is collected', () => {
  const spans = spansAfterCollecting(`
      const client = new OpenAI({ baseURL: ${JSON.stringify(provider.url)} + '/openai_chat_stream_no_usage/v1', apiKey: 'test', maxRetries: 0 });
      let stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true });
      stream = null; // never read
      await collect();`, `const OpenAI = require(${JSON.stringify(require.resolve('openai'))});`);
  assert.equal(spans.length, 1);
  assert.equal(spans[0].attributes['gen_ai.request.stream'], true);
});

test('a call whose body the caller takes raw (asResponse) ends its span when it is collected', () => {
  // Nothing parses the body, so nothing ends the call: its collection does, as for a stream.
  const spans = spansAfterCollecting(`
      const client = new OpenAI({ baseURL: ${JSON.stringify(provider.url)} + '/openai_chat_plain/v1', apiKey: 'test', maxRetries: 0 });
      const raw = await llmtel.startSpan({ name: 'handler' }, () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).asResponse());
      if (raw.status !== 200) throw new Error('the raw response changed');
      await collect();`, `const OpenAI = require(${JSON.stringify(require.resolve('openai'))});`);
  const call = spans.find((s) => s.name === 'chat gpt-4o-mini');
  const root = spans.find((s) => s.name === 'handler');
  assert.ok(call, `the call's span: ${spans.map((s) => s.name)}`);
  assert.equal(call.parent_span_id, root.span_id);
  assert.equal(call.attributes['gen_ai.request.model'], 'gpt-4o-mini');
});

test('a span never ended ends when it is collected, and its slot is taken by the next span', () => {
  const spans = spansAfterCollecting(`
      let span = llmtel.startInactiveSpan({ name: 'forgotten' });
      const id = span._native.id;
      span = null; // never ended
      await collect();
      const next = llmtel.startInactiveSpan({ name: 'next' });
      if (next._native.id !== id) throw new Error('the collected span kept its slot');
      next.end();`);
  assert.deepEqual(spans.map((s) => s.name).sort(), ['forgotten', 'next']);
});

test('a span collected unended goes through beforeSendSpan like any other', () => {
  // The finalizer's release is a call from JavaScript, so the hook runs (it once dropped the span).
  const spans = spansAfterCollecting(`
      let span = llmtel.startInactiveSpan({ name: 'forgotten' });
      span = null; // never ended
      await collect();`, '', `beforeSendSpan(span) { span.attributes.checked = 'yes'; return span; }`);
  assert.deepEqual(spans.map((s) => [s.name, s.attributes.checked]), [['forgotten', 'yes']]);
});
