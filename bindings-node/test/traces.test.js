'use strict';
// Joining the traces an application already has: an incoming sentry-trace / traceparent
// continued (Sentry envelope received by a loopback sink), getTraceData() headers that parse
// back, an OpenTelemetry active span as the parent of the GenAI span (the real
// @opentelemetry/sdk-trace), LlmtelSpanProcessor putting the application's spans in the
// same segment, tracesSampler, and a Sentry init copied as is.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const zlib = require('node:zlib');

const llmtel = require('..');
const OpenAI = require('openai');
const otelApi = require('@opentelemetry/api');
const { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { startProviderServer, freshSpool } = require('../testing/helpers');

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER = '00f067aa0ba902b7';
const REQUEST = { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Hello!' }], temperature: 0.7, max_tokens: 100 };

let provider;
before(async () => { provider = await startProviderServer(); });
after(() => provider.server.kill());

const openai = () => new OpenAI({ baseURL: `${provider.url}/openai_chat_plain/v1`, apiKey: 'test', maxRetries: 0 });
const parse = (lines) => lines.map((l) => JSON.parse(l));

/** A real OpenTelemetry SDK set up as an application sets it up; `done()` takes it down. */
function otelSdk(spanProcessors) {
  const tracerProvider = new TracerProvider({ spanProcessors });
  otelApi.context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  otelApi.trace.setGlobalTracerProvider(tracerProvider);
  return async () => {
    try {
      await tracerProvider.shutdown();
    } finally {
      otelApi.trace.disable(); // else the next test's provider would not register
      otelApi.context.disable();
    }
  };
}

/** A loopback Sentry: every envelope it received, parsed ({ header, items: [{ header, payload }] }). */
async function sentrySink() {
  const envelopes = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      const lines = body.toString('utf8').split('\n');
      const items = [];
      for (let i = 1; i + 1 < lines.length; i += 2) items.push({ header: JSON.parse(lines[i]), payload: JSON.parse(lines[i + 1]) });
      envelopes.push({ header: JSON.parse(lines[0]), items });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { dsn: `http://public@127.0.0.1:${server.address().port}/42`, envelopes, close: () => server.close() };
}

test('an incoming sentry-trace and baggage are continued: trace, parent, decision, and the head\'s DSC in the envelope', async () => {
  const sink = await sentrySink();
  llmtel.init({ dsn: sink.dsn, spool: false, flushInterval: 20, defaultIntegrations: false });
  const baggage = `sentry-trace_id=${TRACE},sentry-public_key=head,sentry-sample_rate=0.5,sentry-sampled=true,sentry-environment=prod,vendor=x`;
  const client = llmtel.instrumentOpenAiClient(openai());
  await llmtel.continueTrace({ sentryTrace: `${TRACE}-${CALLER}-1`, baggage }, async () => {
    assert.equal(llmtel.getActiveSpan(), undefined, 'continuing a trace starts no span');
    await client.chat.completions.create(REQUEST);
  });
  // A declined caller: nothing is recorded.
  await llmtel.continueTrace({ sentryTrace: `${TRACE.replace('4', '5')}-${CALLER}-0` }, () => client.chat.completions.create(REQUEST));
  await llmtel.flush(5000);
  sink.close();
  // The declined trace's span is counted in a client report (sample_rate), which travels in its
  // own envelope when the span's envelope already left: only the spans' envelopes count here.
  const traced = sink.envelopes.filter((e) => e.items.some((item) => item.header.type !== 'client_report'));
  assert.equal(traced.length, 1, 'the declined trace sent nothing');
  const [envelope] = traced;
  assert.deepEqual(envelope.header.trace, { trace_id: TRACE, public_key: 'head', sample_rate: '0.5', sampled: 'true', environment: 'prod' });
  // The GenAI span is this service's local root in the caller's trace: its transaction.
  const tx = envelope.items.find((i) => i.header.type === 'transaction').payload;
  assert.equal(tx.contexts.trace.trace_id, TRACE);
  assert.equal(tx.contexts.trace.parent_span_id, CALLER);
  assert.equal(tx.transaction, 'chat gpt-4o-mini');
});

test('a traceparent is continued, and getTraceData() inside a span gives headers that lead back to it', async () => {
  const read = freshSpool({ defaultIntegrations: false });
  let data;
  await llmtel.continueTrace({ traceparent: `00-${TRACE}-${CALLER}-01`, baggage: 'vendor=x' }, () => llmtel.startSpan({ name: 'handle' }, (span) => {
    data = llmtel.getTraceData();
    assert.equal(data.traceparent, `00-${TRACE}-${span.spanId}-01`);
    assert.equal(llmtel.getTraceparent(), data.traceparent);
    assert.equal(data['sentry-trace'], `${TRACE}-${span.spanId}-1`);
    assert.match(data.baggage, new RegExp(`^vendor=x,sentry-trace_id=${TRACE},.*sentry-sampled=true`));
  }));
  const [span] = parse(await read());
  assert.equal(span.trace_id, TRACE);
  assert.equal(span.parent_span_id, CALLER);
  // The headers parse back to the span: continuing them makes a child of it.
  await llmtel.continueTrace({ sentryTrace: data['sentry-trace'], baggage: data.baggage }, () => llmtel.startSpan({ name: 'downstream' }, () => {}));
  const downstream = parse(await read()).find((s) => s.name === 'downstream');
  assert.equal(downstream.parent_span_id, span.span_id);
  assert.equal(downstream.trace_id, TRACE);
  assert.deepEqual(llmtel.getTraceData(), {}, 'nothing active, nothing to propagate');
  // Headers that cannot be read start a new trace; the callback runs all the same.
  assert.equal(llmtel.continueTrace({ traceparent: 'garbage' }, () => llmtel.startSpan({ name: 'fresh' }, () => 7)), 7);
  const fresh = parse(await read()).find((s) => s.name === 'fresh');
  assert.notEqual(fresh.trace_id, TRACE);
  assert.equal(fresh.parent_span_id, undefined);
});

test('the application\'s active OpenTelemetry span is the GenAI span\'s parent, unless an llmtel span is more recent', async () => {
  const exporter = new InMemorySpanExporter();
  const done = otelSdk([new SimpleSpanProcessor({ exporter })]);
  try {
    const read = freshSpool({ defaultIntegrations: false });
    const client = llmtel.instrumentOpenAiClient(openai());
    const tracer = otelApi.trace.getTracer('app');
    await tracer.startActiveSpan('POST /api/chat', async (request) => {
      await client.chat.completions.create(REQUEST);
      await llmtel.startSpan({ name: 'report' }, () => client.chat.completions.create(REQUEST));
      request.end();
    });
    const [request] = exporter.getFinishedSpans();
    const spans = parse(await read());
    const report = spans.find((s) => s.name === 'report');
    const [direct, nested] = spans.filter((s) => s.name === 'chat gpt-4o-mini');
    assert.equal(direct.trace_id, request.spanContext().traceId);
    assert.equal(direct.parent_span_id, request.spanContext().spanId);
    assert.equal(direct.segment_id, direct.span_id, 'without the processor the OpenTelemetry span is exported elsewhere: a local root');
    assert.equal(report.parent_span_id, request.spanContext().spanId);
    assert.equal(nested.parent_span_id, report.span_id, 'the llmtel span is the more recent');
  } finally {
    await done();
  }
});

test('LlmtelSpanProcessor puts the application\'s spans and the GenAI spans in one segment: one transaction', async () => {
  const sink = await sentrySink();
  llmtel.init({ dsn: sink.dsn, spool: false, flushInterval: 20, defaultIntegrations: false });
  const done = otelSdk([new llmtel.LlmtelSpanProcessor()]);
  try {
    const client = llmtel.instrumentOpenAiClient(openai());
    const tracer = otelApi.trace.getTracer('app');
    await tracer.startActiveSpan('POST', { kind: otelApi.SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.route': '/api/chat' } }, async (request) => {
      await client.chat.completions.create(REQUEST);
      tracer.startActiveSpan('SELECT', { kind: otelApi.SpanKind.CLIENT, attributes: { 'db.system.name': 'sqlite', 'db.query.text': 'SELECT 1' } }, (db) => db.end());
      request.end();
    });
    await llmtel.flush(5000);
  } finally {
    await done();
    sink.close();
  }
  assert.equal(sink.envelopes.length, 1);
  const [{ items }] = sink.envelopes;
  const tx = items.find((i) => i.header.type === 'transaction').payload;
  assert.equal(tx.transaction, 'POST /api/chat');
  assert.equal(tx.contexts.trace.op, 'http.server');
  assert.deepEqual(tx.spans.map((s) => [s.op, s.description]), [['db', 'SELECT 1']]);
  const chat = items.find((i) => i.header.type === 'span').payload.items[0];
  assert.equal(chat.parent_span_id, tx.contexts.trace.span_id);
  assert.equal(chat.is_segment, false);
  assert.equal(chat.attributes['sentry.segment.id'].value, tx.contexts.trace.span_id);
  assert.equal(chat.attributes['sentry.segment.name'].value, 'POST /api/chat');
});

test('tracesSampler decides per root span with Sentry\'s context; a copied Sentry init works', async () => {
  const seen = [];
  const warnings = [];
  const write = process.stderr.write;
  process.stderr.write = (text, ...rest) => (String(text).startsWith('llmtel: ignoring') ? warnings.push(String(text)) : write.call(process.stderr, text, ...rest));
  let read;
  try {
    read = freshSpool({
      defaultIntegrations: false,
      profilesSampleRate: 1.0,
      ignoreErrors: [/ResizeObserver/],
      tracesSampler: (context) => {
        seen.push({ name: context.name, parentSampled: context.parentSampled, route: context.attributes.route });
        if (context.name === 'GET /health') return false;
        return context.inheritOrSampleWith(1);
      },
    });
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(warnings, ['llmtel: ignoring Sentry options llmtel does not use: profilesSampleRate, ignoreErrors\n']);
  llmtel.startSpan({ name: 'GET /health' }, () => llmtel.startSpan({ name: 'child' }, () => {}));
  llmtel.startSpan({ name: 'POST /api/chat', attributes: { route: '/api/chat' } }, () => {});
  llmtel.continueTrace({ sentryTrace: `${TRACE}-${CALLER}-0` }, () => llmtel.startSpan({ name: 'declined upstream' }, () => {}));
  assert.deepEqual(seen, [
    { name: 'GET /health', parentSampled: undefined, route: undefined },
    { name: 'POST /api/chat', parentSampled: undefined, route: undefined },
    { name: 'declined upstream', parentSampled: false, route: undefined },
  ]);
  assert.deepEqual(parse(await read()).map((s) => s.name), ['POST /api/chat']);
  assert.throws(() => llmtel.init({ tracesSampelRate: 1 }), (e) => e.code === 'invalid_option' && /did you mean tracesSampleRate\?/.test(e.message));
});

test('captureException and captureMessage send error events linked to the active span, with the scope', async () => {
  const sink = await sentrySink();
  llmtel.init({ dsn: sink.dsn, spool: false, flushInterval: 20, defaultIntegrations: false });
  class QuotaError extends Error { constructor() { super('over quota for key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD'); this.name = 'QuotaError'; } }
  let spanId;
  let eventId;
  llmtel.setTag('service', 'api');
  llmtel.withScope((scope) => {
    scope.setTag('tenant', 'acme');
    llmtel.setUser({ id: '42', email: 'ada@example.com' });
    llmtel.setContext('order', { id: 7 });
    llmtel.startSpan({ name: 'checkout' }, (span) => {
      spanId = span.spanId;
      eventId = llmtel.captureException(new QuotaError());
    });
  });
  llmtel.captureMessage('cache cold', 'warning');
  assert.equal(llmtel.captureException(undefined).length, 32, 'anything can be captured');
  await llmtel.flush(5000);
  sink.close();
  const events = sink.envelopes.flatMap((e) => e.items).filter((i) => i.header.type === 'event').map((i) => i.payload);
  assert.equal(events.length, 3);
  const error = events.find((e) => e.event_id === eventId);
  assert.equal(error.exception.values[0].type, 'QuotaError');
  assert.equal(error.exception.values[0].value, 'over quota for key [Filtered]');
  const frames = error.exception.values[0].stacktrace.frames;
  assert.match(frames[frames.length - 1].filename, /traces\.test\.js$/, 'the newest frame last, as Sentry wants');
  assert.equal(error.contexts.trace.span_id, spanId);
  assert.deepEqual(error.tags, { service: 'api', tenant: 'acme' });
  assert.deepEqual(error.user, { id: '42', email: 'ada@example.com' });
  assert.deepEqual(error.contexts.order, { id: 7 });
  const message = events.find((e) => e.message);
  assert.deepEqual([message.message.formatted, message.level], ['cache cold', 'warning']);
  assert.deepEqual(message.tags, { service: 'api' }, 'withScope kept its tags inside');
  assert.equal(message.user, undefined);
  const tx = sink.envelopes.flatMap((e) => e.items).find((i) => i.header.type === 'transaction').payload;
  assert.equal(tx.transaction, 'checkout');
  assert.equal(tx.contexts.trace.data['tenant'], 'acme', 'the scope\'s tags on the span');
  assert.equal(tx.contexts.trace.data['user.id'], '42');
  llmtel.setTag('service', undefined);
  assert.deepEqual(llmtel.getCurrentScope().spanAttributes(), {}, 'undefined removes a tag');
});

test('the scope\'s tags and user land on the GenAI spans started in it', async () => {
  const read = freshSpool({ defaultIntegrations: false });
  const client = llmtel.instrumentOpenAiClient(openai());
  await llmtel.withScope(async (scope) => {
    scope.setTag('tenant', 'acme');
    scope.setUser({ id: 42, username: 'ada' });
    await client.chat.completions.create(REQUEST);
  });
  await client.chat.completions.create(REQUEST);
  const [inScope, outside] = parse(await read());
  assert.equal(inScope.attributes.tenant, 'acme');
  assert.equal(inScope.attributes['user.id'], '42');
  assert.equal(inScope.attributes['user.name'], 'ada');
  assert.equal(inScope.attributes['gen_ai.request.model'], 'gpt-4o-mini');
  assert.equal(outside.attributes.tenant, undefined);
});
