// The edge suite's worker (bundled with esbuild for the `workerd` / `edge-light` conditions):
// llmtel from the bare `llmtel` import and the real provider SDKs. POST / runs one shared
// scenario ({ scenario, url, options }); POST /nested runs it inside a startSpan that awaits
// first, so its span must nest through AsyncLocalStorage; POST /continued runs it in a span
// that continues the request's sentry-trace and baggage, and answers getTraceData() from inside;
// POST /suppressed runs it twice in a startSpan, the first time inside suppressTracing;
// POST /aisdk runs the AI SDK agent ({ url, options }).
import * as llmtel from 'llmtel';
import OpenAI, { AzureOpenAI } from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import * as ai from 'ai';
import * as openai from '@ai-sdk/openai';
import { z } from 'zod';
import { drive } from '../browser/web/drive.mjs';
import { weatherAgent } from '../browser/web/aisdk_program.mjs';

const sdks = { OpenAI, AzureOpenAI, Anthropic, GoogleGenAI };

async function handle(request) {
  const { scenario, url, options } = await request.json();
  llmtel.init(options);
  if (new URL(request.url).pathname === '/aisdk') {
    const result = await weatherAgent({ llmtel, ai, openai, z }, url);
    return Response.json({ result, flushed: await llmtel.flush(5000) });
  }
  if (new URL(request.url).pathname === '/continued') {
    const incoming = { sentryTrace: request.headers.get('sentry-trace'), baggage: request.headers.get('baggage') };
    const answer = await llmtel.continueTrace(incoming, () => llmtel.startSpan({ name: 'handle request', op: 'http.server' },
      async () => ({ outcome: await drive(sdks, llmtel, scenario, url), traceData: llmtel.getTraceData() })));
    return Response.json({ ...answer, flushed: await llmtel.flush(5000) });
  }
  let outcome;
  if (new URL(request.url).pathname === '/suppressed') {
    outcome = await llmtel.startSpan({ name: 'edge turn', op: 'ai.run' }, async () => {
      const quiet = await llmtel.suppressTracing(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return drive(sdks, llmtel, scenario, url);
      });
      return [quiet, await drive(sdks, llmtel, scenario, url)];
    });
  } else if (new URL(request.url).pathname === '/nested') {
    outcome = await llmtel.startSpan({ name: 'edge turn', op: 'ai.run' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return drive(sdks, llmtel, scenario, url);
    });
  } else {
    outcome = await drive(sdks, llmtel, scenario, url);
  }
  const flushed = await llmtel.flush(5000);
  return Response.json({ outcome, flushed });
}

export default {
  fetch: (request) => handle(request).catch((error) => Response.json({ error: String(error && error.stack) }, { status: 500 })),
};
