// Bundles the edge suite's worker as each platform's own bundler would (wrangler for
// Cloudflare, Next.js / Vercel's for Vercel Edge): the `llmtel` package resolved through its
// `exports` for the platform's conditions, the real provider SDKs, and the Node modules the
// runtime lacks (which the Anthropic SDK's credential and tool helpers import, and the worker
// never calls) stubbed as wrangler's `nodejs_compat` build (unenv) stubs them.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WORKERD = join(dirname(fileURLToPath(import.meta.url)), 'node_modules/.bin/workerd');

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

const freePort = () => new Promise((done) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => done(port));
  });
});

/**
 * Serves `dir`/worker.mjs (bundled for workerd) with the wasm core beside it, `bindings` as the
 * worker's text bindings (its `env`), on a loopback port; resolves when it answers.
 */
export async function startWorkerd({ dir, nodePackage, bindings = {} }) {
  copyFileSync(join(nodePackage, 'wasm/llmtel_wasm_bg.wasm'), join(dir, 'llmtel_wasm_bg.wasm'));
  const port = await freePort();
  const env = Object.entries(bindings).map(([name, text]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(text)})`).join(', ');
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # The loopback provider and Sentry are "local" addresses, which the default network refuses.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "llmtel_wasm_bg.wasm", wasm = embed "llmtel_wasm_bg.wasm"),
  ],
  bindings = [${env}],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
);
`);
  const child = spawn(WORKERD, ['serve', join(dir, 'config.capnp'), '--verbose'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const origin = `http://127.0.0.1:${port}`;
  // Ready when the port takes connections (a request would run the worker's handler).
  const accepts = () => new Promise((ok, fail) => {
    const socket = connect(port, '127.0.0.1', () => { socket.end(); ok(); });
    socket.on('error', fail);
  });
  for (let i = 0; ; i += 1) {
    try {
      await accepts();
      break;
    } catch (error) {
      if (i > 100 || child.exitCode !== null) {
        child.kill();
        throw new Error(`workerd did not start: ${error.message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { origin, stop: () => child.kill() };
}
