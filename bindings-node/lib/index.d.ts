/** llmtel for Node. */
export interface Integration { name: string; recordInputs?: boolean; recordOutputs?: boolean }
export declare function openAIIntegration(options?: { recordInputs?: boolean; recordOutputs?: boolean }): Integration;
export declare function anthropicAIIntegration(options?: { recordInputs?: boolean; recordOutputs?: boolean }): Integration;
export declare function googleGenAIIntegration(options?: { recordInputs?: boolean; recordOutputs?: boolean }): Integration;
export declare function langChainIntegration(options?: { recordInputs?: boolean; recordOutputs?: boolean }): Integration;
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
  setStatus(status: string | { code: string; message?: string }): this;
  end(): void;
  readonly traceId: string;
  readonly spanId: string;
}

export declare function init(options?: InitOptions): void;
export declare function startSpan<T>(
  options: { name: string; op?: string; attributes?: Record<string, string | number | boolean | string[] | number[]> },
  callback: (span: Span | undefined) => T,
): T;
export declare function getActiveSpan(): Span | undefined;
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
export declare function instrumentGoogleGenAIClient<T>(client: T, options?: { recordInputs?: boolean; recordOutputs?: boolean }): T;
