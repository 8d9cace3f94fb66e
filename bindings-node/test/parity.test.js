'use strict';
// The parity check's Node column: every operation tests/parity/facade.json names for Node
// exists on the native binding (methods on prototypes, getters, module functions).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const native = require('../lib/native');
const table = require(path.join(__dirname, '..', '..', 'tests', 'parity', 'facade.json'));

function exists(name) {
  const [owner, member] = name.includes('.') ? name.split('.') : [null, name];
  if (!owner) return typeof native[member] === 'function';
  const cls = native[owner];
  return Boolean(cls && (member in cls.prototype || Object.getOwnPropertyDescriptor(cls.prototype, member)));
}

test('the native binding has every facade operation the parity table names for Node', () => {
  const missing = table.operations.filter((row) => row.node && !exists(row.node)).map((row) => `${row.op} (${row.node})`);
  assert.deepEqual(missing, []);
  assert.ok(table.operations.length > 30);
});
