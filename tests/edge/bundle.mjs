// Bundles the edge suite's worker as each platform's own bundler would (wrangler for
// Cloudflare, Next.js / Vercel's for Vercel Edge): the `llmtel` package resolved through its
// `exports` for the platform's conditions, the real provider SDKs, and the Node modules the
// runtime lacks (which the Anthropic SDK's credential and tool helpers import, and the worker
// never calls) stubbed as wrangler's `nodejs_compat` build (unenv) stubs them.
import { build } from 'esbuild';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const STUBBED = /^node:(child_process|fs|fs\/promises|os|readline|worker_threads|crypto|events|path|stream|util)$/;

/** `stub`: the Node modules to stub (a RegExp); `wasm(args)`: how the `.wasm?module` import
 * resolves; `provided`: modules the platform provides, by specifier (their source). */
function platformPlugin({ stub, wasm, provided = {} }) {
  return {
    name: 'edge-platform',
    setup(b) {
      b.onResolve({ filter: /\.wasm\?module$/ }, wasm);
      b.onResolve({ filter: stub }, (args) => ({ path: args.path, namespace: 'stub' }));
      // CommonJS, so that any named import of it bundles (as `undefined`).
      b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'module.exports = {};' }));
      for (const specifier of Object.keys(provided)) {
        b.onResolve({ filter: new RegExp(`^${specifier.replace(/[?.]/g, '\\$&')}$`) }, () => ({ path: specifier, namespace: 'provided' }));
      }
      b.onLoad({ filter: /.*/, namespace: 'provided' }, (args) => ({ contents: provided[args.path] }));
    },
  };
}

/** Bundles `entry` into `outfile` for `platform` ('workerd' or 'vercel'). */
export async function bundleWorker({ entry, outfile, nodePackage, platform }) {
  const dir = mkdtempSync(join(tmpdir(), 'llmtel-edge-pkg-'));
  symlinkSync(nodePackage, join(dir, 'llmtel'));
  const workerd = platform === 'workerd';
  await build({
    entryPoints: [entry], outfile, bundle: true, logLevel: 'silent',
    format: workerd ? 'esm' : 'iife', platform: 'neutral',
    conditions: workerd ? ['workerd', 'worker', 'browser'] : ['edge-light', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    external: workerd ? ['node:*'] : [],
    nodePaths: [dir, join(nodePackage, 'node_modules')],
    plugins: [platformPlugin(workerd
      ? {
        // workerd has these with nodejs_compat; the wasm module is a module of the worker's own.
        stub: /^node:(child_process|fs|fs\/promises|os|readline|worker_threads)$/,
        wasm: () => ({ path: 'llmtel_wasm_bg.wasm', external: true }),
      }
      : {
        // Vercel's bundler hands over the compiled module and the runtime's AsyncLocalStorage
        // (the test's EdgeRuntime context carries both).
        stub: STUBBED,
        wasm: () => ({ path: 'llmtel_wasm', namespace: 'provided' }),
        provided: {
          llmtel_wasm: 'export default globalThis.__llmtelWasmModule;',
          'node:async_hooks': 'export const AsyncLocalStorage = globalThis.AsyncLocalStorage;',
        },
      })],
  });
}
