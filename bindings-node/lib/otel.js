'use strict';
/**
 * OpenTelemetry, both ways, without depending on it:
 *
 * - An application's active OpenTelemetry span (its HTTP server span, say) is read through the
 *   API's process-wide registration (`globalThis[Symbol.for('opentelemetry.js.api.1')]`, which
 *   every copy of `@opentelemetry/api` 1.x shares), so llmtel's spans join its trace.
 * - `LlmtelSpanProcessor`, given to an OpenTelemetry SDK, hands the application's own spans to
 *   llmtel's pipeline (Sentry, OTLP, the spool) beside the GenAI spans, in the same segment
 *   (Sentry transaction).
 */
const native = require('./native');
const { warn } = require('./integrations/shared');

const API_KEY = Symbol.for('opentelemetry.js.api.1');
/** `createContextKey('OpenTelemetry Context Key SPAN')` of @opentelemetry/api is this symbol. */
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');
const INVALID_TRACE = '00000000000000000000000000000000';

/** OpenTelemetry span -> local root span id (hex), for the spans the processor saw start. */
const segments = new WeakMap();
/** OpenTelemetry span -> its NativeContext, made on first use. */
const contexts = new WeakMap();

/** The application's active, recording OpenTelemetry span, if it has one. */
function activeSpan() {
  const api = globalThis[API_KEY];
  const manager = api && api.context;
  if (!manager) return undefined;
  let span;
  try {
    span = manager.active().getValue(SPAN_KEY);
  } catch {
    return undefined; // a context manager of another shape
  }
  if (!span || typeof span.spanContext !== 'function') return undefined;
  if (typeof span.isRecording === 'function' && !span.isRecording()) return undefined;
  return span;
}

/** Where an llmtel span under `span` starts: a local parent when the processor records `span`
 * (same segment), else a remote one (the llmtel span is a local root under it). */
function contextOf(span) {
  let context = contexts.get(span);
  if (context === undefined) {
    const { traceId, spanId, traceFlags } = span.spanContext();
    if (!traceId || traceId === INVALID_TRACE) return undefined;
    context = native.foreignContext(traceId, spanId, (traceFlags & 1) === 1, segments.get(span));
    contexts.set(span, context);
  }
  return context;
}

/** The parent's span id: `parentSpanContext` in SDK 2.x, `parentSpanId` in 1.x. */
const parentSpanId = (span) => (span.parentSpanContext ? span.parentSpanContext.spanId : span.parentSpanId);

/**
 * Give it to an OpenTelemetry SDK (`new TracerProvider({ spanProcessors: [new
 * LlmtelSpanProcessor()] })`, `NodeTracerProvider` in SDK 2.x): every sampled span the application's tracer ends goes through
 * llmtel's pipeline, after `init()`. llmtel's spans started inside one of those spans land in
 * its segment, so Sentry shows them in one transaction.
 */
class LlmtelSpanProcessor {
  /** `client` returns llmtel's native client (the one `init()` made). */
  constructor(client) {
    this._client = client;
  }

  onStart(span, parentContext) {
    let parent;
    try {
      parent = parentContext && parentContext.getValue(SPAN_KEY);
    } catch {
      parent = undefined;
    }
    const own = span.spanContext();
    const inherited = parent && segments.get(parent);
    segments.set(span, inherited && parent.spanContext().traceId === own.traceId ? inherited : own.spanId);
  }

  onEnd(span) {
    const client = this._client();
    const ctx = span.spanContext();
    if (!client || (ctx.traceFlags & 1) !== 1) return;
    const segment = segments.get(span);
    const record = {
      name: span.name,
      kind: span.kind,
      trace_id: ctx.traceId,
      span_id: ctx.spanId,
      parent_span_id: parentSpanId(span) || undefined,
      segment_id: segment && segment !== ctx.spanId ? segment : undefined,
      start: span.startTime,
      end: span.endTime,
      status: span.status ? span.status.code : 0,
      status_message: (span.status && span.status.message) || undefined,
      attributes: span.attributes,
    };
    try {
      client.importSpan(JSON.stringify(record));
    } catch (error) {
      warn('an OpenTelemetry span could not be recorded', error && error.message);
    }
  }

  forceFlush() {
    const client = this._client();
    return client ? client.flush(2000).then(() => undefined) : Promise.resolve();
  }

  shutdown() {
    return this.forceFlush();
  }
}

module.exports = { activeSpan, contextOf, LlmtelSpanProcessor };
