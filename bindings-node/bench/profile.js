'use strict';
/**
 * Where llmtel's added time per OpenAI call goes in Node (issue 11): N non-streamed
 * chat.completions.create calls with an in-process fetch, once untraced ("bare") and once traced
 * inside a root span as bench.js does ("llmtel"), each in its own process, profiled after a
 * warm-up (V8's sampling profiler through node:inspector, every 100 us). Prints each one's self
 * time per call by where the code lives, and the difference: the added time by place. The
 * binding's native functions (napi's conversions and the Rust core behind them) are named by
 * their JavaScript caller (DeferredCall's finishLater: the call made and ended in one crossing,
 * `callFinished`; startSpan and end: the root span's).
 * The profiler slows everything down, so read the shares, not the absolute figures (bench.js
 * measures those).
 *
 *   make profile-node      (or: node bindings-node/bench/profile.js, with a release binding)
 *   PROFILE_CALLS=20000 PROFILE_KEEP=dir  keeps the .cpuprofile files (Chrome DevTools opens them)
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const inspector = require('node:inspector/promises');
const os = require('node:os');
const path = require('node:path');
const { completionFetch, requireRelease } = require('./rounds');

const CALLS = Number(process.env.PROFILE_CALLS || 20000);
const WARMUP = 2000;
const INTERVAL_US = 100;
const LIB = path.resolve(__dirname, '..', 'lib');

async function child(variant, out) {
  const OpenAI = require('openai');
  const { fetch } = completionFetch();
  let client = new OpenAI({ apiKey: 'test', baseURL: 'http://mock/v1', fetch, maxRetries: 0 });
  let root = (fn) => fn();
  if (variant === 'llmtel') {
    const llmtel = require('../');
    llmtel.init({ spool: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'profile-')), 's.jsonl'), dsn: '', queueCapacity: 200000, defaultIntegrations: false });
    client = llmtel.instrumentOpenAiClient(client);
    root = (fn) => llmtel.startSpan({ name: 'handler', op: 'http.server' }, fn);
  }
  const messages = [{ role: 'user', content: 'Hello!' }];
  const run = async (n) => { for (let i = 0; i < n; i++) await root(() => client.chat.completions.create({ model: 'gpt-4o-mini', messages })); };
  await run(WARMUP); // loading and compiling stay out of the profile
  const session = new inspector.Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: INTERVAL_US });
  await session.post('Profiler.start');
  await run(CALLS);
  const { profile } = await session.post('Profiler.stop');
  fs.writeFileSync(out, JSON.stringify(profile));
  session.disconnect();
}

/** Self time (µs) per place and per function, from a .cpuprofile, divided by `calls`. */
function selfTimes(file, calls) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parents.set(c, n);
  const byPlace = new Map();
  const byFunction = new Map();
  const add = (map, key, us) => map.set(key, (map.get(key) || 0) + us / calls);
  profile.samples.forEach((id, i) => {
    const { url, functionName, lineNumber } = nodes.get(id).callFrame;
    const us = profile.timeDeltas[i];
    const caller = parents.get(id)?.callFrame;
    if (!url && caller && caller.url.includes(LIB) && !functionName.startsWith('(')) {
      // A napi function of llmtel's binding: V8 names it after a class, so name its caller.
      add(byPlace, 'llmtel: native binding (napi and the Rust core)', us);
      add(byFunction, `native, called by ${caller.functionName || '(anonymous)'} ${libPath(caller.url)}:${caller.lineNumber + 1}`, us);
      return;
    }
    add(byPlace, placeOf(url, functionName), us);
    if (url.includes(LIB)) add(byFunction, `${functionName || '(anonymous)'} ${libPath(url)}:${lineNumber + 1}`, us);
  });
  return { byPlace, byFunction };
}

/** A file of lib/ as a profile names it (a path or a file: URL), relative to lib/. */
const libPath = (url) => path.relative(LIB, url.replace('file://', ''));

function placeOf(url, functionName) {
  if (!url) return functionName === '(garbage collector)' ? 'V8: garbage collector' : `V8: ${functionName || 'native'}`;
  if (url.includes(LIB)) return `llmtel: lib/${libPath(url)}`;
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return `package: ${pkg[1]}`;
  if (url.startsWith('node:internal/async_hooks') || url === 'node:async_hooks') return 'Node: async_hooks (AsyncLocalStorage)';
  if (url.startsWith('node:')) return `Node: ${url.replace(/^node:(internal\/)?/, '').replace(/\/.*$/, '')}`;
  return 'this benchmark';
}

function main() {
  requireRelease();
  const dir = process.env.PROFILE_KEEP || fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-profile-'));
  fs.mkdirSync(dir, { recursive: true });
  const result = {};
  for (const variant of ['bare', 'llmtel']) {
    const file = path.join(dir, `${variant}.cpuprofile`);
    execFileSync(process.execPath, [__filename, variant, file], { stdio: 'inherit', timeout: 600000 });
    result[variant] = selfTimes(file, CALLS);
  }
  const { bare, llmtel } = result;
  const total = (m) => [...m.values()].reduce((a, b) => a + b, 0);
  const added = total(llmtel.byPlace) - total(bare.byPlace);
  console.log(`${CALLS} chat.completions.create calls under the profiler: ${total(llmtel.byPlace).toFixed(1)} us per call traced, ${total(bare.byPlace).toFixed(1)} us bare, added ${added.toFixed(1)} us`);
  console.log('added per call, by place (traced minus bare; share of the added time):');
  const places = new Set([...llmtel.byPlace.keys(), ...bare.byPlace.keys()]);
  const rows = [...places].map((p) => [p, (llmtel.byPlace.get(p) || 0) - (bare.byPlace.get(p) || 0)]).sort((a, b) => b[1] - a[1]);
  for (const [place, us] of rows.filter(([, us]) => Math.abs(us) >= 0.5)) {
    console.log(`  ${us.toFixed(1).padStart(6)} us  ${(100 * us / added).toFixed(0).padStart(3)} %  ${place}`);
  }
  console.log('llmtel functions and native calls, self time per call:');
  for (const [name, us] of [...llmtel.byFunction].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`  ${us.toFixed(1).padStart(6)} us  ${name}`);
  }
  if (!process.env.PROFILE_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`profiles in ${dir}`);
}

if (process.argv[2]) child(process.argv[2], process.argv[3]).catch((e) => { console.error(e); process.exit(1); });
else main();
