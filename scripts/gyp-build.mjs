#!/usr/bin/env node
// Called by binding.gyp's action: runs the CMake build into its own folder and copies the
// addon to where node-gyp (and so prebuildify) expects it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dest = path.resolve(process.argv[2] ?? path.join(root, 'build', 'Release', 'persona_gen.node'));
const buildDir = 'build-cmake';
const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-native.mjs')], {
  stdio: 'inherit',
  env: { ...process.env, PERSONA_GEN_BUILD_DIR: buildDir },
});
if (r.status !== 0) process.exit(r.status ?? 1);
mkdirSync(path.dirname(dest), { recursive: true });
copyFileSync(path.join(root, buildDir, 'Release', 'persona_gen.node'), dest);
