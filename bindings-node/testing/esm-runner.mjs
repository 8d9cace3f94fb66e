// Run under `node --import llmtel/register` by esm.test.js: every provider scenario through the
// ESM builds of the SDKs with automatic instrumentation only (no instrument*Client call).
import fs from 'node:fs';
import path from 'node:path';
import OpenAI, { AzureOpenAI } from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import llmtel from 'llmtel';

const [url, outDir, scenarioDir] = process.argv.slice(2);
for (const file of fs.readdirSync(scenarioDir)) {
  const s = JSON.parse(fs.readFileSync(path.join(scenarioDir, file), 'utf8'));
  if (s.provider === 'gcp.vertex_ai') continue;
  const content = { recordInputs: s.options.record_inputs, recordOutputs: s.options.record_outputs };
  llmtel.init({
    spool: path.join(outDir, `${s.name}.jsonl`), dsn: '', flushInterval: 20,
    contentFormat: s.options.content_format, maxContentBytes: s.options.max_content_bytes,
    integrations: [llmtel.openAIIntegration(content), llmtel.anthropicAIIntegration(content), llmtel.googleGenAIIntegration(content)],
  });
  const base = `${url}/${s.name}`;
  const drain = async (result) => {
    if (result && typeof result[Symbol.asyncIterator] === 'function') for await (const _ of result) { /* read */ }
  };
  try {
    if (s.provider === 'openai' || s.provider === 'azure.ai.openai') {
      const client = s.provider === 'openai'
        ? new OpenAI({ baseURL: `${base}/v1`, apiKey: 'test', maxRetries: 0 })
        : new AzureOpenAI({ endpoint: base, apiKey: 'test', apiVersion: '2024-10-21', maxRetries: 0 });
      const resource = { chat_completions: client.chat.completions, responses: client.responses, embeddings: client.embeddings }[s.api];
      await drain(await resource.create(s.request));
    } else if (s.provider === 'anthropic') {
      const client = new Anthropic({ baseURL: base, apiKey: 'test', maxRetries: 0 });
      await drain(await client.messages[s.api === 'count_tokens' ? 'countTokens' : 'create'](s.request));
    } else {
      const ai = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: base } });
      const r = s.request;
      if (s.api === 'chat_send_message') {
        await ai.chats.create({ model: r.model, history: r.history }).sendMessage({ message: r.message });
      } else if (s.stream) {
        await drain(await ai.models.generateContentStream({ model: r.model, contents: r.contents, config: r.config }));
      } else {
        await ai.models.generateContent({ model: r.model, contents: r.contents, config: r.config });
      }
    }
  } catch {
    // error scenarios: the SDK rejects, the span says why
  }
  await llmtel.flush(5000);
}
