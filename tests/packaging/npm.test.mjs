// The npm packages as they would be published (`make npm-packages`: target/npm/tarballs), in a
// fresh project with no Rust toolchain on PATH: `npm install` of the tarballs picks this
// machine's binary package through its os / cpu / libc fields, the README's Node quick start
// runs from CommonJS and records its spans, an ES module sees the same API, and `tsc --strict`
// type-checks the quick start against the published types. Each tarball stays under 5 MB.
//
// Run by `make test-npm`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
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

test('every tarball is under 5 MB', () => {
  for (const file of readdirSync(TARBALLS)) {
    const mb = statSync(join(TARBALLS, file)).size / 1e6;
    assert.ok(mb < 5, `${file}: ${mb.toFixed(2)} MB`);
  }
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
