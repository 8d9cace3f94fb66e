'use strict';
/**
 * A traced OpenAI call's added time in Node, split without a profiler (issue 11): in one
 * process, each traced variant is paired with an untraced call of a second client, as bench.js
 * pairs, and the medians of the differences are printed for
 *
 *   - a root span alone around the untraced call,
 *   - a root span and a traced call,
 *   - the same with the binding's call (`deferredCall`) replaced by a JavaScript stand-in
 *     (what llmtel's JavaScript costs: the native calls are the difference to the line above);
 *
 * then each native call timed in place (hrtime around it, inside traced calls) against the same
 * calls in a tight loop, where the core's code stays warm. The process runs PLACE_RUNS (3) times;
 * each line gives every run's figure.
 *
 *   make profile-node      (runs this after profile.js; or: node bindings-node/bench/in_place.js)
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { completionFetch, median, requireRelease } = require('./rounds');

const PAIRS = Number(process.env.PLACE_PAIRS || 4000);
const RUNS = Number(process.env.PLACE_RUNS || 3);
const WARMUP = 500;

async function child() {
  const native = require('../lib/native');
  // The stand-in for a native call, switched on per traced call; and hrtime around the real ones.
  let standIn = false;
  let timing = false;
  const inPlace = { deferredCall: [], callFinished: [], startSpan: [], end: [] };
  const timed = (proto, name) => {
    const original = proto[name];
    proto[name] = function (...args) {
      if (!timing) return original.apply(this, args);
      const start = process.hrtime.bigint();
      const result = original.apply(this, args);
      inPlace[name].push(Number(process.hrtime.bigint() - start) / 1e3);
      return result;
    };
  };
  // A non-streamed call is kept in JavaScript (`deferredCall`) and crosses once, when it ends
  // (`callFinished`).
  timed(native.NativeClient.prototype, 'startSpan');
  timed(native.NativeSpan.prototype, 'end');
  timed(native.NativeClient.prototype, 'callFinished');
  timed(native.NativeClient.prototype, 'deferredCall');
  const realCall = native.NativeClient.prototype.deferredCall;
  native.NativeClient.prototype.deferredCall = function (...args) {
    if (!standIn) return realCall.apply(this, args);
    return { ended: false, problem: null, context: null, finishLater() { this.ended = true; }, finishStream() { this.ended = true; }, fail() { this.ended = true; } };
  };

  const OpenAI = require('openai');
  const llmtel = require('../');
  const { completion, fetch } = completionFetch();
  llmtel.init({ spool: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'in-place-')), 's.jsonl'), dsn: '', queueCapacity: 1000000, defaultIntegrations: false });
  const bare = new OpenAI({ apiKey: 'test', baseURL: 'http://mock/v1', fetch, maxRetries: 0 });
  const traced = llmtel.instrumentOpenAiClient(new OpenAI({ apiKey: 'test', baseURL: 'http://mock/v1', fetch, maxRetries: 0 }));
  const messages = [{ role: 'user', content: 'Hello!' }];
  const call = (c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages });
  const root = (fn) => llmtel.startSpan({ name: 'handler', op: 'http.server' }, fn);
  const variants = {
    rootSpan: () => root(() => call(bare)),
    traced: () => root(() => call(traced)),
    standIn: async () => { standIn = true; try { return await root(() => call(traced)); } finally { standIn = false; } },
  };
  const time = async (fn) => { const start = process.hrtime.bigint(); await fn(); return Number(process.hrtime.bigint() - start) / 1e3; };
  const added = { rootSpan: [], traced: [], standIn: [] };
  for (let i = 0; i < PAIRS + WARMUP; i++) {
    for (const [name, fn] of Object.entries(variants)) {
      const untraced = await time(() => call(bare));
      const result = await time(fn);
      if (i >= WARMUP) added[name].push(result - untraced);
    }
  }
  timing = true;
  for (let i = 0; i < PAIRS; i++) await variants.traced();
  timing = false;

  // The same native calls back to back: the core's code warm.
  const client = llmtel._client();
  const request = JSON.stringify({ model: 'gpt-4o-mini', messages });
  const loop = (fn) => { for (let i = 0; i < 1000; i++) fn(); const start = process.hrtime.bigint(); for (let i = 0; i < PAIRS; i++) fn(); return Number(process.hrtime.bigint() - start) / 1e3 / PAIRS; };
  const warm = {
    callFinish: loop(() => client.callFinished('openai', 'chat_completions', request, undefined, 'mock', 80, false, false, false, undefined, undefined, undefined, 0.1, completion)),
    startEnd: loop(() => client.startSpan('handler', 'http.server').end()),
  };
  const out = { warm };
  for (const [name, xs] of Object.entries(added)) out[name] = median(xs);
  for (const [name, xs] of Object.entries(inPlace)) out[name] = median(xs);
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}

function main() {
  requireRelease();
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    runs.push(JSON.parse(execFileSync(process.execPath, [__filename, 'child'], { encoding: 'utf8', timeout: 600000 })));
  }
  const list = (pick) => runs.map((r) => pick(r).toFixed(1)).join(', ');
  console.log(`load: ${os.loadavg()[0].toFixed(2)} (1 min), ${os.cpus().length} cores; ${RUNS} processes, ${PAIRS} pairs each; us, one figure per process`);
  console.log(`added over an untraced call (median of paired differences):`);
  console.log(`  a root span alone                          ${list((r) => r.rootSpan)}`);
  console.log(`  a root span and a traced call              ${list((r) => r.traced)}`);
  console.log(`  the same, the native call a JS stand-in    ${list((r) => r.standIn)}`);
  console.log(`  so the native calls                        ${list((r) => r.traced - r.standIn)}`);
  console.log(`each native call in place (median, inside traced calls) against a tight loop:`);
  console.log(`  deferredCall ${list((r) => r.deferredCall)}   callFinished ${list((r) => r.callFinished)}   together ${list((r) => r.deferredCall + r.callFinished)}   warm ${list((r) => r.warm.callFinish)}`);
  console.log(`  startSpan ${list((r) => r.startSpan)}   end ${list((r) => r.end)}   together ${list((r) => r.startSpan + r.end)}   warm ${list((r) => r.warm.startEnd)}`);
}

if (process.argv[2] === 'child') child().catch((e) => { console.error(e); process.exit(1); });
else main();
