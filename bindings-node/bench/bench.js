'use strict';
/**
 * The caller's cost of tracing OpenAI calls in Node, with an in-process fake fetch (no network):
 * a non-streamed chat.completions.create bare, with llmtel and with @sentry/node's OpenAI
 * integration (each inside a root span, as in a request handler), and the added cost per chunk
 * of a 500-chunk stream. Each variant runs in its own process. Prints figures and ratios; goals:
 * llmtel's added time at most half of Sentry's, and at most 2 us per chunk.
 *
 *   make bench-node        (or: node bindings-node/bench/bench.js)
 */
const { execFileSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');

const CALLS = Number(process.env.BENCH_CALLS || 5000);
const STREAMS = Number(process.env.BENCH_STREAMS || 40);
const CHUNKS = 500;

const completion = JSON.stringify({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1764000000, model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there!' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
});
function streamBody() {
  let out = '';
  for (let i = 0; i < CHUNKS; i++) {
    out += `data: ${JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1764000000, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: ` w${i}` }, finish_reason: i === CHUNKS - 1 ? 'stop' : null }] })}\n\n`;
  }
  return `${out}data: [DONE]\n\n`;
}

async function child(variant) {
  const OpenAI = require('openai');
  const stream = streamBody();
  const fetch = async (_url, init) => {
    const streaming = String(init.body).includes('"stream":true');
    return new Response(streaming ? stream : completion, { status: 200, headers: { 'content-type': streaming ? 'text/event-stream' : 'application/json' } });
  };
  let client = new OpenAI({ apiKey: 'test', baseURL: 'http://mock/v1', fetch, maxRetries: 0 });
  let root = async (fn) => fn();
  if (variant === 'llmtel') {
    const llmtel = require('../');
    llmtel.init({ spool: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')), 's.jsonl'), dsn: '', queueCapacity: 200000 });
    client = llmtel.instrumentOpenAiClient(client);
    root = (fn) => llmtel.startSpan({ name: 'handler', op: 'http.server' }, fn);
  } else if (variant === 'sentry') {
    const Sentry = require('@sentry/node');
    Sentry.init({ dsn: 'http://public@127.0.0.1:1/1', tracesSampleRate: 1.0, defaultIntegrations: false, transport: () => ({ send: async () => ({}), flush: async () => true }) });
    client = Sentry.instrumentOpenAiClient(client);
    root = (fn) => Sentry.startSpan({ name: 'handler', op: 'http.server' }, fn);
  }
  const messages = [{ role: 'user', content: 'Hello!' }];
  const call = () => root(() => client.chat.completions.create({ model: 'gpt-4o-mini', messages }));
  for (let i = 0; i < 500; i++) await call();
  const samples = [];
  for (let i = 0; i < CALLS; i++) {
    const t = process.hrtime.bigint();
    await call();
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  const streams = [];
  for (let i = 0; i < STREAMS; i++) {
    const t = process.hrtime.bigint();
    await root(async () => {
      for await (const _ of await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })) { /* read */ }
    });
    streams.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  process.stdout.write(JSON.stringify({ call_us: median(samples), stream_us: median(streams) }));
}

function main() {
  const results = {};
  for (const variant of ['bare', 'llmtel', 'sentry']) {
    results[variant] = JSON.parse(execFileSync(process.execPath, [__filename, variant], { encoding: 'utf8', timeout: 600000 }));
  }
  const { bare, llmtel, sentry } = results;
  const ours = llmtel.call_us - bare.call_us;
  const theirs = sentry.call_us - bare.call_us;
  console.log(`chat.completions.create, median of ${CALLS} calls (in-process fetch):`);
  console.log(`  bare        ${bare.call_us.toFixed(1).padStart(8)} us`);
  console.log(`  llmtel      ${llmtel.call_us.toFixed(1).padStart(8)} us   added ${ours.toFixed(1).padStart(7)} us`);
  console.log(`  @sentry/node${sentry.call_us.toFixed(1).padStart(8)} us   added ${theirs.toFixed(1).padStart(7)} us`);
  console.log(`  ratio llmtel added / sentry added: ${(ours / theirs).toFixed(2)}   (goal <= 0.50)`);
  console.log(`${CHUNKS}-chunk stream, median of ${STREAMS}: bare ${bare.stream_us.toFixed(0)} us, llmtel ${llmtel.stream_us.toFixed(0)} us, @sentry/node ${sentry.stream_us.toFixed(0)} us`);
  console.log(`  added per chunk: llmtel ${((llmtel.stream_us - bare.stream_us) / CHUNKS).toFixed(2)} us (goal <= 2.00), @sentry/node ${((sentry.stream_us - bare.stream_us) / CHUNKS).toFixed(2)} us`);
}

if (process.argv[2]) child(process.argv[2]).catch((e) => { console.error(e); process.exit(1); });
else main();
