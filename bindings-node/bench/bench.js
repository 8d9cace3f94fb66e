'use strict';
/**
 * The caller's cost of tracing OpenAI calls in Node, with an in-process fake fetch (no network):
 * a non-streamed chat.completions.create with llmtel and with @sentry/node's OpenAI integration
 * (each inside a root span, as in a request handler), and the added cost per chunk of a
 * 500-chunk stream. Each SDK runs in its own process, where every traced call is paired with an
 * untraced call of a second client in the same process, so the added cost is the median of
 * paired differences (machine noise between processes cancels out). The processes run in
 * BENCH_ROUNDS (3) interleaved rounds, and each figure printed is the median over the rounds
 * (a ratio: of each round's ratio). The pairing cancels machine noise but also leaves out what
 * an SDK slows beside its own calls (the untraced half of its process runs slower than a process
 * without it), so the same calls are also set against the bare process's untraced calls in the
 * same round ("across processes"), by median and by mean. Goals (issue 11): added per call at
 * most 10 us and half of Sentry's; per chunk at most 1 us and half of Sentry's. Then a 50 MB
 * answer with prompts and outputs recorded (issue 16): added time at most 1.2x Sentry's.
 *
 *   make bench-node        (or: node bindings-node/bench/bench.js)
 *
 * BENCH_READS=event delivers the stream one event per read, as a server flushing each token
 * does (by default the body is one string, which the SDK reads in one or two pieces).
 *
 * BENCH_BASELINE=<a bindings-node directory> adds that build of llmtel (another commit's, in a
 * `git worktree`, with its llmtel.node and node_modules) as a variant in the same rounds, to
 * compare a change against the code before it on equal terms.
 */
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');
const rounds = require('./rounds');

const CALLS = Number(process.env.BENCH_CALLS || 5000);
const STREAMS = Number(process.env.BENCH_STREAMS || 40);
const CHUNKS = 500;
const HUGE = Number(process.env.BENCH_HUGE || 5);
const HUGE_MB = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const PER_EVENT = process.env.BENCH_READS === 'event';

const completion = JSON.stringify({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1764000000, model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there!' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
});
/** The stream's server-sent events, one string each. */
function streamEvents() {
  const events = [];
  for (let i = 0; i < CHUNKS; i++) {
    events.push(`data: ${JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1764000000, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: ` w${i}` }, finish_reason: i === CHUNKS - 1 ? 'stop' : null }] })}\n\n`);
  }
  events.push('data: [DONE]\n\n');
  return events;
}

/** A response body of the stream: one string, or (BENCH_READS=event) one read per event. */
function streamResponseBody(events, encoded) {
  if (!PER_EVENT) return events;
  return new ReadableStream({
    start(controller) {
      for (const piece of encoded) controller.enqueue(piece);
      controller.close();
    },
  });
}

