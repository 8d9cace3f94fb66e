'use strict';
/**
 * What the framework benchmarks share: the median time of an async call inside a root span, and
 * interleaved rounds of one child process per variant (a process's figures drift; a round
 * compares variants run back to back).
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

/**
 * Exits when the llmtel binding of the bindings-node directory `dir` (this checkout's by
 * default) is a debug build, whose figures are several times a release build's: `make demo`
 * and `make test` leave one behind, the `make bench-*` targets build release first. A binding
 * too old to say is let through.
 */
function requireRelease(dir = path.join(__dirname, '..')) {
  const native = require(path.join(path.resolve(dir), 'lib', 'native'));
  if (typeof native.debugBuild === 'function' && native.debugBuild()) {
    console.error(`${path.resolve(dir, 'llmtel.node')} is a debug build; benchmark a release one: make bench-node (or cargo build --release -p llmtel-node and copy target/<triple>/release/libllmtel_node.so there).`);
    process.exit(2);
  }
}

/** The median of `count` timed calls of `fn` inside `root`, after a warm-up, in µs. */
async function medianUs(root, fn, count) {
  for (let i = 0; i < Math.max(20, count / 10); i++) await root(fn);
  const samples = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await root(fn);
    samples.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/**
 * `count` pairs of an untraced call and a traced one (`traced` is called as `traced()` and
 * includes its root span), after a warm-up of both, the order alternating: `{ traced,
 * untraced, added }`, the medians of each and of the paired differences, in µs.
 */
async function pairedUs(traced, untraced, count) {
  for (let i = 0; i < Math.max(20, count / 10); i++) {
    await untraced();
    await traced();
  }
  const t = [];
  const u = [];
  const added = [];
  const timed = async (fn) => {
    const start = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - start) / 1e3;
  };
  for (let i = 0; i < count; i++) {
    // Which goes first alternates: the second of a pair can pay for the first (its garbage).
    let before;
    let after;
    if (i % 2 === 0) {
      before = await timed(untraced);
      after = await timed(traced);
    } else {
      after = await timed(traced);
      before = await timed(untraced);
    }
    u.push(before);
    t.push(after);
    added.push(after - before);
  }
  return { traced: median(t), untraced: median(u), added: median(added) };
}

/** Runs `node [...nodeFlags] file variant` for every variant, `rounds` times; each child
 * prints one JSON line. */
function runRounds(file, variants, rounds, nodeFlags = []) {
  requireRelease();
  const results = [];
  for (let r = 0; r < rounds; r++) {
    const result = {};
    for (const variant of variants) {
      const out = execFileSync(process.execPath, [...nodeFlags, file, variant], { encoding: 'utf8', timeout: 900000 });
      result[variant] = JSON.parse(out.trim().split('\n').pop());
    }
    results.push(result);
  }
  return results;
}

/** A non-streamed chat completion answered in-process (no network): `{ completion, fetch }`,
 * the body's text and a `fetch` to hand the openai SDK. */
function completionFetch() {
  const completion = JSON.stringify({
    id: 'chatcmpl-1', object: 'chat.completion', created: 1764000000, model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there!' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
  });
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(completion)) };
  return { completion, fetch: async () => new Response(completion, { status: 200, headers }) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

module.exports = { medianUs, pairedUs, runRounds, median, completionFetch, requireRelease };
