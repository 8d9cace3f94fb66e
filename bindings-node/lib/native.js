'use strict';
/**
 * Loads the napi binding: the `llmtel.node` of a build from source (`make node-build`), else
 * the `@llmtel/<platform>` package npm installed for this machine (an optional dependency of the
 * published package, as napi-rs packages ship their binaries). When neither is there, the error
 * names the package this platform needs.
 */
const fs = require('node:fs');
const path = require('node:path');
const { PLATFORMS, platformName } = require('./platform');

function load() {
  const name = platformName();
  const local = path.join(__dirname, '..', 'llmtel.node');
  if (fs.existsSync(local)) return require(local); // built from source
  try {
    return require(`@llmtel/${name}`);
  } catch (error) {
    if (error && error.code !== 'MODULE_NOT_FOUND') throw error;
    const known = Object.prototype.hasOwnProperty.call(PLATFORMS, name);
    throw new Error(known
      ? `llmtel: the binary for this platform is not installed: @llmtel/${name}. It is an optional dependency of llmtel; ` +
        'install it (npm install, without --no-optional / --omit=optional), or build from source with `make node-build`.'
      : `llmtel: no binary is published for ${name} (there are ${Object.keys(PLATFORMS).join(', ')}); build from source with \`make node-build\`.`);
  }
}

module.exports = load();
