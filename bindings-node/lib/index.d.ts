/** llmtel for Node. */
export interface Integration { name: string; recordInputs?: boolean; recordOutputs?: boolean }
export declare function openAIIntegration(options?: { recordInputs?: boolean; recordOutputs?: boolean }): Integration;
export declare function anthropicAIIntegration(options?: { recordInputs?: boolean; recordOutputs?: boolean }): Integration;
export declare function googleGenAIIntegration(options?: { recordInputs?: boolean; recordOutputs?: boolean }): Integration;
export declare function langChainIntegration(options?: { recordInputs?: boolean; recordOutputs?: boolean }): Integration;
/** A BaseCallbackHandler of the application's @langchain/core (passed in a call's `callbacks`). */
export interface LangChainCallbackHandler {
  name: string;
  handleChainStart(...args: any[]): unknown;
  handleChainEnd(...args: any[]): unknown;
  handleChainError(...args: any[]): unknown;
  handleChatModelStart(...args: any[]): unknown;
  handleLLMStart(...args: any[]): unknown;
  handleLLMNewToken(...args: any[]): unknown;
  handleLLMEnd(...args: any[]): unknown;
  handleLLMError(...args: any[]): unknown;
  handleToolStart(...args: any[]): unknown;
  handleToolEnd(...args: any[]): unknown;
  handleToolError(...args: any[]): unknown;
}
/** Sentry's createLangChainCallbackHandler: traces the LangChain calls it is passed to, with
 * prompts and outputs as the options say (else as sendDefaultPii). */
export declare function createLangChainCallbackHandler(
  options?: { recordInputs?: boolean; recordOutputs?: boolean },
): LangChainCallbackHandler;
/** Sentry's instrumentLangGraph: traces this graph's runs (a StateGraph before compile(): the
 * graphs it compiles), with prompts and outputs as the options say. Returns the graph. */
export declare function instrumentLangGraph<G extends object>(
  graph: G, options?: { recordInputs?: boolean; recordOutputs?: boolean },
): G;
/** The handler class itself (`new LangChainCallbackHandler()`), content as the integrations say. */
export declare const LangChainCallbackHandler: new () => LangChainCallbackHandler;
export declare function langGraphIntegration(options?: { recordInputs?: boolean; recordOutputs?: boolean }): Integration;
/** The Vercel AI SDK (ai 6 and 7): runs, model calls, tools, embeddings. `force` is accepted
 * for Sentry's shape; every copy of `ai` the application loads is traced either way. */
export declare function vercelAIIntegration(options?: { recordInputs?: boolean; recordOutputs?: boolean; force?: boolean }): Integration;

