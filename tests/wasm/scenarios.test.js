'use strict';
// Every shared scenario through the wasm build of the core, loaded by Node: the spool line it
// produces must be exactly the scenario's expected span (tests/scenario_check.py, the check
// every language's suite uses). Then the facade's agent / tool / normalized calls and trace
// continuation, and the batches the browser and edge entry points send (envelopes, rate limits,
// client reports, callbacks).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const TESTS = path.join(__dirname, '..');
const WASM = process.env.LLMTEL_WASM || path.join(TESTS, '..', 'target', 'wasm', 'node', 'llmtel_wasm.js');
const wasm = require(WASM);

const scenarios = fs.readdirSync(path.join(TESTS, 'scenarios')).sort()
  .map((f) => JSON.parse(fs.readFileSync(path.join(TESTS, 'scenarios', f), 'utf8')));

function run(scenario) {
  const o = scenario.options;
  const client = new wasm.WasmClient(JSON.stringify({
    content_format: o.content_format, max_content_bytes: String(o.max_content_bytes),
  }));
  const server = scenario.server || {};
  const call = client.call(JSON.stringify({
    provider: scenario.provider, api: scenario.api, request: JSON.stringify(scenario.request),
    record_inputs: o.record_inputs, record_outputs: o.record_outputs, stream: scenario.stream,
    server_address: server.address, server_port: server.port,
  }), wasm.WasmContext.root());
  assert.equal(call.problem, undefined);
  const response = scenario.response;
  if (response.events) {
    for (const e of response.events) call.chunk(e.event, typeof e.data === 'string' ? e.data : JSON.stringify(e.data));
    call.finishStream();
  } else if ((response.status || 200) >= 400) {
    call.fail(JSON.stringify({ http_status: response.status, body: JSON.stringify(response.body) }));
  } else {
    call.finish(JSON.stringify(response.body));
  }
  return client.takeSpoolLines().trim().split('\n').filter(Boolean);
}

test(`the ${scenarios.length} shared scenarios give their expected spans from the wasm core`, () => {
  assert.ok(scenarios.length >= 45, `${scenarios.length} scenarios`);
  const differing = [];
  for (const scenario of scenarios) {
    const lines = run(scenario);
    assert.equal(lines.length, 1, `${scenario.name}: one span per call`);
    try {
      execFileSync('python3', [path.join(TESTS, 'scenario_check.py'), scenario.name, lines[0]], { stdio: 'pipe' });
    } catch (error) {
      differing.push(`${scenario.name}:\n${error.stdout}`);
    }
  }
  assert.deepEqual(differing, []);
});

