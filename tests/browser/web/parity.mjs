// The check the browser and edge suites share: every shared scenario drive() can make, run by
// the Node package (native core) and by another runtime's llmtel (the wasm core), both sending
// to one loopback Sentry; the spans each sent must be the same, ids and timing aside, and the
// SDKs must have sent the provider the same request.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { drive, PROVIDERS } from './drive.mjs';
import { AISDK_SCENARIO, weatherAgent } from './aisdk_program.mjs';

/** The scenarios drive() can make (tests/scenarios/ under `repo`). */
export function sharedScenarios(repo) {
  return readdirSync(join(repo, 'tests/scenarios')).sort()
    .map((f) => JSON.parse(readFileSync(join(repo, 'tests/scenarios', f), 'utf8')))
    .filter((s) => PROVIDERS.includes(s.provider));
}

/** Every envelope item of a project's envelopes, spans first-class: ids and timing left out,
 * in a stable order. Checks each span's start is the wall clock's (a runtime whose clock is
 * wrong would send spans from 1970). */
export function spansOf(sink, project) {
  const VOLATILE = new Set(['event_id', 'trace_id', 'span_id', 'parent_span_id', 'sentry.segment.id', 'start_timestamp', 'timestamp', 'end_timestamp', 'sdk', 'sent_at', 'platform']);
  const TIMED = /time_to_first|per_second|duration|latency/;
  const clean = (value) => {
    if (Array.isArray(value)) return value.map(clean);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value)
      .filter(([k]) => !VOLATILE.has(k) && !TIMED.test(k) && !k.startsWith('sentry.sdk'))
      .map(([k, v]) => [k, clean(v)]));
  };
  const now = Date.now() / 1000;
  const spans = [];
  for (const { envelope } of sink.received.filter((r) => r.project === project)) {
    for (const { header, payload } of envelope.items) {
      const items = header.type === 'span' ? payload.items : [payload];
      for (const item of items) {
        if (typeof item.start_timestamp === 'number') {
          assert.ok(Math.abs(item.start_timestamp - now) < 300, `a span started at ${item.start_timestamp}, not about ${now}`);
        }
        spans.push({ type: header.type, ...clean(item) });
      }
    }
  }
  return spans.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

export const optionsFor = (scenario, dsn) => ({
  dsn, transportDelay: 5,
  contentFormat: scenario.options.content_format, maxContentBytes: scenario.options.max_content_bytes,
});

/**
 * Runs every scenario through Node (project 1) and `run(scenario, url, options)` (project 2),
 * which must resolve { outcome, flushed }; returns the scenarios whose spans differ, with why.
 */
export async function compareWithNode({ repo, sink, provider, run }) {
  const nodePackage = join(repo, 'bindings-node');
  const require = createRequire(join(nodePackage, 'package.json'));
  const node = require(nodePackage);
  const sdks = {
    OpenAI: require('openai').OpenAI, AzureOpenAI: require('openai').AzureOpenAI,
    Anthropic: require('@anthropic-ai/sdk').Anthropic, GoogleGenAI: require('@google/genai').GoogleGenAI,
  };
  const differing = [];
  for (const scenario of sharedScenarios(repo)) {
    sink.received.length = 0;
    await fetch(`${provider.url}/__requests`, { method: 'DELETE' });
    node.init({ ...optionsFor(scenario, sink.dsn(1)), spool: false, defaultIntegrations: false, transportDelay: undefined });
    // A copy: an SDK may change the request it is given (@google/genai upper-cases a
    // function's schema types in place), and the other runtime must get the scenario as written.
    const nodeOutcome = await drive(sdks, node, structuredClone(scenario), provider.url);
    assert.ok(await node.flush(5000), `${scenario.name}: Node flushed`);
    const other = await run(scenario, provider.url, optionsFor(scenario, sink.dsn(2)));
    assert.ok(other.flushed, `${scenario.name}: flushed`);
    assert.equal(other.outcome, nodeOutcome, `${scenario.name}: the caller saw the same`);
    const [fromNode, fromOther] = [spansOf(sink, '1'), spansOf(sink, '2')];
    assert.ok(fromNode.length > 0, `${scenario.name}: Node sent spans`);
    const requests = await (await fetch(`${provider.url}/__requests/${scenario.name}`)).json();
    assert.equal(requests.length, 2, `${scenario.name}: one request from each`);
    assert.deepEqual(requests[1].body, requests[0].body, `${scenario.name}: the SDKs sent the same request`);
    try {
      assert.deepEqual(fromOther, fromNode);
    } catch (error) {
      differing.push(`${scenario.name}: ${error.message}`);
    }
  }
  await node.close();
  return differing;
}

/**
 * The AI SDK agent (aisdk_program.mjs) from Node (project 1) and from `run(url, options)`
 * (project 2), which must resolve { result, flushed }: the same result and the same spans.
 */
export async function compareAiSdkWithNode({ repo, sink, provider, run }) {
  const nodePackage = join(repo, 'bindings-node');
  const require = createRequire(join(nodePackage, 'package.json'));
  const load = (name) => import(pathToFileURL(require.resolve(name)).href);
  const node = require(nodePackage);
  const [ai, openai, zod] = await Promise.all([load('ai'), load('@ai-sdk/openai'), load('zod')]);
  const options = (dsn) => ({ dsn, transportDelay: 5, sendDefaultPii: true });
  sink.received.length = 0;
  await fetch(`${provider.url}/__requests/${AISDK_SCENARIO}`, { method: 'DELETE' });
  node.init({ ...options(sink.dsn(1)), spool: false, defaultIntegrations: false, transportDelay: undefined });
  const fromNodeResult = await weatherAgent({ llmtel: node, ai, openai, z: zod.z }, provider.url);
  assert.ok(await node.flush(5000), 'Node flushed');
  await node.close();
  await fetch(`${provider.url}/__requests/${AISDK_SCENARIO}`, { method: 'DELETE' });
  const other = await run(provider.url, options(sink.dsn(2)));
  assert.ok(other.flushed, 'flushed');
  assert.deepEqual(other.result, fromNodeResult);
  const fromNode = spansOf(sink, '1');
  assert.deepEqual(fromNode.map((s) => s.name || s.transaction).sort(),
    ['chat gpt-4o', 'chat gpt-4o', 'execute_tool get_weather', 'invoke_agent weather_agent']);
  assert.deepEqual(spansOf(sink, '2'), fromNode);
}

/** The loopback provider server (tests/provider_server.py). */
export async function startProvider(repo) {
  const { spawn } = await import('node:child_process');
  const { createInterface } = await import('node:readline');
  const server = spawn('python3', [join(repo, 'tests/provider_server.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve) => createInterface({ input: server.stdout }).once('line', resolve));
  return { server, url: line.replace('listening on ', '').trim() };
}
