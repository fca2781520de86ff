/**
 * `npm run bench:serve`: `persona-gen serve` against llama.cpp's `llama-server` (built from the
 * same pinned source by `npm run bench:anchors`), same model file, same threads, on loopback.
 * For each N (default 1, 8, 32) both servers start with N sequence slots (`--parallel N` /
 * `-np N`), then take turns running waves of N concurrent streaming greedy requests (distinct
 * prompts, so no prefix cache helps either); every request to ours is personalized (a stored
 * profile, `persona.beta`). Reported per N and server: aggregate generated tokens/s (median over
 * waves, and the paired ratio ours / llama-server), time to first token and request latency
 * (p50 and p99 over all requests), and who wrote our streams' events (the engine or the server's
 * JavaScript, from its /metrics). Bounded: `--waves` waves per N and server (default 2) after
 * one warm-up wave, `--max-tokens` tokens per request (default 64).
 *
 * Options: `--model FILE` (default: the Qwen2.5-0.5B-shaped Q4_K_M benchmark model, written
 * by lib/bench/models.ts), `--threads N` (default 2), `--ns 1,8,32`, `--max-tokens N`,
 * `--waves N`, `--beta B`, `--context-size N` (per sequence, default 256), `--flash-attention on|off`
 * (both servers; default off, our default: llama-server's own default, auto, would turn it on),
 * `--llama-server PATH` (default build-anchors/bin/llama-server), `--out FILE`
 * (default bench/serve-results.json), `--quick` (stories260K from test/fixtures, N = 1 and 4, 16 tokens,
 * one wave: a smoke run).
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { packageRoot } from '../bindings/index.js';
import { ensureBenchModel, QWEN25_05B } from './models.js';
import { quantile, runWave, type RequestTiming, type WaveResult, type WaveSpec } from './serve-load.js';
import { type BenchStat, pairedRatio } from './stats.js';
import { renderSection, type Row } from './table.js';

/** Settings of a run. */
export interface ServeBenchSettings {
  model?: string;
  threads: number;
  ns: number[];
  maxTokens: number;
  waves: number;
  beta: number;
  contextSize: number;
  llamaServer: string;
  out: string;
  quick: boolean;
  /** Flash attention on both servers (ours through PERSONA_GEN_FLASH_ATTENTION, llama-server's `-fa on|off`); default off, our default. */
  flashAttention: boolean;
}

/** The figures of one server at one N. */
export interface ServerFigures {
  tokensPerSecond: number[];
  ttftMs: { p50: number; p99: number };
  latencyMs: { p50: number; p99: number };
  tokensPerRequest: number;
}

/** The figures at one N. */
export interface ServeBenchPoint {
  n: number;
  ours: ServerFigures;
  llamaServer: ServerFigures;
  /** ours / llama-server aggregate tokens/s, paired wave by wave. */
  ratio: BenchStat;
  /** Our streamed responses by who wrote their events (its /metrics at the end): the engine, or the server's JavaScript. */
  oursWriters: { engine: number; server: number };
}

const KEY = 'sk-bench-00000000';

/**
 * The pause before each timed wave. A server does work after its requests end (llama-server, for
 * one, keeps the slot's prompt in its RAM cache, `--cache-ram`), and without a pause that work
 * ran during the other server's next wave: at N = 1 our time to first token was ~43 ms after a
 * llama-server wave and ~32 ms after one of ours, llama-server's ~32 ms after ours and ~26 ms
 * after its own (8 alternating waves). The two servers never share a machine in use, so neither
 * is charged for the other's.
 */
const SETTLE_MS = 500;

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
const PROMPT = 'Once upon a time, in a small village by the sea, there lived an old fisherman who';
const PROFILE = [
  'The sea was calm and the boats came home with silver fish at dawn.',
  'My grandfather taught me to mend nets and read the weather from the clouds.',
];

