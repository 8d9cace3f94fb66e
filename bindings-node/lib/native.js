'use strict';
// Loads the napi binding (bindings-node/llmtel.node, built by `make node-build`).
const path = require('node:path');

module.exports = require(path.join(__dirname, '..', 'llmtel.node'));
