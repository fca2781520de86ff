#!/usr/bin/env node
// Builds llama.cpp's own programs that the benchmarks measure persona-gen against
// ("anchors"): llama-batched-bench, llama-server and llama-bench, from the SAME pinned source
// as the addon (deps/llama.cpp, fetched and checked by scripts/fetch-llama.mjs), with the
// same CPU policy as our native build (CMakeLists.txt: GGML_NATIVE, OpenMP, static libraries,
// AVX512-FP16 left out of the kernels), no curl, no OpenSSL, no web UI download.
// Output: build-anchors/bin/<program> (an ignored folder) and build-anchors/anchors.json
// (what was built, from which commit, with which flags).
//
// Usage: nice -n 10 npm run bench:anchors [-- --out DIR] [-- --targets a,b]
// Environment: CCACHE_DIR (default $HOME/.cache/ccache, the cache the addon build warms),
//              PERSONA_GEN_NO_CCACHE=1 to build without ccache, CC / CXX as for CMake.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/**
 * Extra compiler flags of the CPU policy: on x86-64 with -march=native, leave AVX512-FP16
 * out, as CMakeLists.txt does for ggml-cpu (explicit -mno-* flags win over -march=native
 * whatever their order; on every other target only ggml-cpu gets -march=native, so the
 * flag changes nothing there).
 */
function cpuPolicyFlags() {
  if (process.arch !== 'x64') return '';
  const cc = process.env.CC || 'cc';
  return succeeds(cc, ['-mno-avx512fp16', '-x', 'c', '-E', '-o', '/dev/null', '/dev/null']) ? '-mno-avx512fp16' : '';
}

function cmakeArgs(out, flags, ccache, pin) {
  const on = (names, value) => names.map((n) => `-D${n}=${value}`);
  const args = ['-S', path.join(root, 'deps', 'llama.cpp'), '-B', out, '-DCMAKE_BUILD_TYPE=Release'];
  // The programs report the pinned commit (deps/llama.cpp has no .git of its own: without
  // these, llama.cpp's CMake would report persona-gen's commit and commit count).
  args.push(`-DLLAMA_BUILD_COMMIT=${pin.commit.slice(0, 10)}`, '-DLLAMA_BUILD_NUMBER=0');
  if (succeeds('ninja', ['--version'])) args.push('-G', 'Ninja');
  args.push(
    ...on(['BUILD_SHARED_LIBS', 'LLAMA_BUILD_TESTS', 'LLAMA_BUILD_EXAMPLES', 'LLAMA_BUILD_APP', 'LLAMA_BUILD_UI',
      'LLAMA_USE_PREBUILT_UI', 'LLAMA_OPENSSL', 'LLAMA_CURL', 'LLAMA_LLGUIDANCE', 'LLAMA_TOOLS_INSTALL', 'GGML_BACKEND_DL'], 'OFF'),
    ...on(['LLAMA_BUILD_COMMON', 'LLAMA_BUILD_TOOLS', 'LLAMA_BUILD_SERVER', 'GGML_NATIVE', 'GGML_OPENMP'], 'ON'),
    `-DCMAKE_C_FLAGS=${flags}`,
    `-DCMAKE_CXX_FLAGS=${flags}`,
    `-DCMAKE_RUNTIME_OUTPUT_DIRECTORY=${path.join(out, 'bin')}`,
  );
  if (ccache) {
    // ccache's settings (those of CMakeLists.txt's launcher) come through the environment.
    args.push(`-DCMAKE_C_COMPILER_LAUNCHER=${ccache}`, `-DCMAKE_CXX_COMPILER_LAUNCHER=${ccache}`);
  }
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
  if (useCcache) {
    env.CCACHE_DIR ??= path.join(homedir(), '.cache', 'ccache');
    env.CCACHE_BASEDIR ??= root;
    env.CCACHE_NOHASHDIR ??= '1';
    env.CCACHE_SLOPPINESS ??= 'pch_defines,time_macros';
  }
  const flags = cpuPolicyFlags();
  mkdirSync(opts.out, { recursive: true });
  run('cmake', cmakeArgs(opts.out, flags, useCcache ? 'ccache' : null, pin), env);
  run('cmake', ['--build', opts.out, '--target', ...opts.targets, '--parallel', String(Math.max(1, availableParallelism()))], env);

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
    cpu: 'native (GGML_NATIVE, OpenMP)',
    extraFlags: flags,
    ccache: useCcache ? env.CCACHE_DIR : null,
    programs,
    builtAt: new Date().toISOString(),
  };
  writeFileSync(path.join(opts.out, 'anchors.json'), `${JSON.stringify(stamp, null, 2)}\n`);
  process.stdout.write(`llama.cpp ${pin.release} (${pin.commit.slice(0, 10)}) anchors in ${bin}: ${opts.targets.join(', ')}\n`);
}

main();
