// The page the browser suite bundles (with esbuild, for the `browser` condition): llmtel from
// the bare `llmtel` import, and the real provider SDKs. The test calls window.runScenario.
import * as llmtel from 'llmtel';
import OpenAI, { AzureOpenAI } from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { drive } from './drive.mjs';

const sdks = { OpenAI, AzureOpenAI, Anthropic, GoogleGenAI };

window.llmtel = llmtel;

/** init() with `options`, the scenario through its SDK, then flush(). */
window.runScenario = async (scenario, url, options) => {
  llmtel.init(options);
  const outcome = await drive(sdks, llmtel, scenario, url);
  const flushed = await llmtel.flush(5000);
  return { outcome, flushed };
};

/** A trace continued from `headers` (as a page reads a server's sentry-trace / baggage meta
 * tags): an OpenAI call made inside the span, before its first await (a page has no async
 * context), and getTraceData() read there. */
window.runContinued = async (url, options, headers) => {
  llmtel.init(options);
  const client = llmtel.instrumentOpenAiClient(new OpenAI({
    apiKey: 'k', baseURL: `${url}/openai_chat_plain/v1`, dangerouslyAllowBrowser: true, maxRetries: 0,
  }));
  const answer = await llmtel.continueTrace({ sentryTrace: headers['sentry-trace'], baggage: headers.baggage },
    () => llmtel.startSpan({ name: 'handle request', op: 'http.server' }, async () => {
      const traceData = llmtel.getTraceData();
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
      return { outcome: 'ok', traceData };
    }));
  return { ...answer, flushed: await llmtel.flush(5000) };
};
