'use strict';
/**
 * The caller's cost of tracing the Vercel AI SDK in Node (ai 6, CommonJS), with an in-process
 * fake fetch (no network): a `generateText` call (one model call) and a `streamText` read to
 * the end, with 1 and with CHUNKS text chunks (the difference, per chunk, is the cost of a
 * chunk), bare, with llmtel (its defaults) and with @sentry/node (its Vercel AI integration),
 * each inside a root span, and each SDK with its root span but no integration, each variant in
 * its own process. The processes run in ROUNDS
 * interleaved rounds; a round's added time is the variant's median minus that round's bare
 * median, and the figures quoted are medians over the rounds. Goal (issue 13): llmtel's added
 * time at most half of Sentry's.
 *
 *   make bench-aisdk-node      (or: node bindings-node/bench/aisdk.js)
 */
const rounds = require('./rounds');
const os = require('node:os');
const path = require('node:path');

const CALLS = Number(process.env.BENCH_CALLS || 2000);
const STREAMS = Number(process.env.BENCH_STREAMS || 500);
const CHUNKS = Number(process.env.BENCH_CHUNKS || 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
// `llmtel-root` / `sentry-root`: each SDK with its root span but no AI SDK integration. A root
// span alone costs the AI SDK's streams a lot (an AsyncLocalStorage context on every promise of
// their pipeline, per chunk), the same for both SDKs; the integration's own cost is the
// difference to it.
// BENCH_BASELINE=<a bindings-node directory> adds that build of llmtel (another commit's, as in
// bench.js) as a variant in the same rounds.
const VARIANTS = ['bare', 'llmtel', 'sentry', 'llmtel-root', 'sentry-root', ...(process.env.BENCH_BASELINE ? ['baseline'] : [])];

const ANSWER = JSON.stringify({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1764000000, model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there!' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
});

function sse(chunks) {
  const base = { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1764000000, model: 'gpt-4o-mini-2024-07-18' };
  const events = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }];
  for (let i = 0; i < chunks; i++) events.push({ ...base, choices: [{ index: 0, delta: { content: ' word' }, finish_reason: null }] });
  events.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  events.push({ ...base, choices: [], usage: { prompt_tokens: 12, completion_tokens: chunks, total_tokens: 12 + chunks } });
  return `${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('')}data: [DONE]\n\n`;
}

async function child(variant) {
  let root = (fn) => fn();
  if (variant.startsWith('llmtel') || variant === 'baseline') {
    const llmtel = require(variant === 'baseline' ? path.resolve(process.env.BENCH_BASELINE) : '..');
    llmtel.init({ spool: path.join(os.tmpdir(), `llmtel-bench-ai-${process.pid}.jsonl`), dsn: '', queueCapacity: 200000, defaultIntegrations: variant !== 'llmtel-root' });
    root = (fn) => llmtel.startSpan({ name: 'handler', op: 'http.server' }, fn);
  } else if (variant.startsWith('sentry')) {
    const Sentry = require('@sentry/node');
    Sentry.init({
      dsn: 'http://public@127.0.0.1:1/1', tracesSampleRate: 1, transport: () => ({ send: async () => ({}), flush: async () => true }),
      defaultIntegrations: false,
      integrations: variant === 'sentry' ? [Sentry.vercelAIIntegration()] : [],
    });
    root = (fn) => Sentry.startSpan({ name: 'handler', op: 'http.server' }, fn);
  }
  const { generateText, streamText } = require('ai');
  const { createOpenAI } = require('@ai-sdk/openai');
  const streams = { 1: sse(1), [CHUNKS]: sse(CHUNKS) };
  const fetch = async (_url, init) => {
    const body = JSON.parse(init.body);
    const text = body.stream ? streams[body.messages[0].content === 'one' ? 1 : CHUNKS] : ANSWER;
    const type = body.stream ? 'text/event-stream' : 'application/json';
    return new Response(text, { status: 200, headers: { 'content-type': type } });
  };
  const model = createOpenAI({ apiKey: 'test', baseURL: 'http://mock/v1', fetch }).chat('gpt-4o-mini');
  const stream = async (prompt) => {
    const result = streamText({ model, maxRetries: 0, prompt });
    for await (const _ of result.textStream); // eslint-disable-line no-unused-vars
  };

  const medianUs = (fn, count) => rounds.medianUs(root, fn, count);
  const callUs = await medianUs(() => generateText({ model, maxRetries: 0, prompt: 'Hello!' }), CALLS);
  const oneUs = await medianUs(() => stream('one'), STREAMS);
  const manyUs = await medianUs(() => stream('many'), STREAMS);
  process.stdout.write(`${JSON.stringify({ call_us: callUs, one_us: oneUs, many_us: manyUs })}\n`);
  process.exit(0);
}

function main() {
  if (process.env.BENCH_BASELINE) rounds.requireRelease(process.env.BENCH_BASELINE);
  const results = rounds.runRounds(__filename, VARIANTS, ROUNDS);
  const added = (variant, key) => results.map((r) => r[variant][key] - r.bare[key]);
  const perChunk = (variant) => results.map((r) => ((r[variant].many_us - r.bare.many_us) - (r[variant].one_us - r.bare.one_us)) / (CHUNKS - 1));
  console.log(`load: ${os.loadavg()[0].toFixed(2)} (1 min), ${os.cpus().length} cores; ${ROUNDS} rounds, each variant in its own process`);
  const report = (label, key, unit) => {
    const pick = key === 'chunk' ? perChunk : (variant) => added(variant, key);
    const ours = pick('llmtel');
    const sentry = pick('sentry');
    const own = (variant) => pick(variant).map((v, i) => v - pick(`${variant}-root`)[i]);
    const ratios = ours.map((o, i) => o / sentry[i]);
    console.log(label);
    console.log(`  added llmtel       ${rounds.median(ours).toFixed(2).padStart(8)} ${unit}   rounds: ${ours.map((v) => v.toFixed(1)).join(', ')}`);
    console.log(`  added @sentry/node ${rounds.median(sentry).toFixed(2).padStart(8)} ${unit}   rounds: ${sentry.map((v) => v.toFixed(1)).join(', ')}`);
    console.log(`  ratio llmtel / @sentry/node: ${rounds.median(ratios).toFixed(2)}   (goal <= 0.50)`);
    console.log(`  of which the AI SDK integration (beyond the SDK's root span alone): llmtel ${rounds.median(own('llmtel')).toFixed(2)}, @sentry/node ${rounds.median(own('sentry')).toFixed(2)} ${unit}`);
    if (results[0].baseline) {
      const before = pick('baseline');
      console.log(`  added by the baseline ${process.env.BENCH_BASELINE}: ${rounds.median(before).toFixed(2)} ${unit}   rounds: ${before.map((v) => v.toFixed(1)).join(', ')}; ratio llmtel / baseline ${rounds.median(ours.map((o, i) => o / before[i])).toFixed(2)}`);
    }
  };
  report(`generateText, one model call (median of ${CALLS} per round), bare ${rounds.median(results.map((r) => r.bare.call_us)).toFixed(0)} us:`, 'call_us', 'us per call');
  report(`streamText read to the end, per chunk (${CHUNKS} chunks against 1, median of ${STREAMS} streams each):`, 'chunk', 'us per chunk');
}

if (process.argv[2]) child(process.argv[2]);
else main();
