// A Cloudflare Worker traced by llmtel's edge build: a chat turn with the OpenAI client and a
// Vercel AI SDK agent with a tool, each in its own transaction, sent to the DSN in `env`.
// `make demo` runs it in workerd (run.mjs); with wrangler, deploy it as is (compatibility flag
// nodejs_compat) with SENTRY_DSN and OPENAI_API_KEY set.
import * as Sentry from 'llmtel';
import OpenAI from 'openai';
import * as ai from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { z } from 'zod';

let ready = false;

export default {
  async fetch(request, env, ctx) {
    if (!ready) {
      Sentry.init({ dsn: env.SENTRY_DSN, tracesSampleRate: 1.0 });
      ready = true;
    }
    const path = new URL(request.url).pathname;
    let answer;
    if (path === '/agent') {
      // The AI SDK, traced by hand: an edge bundle has no module loading to hook.
      const { generateText, tool } = Sentry.instrumentVercelAi(ai);
      const model = createOpenAI({ apiKey: env.OPENAI_API_KEY, baseURL: env.AGENT_BASE_URL }).chat('gpt-4o');
      const result = await generateText({
        model, prompt: 'Weather in Paris?', stopWhen: (ai.isStepCount || ai.stepCountIs)(3),
        experimental_telemetry: { functionId: 'weather_agent' },
        tools: {
          get_weather: tool({
            description: 'Get the weather for a city.',
            inputSchema: z.object({ city: z.string() }),
            execute: async ({ city }) => `sunny in ${city}`,
          }),
        },
      });
      answer = result.text;
    } else {
      const openai = Sentry.instrumentOpenAiClient(new OpenAI({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL }));
      const completion = await Sentry.startSpan({ name: 'chat turn', op: 'ai.run' }, () =>
        openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello!' }] }));
      answer = completion.choices[0].message.content;
    }
    ctx.waitUntil(Sentry.flush()); // keep the worker alive until the spans are sent
    return Response.json({ answer });
  },
};
