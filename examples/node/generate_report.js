'use strict';
// "Generate Report" in Node: one user span around five model calls made with the real client
// libraries, streamed and not, one of them failing. sendDefaultPii stays off, so the spans carry
// models, tokens, timing and cost but no prompt or response text.
//
// With OPENAI_API_KEY / ANTHROPIC_API_KEY / GEMINI_API_KEY set, the calls go to the real APIs.
// Without one, they go to LLMTEL_DEMO_PROVIDER_URL (the loopback server `make demo` starts,
// tests/provider_server.py), which answers each request path with a recorded scenario.
const Sentry = require('llmtel'); // the same calls as @sentry/node

Sentry.init({
  // No dsn, otlpEndpoint or spotlight: spans go to the local spool, .llmtel/spans.jsonl.
  tracesSampleRate: 1.0,
  sendDefaultPii: false,
});

// Required after init, so the integrations trace them with no wrapper call.
const OpenAI = require('openai');
const Anthropic = require('@anthropic-ai/sdk');
const { GoogleGenAI } = require('@google/genai');

const loopback = process.env.LLMTEL_DEMO_PROVIDER_URL;
const real = (key) => Boolean(process.env[key]);
function needLoopback(key) {
  if (!loopback) throw new Error(`set ${key}, or LLMTEL_DEMO_PROVIDER_URL to a loopback provider server`);
}

/** A client for the real API when its key is set, else for one recorded scenario. */
function openai(scenario) {
  if (real('OPENAI_API_KEY')) return new OpenAI({ maxRetries: 0 });
  needLoopback('OPENAI_API_KEY');
  return new OpenAI({ baseURL: `${loopback}/${scenario}/v1`, apiKey: 'loopback', maxRetries: 0 });
}
function anthropic(scenario) {
  if (real('ANTHROPIC_API_KEY')) return new Anthropic({ maxRetries: 0 });
  needLoopback('ANTHROPIC_API_KEY');
  return new Anthropic({ baseURL: `${loopback}/${scenario}`, apiKey: 'loopback', maxRetries: 0 });
}
function gemini(scenario) {
  if (real('GEMINI_API_KEY')) return new GoogleGenAI({ apiKey: process.env.GEMINI_API_KEY });
  needLoopback('GEMINI_API_KEY');
  return new GoogleGenAI({ apiKey: 'loopback', httpOptions: { baseUrl: `${loopback}/${scenario}` } });
}

async function generateReport() {
  return Sentry.startSpan({ name: 'Generate Report', op: 'ai.task', attributes: { 'report.kind': 'weekly' } }, async () => {
    const outline = await openai('openai_chat_plain').chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Hello!' }],
      temperature: 0.7,
      max_tokens: 100,
    });

    let draft = '';
    const stream = anthropic('anthropic_stream_text').messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') draft += event.delta.text;
    }

    const review = await gemini('gemini_text').models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Why is the sky blue?',
      config: { temperature: 0.5, maxOutputTokens: 256 },
    });

    await openai('openai_embeddings_single').embeddings.create({ model: 'text-embedding-3-small', input: 'hello world' });

    // This one fails: a rate limit on the loopback server, an unknown model on the real API.
    try {
      await openai('openai_chat_error_429').chat.completions.create({
        model: real('OPENAI_API_KEY') ? 'gpt-no-such-model' : 'gpt-4o',
        messages: [{ role: 'user', content: 'Hi' }],
      });
    } catch (error) {
      console.log(`node: the failing call failed as planned (${error.status ?? error.name})`);
    }
    return { outline: outline.choices[0].message.content, draft, review: review.text };
  });
}

generateReport()
  .then(async (report) => {
    console.log(`node: report written (${report.outline.length + report.draft.length + report.review.length} characters)`);
    await Sentry.flush(5000);
  })
  .catch((error) => {
    console.error('node:', error);
    process.exitCode = 1;
  });
