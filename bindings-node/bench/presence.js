'use strict';
/**
 * What llmtel costs a Node process beside its own calls (issue 11): bench.js pairs each traced
 * OpenAI call with an untraced one in the same process, which leaves out how much slower the
 * untraced calls themselves run there. Here each variant runs in its own process, pairing an
 * untraced call (`bare` client, no span) with the variant's call, and prints both medians: the
 * untraced one against the bare process's (what the variant's presence costs every call) and
 * the paired difference (what bench.js reports).
 *
 *   bare           no llmtel at all (the reference)
 *   als            a plain AsyncLocalStorage run around the call (no llmtel)
 *   root           llmtel's root span around an untraced call (startSpan)
 *   inactiveRoot   the same without making it active (startInactiveSpan: no AsyncLocalStorage)
 *   call           a traced call, no root span
 *   standIn        the same with the binding's call (`deferredCall`) replaced by a JavaScript
 *                  stand-in (llmtel's JavaScript and hooks, no native call)
 *   rootAndCall    a traced call in a root span (what bench.js measures)
 *
 * PRESENCE_RUNS (3) interleaved rounds of every variant; each line gives every round's figure.
 *
 *   make profile-node      (runs this last; or: node bindings-node/bench/presence.js)
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { completionFetch, median, requireRelease } = require('./rounds');

const PAIRS = Number(process.env.PRESENCE_PAIRS || 20000);
const RUNS = Number(process.env.PRESENCE_RUNS || 3);
const WARMUP = 1000;
const VARIANTS = ['bare', 'als', 'root', 'inactiveRoot', 'call', 'standIn', 'rootAndCall'];

async function child(variant) {
  const OpenAI = require('openai');
  const { fetch } = completionFetch();
  const client = () => new OpenAI({ apiKey: 'test', baseURL: 'http://mock/v1', fetch, maxRetries: 0 });
  const bare = client();
  let other = client();
  let around = (fn) => fn();
  if (variant === 'als') {
    const { AsyncLocalStorage } = require('node:async_hooks');
    const store = new AsyncLocalStorage();
    around = (fn) => store.run({}, fn);
  } else if (variant !== 'bare') {
    if (variant === 'standIn') {
      const native = require('../lib/native');
      native.NativeClient.prototype.deferredCall = function () {
        return { ended: false, finishLater() { this.ended = true; }, finishStream() { this.ended = true; }, fail() { this.ended = true; } };
      };
    }
    const llmtel = require('..');
    llmtel.init({ spool: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'presence-')), 's.jsonl'), dsn: '', defaultIntegrations: false });
    if (variant === 'root' || variant === 'rootAndCall') around = (fn) => llmtel.startSpan({ name: 'handler', op: 'http.server' }, fn);
    if (variant === 'inactiveRoot') {
      around = (fn) => {
        const span = llmtel.startInactiveSpan({ name: 'handler', op: 'http.server' });
        return fn().then((value) => { span.end(); return value; });
      };
    }
    if (variant === 'call' || variant === 'standIn' || variant === 'rootAndCall') other = llmtel.instrumentOpenAiClient(other);
  }
  const messages = [{ role: 'user', content: 'Hello!' }];
  const time = async (fn) => { const start = process.hrtime.bigint(); await fn(); return Number(process.hrtime.bigint() - start) / 1e3; };
  const untraced = [];
  const paired = [];
  for (let i = 0; i < WARMUP + PAIRS; i++) {
    const a = await time(() => bare.chat.completions.create({ model: 'gpt-4o-mini', messages }));
    const b = await time(() => around(() => other.chat.completions.create({ model: 'gpt-4o-mini', messages })));
    if (i < WARMUP) continue;
    untraced.push(a);
    paired.push(b - a);
  }
  process.stdout.write(JSON.stringify({ untraced: median(untraced), paired: median(paired) }));
  process.exit(0);
}

function main() {
  requireRelease();
  const rounds = [];
  for (let r = 0; r < RUNS; r++) {
    const round = {};
    for (const variant of VARIANTS) {
      round[variant] = JSON.parse(execFileSync(process.execPath, [__filename, variant], { encoding: 'utf8', timeout: 600000 }));
    }
    rounds.push(round);
  }
  const list = (pick) => `${rounds.map((r) => pick(r).toFixed(1).padStart(5)).join(', ')} (median ${median(rounds.map(pick)).toFixed(1).padStart(4)})`;
  console.log(`load: ${os.loadavg()[0].toFixed(2)} (1 min), ${os.cpus().length} cores; ${RUNS} rounds of one process per variant, ${PAIRS} pairs each; us, one figure per round`);
  console.log(`  ${'variant'.padEnd(14)} ${'its untraced calls slower than the bare'.padEnd(40)} paired added (as bench.js)`);
  for (const variant of VARIANTS.slice(1)) {
    console.log(`  ${variant.padEnd(14)} ${list((r) => r[variant].untraced - r.bare.untraced).padEnd(40)} ${list((r) => r[variant].paired)}`);
  }
  console.log(`  (the bare process's untraced call: ${list((r) => r.bare.untraced)})`);
}

if (process.argv[2]) child(process.argv[2]).catch((e) => { console.error(e); process.exit(1); });
else main();
