'use strict';
// Shared by the provider suites: the loopback provider server, a fresh spool, and the check
// against a scenario's expected span (tests/scenario_check.py, shared with every language).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { spawn, execFileSync } = require('node:child_process');
const assert = require('node:assert/strict');

const llmtel = require('..');

const TESTS = path.join(__dirname, '..', '..', 'tests');

function scenarios(...providers) {
  return fs.readdirSync(path.join(TESTS, 'scenarios'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(TESTS, 'scenarios', f), 'utf8')))
    .filter((s) => providers.includes(s.provider));
}

async function startProviderServer() {
  const server = spawn('python3', [path.join(TESTS, 'provider_server.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve) => readline.createInterface({ input: server.stdout }).once('line', resolve));
  return { server, url: line.replace('listening on ', '').trim() };
}

/** init() writing to a fresh spool with the scenario's content options; returns read(). */
function freshSpool(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-node-'));
  const spool = path.join(dir, 'spans.jsonl');
  llmtel.init({ spool, dsn: '', flushInterval: 20, ...options });
  return async () => {
    await llmtel.flush(5000);
    if (!fs.existsSync(spool)) return [];
    return fs.readFileSync(spool, 'utf8').trim().split('\n').filter(Boolean);
  };
}

function assertMatches(scenario, line, url) {
  try {
    execFileSync('python3', [path.join(TESTS, 'scenario_check.py'), scenario.name, line, url.replace('http://', '')], { stdio: 'pipe' });
  } catch (error) {
    assert.fail(`${scenario.name} differs:\n${error.stdout}`);
  }
}

function contentOptions(scenario) {
  return { contentFormat: scenario.options.content_format, maxContentBytes: scenario.options.max_content_bytes };
}

/**
 * The names of the native binding's functions and NativeClient methods `run()` calls (the
 * crossings into the binding, in order), and what it returns: `{ crossings, result }`.
 */
async function countCrossings(run) {
  const binding = require('../llmtel.node');
  const crossings = [];
  const restore = [];
  for (const owner of [binding, binding.NativeClient.prototype]) {
    for (const key of Object.getOwnPropertyNames(owner)) {
      const original = Object.getOwnPropertyDescriptor(owner, key).value; // not the getters
      if (typeof original !== 'function' || key === 'constructor' || key === 'NativeClient' || key === 'release') continue;
      owner[key] = function (...args) {
        crossings.push(key);
        return original.apply(this, args);
      };
      restore.push(() => { owner[key] = original; });
    }
  }
  try {
    return { crossings, result: await run() };
  } finally {
    for (const undo of restore) undo();
  }
}

module.exports = { scenarios, startProviderServer, freshSpool, assertMatches, contentOptions, countCrossings };