async function child(variant) {
  const OpenAI = require('openai');
  const events = streamEvents();
  const streamText = events.join('');
  const encoder = new TextEncoder();
  const encoded = events.map((e) => encoder.encode(e));
  const hugeText = 'All work and no play makes Jack a dull boy. '.repeat(Math.floor((HUGE_MB << 20) / 44));
  const hugeCompletion = completion.replace('Hi there!', hugeText);
  const fetch = async (_url, init) => {
    const streaming = String(init.body).includes('"stream":true');
    const huge = String(init.body).includes('"huge"');
    if (streaming) return new Response(streamResponseBody(streamText, encoded), { status: 200, headers: { 'content-type': 'text/event-stream' } });
    const body = huge ? hugeCompletion : completion;
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } });
  };
  let client = new OpenAI({ apiKey: 'test', baseURL: 'http://mock/v1', fetch, maxRetries: 0 });
  let recording = new OpenAI({ apiKey: 'test', baseURL: 'http://mock/v1', fetch, maxRetries: 0 });
  let root = async (fn) => fn();
  if (variant === 'llmtel' || variant === 'baseline') {
    const llmtel = require(variant === 'baseline' ? path.resolve(process.env.BENCH_BASELINE) : '../');
    // Explicit instrumentation only, so the paired client stays untraced.
    llmtel.init({ spool: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')), 's.jsonl'), dsn: '', queueCapacity: 200000, defaultIntegrations: false });
    client = llmtel.instrumentOpenAiClient(client);
    recording = llmtel.instrumentOpenAiClient(recording, { recordInputs: true, recordOutputs: true });
    root = (fn) => llmtel.startSpan({ name: 'handler', op: 'http.server' }, fn);
  } else if (variant === 'sentry') {
    const Sentry = require('@sentry/node');
    Sentry.init({ dsn: 'http://public@127.0.0.1:1/1', tracesSampleRate: 1.0, defaultIntegrations: false, transport: () => ({ send: async () => ({}), flush: async () => true }) });
    client = Sentry.instrumentOpenAiClient(client);
    recording = Sentry.instrumentOpenAiClient(recording, { recordInputs: true, recordOutputs: true });
    root = (fn) => Sentry.startSpan({ name: 'handler', op: 'http.server' }, fn);
  }
  const messages = [{ role: 'user', content: 'Hello!' }];
  const bare = new OpenAI({ apiKey: 'test', baseURL: 'http://mock/v1', fetch, maxRetries: 0 });
  const plain = (fn) => fn();
  const call = (c, wrap) => wrap(() => c.chat.completions.create({ model: 'gpt-4o-mini', messages }));
  const stream = (c, wrap) => wrap(async () => {
    for await (const _ of await c.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })) { /* read */ }
  });
  const timed = async (fn) => { const t = process.hrtime.bigint(); await fn(); return Number(process.hrtime.bigint() - t) / 1000; };
  for (let i = 0; i < 500; i++) { await call(bare, plain); await call(client, root); }
  const calls = [];
  const untracedCalls = [];
  const added = [];
  for (let i = 0; i < CALLS; i++) {
    const untraced = await timed(() => call(bare, plain));
    const traced = await timed(() => call(client, root));
    calls.push(traced);
    untracedCalls.push(untraced);
    added.push(traced - untraced);
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const streams = [];
  const perChunk = [];
  for (let i = 0; i < STREAMS; i++) {
    const untraced = await timed(() => stream(bare, plain));
    const traced = await timed(() => stream(client, root));
    streams.push(traced);
    perChunk.push((traced - untraced) / CHUNKS);
  }
  const hugeAdded = [];
  const huge = (c, wrap) => wrap(() => c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'huge' }] }));
  for (let i = 0; i < HUGE; i++) {
    const untraced = await timed(() => huge(bare, plain));
    const traced = await timed(() => huge(recording, root));
    hugeAdded.push((traced - untraced) / 1000);
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  process.stdout.write(JSON.stringify({
    call_us: median(calls), untraced_us: median(untracedCalls), call_mean_us: mean(calls), untraced_mean_us: mean(untracedCalls), added_us: median(added), stream_us: median(streams), chunk_us: median(perChunk), huge_ms: median(hugeAdded) }));
}

