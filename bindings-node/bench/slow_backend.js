'use strict';
/**
 * Delivery to a struggling Sentry (issue 16): a backend that answers every envelope after 2 s.
 * llmtel and @sentry/node each record 20,000 one-span traces over 20 s; the figure is how many
 * envelopes (one per trace, for both) reached the backend within 30 s of the start.
 *
 *   node bindings-node/bench/slow_backend.js     (after make bench-node has installed the peer)
 */
const http = require('node:http');
const { spawn } = require('node:child_process');

const TRACES = Number(process.env.BENCH_TRACES || 20000);
const SPREAD_MS = 20000;
const WINDOW_MS = 30000;
const DELAY_MS = 2000;

async function child(variant, dsn) {
  let trace;
  if (variant === 'llmtel') {
    const llmtel = require('../');
    llmtel.init({ dsn, spool: false, defaultIntegrations: false });
    trace = (i) => llmtel.startSpan({ name: `trace ${i}`, op: 'task' }, () => {});
  } else {
    const Sentry = require('@sentry/node');
    Sentry.init({ dsn, tracesSampleRate: 1.0, defaultIntegrations: false });
    trace = (i) => Sentry.startSpan({ name: `trace ${i}`, op: 'task' }, () => {});
  }
  const started = Date.now();
  for (let i = 0; i < TRACES; i++) {
    trace(i);
    const due = started + (SPREAD_MS * (i + 1)) / TRACES;
    if (i % 100 === 99 && due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  }
  await new Promise((r) => setTimeout(r, Math.max(0, started + WINDOW_MS - Date.now())));
  process.exit(0); // what has not arrived by now does not count
}

async function run(variant) {
  let received = 0;
  let open = 0;
  let maxOpen = 0;
  const server = http.createServer((req, res) => {
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    req.on('data', () => {});
    req.on('end', () => {
      received += 1;
      setTimeout(() => { open -= 1; res.writeHead(200); res.end('{}'); }, DELAY_MS);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const dsn = `http://public@127.0.0.1:${server.address().port}/1`;
  // The SDK runs in a process of its own, so this server's event loop is never held up.
  await new Promise((resolve) => {
    spawn(process.execPath, [__filename, variant, dsn], { stdio: 'inherit' }).on('exit', resolve);
  });
  server.close();
  server.closeAllConnections?.();
  return { received, maxOpen };
}

async function main() {
  const results = {};
  for (const variant of ['llmtel', 'sentry']) results[variant] = await run(variant);
  console.log(`${TRACES} one-span traces over ${SPREAD_MS / 1000} s, backend answering after ${DELAY_MS / 1000} s; envelopes received within ${WINDOW_MS / 1000} s:`);
  console.log(`  llmtel        ${results.llmtel.received} (at most ${results.llmtel.maxOpen} in flight)`);
  console.log(`  @sentry/node  ${results.sentry.received} (at most ${results.sentry.maxOpen} in flight)`);
  console.log(`  ratio llmtel / @sentry/node: ${(results.llmtel.received / results.sentry.received).toFixed(2)}   (goal >= 1)`);
}

if (process.argv[2]) child(process.argv[2], process.argv[3]).catch((e) => { console.error(e); process.exit(1); });
else main();
