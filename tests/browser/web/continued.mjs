// The trace-joining check the web entry points run (Chromium, workerd, the Edge Runtime): a
// caller's sentry-trace and baggage (a request's headers, or a page's meta tags) are continued,
// a provider call is made inside a span `handle request` and getTraceData() is read inside it.
import assert from 'node:assert/strict';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER = '00f067aa0ba902b7';
const BAGGAGE = `sentry-trace_id=${TRACE},sentry-public_key=upstream,sentry-sample_rate=1,sentry-sampled=true,sentry-environment=upstream,vendor=x`;

export const continuedHeaders = { 'sentry-trace': `${TRACE}-${CALLER}-1`, baggage: BAGGAGE };

/** `answer` is the worker's, `received` the envelopes the Sentry sink got meanwhile. */
export function checkContinuedTrace(answer, received) {
  assert.equal(answer.outcome, 'ok');
  const envelope = received.map((r) => r.envelope).find((e) => e.items.some((i) => i.header.type === 'transaction'));
  assert.ok(envelope, 'no transaction reached Sentry');
  const transaction = envelope.items.find((i) => i.header.type === 'transaction').payload;
  assert.equal(transaction.transaction, 'handle request');
  assert.equal(transaction.contexts.trace.trace_id, TRACE);
  assert.equal(transaction.contexts.trace.parent_span_id, CALLER);
  // The envelope carries the head's dynamic sampling context, not one of the worker's own.
  assert.equal(envelope.header.trace.public_key, 'upstream');
  assert.equal(envelope.header.trace.environment, 'upstream');
  const spans = received.flatMap((r) => r.envelope.items).filter((i) => i.header.type === 'span').flatMap((i) => i.payload.items);
  assert.ok(spans.length > 0, 'no chat span');
  for (const span of spans) {
    assert.equal(span.trace_id, TRACE);
    assert.equal(span.parent_span_id, transaction.contexts.trace.span_id);
  }
  // Outgoing headers from inside the handler's span: the same trace, that span as the parent,
  // the incoming baggage passed on as it came.
  const { span_id: handler } = transaction.contexts.trace;
  assert.equal(answer.traceData['sentry-trace'], `${TRACE}-${handler}-1`);
  assert.equal(answer.traceData.traceparent, `00-${TRACE}-${handler}-01`);
  assert.equal(answer.traceData.baggage, BAGGAGE);
}
