#!/usr/bin/env node
// `npm install` hook: use a prebuilt binary when one fits this machine, else compile.
// PERSONA_GEN_BUILD_FROM_SOURCE=1 always compiles.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function prebuiltFits() {
  try {
    const file = require('node-gyp-build').resolve(root);
    require(file); // loads and links: the binary really runs here
    return file;
  } catch {
    return null;
  }
}

if (process.env.PERSONA_GEN_BUILD_FROM_SOURCE !== '1') {
  const file = prebuiltFits();
  if (file) {
    process.stderr.write(`persona-gen: using the native binary ${path.relative(root, file)}\n`);
    process.exit(0);
  }
  process.stderr.write('persona-gen: no prebuilt binary fits this machine; compiling from source\n');
}
const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-native.mjs')], { stdio: 'inherit' });
process.exit(r.status ?? 1);
