// Types of `llmtel/browser` and `llmtel/edge` (and of `llmtel` under the `browser`, `workerd`,
// `edge-light` and `worker` export conditions): the Node package's types, for what these entry
// points have. In a page, `instrumentVercelAi(ai)` returns `ai` untouched (with a console
// warning): the browser build of the core leaves the Vercel AI SDK out.
import type { InitOptions as NodeInitOptions } from './index';

export type { Integration, SamplingContext, StartSpanOptions, UsageCounts } from './index';
export {
  Span, openAIIntegration, anthropicAIIntegration, googleGenAIIntegration,
  startSpan, startSpanManual, startInactiveSpan, getActiveSpan, withActiveSpan, continueTrace, getTraceData,
  startNewTrace, suppressTracing, updateSpanName, isInitialized, flush, close,
  instrumentOpenAiClient, instrumentAnthropicAiClient, instrumentGoogleGenAIClient,
  instrumentVercelAi, vercelAIIntegration,
} from './index';

export interface InitOptions extends NodeInitOptions {
  /** Milliseconds between a span ending and its batch being sent (default 1000). */
  transportDelay?: number;
  /** An endpoint of your own that forwards Sentry envelopes (each names the DSN in its
   * header), as Sentry's `tunnel` option. */
  tunnel?: string;
}

export declare function init(options?: InitOptions): void;

/** Spans queued and dropped before export (by reason), and per Sentry answer. */
export declare function stats(): {
  queued?: number;
  droppedBeforeExport?: Record<string, number>;
  sentry?: { exported: number; dropped: Record<string, number> };
};
