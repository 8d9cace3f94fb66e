// The wasm core's bytes, from the string that carries them inside the browser bundle
// (wasm/browser/inline.mjs, written by scripts/wasm_inline.mjs: a byte is one character, or two
// for the rarer values, which gzips within 1.5 % of the wasm itself, where base64 added a third).
import { alphabet, singles, byteOfRank, wasmLength, wasmText } from '../../wasm/browser/inline.mjs';

export function wasmBytes() {
  const size = alphabet.length;
  const index = new Uint16Array(128);
  for (let i = 0; i < size; i += 1) index[alphabet.charCodeAt(i)] = i;
  // Ranks a two-character code can spell, past the 256 that occur: never read for valid text.
  const byteOf = new Uint8Array(singles + (size - singles) * size);
  for (let rank = 0; rank < 256; rank += 1) byteOf[rank] = parseInt(byteOfRank.slice(2 * rank, 2 * rank + 2), 16);
  const bytes = new Uint8Array(wasmLength);
  const end = wasmText.length;
  let out = 0;
  for (let i = 0; i < end; i += 1) {
    let k = index[wasmText.charCodeAt(i)];
    if (k >= singles) {
      i += 1;
      k = singles + (k - singles) * size + index[wasmText.charCodeAt(i)];
    }
    bytes[out] = byteOf[k];
    out += 1;
  }
  return bytes;
}
