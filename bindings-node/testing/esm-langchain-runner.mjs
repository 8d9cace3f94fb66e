// Run under `node --import llmtel/register` by langchain.test.js: a LangChain v1 agent through
// the ESM builds of LangChain and the OpenAI SDK, traced by automatic instrumentation only.
import { ChatOpenAI } from '@langchain/openai';
import { tool } from '@langchain/core/tools';
import { createAgent } from 'langchain';
import llmtel from 'llmtel';

const [url, spool] = process.argv.slice(2);
llmtel.init({ spool, dsn: '', flushInterval: 20 });
const getWeather = tool(async ({ city }) => `sunny in ${city}`, {
  name: 'get_weather', description: 'Get the weather for a city.',
  schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
});
const model = new ChatOpenAI({ model: 'gpt-4o', apiKey: 'k', temperature: 0.2, maxRetries: 0, configuration: { baseURL: `${url}/react_agent_one_tool/v1` } });
const agent = createAgent({ model, tools: [getWeather], name: 'weather_agent' });
await llmtel.startSpan({ name: 'root', op: 'test' }, () =>
  agent.invoke({ messages: [['user', 'Weather in Paris?']] }, { configurable: { thread_id: 'thread-7' } }));
await llmtel.flush(5000);
