#!/usr/bin/env node
// `npm run test:asan`: builds the development addon (the product plus its test hooks, which the
// leak check needs) with AddressSanitizer + UndefinedBehaviorSanitizer in its own build folder
// (build-asan/, RelWithDebInfo) and runs the native, model, fuzz and eval
// kill/resume tests against it. Node itself is not instrumented, so the sanitizer runtimes are
// preloaded (LD_PRELOAD) into every Node process the tests start; PERSONA_GEN_BINARY makes the
// loader use the sanitizer build of the development addon. Any report fails the run: ASan stops the process at the first
// error and UBSan is built with -fno-sanitize-recover (a test sees the crash), and the output is
// also scanned for report headers.
//
// Leak detection at exit is off (detect_leaks=0): Node does not run LeakSanitizer's exit check
// once a native addon is loaded, and V8's own blocks would need a long suppression list. Instead
// test/model/leaks.test.ts runs 40 load/generate/dispose cycles in a child with detect_leaks=1,
// asks for a check through `testing.leakCheck()` and fails on any block leaked through the
// addon's code or llama.cpp (in the normal build it bounds the RSS over 200 cycles).
//
// Options: --no-build (use the existing build-asan), --only <vitest filters...>.
// Linux with GCC or Clang only.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = process.env.PERSONA_GEN_BUILD_DIR || 'build-asan';
const args = process.argv.slice(2);
const noBuild = args.includes('--no-build');
const onlyAt = args.indexOf('--only');
const DEFAULT_TESTS = ['test/unit/native', 'test/model', 'test/fuzz', 'test/e2e/eval-kill-resume.test.ts'];
const tests = onlyAt >= 0 ? args.slice(onlyAt + 1) : DEFAULT_TESTS;

function fail(msg) {
  process.stderr.write(`\ntest:asan: ${msg}\n`);
  process.exit(1);
}

function seconds(t0) {
  return ((Date.now() - t0) / 1000).toFixed(0);
}

if (process.platform !== 'linux') fail('the sanitizer run needs Linux (LD_PRELOAD of the GCC/Clang sanitizer runtimes)');

// 1. Build.
const tBuild = Date.now();
if (!noBuild) {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-native.mjs'), '--dev'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PERSONA_GEN_SANITIZE: '1', PERSONA_GEN_BUILD_DIR: buildDir },
  });
  if (r.status !== 0) fail(`the sanitizer build failed (exit ${r.status ?? r.signal})`);
}
const buildSeconds = seconds(tBuild);

// 2. The binary, and proof that it is instrumented.
const ADDON = 'persona_gen_dev.node';
function findNode(dir) {
  for (const sub of ['RelWithDebInfo', 'Release', 'Debug']) {
    const p = path.join(dir, sub, ADDON);
    if (existsSync(p)) return p;
  }
  if (!existsSync(dir)) return null;
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (e === ADDON) return p;
    if (statSync(p).isDirectory() && e !== 'CMakeFiles' && e !== 'llama.cpp') {
      const found = findNode(p);
      if (found) return found;
    }
  }
  return null;
}
const binary = findNode(path.join(root, buildDir));
if (!binary) fail(`no ${ADDON} under ${buildDir}/ (run without --no-build)`);
const ldd = spawnSync('ldd', [binary], { encoding: 'utf8' });
if (!/libasan/.test(ldd.stdout ?? '')) fail(`${binary} is not linked with libasan: not a sanitizer build (${buildDir} was configured without PERSONA_GEN_SANITIZE?)`);

// 3. The runtimes to preload, from the compiler that built it.
const cc = process.env.CC || 'gcc';
const runtime = (name) => {
  const r = spawnSync(cc, [`-print-file-name=${name}`], { encoding: 'utf8' });
  const p = (r.stdout ?? '').trim();
  if (r.status !== 0 || !p || !path.isAbsolute(p) || !existsSync(p)) fail(`cannot find ${name} with \`${cc} -print-file-name=${name}\``);
  return p;
};
const preload = [runtime('libasan.so'), runtime('libubsan.so')];

const env = {
  ...process.env,
  LD_PRELOAD: [...preload, process.env.LD_PRELOAD].filter(Boolean).join(':'),
  // allocator_may_return_null: a huge allocation fails as in a normal build (bad_alloc -> an Error)
  // instead of an ASan report; everything else is ASan's defaults (halt at the first error).
  ASAN_OPTIONS: ['detect_leaks=0', 'allocator_may_return_null=1', 'print_summary=1', process.env.ASAN_OPTIONS].filter(Boolean).join(':'),
  UBSAN_OPTIONS: ['print_stacktrace=1', 'halt_on_error=1', process.env.UBSAN_OPTIONS].filter(Boolean).join(':'),
  PERSONA_GEN_BINARY: binary,
  PERSONA_GEN_SANITIZE: '1',
  // Sanitized code is slower: more time per fuzz input.
  PERSONA_GEN_FUZZ_JOB_MS: process.env.PERSONA_GEN_FUZZ_JOB_MS || '60000',
};

// 4. The tests; the output is passed through and scanned for sanitizer reports.
const REPORT = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error: |SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer)/;
const tTests = Date.now();
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const child = spawn(process.execPath, [vitest, 'run', ...tests], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
const reports = [];
const scan = (stream, out) => {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (d) => {
    out.write(d);
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop();
    for (const l of lines) if (REPORT.test(l) && reports.length < 50) reports.push(l.trim());
  });
};
scan(child.stdout, process.stdout);
scan(child.stderr, process.stderr);
const code = await new Promise((resolve) => child.on('close', (c, s) => resolve(c ?? (s ? 128 : 1))));

process.stdout.write(
  `\ntest:asan: sanitizer build ${noBuild ? 'skipped' : `${buildSeconds} s`}, tests ${seconds(tTests)} s ` +
    `(${binary}, preloaded ${preload.map((p) => path.basename(p)).join(' + ')})\n`,
);
if (reports.length > 0) fail(`sanitizer reports:\n  ${reports.join('\n  ')}`);
if (code !== 0) fail(`the tests failed under the sanitizers (exit ${code})`);
process.stdout.write('test:asan: no sanitizer report\n');
