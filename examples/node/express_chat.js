'use strict';
// The product page's picture from Node: an Express app traced by OpenTelemetry (its HTTP and
// Express instrumentations), one route that reads SQLite and calls OpenAI. llmtel's
// LlmtelSpanProcessor takes the application's OpenTelemetry spans into llmtel's pipeline, so
// Sentry shows one transaction `POST /api/chat` holding the HTTP server span, the database span
// and the `chat` span. The script serves one request it makes itself, then exits.
//
// Spans go to the spool (.llmtel/spans.jsonl) and, with SENTRY_DSN set, to Sentry. The OpenAI
// call goes to the real API with OPENAI_API_KEY, else to LLMTEL_DEMO_PROVIDER_URL (the loopback
// server `make demo` starts).
const llmtel = require('llmtel');

llmtel.init({
  dsn: process.env.SENTRY_DSN,
  spool: process.env.LLMTEL_SPOOL || '.llmtel/spans.jsonl',
  tracesSampleRate: 1.0,
});

// OpenTelemetry as an application already has it, with llmtel's processor added. The
// instrumentations patch `http` and `express` as they load, so they come before both.
const otel = require('@opentelemetry/api');
const { TracerProvider } = require('@opentelemetry/sdk-trace');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express');

const provider = new TracerProvider({ spanProcessors: [new llmtel.LlmtelSpanProcessor()] });
otel.context.setGlobalContextManager(new AsyncLocalStorageContextManager());
otel.trace.setGlobalTracerProvider(provider);
const unregister = registerInstrumentations({ instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()] });

const express = require('express');
const initSqlJs = require('sql.js');
const OpenAI = require('openai');

const loopback = process.env.LLMTEL_DEMO_PROVIDER_URL;
if (!process.env.OPENAI_API_KEY && !loopback) throw new Error('set OPENAI_API_KEY, or LLMTEL_DEMO_PROVIDER_URL to a loopback provider server');
const openai = process.env.OPENAI_API_KEY
  ? new OpenAI({ maxRetries: 0 })
  : new OpenAI({ baseURL: `${loopback}/openai_chat_plain/v1`, apiKey: 'loopback', maxRetries: 0 });

const tracer = otel.trace.getTracer('llmtel-example-express');

/** A query with its OpenTelemetry database span, as a database instrumentation makes one. */
function query(db, sql) {
  return tracer.startActiveSpan('SELECT', {
    kind: otel.SpanKind.CLIENT,
    attributes: { 'db.system.name': 'sqlite', 'db.query.text': sql },
  }, (span) => {
    try {
      return db.exec(sql);
    } finally {
      span.end();
    }
  });
}

async function main() {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run("CREATE TABLE preferences (user TEXT, tone TEXT); INSERT INTO preferences VALUES ('ada', 'terse')");

  const app = express();
  app.use(express.json());
  app.post('/api/chat', async (req, res) => {
    const [prefs] = query(db, "SELECT tone FROM preferences WHERE user = 'ada'");
    const tone = prefs ? prefs.values[0][0] : 'plain';
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: `You are ${tone}.` }, { role: 'user', content: req.body.message }],
      temperature: 0.7,
      max_tokens: 100,
    });
    res.json({ reply: completion.choices[0].message.content });
  });

  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  const response = await fetch(`http://127.0.0.1:${server.address().port}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'Hello!' }),
  });
  console.log('POST /api/chat ->', response.status, JSON.stringify(await response.json()));
  await new Promise((resolve) => server.close(resolve));
  unregister();
  await provider.shutdown(); // ends with the processor's flush
  await llmtel.close();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
