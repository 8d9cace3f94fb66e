// The Vercel AI SDK in Node (ai 7, an ES module): generateText with one tool over two steps,
// traced with no code of llmtel's beyond init(). Start it with the module-load hook, as
// Sentry's ESM users start theirs:
//
//   node --import llmtel/register ai_sdk_agent.mjs
//
// The spans: invoke_agent weather_agent (the functionId), a chat span per model call (with
// the provider's detail: response id, usage, finish reasons) and an execute_tool span.
// With OPENAI_API_KEY set, the model is the real gpt-4o-mini; without it,
// LLMTEL_DEMO_PROVIDER_URL (the loopback server `make demo` starts) answers with a recorded
// conversation (tests/frameworks/ai_sdk_tool_two_steps.json).
import * as Sentry from 'llmtel'; // the same calls as @sentry/node
import { generateText, tool, isStepCount } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { z } from 'zod';

Sentry.init({ tracesSampleRate: 1.0 }); // spans go to the local spool, .llmtel/spans.jsonl

function model() {
  if (process.env.OPENAI_API_KEY) return createOpenAI().chat('gpt-4o-mini');
  const loopback = process.env.LLMTEL_DEMO_PROVIDER_URL;
  if (!loopback) throw new Error('set OPENAI_API_KEY or LLMTEL_DEMO_PROVIDER_URL');
  return createOpenAI({ baseURL: `${loopback}/ai_sdk_tool_two_steps/v1`, apiKey: 'loopback' }).chat('gpt-4o');
}

const getWeather = tool({
  description: 'Get the weather for a city.',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `sunny in ${city}`,
});

const { text } = await Sentry.startSpan({ name: 'Plan Trip', op: 'ai.task' }, () => generateText({
  model: model(),
  prompt: 'What is the weather in Paris?',
  tools: { get_weather: getWeather },
  stopWhen: isStepCount(3),
  experimental_telemetry: { functionId: 'weather_agent' },
}));
console.log(`node (ai ${(await import('ai/package.json', { with: { type: 'json' } })).default.version}): the agent answered: ${text}`);
await Sentry.flush(5000);
