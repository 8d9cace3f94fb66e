// The wasm core's bytes, from the string that carries them inside the browser bundle
// (wasm/browser/inline.mjs, written by scripts/wasm_inline.mjs: a byte is one character, or two
// for the rarer values, which gzips within 1.5 % of the wasm itself, where base64 added a third).
import { alphabet, singles, byteOfRank, wasmLength, wasmText } from '../../wasm/browser/inline.mjs';

export function wasmBytes() {
  const index = new Uint8Array(128);
  for (let i = 0; i < alphabet.length; i += 1) index[alphabet.charCodeAt(i)] = i;
  const byteOf = new Uint8Array(256);
  for (let rank = 0; rank < 256; rank += 1) byteOf[rank] = parseInt(byteOfRank.slice(2 * rank, 2 * rank + 2), 16);
  const bytes = new Uint8Array(wasmLength);
  let out = 0;
  for (let i = 0; i < wasmText.length; i += 1) {
    const k = index[wasmText.charCodeAt(i)];
    bytes[out] = k < singles ? byteOf[k] : byteOf[singles + (k - singles) * alphabet.length + index[wasmText.charCodeAt(++i)]];
    out += 1;
  }
  return bytes;
}