test('agents, tools, normalized calls and continued traces from the wasm core', () => {
  const client = new wasm.WasmClient('{}');
  const remote = client.continueTrace(undefined, undefined, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', undefined);
  const agent = client.agent('{"name": "Researcher"}', '{"origin": "auto.ai.vercelai"}', remote);
  const ctx = agent.context();
  assert.equal(ctx.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.match(ctx.traceparent(), /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  const call = client.normalizedCall('{"provider": "openai", "model": "gpt-4o-mini"}', '', ctx);
  call.finishNormalized('{"usage": {"input_tokens": 12, "output_tokens": 3}}');
  assert.throws(() => call.finishStream(), (e) => e.code === 'already_ended');
  const tool = client.tool('{"name": "search"}', '{"record_outputs": true}', ctx);
  tool.setResult('3 hits');
  tool.end();
  agent.end();
  assert.throws(() => client.agent('{"nmae": 1}', '', wasm.WasmContext.root()), (e) => e.code === 'invalid_argument' && /nmae/.test(e.message));
  const spans = Object.fromEntries(client.takeSpoolLines().trim().split('\n').map((l) => JSON.parse(l)).map((s) => [s.name, s]));
  const top = spans['invoke_agent Researcher'];
  assert.equal(top.parent_span_id, '00f067aa0ba902b7');
  assert.equal(top.attributes['gen_ai.usage.input_tokens'], 12);
  assert.equal(spans['execute_tool search'].attributes['gen_ai.tool.call.result'], '3 hits');
  assert.equal(spans['chat gpt-4o-mini'].parent_span_id, top.span_id);
  assert.equal(client.takeSpoolLines(), '');
});

test('the wasm core scrubs with regex-lite: built-in secrets and ASCII user patterns; a \\p class is an init error', () => {
  assert.throws(() => new wasm.WasmClient(JSON.stringify({ scrub_patterns: '["\\\\p{L}+"]' })),
    (e) => e.code === 'invalid_option' && e.field === 'scrub_patterns');
  const client = new wasm.WasmClient(JSON.stringify({ scrub_patterns: '["EMP-\\\\d{6}"]' }));
  const tool = client.tool('{"name": "lookup"}', '{"record_outputs": true}', wasm.WasmContext.root());
  tool.setResult('EMP-123456 uses sk-proj-abcdefghijklmnopqrstuvwx and EMP-12345');
  tool.end();
  const span = JSON.parse(client.takeSpoolLines().trim());
  assert.equal(span.attributes['gen_ai.tool.call.result'], '[Filtered] uses [Filtered] and EMP-12345');
});

test('continueTrace keeps the head\'s decision and baggage; traceData gives the headers to pass on', () => {
  const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const client = new wasm.WasmClient(JSON.stringify({ dsn: 'https://own@o1.ingest.sentry.io/1', environment: 'edge' }));
  assert.equal(client.traceData(wasm.WasmContext.root()), '{}');
  assert.equal(client.continueTrace(undefined, undefined, undefined, undefined), undefined);
  assert.throws(() => client.continueTrace(undefined, undefined, 'garbage', undefined), (e) => e.code === 'invalid_argument');
  // A trace the head sampled out stays out; its spans are not sent.
  const declined = client.continueTrace(`${trace}-00f067aa0ba902b7-0`, undefined, undefined, undefined);
  assert.equal(declined.sampled, false);
  // With baggage, the head's DSC travels on unchanged.
  const baggage = `sentry-trace_id=${trace},sentry-public_key=upstream,sentry-sampled=true,vendor=x`;
  const remote = client.continueTrace(`${trace}-00f067aa0ba902b7-1`, baggage, undefined, undefined);
  const span = client.startSpan('handler', 'http.server', remote);
  const data = JSON.parse(client.traceData(span.context()));
  assert.equal(data['sentry-trace'], `${trace}-${span.context().spanId}-1`);
  assert.equal(data.traceparent, `00-${trace}-${span.context().spanId}-01`);
  assert.equal(data.baggage, baggage);
  // A trace of this client's own: its DSC, from the DSN and options.
  const own = client.startSpan('own', undefined, wasm.WasmContext.root());
  const ownBaggage = JSON.parse(client.traceData(own.context())).baggage;
  assert.match(ownBaggage, /sentry-public_key=own/);
  assert.match(ownBaggage, /sentry-environment=edge/);
  assert.match(ownBaggage, new RegExp(`sentry-trace_id=${own.context().traceId}`));
});

test('the wasm core encodes OTLP/HTTP JSON that an OpenTelemetry collector reads', () => {
  const client = new wasm.WasmClient('{"service_name": "edge-app"}');
  client.startSpan('work', 'ai.task', wasm.WasmContext.root()).end();
  const body = JSON.parse(client.takeOtlpJson());
  const resource = body.resourceSpans[0].resource.attributes;
  assert.deepEqual(resource.find((a) => a.key === 'service.name').value, { stringValue: 'edge-app' });
  const [span] = body.resourceSpans[0].scopeSpans[0].spans;
  assert.equal(span.name, 'work');
  assert.match(span.traceId, /^[0-9a-f]{32}$/);
  assert.equal(client.takeOtlpJson(), '');
});

/** An envelope's items: [{ header, payload }]. */
function items(body) {
  const lines = body.split('\n').filter(Boolean);
  const out = [];
  for (let i = 1; i < lines.length; i += 2) out.push({ header: JSON.parse(lines[i]), payload: JSON.parse(lines[i + 1]) });
  return out;
}

test('batches: a root\'s children wait for it and travel in its envelope; `all` sends them without it', () => {
  const client = new wasm.WasmClient('{"dsn": "https://key@o1.ingest.sentry.io/42"}');
  const endpoints = JSON.parse(client.endpoints());
  assert.equal(endpoints.sentry, `https://o1.ingest.sentry.io/api/42/envelope/?sentry_key=key&sentry_version=7&sentry_client=llmtel.javascript.wasm%2F${wasm.version()}`);
  const root = client.startSpan('turn', 'ai.run', wasm.WasmContext.root());
  const call = client.normalizedCall('{"provider": "openai", "model": "gpt-4o-mini"}', '', root.context());
  call.finishNormalized('{"usage": {"input_tokens": 3, "output_tokens": 1}}');
  let batch = client.take(false);
  assert.equal(batch.items, 0, 'the chat span waits for its root');
  assert.equal(client.openSpans, 1);
  root.end();
  batch = client.take(false);
  assert.equal(batch.items, 2);
  const [envelope] = client.sentryEnvelopes(batch);
  const kinds = items(envelope.body).map((i) => i.header.type);
  assert.deepEqual(kinds, ['transaction', 'span']);
  client.settleSentry(envelope, 200, undefined, undefined);
  const orphan = client.startSpan('child', undefined, client.startSpan('open root', undefined, wasm.WasmContext.root()).context());
  orphan.end();
  assert.equal(client.take(false).items, 0);
  assert.equal(client.take(true).items, 1, 'flush sends a child without its root');
  assert.equal(JSON.parse(client.stats()).sentry.exported, 2);
});

test('batches: Sentry\'s rate limits hold envelopes back, and a client report says so', () => {
  const client = new wasm.WasmClient('{"dsn": "https://key@o1.ingest.sentry.io/42"}');
  client.startSpan('first', undefined, wasm.WasmContext.root()).end();
  const [first] = client.sentryEnvelopes(client.take(true));
  client.settleSentry(first, 429, '60:transaction:key', undefined);
  client.startSpan('second', undefined, wasm.WasmContext.root()).end();
  assert.deepEqual(client.sentryEnvelopes(client.take(true)), [], 'a limited transaction is not sent');
  const stats = JSON.parse(client.stats());
  assert.equal(stats.sentry.dropped.ratelimit_backoff, 2);
  const report = client.clientReportEnvelope();
  const [item] = items(report.body);
  assert.equal(item.header.type, 'client_report');
  assert.deepEqual(item.payload.discarded_events.map((d) => [d.reason, d.category, d.quantity]),
    [['ratelimit_backoff', 'span', 1], ['ratelimit_backoff', 'transaction', 1]]);
  client.settleSentry(report, 0, undefined, undefined); // no answer: the report waits
  assert.ok(client.clientReportEnvelope(), 'an unanswered report is sent again');
});

test('before_send_span and traces_sampler run in the wasm core', () => {
  const seen = [];
  const client = new wasm.WasmClient('{}', (json) => {
    const span = JSON.parse(json);
    if (span.name === 'secret') return null;
    span.attributes['app.tag'] = 'kept';
    return JSON.stringify(span);
  }, (json) => {
    seen.push(JSON.parse(json).name);
    return JSON.parse(json).name === 'unsampled' ? 0 : 1;
  });
  for (const name of ['secret', 'public', 'unsampled']) client.startSpan(name, undefined, wasm.WasmContext.root()).end();
  const spans = client.takeSpoolLines().trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(spans.map((s) => [s.name, s.attributes['app.tag']]), [['public', 'kept']]);
  assert.deepEqual(seen, ['secret', 'public', 'unsampled']);
  assert.deepEqual(JSON.parse(client.stats()).droppedBeforeExport, { before_send: 1, sample_rate: 1 });
});

test('the wasm binding has every facade operation the parity table names for it', () => {
  const table = require(path.join(TESTS, 'parity', 'facade.json'));
  const exists = (name) => {
    const [owner, member] = name.includes('.') ? name.split('.') : [null, name];
    if (!owner) return typeof wasm[member] === 'function';
    const cls = wasm[owner];
    return Boolean(cls && (member in cls.prototype || typeof cls[member] === 'function'));
  };
  const missing = table.operations.filter((row) => row.wasm && !exists(row.wasm)).map((row) => `${row.op} (${row.wasm})`);
  assert.deepEqual(missing, []);
  const unexplained = table.operations.filter((row) => !row.wasm && !row.wasm_why).map((row) => row.op);
  assert.deepEqual(unexplained, []);
});
