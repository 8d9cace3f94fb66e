/**
 * llmtel on edge runtimes (Cloudflare Workers, Vercel Edge): `import * as llmtel from
 * 'llmtel/edge'`, or `llmtel` where the bundler picks the `workerd`, `edge-light` or `worker`
 * condition. These runtimes compile no wasm from bytes at run time, so the core comes in as a
 * wasm module import (`.wasm?module`, which wrangler and Vercel's bundler both understand).
 * The active span lives in AsyncLocalStorage (`node:async_hooks`: on Cloudflare, the
 * `nodejs_als` or `nodejs_compat` compatibility flag). In a handler, keep the worker alive until
 * the spans are sent: `ctx.waitUntil(llmtel.flush())`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import wasmModule from '../wasm/llmtel_wasm_bg.wasm?module';
import * as core from '../wasm/llmtel_wasm.js';
import aisdk from './integrations/aisdk.js';
import { createSdk } from './web/host.mjs';

const sdk = createSdk({
  runtime: 'edge',
  core,
  aisdk,
  loadWasm: () => wasmModule,
  store: new AsyncLocalStorage(),
});

export const {
  init, startSpan, startSpanManual, startInactiveSpan, getActiveSpan, withActiveSpan, continueTrace, getTraceData,
  startNewTrace, suppressTracing, updateSpanName, isInitialized, flush, close, stats,
  instrumentOpenAiClient, instrumentAnthropicAiClient, instrumentGoogleGenAIClient, instrumentVercelAi,
  openAIIntegration, anthropicAIIntegration, googleGenAIIntegration, vercelAIIntegration,
} = sdk;
export default sdk;
