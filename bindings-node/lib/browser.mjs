/**
 * llmtel in a browser (`import * as llmtel from 'llmtel/browser'`, or `llmtel` where the
 * bundler picks the `browser` condition). The wasm core travels inside this module, so loading
 * it makes no request; `init()` decodes and compiles it (tens of milliseconds: bench/browser.mjs
 * measures it) and spans go out with `fetch`, the last ones on `pagehide` with `keepalive`.
 *
 * The active span is the one of the synchronous call stack: what a `startSpan` callback runs
 * before its first `await` nests under it; after that, pass `parentSpan`.
 */
import * as core from '../wasm/browser/llmtel_wasm.js';
import { createSdk, synchronousStore } from './web/host.mjs';
import { wasmBytes } from './web/wasm_bytes.mjs';

let pagehideHooked = false;

const sdk = createSdk({
  runtime: 'browser',
  // The browser build of the core: no framework entry points (the Vercel AI SDK is traced in
  // Node and on edge runtimes), a tenth less to load.
  core,
  // Compiled synchronously at init(): browsers allow it for modules of this size, and the first
  // call then never waits for the core.
  loadWasm: () => new WebAssembly.Module(wasmBytes()),
  store: synchronousStore(),
  onInit: (self) => {
    if (pagehideHooked || typeof addEventListener !== 'function') return;
    pagehideHooked = true;
    addEventListener('pagehide', () => self._sendAll(true));
  },
});

export const {
  init, startSpan, startSpanManual, startInactiveSpan, getActiveSpan, withActiveSpan, continueTrace, getTraceData,
  startNewTrace, suppressTracing, updateSpanName, isInitialized, flush, close, stats,
  instrumentOpenAiClient, instrumentAnthropicAiClient, instrumentGoogleGenAIClient, instrumentVercelAi,
  openAIIntegration, anthropicAIIntegration, googleGenAIIntegration, vercelAIIntegration,
} = sdk;
export default sdk;
