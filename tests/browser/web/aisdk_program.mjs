// One Vercel AI SDK program, the same from Node and from an edge runtime: generateText with a
// tool over two steps (tests/frameworks/ai_sdk_tool_two_steps.json, served by the loopback
// provider), through `ai` traced by llmtel.instrumentVercelAi. Returns what the program got.
export const AISDK_SCENARIO = 'ai_sdk_tool_two_steps';

export async function weatherAgent({ llmtel, ai, openai, z }, providerUrl) {
  const { generateText, tool } = llmtel.instrumentVercelAi(ai);
  const stepCountIs = ai.isStepCount || ai.stepCountIs;
  const model = openai.createOpenAI({ baseURL: `${providerUrl}/${AISDK_SCENARIO}/v1`, apiKey: 'k' }).chat('gpt-4o');
  const result = await generateText({
    model, maxRetries: 0, prompt: 'Weather in Paris?', stopWhen: stepCountIs(3),
    experimental_telemetry: { functionId: 'weather_agent' },
    tools: {
      get_weather: tool({
        description: 'Get the weather for a city.',
        inputSchema: z.object({ city: z.string() }),
        execute: async ({ city }) => `sunny in ${city}`,
      }),
    },
  });
  return { text: result.text, steps: result.steps.length };
}
