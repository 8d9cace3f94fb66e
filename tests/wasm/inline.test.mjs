// The browser bundle carries the wasm core as a string (bindings-node/wasm/browser/inline.mjs, one
// or two characters per byte): decoded, it must be the very bytes wasm-bindgen wrote, and the file must
// be plain ASCII, whatever charset the page or a bundler assumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { wasmBytes } from '../../bindings-node/lib/web/wasm_bytes.mjs';

const wasmDir = new URL('../../bindings-node/wasm/browser/', import.meta.url);

test('the inlined wasm decodes to the bytes of llmtel_wasm_bg.wasm', () => {
  const expected = readFileSync(new URL('llmtel_wasm_bg.wasm', wasmDir));
  const decoded = wasmBytes();
  assert.equal(decoded.length, expected.length);
  assert.ok(Buffer.from(decoded).equals(expected), 'decoded bytes differ from the wasm file');
});

test('the inlined wasm module is ASCII with no `</script`', () => {
  const text = readFileSync(new URL('inline.mjs', wasmDir), 'latin1');
  assert.ok(/^[\x0a\x20-\x7e]*$/.test(text), 'a byte outside printable ASCII');
  assert.ok(!text.includes('</script'), 'a `</script` that would end an inline script');
});
