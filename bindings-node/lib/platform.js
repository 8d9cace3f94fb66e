'use strict';
/**
 * The platforms llmtel's binary is published for, one `@llmtel/<name>` package each (with the
 * `os`, `cpu` and `libc` fields npm installs by), and this machine's name among them.
 */
const fs = require('node:fs');

/** The packages built for each platform (scripts/npm_packages.mjs makes them). */
const PLATFORMS = {
  'linux-x64-gnu': { os: 'linux', cpu: 'x64', libc: 'glibc' },
  'linux-x64-musl': { os: 'linux', cpu: 'x64', libc: 'musl' },
  'linux-arm64-gnu': { os: 'linux', cpu: 'arm64', libc: 'glibc' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64' },
  'darwin-x64': { os: 'darwin', cpu: 'x64' },
  'win32-x64-msvc': { os: 'win32', cpu: 'x64' },
};

/** glibc or musl, from the process report as napi-rs reads it (musl's has no glibc version). */
function libc() {
  try {
    const header = process.report.getReport().header;
    return header.glibcVersionRuntime ? 'glibc' : 'musl';
  } catch {
    return fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc';
  }
}

/** This machine's platform name, as the packages are named (`linux-x64-gnu`, …). */
function platformName(platform = process.platform, arch = process.arch, lib = platform === 'linux' ? libc() : undefined) {
  if (platform === 'linux') return `${platform}-${arch}-${lib === 'musl' ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `${platform}-${arch}-msvc`;
  return `${platform}-${arch}`;
}

module.exports = { PLATFORMS, platformName };