export interface InitOptions {
  /** Integrations with their own options; they replace the defaults of the same name. */
  integrations?: Integration[];
  /** Runs before a span is queued: edit it, or return null to drop it. A hook that throws drops the span. */
  beforeSendSpan?: (span: { name: string; op?: string; origin: string; traceId: string; spanId: string; parentSpanId?: string; attributes: Record<string, unknown> }) => object | null;
  /** OpenAI, Anthropic and Google GenAI clients are traced automatically unless this is false. */
  defaultIntegrations?: boolean;
  dsn?: string;
  otlpEndpoint?: string;
  /** OTLP traces URL, used as is (no `/v1/traces` appended). */
  otlpTracesEndpoint?: string;
  otlpHeaders?: Record<string, string>;
  otlpProtocol?: 'http/protobuf' | 'http/json';
  otlpCompression?: 'none' | 'gzip';
  spool?: string | false;
  /** bytes; the spool rotates before a file passes this */
  spoolMaxBytes?: number;
  /** rotated spool files kept */
  spoolMaxFiles?: number;
  spotlight?: boolean | string;
  environment?: string;
  release?: string;
  serviceName?: string;
  /** More OTLP resource attributes (OTEL_RESOURCE_ATTRIBUTES). */
  resourceAttributes?: Record<string, string>;
  sendDefaultPii?: boolean;
  tracesSampleRate?: number;
  contentFormat?: 'json' | 'indexed';
  maxContentBytes?: number;
  scrubSecrets?: boolean;
  /** Your own secret patterns; each match is replaced by `[Filtered]` (Rust `regex` syntax: no look-around). */
  scrubPatterns?: Array<string | RegExp>;
  prices?: Record<string, number[]>;
  debug?: boolean;
  queueCapacity?: number;
  maxExportBatchSize?: number;
  maxConcurrentRequests?: number;
  /** Keep gen_ai.* spans inside the Sentry transaction (self-hosted Sentry without span ingestion). */
  sentryAiSpansInTransaction?: boolean;
  sentryCompression?: 'gzip' | 'none';
  /** milliseconds */
  flushInterval?: number;
  /** milliseconds */
  exportTimeout?: number;
  /** milliseconds */
  shutdownTimeout?: number;
  /** Decides per span that takes a sampling decision (a new trace, or the first span of a
   * continued one), as Sentry's: a rate from 0 to 1 or a boolean; anything else (or a throw)
   * leaves the default (the parent's decision, else tracesSampleRate). */
  tracesSampler?: (context: SamplingContext) => number | boolean | undefined;
  // Sentry options llmtel does not use: accepted, named in one notice at init, and ignored, so
  // a Sentry configuration copied as is compiles and runs.
  sampleRate?: unknown;
  profilesSampleRate?: unknown;
  profilesSampler?: unknown;
  profileSessionSampleRate?: unknown;
  profileLifecycle?: unknown;
  profilerMode?: unknown;
  replaysSessionSampleRate?: unknown;
  replaysOnErrorSampleRate?: unknown;
  ignoreErrors?: unknown;
  ignoreTransactions?: unknown;
  ignoreSpans?: unknown;
  denyUrls?: unknown;
  allowUrls?: unknown;
  attachStacktrace?: unknown;
  maxBreadcrumbs?: unknown;
  beforeBreadcrumb?: unknown;
  beforeSend?: unknown;
  beforeSendTransaction?: unknown;
  beforeSendLog?: unknown;
  enableLogs?: unknown;
  serverName?: unknown;
  dist?: unknown;
  includeLocalVariables?: unknown;
  enableTracing?: unknown;
  autoSessionTracking?: unknown;
  tracePropagationTargets?: unknown;
  transport?: unknown;
  transportOptions?: unknown;
  maxValueLength?: unknown;
  inAppInclude?: unknown;
  inAppExclude?: unknown;
  eventScrubber?: unknown;
  sendClientReports?: unknown;
  keepAlive?: unknown;
  httpProxy?: unknown;
  httpsProxy?: unknown;
  caCerts?: unknown;
  errorSampler?: unknown;
  autoEnablingIntegrations?: unknown;
  disabledIntegrations?: unknown;
  normalizeDepth?: unknown;
  normalizeMaxBreadth?: unknown;
  initialScope?: unknown;
  propagateTraceparent?: unknown;
  maxRequestBodySize?: unknown;
  includeSourceContext?: unknown;
  enableDbQuerySource?: unknown;
  dbQuerySourceThresholdMs?: unknown;
  traceIgnoreStatusCodes?: unknown;
  failedRequestStatusCodes?: unknown;
  enableBackpressureHandling?: unknown;
  socketOptions?: unknown;
  addFullStack?: unknown;
  projectRoot?: unknown;
  strictTraceContinuation?: unknown;
  orgId?: unknown;
  skipOpenTelemetrySetup?: unknown;
  openTelemetryInstrumentations?: unknown;
  registerEsmLoaderHooks?: unknown;
  tunnel?: unknown;
}

export interface SamplingContext {
  name: string;
  op?: string;
  attributes: Record<string, unknown>;
  /** The caller's decision in a continued trace; undefined for a new trace or a deferred one. */
  parentSampled?: boolean;
  /** The parent's decision when there is one, else `fallbackRate`. */
  inheritOrSampleWith(fallbackRate: number): number;
}

export interface UsageCounts {
  inputTokens?: number;
  outputTokens?: number;
  cachedInputTokens?: number;
  reasoningTokens?: number;
}

export declare class Span {
  setAttribute(key: string, value: string | number | boolean | string[] | number[]): this;
  setAttributes(attributes: Record<string, string | number | boolean | string[] | number[]>): this;
  recordUsage(usage: UsageCounts): this;
  /** A status name (`'ok'`, `'error'`, a Sentry status such as `'not_found'`), `{ code, message }`
   * with such a name, or Sentry's numeric codes (0 unset, 1 ok, 2 error). */
  setStatus(status: string | { code: string | 0 | 1 | 2; message?: string }): this;
  updateName(name: string): this;
  isRecording(): boolean;
  spanContext(): { traceId: string; spanId: string; traceFlags: number };
  end(): void;
  readonly traceId: string;
  readonly spanId: string;
}

export interface StartSpanOptions {
  name: string;
  op?: string;
  attributes?: Record<string, string | number | boolean | string[] | number[]>;
  /** The parent; `null` starts a new trace. Default: the active span. */
  parentSpan?: Span | null;
  /** Record the span only when there is a parent. */
  onlyIfParent?: boolean;
}

export declare function init(options?: InitOptions): void;
/** Runs `callback` inside a new active span, ended when the callback (or its Promise) is done. */
export declare function startSpan<T>(options: StartSpanOptions, callback: (span: Span) => T): T;
/** Like startSpan, but the span stays open until `span.end()` or `finish()`. */
export declare function startSpanManual<T>(options: StartSpanOptions, callback: (span: Span, finish: () => void) => T): T;
/** A span that is not made active; end it yourself. */
export declare function startInactiveSpan(options: StartSpanOptions): Span;
/** Runs `callback` in the trace of an incoming request (`sentry-trace` + `baggage`, or
 * `traceparent` + `tracestate`). Headers that cannot be read start a new trace. */
