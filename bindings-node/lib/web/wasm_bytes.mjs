// The wasm core's bytes, from the string that carries them inside the browser bundle
// (wasm/browser/inline.mjs, written by scripts/wasm_inline.mjs: one character per byte, which gzips
// about as well as the wasm itself, where base64 added a third).
import { byteOf, wasmText } from '../../wasm/browser/inline.mjs';

export function wasmBytes() {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c += 1) table[c] = byteOf.charCodeAt(c);
  const bytes = new Uint8Array(wasmText.length);
  for (let i = 0; i < wasmText.length; i += 1) bytes[i] = table[wasmText.charCodeAt(i)];
  return bytes;
}