function parseArgs(argv: string[]): ServeBenchSettings {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
    return v;
  };
  const int = (name: string, def: number): number => {
    const v = get(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
    return n;
  };
  const quick = argv.includes('--quick');
  const nsText = get('--ns');
  const ns = nsText ? nsText.split(',').map((s) => Number(s)) : quick ? [1, 4] : [1, 8, 32];
  if (ns.some((n) => !Number.isInteger(n) || n < 1 || n > 256)) throw new Error(`--ns must be integers from 1 to 256, got ${nsText}`);
  const fa = get('--flash-attention') ?? 'off';
  if (fa !== 'on' && fa !== 'off') throw new Error(`--flash-attention must be on or off, got ${fa}`);
  const beta = Number(get('--beta') ?? 1);
  if (!Number.isFinite(beta)) throw new Error('--beta must be a number');
  return {
    model: get('--model') ?? (quick ? path.join(packageRoot, 'test', 'fixtures', 'models', 'stories260K.gguf') : undefined),
    threads: int('--threads', 2),
    ns,
    maxTokens: int('--max-tokens', quick ? 16 : 64),
    waves: int('--waves', quick ? 1 : 2),
    beta,
    contextSize: int('--context-size', 256),
    llamaServer: get('--llama-server') ?? path.join(packageRoot, 'build-anchors', 'bin', 'llama-server'),
    out: get('--out') ?? path.join(packageRoot, 'bench', 'serve-results.json'),
    quick,
    flashAttention: fa === 'on',
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

async function waitHealthy(url: string, child: ChildProcess, what: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${log().slice(-2000)}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become healthy in 300 s`);
}

interface Running {
  url: string;
  stop: () => Promise<void>;
}

function launch(
  cmd: string,
  args: string[],
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcess; log: () => string; stop: () => Promise<void> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    child,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function startOurs(s: ServeBenchSettings, model: string, n: number, dir: string): Promise<Running> {
  const port = await freePort();
  const p = launch(
    process.execPath,
    [
      path.join(packageRoot, 'dist', 'cli.js'), 'serve', '--model', model, '--model-name', 'bench', '--space', 'native',
      '--port', String(port), '--parallel', String(n), '--threads', String(s.threads), '--context-size', String(s.contextSize),
      '--db', path.join(dir, `profiles-${n}.db`), '--api-key', KEY,
    ],
    'persona-gen serve',
    { ...process.env, PERSONA_GEN_FLASH_ATTENTION: s.flashAttention ? '1' : '0' },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, p.child, 'persona-gen serve', p.log);
  const put = await fetch(`${url}/v1/users/bench/profile`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ texts: PROFILE }),
  });
  if (!put.ok) throw new Error(`storing the benchmark profile: HTTP ${put.status} ${await put.text()}`);
  return { url, stop: p.stop };
}

async function startLlamaServer(s: ServeBenchSettings, model: string, n: number): Promise<Running> {
  const port = await freePort();
  const p = launch(
    s.llamaServer,
    ['-m', model, '-t', String(s.threads), '-tb', String(s.threads), '-np', String(n), '-c', String(n * s.contextSize), '--host', '127.0.0.1', '--port', String(port), '--no-jinja',
      // Its default (auto) turns flash attention on for the CPU; both servers get the same setting.
      '-fa', s.flashAttention ? 'on' : 'off'],
    'llama-server',
  );
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, p.child, 'llama-server', p.log);
  return { url, stop: p.stop };
}

/** Our server's streamed responses so far, by writer (persona_gen_streamed_responses_total). */
async function writers(url: string): Promise<{ engine: number; server: number }> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
  const text = await res.text();
  const count = (writer: string) => Number(new RegExp(`^persona_gen_streamed_responses_total\\{writer="${writer}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { engine: count('engine'), server: count('server') };
}

function figures(waves: { tokensPerSecond: number; requests: RequestTiming[] }[]): ServerFigures {
  const reqs = waves.flatMap((w) => w.requests);
  const ttft = reqs.map((r) => r.ttftMs);
  const lat = reqs.map((r) => r.latencyMs);
  return {
    tokensPerSecond: waves.map((w) => w.tokensPerSecond),
    ttftMs: { p50: quantile(ttft, 0.5), p99: quantile(ttft, 0.99) },
    latencyMs: { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) },
    tokensPerRequest: reqs.reduce((a, r) => a + r.tokens, 0) / reqs.length,
  };
}

/**
 * `n` prompt numbers whose greedy outputs llama-server streams to the end when it decodes them
 * together. Its streaming parses every partial output as a chat message and fails the request
 * when a random-weight model's output holds an invalid UTF-8 sequence ("does not match the
 * expected Content-only format"), and what it outputs for a prompt depends on what else its
 * batch holds. So the set is screened as a whole: run all `n` at once, replace the prompts that
 * failed with fresh ones, until the same set passes twice in a row. The prompts left out are
 * left out for both servers.
 */
async function usablePrompts(url: string, n: number, tokens: number, log: (l: string) => void): Promise<number[]> {
  let ids = Array.from({ length: n }, (_, k) => k);
  let next = n;
  const skipped: number[] = [];
  for (let passes = 0, rounds = 0; passes < 2; rounds++) {
    if (rounds >= 12) throw new Error(`bench:serve: no set of ${n} prompts streamed to the end on llama-server in ${rounds} rounds`);
    const passed = await Promise.all(
      ids.map((id) =>
        runWave({ url, n: 1, path: '/completion', body: () => ({ prompt: `(${id}) ${PROMPT}`, n_predict: tokens, temperature: 0 }) }).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (passed.every(Boolean)) {
      passes++;
      continue;
    }
    passes = 0;
    ids = ids.map((id, k) => {
      if (passed[k]) return id;
      skipped.push(id);
      return next++;
    });
  }
  if (skipped.length > 0) log(`N=${n}: prompts ${skipped.join(', ')} left out (llama-server rejects its own output for them)`);
  return ids;
}

/**
 * A wave against llama-server, run again (at most 3 tries) when it rejects its own output for a
 * request (see {@link usablePrompts}): the output of a screened prompt can still change when
 * its slot is decoded beside others, and a wave with a failed request has no aggregate.
 */
async function theirWave(spec: WaveSpec, log: (l: string) => void): Promise<WaveResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runWave(spec);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (attempt >= 3 || !message.includes('does not match the expected')) throw err;
      log(`llama-server wave failed (${message}); running it again`);
    }
  }
}

/** Runs the benchmark at one N: both servers up, waves alternating, both stopped. */
async function benchAt(s: ServeBenchSettings, model: string, n: number, dir: string, log: (l: string) => void): Promise<ServeBenchPoint> {
  const ours = await startOurs(s, model, n, dir);
  let theirs: Running | undefined;
  try {
    theirs = await startLlamaServer(s, model, n);
    const ids = await usablePrompts(theirs.url, n, s.maxTokens, log);
    const body = (personal: boolean) => (i: number) => ({
      model: 'bench',
      prompt: `(${ids[i]}) ${PROMPT}`,
      max_tokens: s.maxTokens,
      temperature: 0,
      stream_options: { include_usage: true },
      ...(personal ? { user: 'bench', persona: { beta: s.beta } } : {}),
    });
    const specOurs: WaveSpec = { url: ours.url, n, body: body(true), headers: { authorization: `Bearer ${KEY}` } };
    // llama-server's own endpoint, same prompt, tokens and greedy decoding (see WaveSpec.path).
    const theirsBody = (tokens: number) => (i: number) => ({ prompt: `(${ids[i]}) ${PROMPT}`, n_predict: tokens, temperature: 0 });
    const specTheirs: WaveSpec = { url: theirs.url, n, body: theirsBody(s.maxTokens), path: '/completion' };
    // Warm-up waves as the timed ones: a shorter output could stop inside a UTF-8 sequence, which
    // llama-server's final parse rejects although the screened full-length output passed.
    await runWave(specOurs);
    await theirWave(specTheirs, log);
    const a = [];
    const b = [];
    for (let w = 0; w < s.waves; w++) {
      // Alternate which server goes first, so drift of the shared machine hits both alike.
      let x;
      let y;
      if (w % 2 === 0) {
        await settle();
        x = await runWave(specOurs);
        await settle();
        y = await theirWave(specTheirs, log);
      } else {
        await settle();
        y = await theirWave(specTheirs, log);
        await settle();
        x = await runWave(specOurs);
      }
      a.push(x);
      b.push(y);
      log(`N=${n} wave ${w + 1}/${s.waves}: ours ${x.tokensPerSecond.toFixed(1)} tok/s, llama-server ${y.tokensPerSecond.toFixed(1)} tok/s`);
    }
    const ratio = pairedRatio(a.map((w) => w.tokensPerSecond), b.map((w) => w.tokensPerSecond));
    return { n, ours: figures(a), llamaServer: figures(b), ratio, oursWriters: await writers(ours.url) };
  } finally {
    await ours.stop();
    await theirs?.stop();
  }
}

function rowsOf(p: ServeBenchPoint): Row[] {
  const med = (v: number[]) => quantile(v, 0.5);
  const ms = (f: ServerFigures) => `TTFT p50 ${f.ttftMs.p50.toFixed(0)} / p99 ${f.ttftMs.p99.toFixed(0)} ms; latency p50 ${f.latencyMs.p50.toFixed(0)} / p99 ${f.latencyMs.p99.toFixed(0)} ms`;
  return [
    {
      label: `N=${p.n} persona-gen serve (personalized), aggregate`,
      value: med(p.ours.tokensPerSecond),
      unit: 'tok/s',
      digits: 1,
      note: `${ms(p.ours)}; streams written by the engine ${p.oursWriters.engine}, by the server ${p.oursWriters.server}`,
    },
    { label: `N=${p.n} llama-server -np ${p.n}, aggregate`, value: med(p.llamaServer.tokensPerSecond), unit: 'tok/s', digits: 1, note: ms(p.llamaServer) },
    { label: `N=${p.n} ours / llama-server (goal >= 1.0)`, stat: p.ratio, unit: 'x', digits: 3 },
  ];
}

async function main(): Promise<void> {
  const s = parseArgs(process.argv.slice(2));
  const log = (l: string) => process.stderr.write(`${l}\n`);
  if (!existsSync(s.llamaServer)) throw new Error(`${s.llamaServer} not found: build it with \`npm run bench:anchors -- --targets llama-server\` or pass --llama-server PATH`);
  if (!existsSync(path.join(packageRoot, 'dist', 'cli.js'))) throw new Error('dist/cli.js not found: run `npm run build:ts`');
  const model = s.model ?? (await ensureBenchModel(QWEN25_05B, 'q4_k_m', { threads: s.threads, log })).path;
  if (!existsSync(model)) throw new Error(`--model ${model} not found`);
  const dir = mkdtempSync(path.join(tmpdir(), 'serve-bench-'));
  const points: ServeBenchPoint[] = [];
  try {
    for (const n of s.ns) points.push(await benchAt(s, model, n, dir, log));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const title = `server load: ${path.basename(model)}, ${s.threads} threads, flash attention ${s.flashAttention ? 'on' : 'off'} on both, greedy, ${s.maxTokens} new tokens per request, ${s.waves} wave(s) per N`;
  process.stdout.write(renderSection(title, points.flatMap(rowsOf)));
  mkdirSync(path.dirname(s.out), { recursive: true });
  const result = { when: new Date().toISOString(), settings: { ...s, model }, machine: { cpus: cpus().length, cpu: cpus()[0]?.model, loadavg: loadavg() }, points };
  writeFileSync(s.out, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${s.out}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:serve: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