export declare function continueTrace<T>(
  // null as well: what `request.headers.get(name)` gives for a header that is not there.
  headers: {
    sentryTrace?: string | string[] | null; baggage?: string | string[] | null;
    traceparent?: string | null; tracestate?: string | null;
  },
  callback: () => T,
): T;
/** Sentry's startNewTrace: what `callback` starts begins a trace of its own. */
export declare function startNewTrace<T>(callback: () => T): T;
/**
 * Sentry's suppressTracing: runs `callback` with nothing traced by llmtel inside it (no spans,
 * no provider, LangChain or AI SDK calls), to the end of its async context; returns what it
 * returns. Events are still sent, and getActiveSpan() still gives the span active outside.
 */
export declare function suppressTracing<T>(callback: () => T): T;
/** Sentry's updateSpanName(span, name). */
export declare function updateSpanName(span: Span, name: string): void;
/** Whether init() set llmtel up. */
export declare function isInitialized(): boolean;
/** The id of the last event captureException / captureMessage sent. */
export declare function lastEventId(): string | undefined;
/** The headers that continue the active trace in another service (empty when nothing is active). */
export declare function getTraceData(): { 'sentry-trace'?: string; baggage?: string; traceparent?: string };
/** The W3C traceparent of the active span, or '' when nothing is active. */
export declare function getTraceparent(): string;
/** Sentry's scope: tags, user and contexts for the events captured in it; spans started in it
 * carry its tags and the user's `user.id`, `user.email`, `user.name`, `user.ip_address`. */
export declare class Scope {
  /** undefined or null removes the tag */
  setTag(key: string, value: string | number | boolean | undefined | null): this;
  setTags(tags: Record<string, string | number | boolean | undefined | null>): this;
  setUser(user: { id?: string | number; email?: string; username?: string; ip_address?: string; [key: string]: unknown } | null): this;
  setContext(name: string, context: Record<string, unknown> | null): this;
}
export declare function getCurrentScope(): Scope;
/** Runs `callback` with a copy of the current scope: what it sets stays inside. */
export declare function withScope<T>(callback: (scope: Scope) => T): T;
export declare function setTag(key: string, value: string | number | boolean | undefined | null): void;
export declare function setTags(tags: Record<string, string | number | boolean | undefined | null>): void;
export declare function setUser(user: { id?: string | number; email?: string; username?: string; ip_address?: string; [key: string]: unknown } | null): void;
export declare function setContext(name: string, context: Record<string, unknown> | null): void;
/** Sends an error event linked to the active span, with the current scope; returns its id. */
export declare function captureException(exception: unknown): string;
export declare function captureMessage(message: string, level?: 'fatal' | 'error' | 'warning' | 'info' | 'debug'): string;
/** An OpenTelemetry span processor: give it to an OpenTelemetry SDK's tracer provider and the
 * application's spans travel with llmtel's (one Sentry transaction). */
export declare class LlmtelSpanProcessor {
  constructor();
  onStart(span: unknown, parentContext: unknown): void;
  onEnd(span: unknown): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
export declare function getActiveSpan(): Span | undefined;
/** Runs `callback` with `span` active (null or undefined: none), as Sentry's withActiveSpan. */
export declare function withActiveSpan<T>(span: Span | null | undefined, callback: () => T): T;
export declare function withConversationId<T>(id: string, callback: () => T): T;
export declare function setConversationId(id: string): void;
export declare function flush(timeoutMs?: number): Promise<boolean>;
export declare function close(timeoutMs?: number): Promise<boolean>;
export declare function stats(): { queued?: number; exported?: number; dropped?: Record<string, number> };
export declare const version: string;
/** Traces one OpenAI or AzureOpenAI client's calls in place and returns it. */
export declare function instrumentOpenAiClient<T>(client: T, options?: { recordInputs?: boolean; recordOutputs?: boolean }): T;
/** Traces one Anthropic client's calls in place (messages.create, messages.stream, countTokens) and returns it. */
export declare function instrumentAnthropicAiClient<T>(client: T, options?: { recordInputs?: boolean; recordOutputs?: boolean }): T;
/** Traces one GoogleGenAI client's models and chats calls in place and returns it. */
/** The `ai` module with its runs traced (for a copy init() could not patch). */
export declare function instrumentVercelAi<T>(ai: T): T;
export declare function instrumentGoogleGenAIClient<T>(client: T, options?: { recordInputs?: boolean; recordOutputs?: boolean }): T;
