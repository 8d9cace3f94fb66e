// Runs the AI SDK scenarios of tests/frameworks/ (those with "framework": "ai-sdk") with one
// version of the `ai` package, traced by automatic instrumentation alone:
//
//   node --import llmtel/register testing/aisdk-runner.mjs PROVIDER_URL OUT_DIR VERSION
//
// ai 7 (bindings-node's own, ES modules only) is imported; ai 6 (testing/ai6/, CommonJS) is
// required: both module-load hooks are exercised. For each run and content setting it writes
// the spool lines of the run's trace to OUT_DIR/<scenario>-<run>-<on|off>.jsonl, and to
// OUT_DIR/results.json what the program returned with llmtel tracing it and without (the
// AI SDK integration off), which must be the same.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const llmtel = require('../lib/index.js');

const [providerUrl, outDir, version] = process.argv.slice(2);
const here = path.dirname(new URL(import.meta.url).pathname);
const frameworks = path.join(here, '..', '..', 'tests', 'frameworks');

async function load() {
  if (version === '6') {
    const fromAi6 = createRequire(path.join(here, 'ai6', 'package.json'));
    // Without testing/ai6/node_modules, require() would climb to bindings-node's ai 7.
    const found = fromAi6('ai/package.json').version;
    if (!found.startsWith('6.')) throw new Error(`ai ${found} found for ai 6: run \`make test-node\` (it installs testing/ai6)`);
    return { ai: fromAi6('ai'), openai: fromAi6('@ai-sdk/openai'), anthropic: fromAi6('@ai-sdk/anthropic'), zod: fromAi6('zod') };
  }
  return { ai: await import('ai'), openai: await import('@ai-sdk/openai'), anthropic: await import('@ai-sdk/anthropic'), zod: await import('zod') };
}

// init() before a CommonJS `ai` is required: require() then hands out the traced copy.
llmtel.init({ spool: path.join(os.tmpdir(), 'llmtel-aisdk-warmup.jsonl'), dsn: '' });
const { ai, openai, anthropic, zod } = await load();
const z = zod.z;
const stepLimit = (ai.isStepCount || ai.stepCountIs)(3);

function weatherTool(broken) {
  return ai.tool({
    description: 'Get the weather for a city.',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      if (broken) {
        const error = new Error('no weather station answers');
        error.name = 'ConnectionError';
        throw error;
      }
      return `sunny in ${city}`;
    },
  });
}

function model(scenario, base) {
  if (scenario.provider === 'anthropic') {
    return anthropic.createAnthropic({ baseURL: `${base}/v1`, apiKey: 'k' })('claude-sonnet-4-5');
  }
  const provider = openai.createOpenAI({ baseURL: `${base}/v1`, apiKey: 'k' });
  if (scenario.api === 'embeddings') return (provider.embedding || provider.textEmbeddingModel)('text-embedding-3-small');
  return provider.chat(scenario.model || 'gpt-4o');
}

const telemetry = { functionId: 'weather_agent' };

/** What each program returns: plain data, so a run with and without llmtel compare. */
async function runProgram(scenario, run, base) {
  const m = model(scenario, base);
  const common = { model: m, maxRetries: 0, temperature: scenario.temperature };
  switch (run.program) {
    case 'generate_text': {
      const result = await ai.generateText({
        ...common, prompt: 'Weather in Paris?', tools: { get_weather: weatherTool(run.tool === 'broken') }, stopWhen: stepLimit, experimental_telemetry: telemetry,
      });
      return { text: result.text, steps: result.steps.length, usage: result.totalUsage?.inputTokens };
    }
    case 'stream_text': {
      const result = ai.streamText({ ...common, maxOutputTokens: 1024, system: 'You are terse.', prompt: 'Hello!' });
      let text = '';
      for await (const delta of result.textStream) {
        text += delta;
        if (run.via === 'break') break;
      }
      return { text };
    }
    case 'generate_object': {
      const result = await ai.generateObject({ ...common, schema: z.object({ city: z.string(), sunny: z.boolean() }), prompt: 'Weather in Paris, as JSON.' });
      return { object: result.object };
    }
    case 'stream_object': {
      const result = ai.streamObject({ ...common, schema: z.object({ city: z.string(), sunny: z.boolean() }), prompt: 'Weather in Paris, as JSON.' });
      let partials = 0;
      for await (const _ of result.partialObjectStream) partials += 1; // eslint-disable-line no-unused-vars
      return { object: await result.object, streamed: partials > 0 };
    }
    case 'embed': {
      const result = await ai.embed({ model: m, maxRetries: 0, value: 'hello' });
      return { embedding: result.embedding };
    }
    case 'embed_many': {
      const result = await ai.embedMany({ model: m, maxRetries: 0, values: ['first text', 'second text'] });
      return { embeddings: result.embeddings };
    }
    default:
      throw new Error(`no program ${run.program}`);
  }
}

/** Runs the program, as data: its value, or its error's name and message. */
async function outcome(scenario, run, base) {
  await fetch(`${providerUrl}/__requests/${scenario.name}`, { method: 'DELETE' });
  try {
    return { value: await runProgram(scenario, run, base) };
  } catch (error) {
    return { error: [error.name, error.message] };
  }
}

const results = {};
const scenarios = fs.readdirSync(frameworks).sort()
  .map((file) => JSON.parse(fs.readFileSync(path.join(frameworks, file), 'utf8')))
  .filter((scenario) => scenario.framework === 'ai-sdk');
for (const scenario of scenarios) {
  const base = `${providerUrl}/${scenario.name}`;
  for (const [index, run] of scenario.runs.entries()) {
    if (String(run.ai) !== version) continue;
    for (const content of [false, true]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-aisdk-'));
      const spool = path.join(dir, 'spans.jsonl');
      llmtel.init({ spool, dsn: '', flushInterval: 20, sendDefaultPii: content });
      let traceId;
      const traced = await llmtel.startSpan({ name: 'root', op: 'test' }, async (root) => {
        traceId = root.traceId;
        return outcome(scenario, run, base);
      });
      await llmtel.flush(5000);
      const lines = fs.existsSync(spool) ? fs.readFileSync(spool, 'utf8').trim().split('\n').filter((l) => JSON.parse(l).trace_id === traceId) : [];
      fs.writeFileSync(path.join(outDir, `${scenario.name}-${index}-${content ? 'on' : 'off'}.jsonl`), lines.join('\n'));
      llmtel.init({ spool: path.join(dir, 'untraced.jsonl'), dsn: '', defaultIntegrations: false });
      const untraced = await outcome(scenario, run, base);
      results[`${scenario.name}-${index}-${content ? 'on' : 'off'}`] = { traced, untraced };
    }
  }
}
await llmtel.close(5000);
fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 1));