function main() {
  const baseline = Boolean(process.env.BENCH_BASELINE);
  if (baseline) rounds.requireRelease(process.env.BENCH_BASELINE);
  const results = rounds.runRounds(__filename, ['bare', 'llmtel', 'sentry', ...(baseline ? ['baseline'] : [])], ROUNDS);
  const pick = (variant, key) => results.map((r) => r[variant][key]);
  const f = (x) => x.toFixed(1).padStart(7);
  const list = (xs, digits = 1) => xs.map((x) => x.toFixed(digits)).join(', ');
  /** The median over the rounds of llmtel's figure, Sentry's, and their ratio in each round. */
  const compare = (key, peer = 'sentry') => {
    const ours = pick('llmtel', key);
    const sentry = pick(peer, key);
    return { ours, sentry, ratio: rounds.median(ours.map((o, i) => o / sentry[i])) };
  };
  console.log(`load: ${os.loadavg()[0].toFixed(2)} (1 min), ${os.cpus().length} cores; ${ROUNDS} rounds, each SDK in its own process; medians over the rounds`);
  const call = compare('added_us');
  console.log(`chat.completions.create, median of ${CALLS} calls per round (in-process fetch), added = median of paired differences:`);
  console.log(`  bare (both clients untraced)  added ${f(rounds.median(pick('bare', 'added_us')))} us   (the pairing's own noise)`);
  console.log(`  llmtel        ${f(rounds.median(pick('llmtel', 'call_us')))} us   added ${f(rounds.median(call.ours))} us   (goal <= 10)   rounds: ${list(call.ours)}`);
  console.log(`  @sentry/node  ${f(rounds.median(pick('sentry', 'call_us')))} us   added ${f(rounds.median(call.sentry))} us                 rounds: ${list(call.sentry)}`);
  console.log(`  ratio llmtel added / sentry added: ${call.ratio.toFixed(2)}   (goal <= 0.50)`);
  // The pairing leaves out what an SDK costs beside its own calls: its untraced half runs slower
  // than a process without it (what the traced half leaves behind on the caller's thread), and
  // work off the call's path (GC, tails) lands in both halves. Against the bare process's calls:
  const across = (variant, key, bareKey) => results.map((r) => r[variant][key] - r.bare[bareKey]);
  for (const [variant, label] of [['llmtel', 'llmtel'], ['sentry', '@sentry/node']]) {
    const medianAdded = across(variant, 'call_us', 'untraced_us');
    const meanAdded = across(variant, 'call_mean_us', 'untraced_mean_us');
    const slower = across(variant, 'untraced_us', 'untraced_us');
    console.log(`  across processes, ${label.padEnd(12)} traced median - bare process's median ${f(rounds.median(medianAdded))} us (rounds: ${list(medianAdded)}); means ${rounds.median(meanAdded).toFixed(1)} us; its untraced calls ${rounds.median(slower).toFixed(1)} us slower`);
  }
  const acrossRatio = rounds.median(results.map((r) => (r.llmtel.call_us - r.bare.untraced_us) / (r.sentry.call_us - r.bare.untraced_us)));
  console.log(`  ratio across processes (medians): ${acrossRatio.toFixed(2)}`);
  const chunk = compare('chunk_us');
  console.log(`${CHUNKS}-chunk stream, median of ${STREAMS} per round, added per chunk: llmtel ${rounds.median(chunk.ours).toFixed(2)} us (goal <= 1.00; rounds: ${list(chunk.ours, 2)}), @sentry/node ${rounds.median(chunk.sentry).toFixed(2)} us (rounds: ${list(chunk.sentry, 2)}), bare ${rounds.median(pick('bare', 'chunk_us')).toFixed(2)} us`);
  console.log(`  ratio llmtel / sentry per chunk: ${chunk.ratio.toFixed(2)}   (goal <= 0.50)`);
  if (HUGE > 0) { // BENCH_HUGE=0 leaves the 50 MB answers out
    const huge = compare('huge_ms');
    console.log(`${HUGE_MB} MB answer, inputs and outputs recorded, median of ${HUGE} per round, added: llmtel ${rounds.median(huge.ours).toFixed(0)} ms, @sentry/node ${rounds.median(huge.sentry).toFixed(0)} ms, bare ${rounds.median(pick('bare', 'huge_ms')).toFixed(0)} ms`);
    console.log(`  ratio llmtel / sentry: ${huge.ratio.toFixed(2)}   (goal <= 1.20)`);
  }
  if (baseline) {
    const before = compare('added_us', 'baseline');
    const chunkBefore = compare('chunk_us', 'baseline');
    console.log(`baseline ${process.env.BENCH_BASELINE}: added per call ${rounds.median(before.sentry).toFixed(1)} us (rounds: ${list(before.sentry)}), ratio llmtel / baseline ${before.ratio.toFixed(2)}; per chunk ${rounds.median(chunkBefore.sentry).toFixed(2)} us (rounds: ${list(chunkBefore.sentry, 2)}), ratio ${chunkBefore.ratio.toFixed(2)}`);
  }
}

if (process.argv[2]) child(process.argv[2]).catch((e) => { console.error(e); process.exit(1); });
else main();
