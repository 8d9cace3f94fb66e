'use strict';
// A LangChain agent in Node: `createAgent` with one tool, traced with no code of llmtel's beyond
// init(). The spans: invoke_agent weather_agent, with a chat span per model call (one each,
// carrying what the OpenAI integration reads off the wire) and an execute_tool span.
//
// With OPENAI_API_KEY set, the model is the real gpt-4o-mini; without it,
// LLMTEL_DEMO_PROVIDER_URL (the loopback server `make demo` starts) answers with a recorded
// conversation (tests/frameworks/react_agent_one_tool.json).
const Sentry = require('llmtel'); // the same calls as @sentry/node

Sentry.init({ tracesSampleRate: 1.0 }); // spans go to the local spool, .llmtel/spans.jsonl

// Required after init, so LangChain and the OpenAI SDK under it are traced.
const { ChatOpenAI } = require('@langchain/openai');
const { tool } = require('@langchain/core/tools');
const { createAgent } = require('langchain');

const getWeather = tool(async ({ city }) => `sunny in ${city}`, {
  name: 'get_weather',
  description: 'Get the weather for a city.',
  schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
});

function model() {
  if (process.env.OPENAI_API_KEY) return new ChatOpenAI({ model: 'gpt-4o-mini', maxRetries: 0 });
  const loopback = process.env.LLMTEL_DEMO_PROVIDER_URL;
  if (!loopback) throw new Error('set OPENAI_API_KEY or LLMTEL_DEMO_PROVIDER_URL');
  return new ChatOpenAI({ model: 'gpt-4o', apiKey: 'loopback', maxRetries: 0, configuration: { baseURL: `${loopback}/react_agent_one_tool/v1` } });
}

(async () => {
  const agent = createAgent({ model: model(), tools: [getWeather], name: 'weather_agent' });
  const state = await Sentry.startSpan({ name: 'Plan Trip', op: 'ai.task' }, () =>
    agent.invoke({ messages: [['user', 'What is the weather in Paris?']] }, { configurable: { thread_id: 'trip-1' } }));
  console.log(`node: the agent answered: ${state.messages.at(-1).content}`);
  await Sentry.flush(5000);
})();
