'use strict';
/**
 * What reading the application's OpenTelemetry span costs llmtel on every span and call
 * (lib/otel.js): with no OpenTelemetry registered, registered with no active span, inside an
 * active span, and the cached context of that span. Nanoseconds per lookup, 2e6 lookups each.
 *
 *   node bindings-node/bench/otel_lookup.js
 */
const otel = require('../lib/otel');
const api = require('@opentelemetry/api');
const { TracerProvider } = require('@opentelemetry/sdk-trace');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');

function time(label, fn) {
  const n = 2e6;
  for (let i = 0; i < 1e5; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  console.log(`${label.padEnd(44)} ${(Number(process.hrtime.bigint() - start) / n).toFixed(1)} ns`);
}

time('activeSpan, no OpenTelemetry registered', () => otel.activeSpan());
api.context.setGlobalContextManager(new AsyncLocalStorageContextManager());
api.trace.setGlobalTracerProvider(new TracerProvider());
time('activeSpan, registered, no active span', () => otel.activeSpan());
api.trace.getTracer('bench').startActiveSpan('request', (span) => {
  time('activeSpan, inside an active span', () => otel.activeSpan());
  time('contextOf that span (cached)', () => otel.contextOf(span));
  span.end();
});
