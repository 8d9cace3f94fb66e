'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const llmtel = require('..');

function freshSpool() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-node-'));
  const spool = path.join(dir, 'spans.jsonl');
  llmtel.init({ spool, dsn: '', flushInterval: 20 });
  return async () => {
    await llmtel.flush(5000);
    if (!fs.existsSync(spool)) return [];
    return fs.readFileSync(spool, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  };
}

test('withActiveSpan makes a span (or none) the parent of what the callback starts', async () => {
  const read = freshSpool();
  const outer = llmtel.startInactiveSpan({ name: 'outer' });
  llmtel.startSpan({ name: 'active' }, () => {
    llmtel.withActiveSpan(outer, () => llmtel.startSpan({ name: 'under outer' }, () => {}));
    llmtel.withActiveSpan(null, () => llmtel.startSpan({ name: 'a new trace' }, () => {}));
  });
  outer.end();
  const spans = Object.fromEntries((await read()).map((s) => [s.name, s]));
  assert.equal(spans['under outer'].parent_span_id, spans.outer.span_id);
  assert.equal(spans['a new trace'].parent_span_id, undefined);
  assert.notEqual(spans['a new trace'].trace_id, spans.active.trace_id);
});

test('spans nest through sync callbacks, awaits and timers, and concurrent work keeps its parents', async () => {
  const read = freshSpool();
  const result = await llmtel.startSpan({ name: 'Generate Report', op: 'ai.task', attributes: { tier: 'premium' } }, async (root) => {
    const inner = llmtel.startSpan({ name: 'sync child' }, () => 7);
    await Promise.all([1, 2, 3].map((i) => llmtel.startSpan({ name: `task ${i}` }, async () => {
      await new Promise((r) => setTimeout(r, 5 * i));
      await llmtel.startSpan({ name: `task ${i} child` }, async () => {});
    })));
    assert.equal(llmtel.getActiveSpan().spanId, root.spanId);
    root.recordUsage({ inputTokens: 3, outputTokens: 4 });
    return inner * 6;
  });
  assert.equal(result, 42);
  assert.equal(llmtel.getActiveSpan(), undefined);
  const spans = Object.fromEntries((await read()).map((s) => [s.name, s]));
  assert.equal(Object.keys(spans).length, 8);
  const root = spans['Generate Report'];
  assert.equal(root.op, 'ai.task');
  assert.deepEqual(root.attributes, { tier: 'premium', 'gen_ai.usage.input_tokens': 3, 'gen_ai.usage.output_tokens': 4, 'gen_ai.usage.total_tokens': 7 });
  assert.equal(spans['sync child'].parent_span_id, root.span_id);
  for (const i of [1, 2, 3]) {
    assert.equal(spans[`task ${i}`].parent_span_id, root.span_id);
    assert.equal(spans[`task ${i} child`].parent_span_id, spans[`task ${i}`].span_id);
  }
});

test('errors mark the span and are rethrown unchanged', async () => {
  const read = freshSpool();
  class QuotaError extends Error { constructor() { super('over quota'); this.name = 'QuotaError'; } }
  await assert.rejects(llmtel.startSpan({ name: 'failing' }, async () => { throw new QuotaError(); }), QuotaError);
  assert.throws(() => llmtel.startSpan({ name: 'failing sync' }, () => { throw new RangeError('bad'); }), RangeError);
  const spans = Object.fromEntries((await read()).map((s) => [s.name, s]));
  assert.equal(spans.failing.status, 'error');
  assert.equal(spans.failing.status_message, 'over quota');
  assert.equal(spans.failing.attributes['error.type'], 'QuotaError');
  assert.equal(spans['failing sync'].attributes['error.type'], 'RangeError');
});

test('attribute types map to the span types', async () => {
  const read = freshSpool();
  llmtel.startSpan({ name: 'typed' }, (span) => {
    span.setAttributes({ s: 'x', i: 3, d: 0.5, b: true, ss: ['a', 'b'], ii: [1, 2], dd: [0.5, 1] });
    span.setStatus('resource_exhausted');
  });
  const [span] = await read();
  assert.deepEqual(span.attributes, { s: 'x', i: 3, d: 0.5, b: true, ss: ['a', 'b'], ii: [1, 2], dd: [0.5, 1.0] });
  assert.equal(span.error_code, 'resource_exhausted');
});

