#!/usr/bin/env node
// Builds llama.cpp's own programs that the benchmarks measure persona-gen against
// ("anchors"): llama-batched-bench, llama-server and llama-bench, from the SAME pinned source
// as the addon (deps/llama.cpp, fetched and checked by scripts/fetch-llama.mjs), added to a
// CMake project (scripts/anchors/CMakeLists.txt) exactly as the addon's CMakeLists.txt adds it:
// same CPU policy (GGML_NATIVE, OpenMP, static libraries, AVX512-FP16 left out of the kernels)
// and the same compile commands, so that ccache serves the ggml/llama objects from the addon's
// build; no curl, no OpenSSL, no web UI download.
// Output: build-anchors/bin/<program> (an ignored folder) and build-anchors/anchors.json
// (what was built, from which commit, with which flags).
//
// Usage: nice -n 10 npm run bench:anchors [-- --out DIR] [-- --targets a,b]
// Environment: CCACHE_DIR (default $HOME/.cache/ccache, the cache the addon build warms),
//              PERSONA_GEN_NO_CCACHE=1 to build without ccache, CC / CXX as for CMake.
// A build folder configured by an older version of this script is reconfigured from scratch.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The programs built by default (their CMake target names are their file names). */
const DEFAULT_TARGETS = ['llama-batched-bench', 'llama-server', 'llama-bench'];

function fail(msg) {
  process.stderr.write(`\nbuild-anchors: ${msg}\n\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { out: path.join(root, 'build-anchors'), targets: DEFAULT_TARGETS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--out' || a === '--targets') {
      if (v === undefined || v.startsWith('--')) fail(`${a} needs a value`);
      if (a === '--out') opts.out = path.resolve(v);
      else opts.targets = v.split(',').map((t) => t.trim()).filter(Boolean);
      i++;
    } else fail(`unknown argument "${a}" (known: --out DIR, --targets a,b)`);
  }
  for (const t of opts.targets) {
    if (!/^llama-[a-z-]+$/.test(t)) fail(`--targets: "${t}" is not a llama.cpp program name`);
  }
  return opts;
}

/** Runs a command with inherited output; fails naming it when it does not exit 0. */
function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) fail(`\`${cmd}\` could not start: ${r.error.message}`);
  if (r.status !== 0) fail(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
}

/** Whether `cmd args` runs and exits 0 (quietly). */
function succeeds(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

function cmakeArgs(out, pin) {
  const args = ['-S', path.join(root, 'scripts', 'anchors'), '-B', out, '-DCMAKE_BUILD_TYPE=Release'];
  if (succeeds('ninja', ['--version'])) args.push('-G', 'Ninja');
  args.push(
    // What cmake-js passes to the addon's build: the same compile commands, so ccache hits.
    '-DCMAKE_CXX_FLAGS=-DBUILDING_NODE_EXTENSION',
    `-DCMAKE_RUNTIME_OUTPUT_DIRECTORY=${path.join(out, 'bin')}`,
    // The programs report the pinned commit (deps/llama.cpp has no .git of its own: without
    // this, llama.cpp's CMake would report persona-gen's commit and commit count).
    `-DLLAMA_BUILD_COMMIT=${pin.commit.slice(0, 10)}`,
    '-DLLAMA_BUILD_NUMBER=0',
  );
  return args;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!succeeds('cmake', ['--version'])) fail('`cmake` (3.19 or newer) is not on the PATH: install it (Debian: apt-get install cmake ninja-build g++)');
  run(process.execPath, [path.join(root, 'scripts', 'fetch-llama.mjs')]);
  const pin = JSON.parse(readFileSync(path.join(root, 'scripts', 'llama-source.json'), 'utf8'));

  const useCcache = !process.env.PERSONA_GEN_NO_CCACHE && succeeds('ccache', ['--version']);
  // GIT_CEILING_DIRECTORIES: ggml's CMake asks git for a commit too; stop it at deps/.
  const env = { ...process.env, GIT_CEILING_DIRECTORIES: path.join(root, 'deps') };
  if (useCcache) env.CCACHE_DIR ??= path.join(homedir(), '.cache', 'ccache');
  const cache = path.join(opts.out, 'CMakeCache.txt');
  const source = path.join(root, 'scripts', 'anchors');
  if (existsSync(cache) && !readFileSync(cache, 'utf8').includes(`CMAKE_HOME_DIRECTORY:INTERNAL=${source}\n`)) {
    process.stderr.write(`build-anchors: ${opts.out} was configured from another source folder: starting it afresh\n`);
    rmSync(opts.out, { recursive: true, force: true });
  }
  mkdirSync(opts.out, { recursive: true });
  run('cmake', cmakeArgs(opts.out, pin), env);
  // One program at a time, in the order given, so that the first ones are usable early on a slow machine.
  for (const t of opts.targets) {
    run('cmake', ['--build', opts.out, '--target', t, '--parallel', String(Math.max(1, availableParallelism()))], env);
  }

  const bin = path.join(opts.out, 'bin');
  const programs = {};
  for (const t of opts.targets) {
    const file = path.join(bin, t);
    if (!existsSync(file)) fail(`the build finished but ${file} is missing`);
    programs[t] = file;
  }
  const stamp = {
    llamaRelease: pin.release,
    llamaCommit: pin.commit,
    cpu: 'native (GGML_NATIVE, OpenMP, -mno-avx512fp16 on ggml-cpu where the compiler has it), as the addon',
    ccache: useCcache ? env.CCACHE_DIR : null,
    programs,
    builtAt: new Date().toISOString(),
  };
  writeFileSync(path.join(opts.out, 'anchors.json'), `${JSON.stringify(stamp, null, 2)}\n`);
  process.stdout.write(`llama.cpp ${pin.release} (${pin.commit.slice(0, 10)}) anchors in ${bin}: ${opts.targets.join(', ')}\n`);
}

main();
