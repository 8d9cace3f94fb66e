// `make demo`'s edge part: worker.mjs bundled as wrangler would and run in workerd (the npm
// package's runtime), its spans sent as Sentry envelopes to a local endpoint this script
// serves and prints. OpenAI is the real API when OPENAI_API_KEY is set, else the loopback
// provider server at PROVIDER_URL (demo.sh starts it).
//
//   node examples/edge/run.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorker, startWorkerd } from '../../tests/edge/bundle.mjs';
import { startSentrySink } from '../../tests/browser/web/sentry_sink.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const nodePackage = resolve(here, '../../bindings-node');
const real = Boolean(process.env.OPENAI_API_KEY);
const provider = process.env.PROVIDER_URL;
if (!real && !provider) {
  console.error('run.mjs: set OPENAI_API_KEY, or PROVIDER_URL to the loopback provider server');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'llmtel-edge-example-'));
const sink = await startSentrySink();
let workerd;
try {
  await bundleWorker({ entry: join(here, 'worker.mjs'), outfile: join(dir, 'worker.mjs'), nodePackage, platform: 'workerd' });
  workerd = await startWorkerd({
    dir, nodePackage,
    bindings: {
      SENTRY_DSN: sink.dsn(1),
      OPENAI_API_KEY: process.env.OPENAI_API_KEY || 'loopback',
      ...(real ? {} : { OPENAI_BASE_URL: `${provider}/openai_chat_plain/v1`, AGENT_BASE_URL: `${provider}/ai_sdk_tool_two_steps/v1` }),
    },
  });
  // The loopback server answers the agent's conversation turn by turn, from the first.
  if (!real) await fetch(`${provider}/__requests/ai_sdk_tool_two_steps`, { method: 'DELETE' });
  for (const path of ['/', '/agent']) {
    const { answer } = await (await fetch(`${workerd.origin}${path}`)).json();
    console.log(`GET ${path} -> ${JSON.stringify(answer).slice(0, 70)}`);
  }
  for (let i = 0; i < 100 && sink.received.length < 2; i += 1) await new Promise((r) => setTimeout(r, 50));
  // What reached "Sentry": each transaction with its GenAI spans.
  for (const { envelope } of sink.received) {
    const transaction = envelope.items.find((i) => i.header.type === 'transaction')?.payload;
    const spans = envelope.items.filter((i) => i.header.type === 'span').flatMap((i) => i.payload.items);
    if (!transaction) continue;
    console.log(`  transaction ${transaction.transaction} (${transaction.contexts.trace.op})`);
    for (const span of spans) {
      const a = span.attributes;
      const tokens = a['gen_ai.usage.input_tokens'] ? `, ${a['gen_ai.usage.input_tokens'].value} in / ${a['gen_ai.usage.output_tokens']?.value ?? 0} out tokens` : '';
      console.log(`    ${span.name} [${span.status}${tokens}]`);
    }
  }
} finally {
  workerd?.stop();
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
}
