'use strict';
/**
 * Which copies of the instrumented packages get patched (CommonJS): every copy the application
 * loads, wherever it sits (a package's own nested copy, as @langchain/anthropic ships its
 * @anthropic-ai/sdk; workspaces; linked packages), through require-in-the-middle for what is
 * loaded from now on, and a look through the module cache for what was loaded before init().
 * Nothing is loaded that the application does not load itself.
 */
const { createRequire } = require('node:module');
const path = require('node:path');

/** The packages whose main module is patched, and those whose internal files are. */
const PACKAGES = ['openai', '@anthropic-ai/sdk', '@google/genai', 'ai'];
const INTERNALS = ['@langchain/core', '@langchain/langgraph'];
const CORE_FILES = ['callbacks/base.cjs', 'callbacks/manager.cjs', 'language_models/chat_models.cjs', 'tools/index.cjs', 'pregel/index.cjs'];

let installed = false;

/** `patch(name, load, exports, file)` runs once per copy (and per file, for internals); what it
 * returns, if anything, replaces the module's exports (for read-only CommonJS exports). */
function install(patch) {
  if (installed) return;
  installed = true;
  const loaderOf = (basedir) => createRequire(path.join(basedir, 'package.json'));
  const safely = (fn) => {
    try {
      fn();
    } catch {
      /* a copy llmtel cannot patch costs only its spans */
    }
  };
  const { Hook } = require('require-in-the-middle');
  new Hook(PACKAGES, (exports, name, basedir) => {
    let replaced;
    if (basedir) safely(() => { replaced = patch(name, loaderOf(basedir), exports, ''); });
    return replaced || exports;
  });
  new Hook(INTERNALS, { internals: true }, (exports, name, basedir) => {
    const file = name.split(path.sep).join('/');
    if (CORE_FILES.some((suffix) => file.endsWith(suffix))) safely(() => patch(packageOf(file), loaderOf(basedir), exports, file));
    return exports;
  });
  for (const [name, basedir, file, exports, module] of alreadyLoaded()) {
    safely(() => {
      // Later require() calls get the replacement; code that already holds the module keeps it.
      const replaced = patch(name, loaderOf(basedir), exports, file);
      if (replaced && module) module.exports = replaced;
    });
  }
}

/** Which of INTERNALS a file belongs to. */
const packageOf = (file) => INTERNALS.find((name) => file.includes(`${name}/`));

/** [package, its directory, file, exports] of the copies in the module cache. */
function alreadyLoaded() {
  const found = [];
  const seen = new Set();
  for (const [filename, module] of Object.entries(require.cache)) {
    const file = filename.split(path.sep).join('/');
    for (const name of [...PACKAGES, ...INTERNALS]) {
      const marker = `/node_modules/${name}/`;
      const at = file.lastIndexOf(marker);
      if (at < 0) continue;
      const basedir = file.slice(0, at + marker.length - 1);
      if (INTERNALS.includes(name)) {
        if (CORE_FILES.some((suffix) => file.endsWith(suffix))) found.push([name, basedir, file, module.exports]);
      } else if (!seen.has(basedir)) {
        seen.add(basedir);
        const main = safeResolve(basedir, name);
        found.push([name, basedir, '', safeRequire(basedir, name), main && require.cache[main]]);
      }
    }
  }
  return found;
}

function safeResolve(basedir, name) {
  try {
    return createRequire(path.join(basedir, 'package.json')).resolve(name);
  } catch {
    return undefined;
  }
}

function safeRequire(basedir, name) {
  try {
    return createRequire(path.join(basedir, 'package.json'))(name);
  } catch {
    return undefined;
  }
}

module.exports = { install };
