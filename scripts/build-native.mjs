#!/usr/bin/env node
// Builds the native addon from source: fetches the pinned llama.cpp source (checked against
// its committed integrity hash), then runs cmake-js (Ninja when available, all cores,
// ccache when installed). Output: build/Release/persona_gen.node (the product addon, and the CPU
// probe). With --dev it also builds build/Release/persona_gen_dev.node, the development addon
// (the product plus test hooks and bench tools, from native/dev/; never shipped): `npm run
// build:dev`, which `npm test` and `npm run bench` run first.
//
// Environment:
//   PERSONA_GEN_CPU=native|baseline|avx2   CPU target of llama.cpp's kernels (default native;
//                               baseline/avx2 for prebuilt binaries that run on other machines)
//   PERSONA_GEN_GPU=cuda|vulkan|metal   turn on a llama.cpp GPU backend
//   PERSONA_GEN_SANITIZE=1      AddressSanitizer + UBSan build (use with --out build-asan)
//   PERSONA_GEN_BUILD_DIR=dir   build folder (default build; build-win32-x64 for the cross build)
//
// `--target win32-x64` (on Linux x86-64): cross-compiles for Windows with MinGW-w64
// (cmake/mingw-w64-x86_64.cmake; Debian: `apt-get install g++-mingw-w64-x86-64-posix`), CPU
// target baseline unless PERSONA_GEN_CPU says otherwise. Output: <build dir>/Release/persona_gen.node.
// `--check-tools` only checks that the compilers are there (exit 1 naming the missing one).
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// The first executable named `cmd` on the PATH, or null.
function which(cmd) {
  const exts = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = path.join(dir, cmd + ext);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

function fail(msg) {
  process.stderr.write(`\npersona-gen: ${msg}\n\n`);
  process.exit(1);
}

// The MinGW-w64 C++ compiler the win32-x64 cross build needs.
const MINGW_CXX = 'x86_64-w64-mingw32-g++-posix';
const hostTuple = `${process.platform}-${process.arch}`;

// `--target <platform>-<arch>`: this machine's (default) or win32-x64 from Linux x86-64.
function parseTarget(argv) {
  const i = argv.indexOf('--target');
  const eq = argv.find((a) => a.startsWith('--target='));
  const target = eq ? eq.slice('--target='.length) : i >= 0 ? argv[i + 1] : hostTuple;
  if (target === hostTuple) return { target, cross: false };
  if (target === 'win32-x64' && process.platform === 'linux' && process.arch === 'x64') return { target, cross: true };
  fail(`--target ${target ?? '(missing)'}: this machine (${hostTuple}) builds ${hostTuple}` +
    (process.platform === 'linux' && process.arch === 'x64' ? ' or win32-x64 (MinGW-w64 cross build)' : ''));
}

function requireTools(cross) {
  if (!which('cmake')) {
    fail(
      'cannot build the native addon from source: `cmake` (3.19 or newer) is not on the PATH.\n' +
        'Install it (Debian/Ubuntu: `apt-get install cmake ninja-build g++`; macOS: `brew install cmake ninja`; ' +
        'Windows: Visual Studio with "Desktop development with C++"), then run `npm rebuild persona-gen`.',
    );
  }
  if (cross && !which(MINGW_CXX)) {
    fail(`the win32-x64 cross build needs \`${MINGW_CXX}\` on the PATH (Debian/Ubuntu: \`apt-get install g++-mingw-w64-x86-64-posix\`)`);
  }
  if (process.platform !== 'win32' && !cross) {
    const cxx = process.env.CXX || (which('c++') ?? which('g++') ?? which('clang++'));
    if (!cxx) {
      fail(
        'cannot build the native addon from source: no C++ compiler (c++, g++ or clang++) is on the PATH.\n' +
          'Install one (Debian/Ubuntu: `apt-get install g++`; macOS: `xcode-select --install`), then run `npm rebuild persona-gen`.',
      );
    }
  }
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) fail(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
}

const { target, cross } = parseTarget(process.argv.slice(2));
requireTools(cross);
// `--check-tools`: only say whether the tools are there (exit 1 with the message above if not).
if (process.argv.includes('--check-tools')) process.exit(0);
run(process.execPath, [path.join(root, 'scripts', 'fetch-llama.mjs')]);

const dev = process.argv.slice(2).includes('--dev');
const out = process.env.PERSONA_GEN_BUILD_DIR || (cross ? `build-${target}` : 'build');
const args = [
  path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js'),
  'build',
  '--out',
  out,
  '--parallel',
  String(Math.max(1, availableParallelism())),
];
if (process.platform !== 'win32' && which('ninja')) args.push('-G', 'Ninja');
if (cross) {
  args.push(`--CDCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake', 'mingw-w64-x86_64.cmake')}`);
  if (!process.env.PERSONA_GEN_CPU) args.push('--CDPERSONA_GEN_CPU=baseline');
}
if (process.env.PERSONA_GEN_CPU) args.push(`--CDPERSONA_GEN_CPU=${process.env.PERSONA_GEN_CPU}`);
if (process.env.PERSONA_GEN_SANITIZE === '1') args.push('--CDPERSONA_GEN_SANITIZE=ON', '--config', 'RelWithDebInfo');
if (process.env.PERSONA_GEN_GPU) args.push(`--CDPERSONA_GEN_GPU=${process.env.PERSONA_GEN_GPU}`);
run(process.execPath, args);
if (dev) run(process.execPath, [...args, '--target', 'persona_gen_dev']);
