#!/usr/bin/env node
// `npm install` hook: use a prebuilt binary when one fits this machine, else compile.
// PERSONA_GEN_BUILD_FROM_SOURCE=1 always compiles.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The same loader the library uses: a local build, else the prebuilt binary that fits this
// CPU. Loading it (not only finding it) proves it links and runs here.
async function prebuiltFits() {
  try {
    const { loadNativeAddon } = await import('../bindings/index.js');
    const info = loadNativeAddon().systemInfo();
    return `llama.cpp ${info.llamaRelease}, ${info.cpuTarget} CPU target`;
  } catch {
    return null;
  }
}

if (process.env.PERSONA_GEN_BUILD_FROM_SOURCE !== '1') {
  const what = await prebuiltFits();
  if (what) {
    process.stderr.write(`persona-gen: using the existing native binary (${what})\n`);
    process.exit(0);
  }
  process.stderr.write('persona-gen: no prebuilt binary fits this machine; compiling from source\n');
}
const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-native.mjs')], { stdio: 'inherit' });
process.exit(r.status ?? 1);
