// One shared scenario (tests/scenarios/) through the real provider SDK, with a client that
// llmtel instruments: the same calls from Node and from a page (page.mjs), so their spans can
// be compared. Returns what the caller saw: 'ok', or the error's class name.
export async function drive(sdks, llmtel, scenario, url) {
  const { OpenAI, AzureOpenAI, Anthropic, GoogleGenAI } = sdks;
  const content = { recordInputs: scenario.options.record_inputs, recordOutputs: scenario.options.record_outputs };
  const base = `${url}/${scenario.name}`;
  const browser = { maxRetries: 0, apiKey: 'test', dangerouslyAllowBrowser: true };
  const drain = async (result) => {
    if (result && typeof result[Symbol.asyncIterator] === 'function') {
      for await (const _ of result) { /* read it all */ }
    }
  };
  let run;
  if (scenario.provider === 'openai' || scenario.provider === 'azure.ai.openai') {
    const raw = scenario.provider === 'azure.ai.openai'
      ? new AzureOpenAI({ ...browser, endpoint: base, apiVersion: '2024-10-21' })
      : new OpenAI({ ...browser, baseURL: `${base}/v1` });
    const client = llmtel.instrumentOpenAiClient(raw, content);
    const method = { chat_completions: client.chat.completions, responses: client.responses, embeddings: client.embeddings }[scenario.api];
    run = async () => drain(await method.create(scenario.request));
  } else if (scenario.provider === 'anthropic') {
    const client = llmtel.instrumentAnthropicAiClient(new Anthropic({ ...browser, baseURL: base }), content);
    const method = scenario.api === 'count_tokens' ? 'countTokens' : 'create';
    run = async () => drain(await client.messages[method](scenario.request));
  } else if (scenario.provider === 'gcp.gemini') {
    const ai = llmtel.instrumentGoogleGenAIClient(new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: base } }), content);
    const request = scenario.request;
    run = async () => {
      if (scenario.api === 'chat_send_message') {
        const chat = ai.chats.create({ model: request.model, history: request.history });
        return chat.sendMessage({ message: request.message });
      }
      const params = { model: request.model, contents: request.contents, config: request.config };
      if (scenario.stream) return drain(await ai.models.generateContentStream(params));
      return ai.models.generateContent(params);
    };
  } else {
    throw new Error(`no driver for ${scenario.provider}`);
  }
  try {
    await run();
    return 'ok';
  } catch (error) {
    return `error: ${error && (error.name || error.constructor?.name)}`;
  }
}

/** The providers drive() has a browser client for. */
export const PROVIDERS = ['openai', 'azure.ai.openai', 'anthropic', 'gcp.gemini'];
