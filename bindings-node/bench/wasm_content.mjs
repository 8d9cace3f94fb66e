// What recording content costs a page: a call with 10 KB of prompt and 10 KB of answer (ordinary
// text from tests/scrub/ordinary.txt, so the secret scrubber reads real prose, code and JSON)
// through the browser build of the wasm core, here in Node (the same V8 as Chromium). Prints the
// median of 10 calls (after 2 warm-up calls), each on a different part of the text.
//
//   make wasm && node bindings-node/bench/wasm_content.mjs [folder with llmtel_wasm.js and its .wasm]
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dir = resolve(process.argv[2] ?? resolve(here, '../wasm/browser'));
const core = await import(pathToFileURL(resolve(dir, 'llmtel_wasm.js')).href);
core.initSync({ module: new WebAssembly.Module(readFileSync(resolve(dir, 'llmtel_wasm_bg.wasm'))) });
const corpus = readFileSync(resolve(here, '../../tests/scrub/ordinary.txt'), 'utf8');
// Spans go nowhere (an endpoint nothing listens on, and nothing is sent during the run).
const client = new core.WasmClient(JSON.stringify({ spotlight: 'http://127.0.0.1:9/stream' }), undefined, undefined);
const root = core.WasmContext.root();
const times = [];
for (let i = 0; i < 12; i += 1) {
  const prompt = corpus.slice(i * 20480, i * 20480 + 10240);
  const answer = corpus.slice(i * 20480 + 10240, (i + 1) * 20480);
  const request = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] });
  const response = JSON.stringify({
    id: 'c', object: 'chat.completion', model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
  const started = performance.now();
  const call = client.call(JSON.stringify({ provider: 'openai', api: 'chat_completions', request, record_inputs: true, record_outputs: true }), root);
  call.finish(response);
  times.push(performance.now() - started);
}
const sorted = times.slice(2).sort((a, b) => a - b);
console.log(`a call recording 10 KB of prompt and 10 KB of answer (${dir}): median ${sorted[sorted.length >> 1].toFixed(1)} ms, ` +
  `${sorted[0].toFixed(1)} to ${sorted[sorted.length - 1].toFixed(1)}`);
