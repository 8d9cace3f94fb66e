// The npm packages as they would be published, napi-rs style: `llmtel` (the JavaScript, the
// wasm build for browsers and edge runtimes, and an optional dependency on every platform
// package) and one `@llmtel/<platform>` per binary given, with the `os`, `cpu` and `libc`
// fields npm installs by. Packs each into OUT/tarballs.
//
//   node scripts/npm_packages.mjs OUT linux-x64-gnu=path/to/libllmtel_node.so [...]
//
// Run by `make npm-packages`, which builds the binaries (release, stripped; zig links them for
// glibc 2.17 and musl, as the PyPI wheels).
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nodePackage = resolve(here, '..');
const repo = resolve(nodePackage, '..');
const { PLATFORMS } = createRequire(import.meta.url)('../lib/platform.js');

const [outArg, ...binaries] = process.argv.slice(2);
const out = outArg && resolve(outArg);
if (!out || binaries.length === 0) {
  process.stderr.write('usage: node npm_packages.mjs OUT PLATFORM=BINARY [...]\n');
  process.exit(2);
}
const main = JSON.parse(readFileSync(join(nodePackage, 'package.json'), 'utf8'));
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'tarballs'), { recursive: true });

/** `npm pack` of `dir` into OUT/tarballs; returns the tarball's path and size. */
function pack(dir) {
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', join(out, 'tarballs')], { cwd: dir, encoding: 'utf8' }));
  const file = join(out, 'tarballs', info.filename);
  return { file, bytes: statSync(file).size };
}

const packed = [];
for (const entry of binaries) {
  const [name, binary] = entry.split('=');
  const platform = PLATFORMS[name];
  if (!platform || !binary) throw new Error(`${entry}: expected PLATFORM=BINARY with PLATFORM one of ${Object.keys(PLATFORMS).join(', ')}`);
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(binary, join(dir, 'llmtel.node'));
  copyFileSync(join(repo, 'LICENSE'), join(dir, 'LICENSE'));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({
    name: `@llmtel/${name}`,
    version: main.version,
    description: `llmtel's native binary for ${name}`,
    license: main.license,
    main: 'llmtel.node',
    files: ['llmtel.node'],
    os: [platform.os],
    cpu: [platform.cpu],
    ...(platform.libc ? { libc: [platform.libc] } : {}),
    engines: main.engines,
  }, null, 2)}\n`);
  packed.push({ name: `@llmtel/${name}`, ...pack(dir) });
}

// The main package: what package.json's `files` names, but no llmtel.node of a local build.
const dir = join(out, 'llmtel');
mkdirSync(dir, { recursive: true });
for (const file of main.files.filter((f) => f !== 'llmtel.node')) {
  cpSync(join(nodePackage, file), join(dir, file), { recursive: true });
}
for (const file of ['LICENSE']) copyFileSync(join(nodePackage, file), join(dir, file));
copyFileSync(join(repo, 'README.md'), join(dir, 'README.md'));
const { devDependencies, scripts, ...published } = main;
writeFileSync(join(dir, 'package.json'), `${JSON.stringify({
  ...published,
  files: main.files.filter((f) => f !== 'llmtel.node'),
  optionalDependencies: Object.fromEntries(Object.keys(PLATFORMS).map((name) => [`@llmtel/${name}`, main.version])),
}, null, 2)}\n`);
packed.push({ name: 'llmtel', ...pack(dir) });

for (const { name, file, bytes } of packed) {
  process.stdout.write(`${name.padEnd(26)} ${(bytes / 1e6).toFixed(2).padStart(6)} MB  ${file}\n`);
}