test('Sentry\'s span API as Sentry documents it: numeric status codes, updateName, isRecording, spanContext', async () => {
  const read = freshSpool();
  let seen;
  llmtel.startSpan({ name: 'first name' }, (span) => {
    span.updateName('renamed');
    seen = { recording: span.isRecording(), context: span.spanContext(), traceId: span.traceId, spanId: span.spanId };
    span.setStatus({ code: 2, message: 'not_found' });
  });
  llmtel.startSpan({ name: 'free text' }, (span) => span.setStatus({ code: 2, message: 'Database timed out' }));
  llmtel.startSpan({ name: 'fine' }, (span) => span.setStatus({ code: 1 }));
  llmtel.startSpan({ name: 'unset' }, (span) => span.setStatus({ code: 0 }));
  const ended = llmtel.startInactiveSpan({ name: 'ended' });
  ended.end();
  assert.equal(ended.isRecording(), false);
  assert.equal(ended.updateName('too late'), ended);
  assert.deepEqual(seen.context, { traceId: seen.traceId, spanId: seen.spanId, traceFlags: 1 });
  assert.equal(seen.recording, true);
  const spans = Object.fromEntries((await read()).map((s) => [s.name, s]));
  assert.equal(spans.renamed.status, 'error');
  assert.equal(spans.renamed.error_code, 'not_found');
  assert.equal(spans['free text'].error_code, 'internal_error');
  assert.equal(spans['free text'].status_message, 'Database timed out');
  assert.equal(spans.fine.status, 'ok');
  assert.equal(spans.unset.status, 'unset', 'code 0 leaves the status unset');
  assert.equal(spans.ended.name, 'ended');
});

test('Sentry\'s helpers: startNewTrace, updateSpanName, isInitialized, lastEventId', async () => {
  const read = freshSpool();
  assert.equal(llmtel.isInitialized(), true);
  llmtel.startSpan({ name: 'outer' }, (outer) => {
    llmtel.startNewTrace(() => llmtel.startSpan({ name: 'fresh' }, (span) => llmtel.updateSpanName(span, 'fresh, renamed')));
    llmtel.startSpan({ name: 'inner' }, () => {});
    return outer;
  });
  const spans = Object.fromEntries((await read()).map((s) => [s.name, s]));
  assert.equal(spans.inner.parent_span_id, spans.outer.span_id);
  assert.equal(spans['fresh, renamed'].parent_span_id, undefined);
  assert.notEqual(spans['fresh, renamed'].trace_id, spans.outer.trace_id);
  // Events need a DSN (a port nothing listens on: the id is given when the event is queued).
  llmtel.init({ dsn: 'http://key@127.0.0.1:9/1', spool: false, defaultIntegrations: false });
  const id = llmtel.captureMessage('noted');
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(llmtel.lastEventId(), id);
  await llmtel.close(100);
});

test('bad options throw an error that names the option', () => {
  assert.throws(() => llmtel.init({ tracesSampleRate: 1.5 }), /traces_sample_rate/);
  assert.throws(() => llmtel.init({ dsn: 'not a dsn' }), /dsn/);
  assert.throws(() => llmtel.init({ noSuchOption: 1 }), /unknown option noSuchOption/);
});

test('a process that calls process.exit() right after recording still delivers its span', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-exit-'));
  const spool = path.join(dir, 'spans.jsonl');
  const script = `
    const llmtel = require(${JSON.stringify(path.join(__dirname, '..'))});
    llmtel.init({ spool: ${JSON.stringify(spool)}, dsn: '', flushInterval: 60000 });
    llmtel.startSpan({ name: 'last words' }, () => {});
    process.exit(0);`;
  execFileSync(process.execPath, ['-e', script], { stdio: 'pipe', timeout: 30000 });
  const lines = fs.readFileSync(spool, 'utf8').trim().split('\n');
  assert.deepEqual(lines.map((l) => JSON.parse(l).name), ['last words']);
});

test('a process that ends by itself is not kept alive and delivers its spans', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-end-'));
  const spool = path.join(dir, 'spans.jsonl');
  const script = `
    const llmtel = require(${JSON.stringify(path.join(__dirname, '..'))});
    llmtel.init({ spool: ${JSON.stringify(spool)}, dsn: '', flushInterval: 60000 });
    llmtel.startSpan({ name: 'done' }, async () => { await new Promise((r) => setTimeout(r, 10)); });`;
  const started = Date.now();
  execFileSync(process.execPath, ['-e', script], { stdio: 'pipe', timeout: 30000 });
  assert.ok(Date.now() - started < 5000, 'the flush thread did not keep the process alive');
  assert.equal(JSON.parse(fs.readFileSync(spool, 'utf8').trim()).name, 'done');
});

test('before init, startSpan gives a span that records nothing, so the callback runs unchanged', () => {
  const script = `
    const llmtel = require(${JSON.stringify(require.resolve('..'))});
    const out = llmtel.startSpan({ name: 'early' }, (span) => span.setAttribute('k', 1).setStatus('ok') && span.traceId);
    const inactive = llmtel.startInactiveSpan({ name: 'early' });
    inactive.end();
    llmtel.startSpanManual({ name: 'early' }, (span, finish) => { span.recordUsage({ inputTokens: 1 }); finish(); });
    process.stdout.write(out + ' ' + inactive.spanId);
  `;
  const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(output, `${'0'.repeat(32)} ${'0'.repeat(16)}`);
});
