// End-to-end: `node dist/cli.js eval | sweep | report | demo` on the tiny real model and a
// 3-user LongLaMP-2 fixture, offline (native space, a local Hub look-alike for hf: downloads).
// Build first: npx tsc -p tsconfig.build.json
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createMeteorScorer } from '../../lib/metrics/meteor.js';
import { resolvePunktParameters } from '../../lib/metrics/nltk-data.js';
import { createExampleScorer } from '../../lib/metrics/score-file.js';
import { readPredictions, type PredictionRecord } from '../../lib/eval/predictions.js';
import type { RunConfig } from '../../lib/eval/run-config.js';
import type { RunMetrics } from '../../lib/eval/runner.js';
import { summarizeRun } from '../../lib/eval/summary.js';
import { startHubServer, type HubServer } from '../helpers/hub-server.js';
import { writeLongLampParquet } from '../helpers/write-parquet.js';
import { FIXTURE_USERS, baseArgs, byPair, canRunE2e, fixtureRows, nltkData, runCli, startCli, tinyModel, writeFixture, type CliResult } from './eval-fixture.js';

const STORIES_SHA256 = '047bf46455a544931cff6fef14d7910154c56afbc23ab1c5e56a72e69912c04b';
const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) console.warn(`[tests] ${CHROMIUM} (Chromium) is absent: the report rendering test is skipped`);
const SYSTEMS = ['baseline', 'bias@0', 'bias@1', 'rag@1', 'rag@1+bias@0', 'rag@1+bias@1'];

const json = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const withoutTiming = (r: PredictionRecord) => ({ ...r, timing: null });
const metricsWithoutTiming = (m: RunMetrics) => ({ ...m, run: null, finishedAt: null, systems: m.systems.map((s) => ({ ...s, speed: null })) });

describe.skipIf(!canRunE2e)('persona-gen eval (end to end)', () => {
  let root: string;
  let fixture: string;
  let args: string[];
  let runA: string;
  let outA: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'pg-e2e-eval-'));
    fixture = writeFixture(root);
    args = [...baseArgs(fixture), '--betas', '0,1', '--rag-k', '1'];
    runA = path.join(root, 'run-a');
    outA = await runCli(['eval', ...args, '--out', runA, '--json'], { cwd: root });
  });

  it('writes config.json, predictions.jsonl and metrics.json with the documented fields', () => {
    expect(outA.stderr).not.toMatch(/persona-gen: /);
    expect(outA.code).toBe(0);
    // --json: the summary on stdout, the table and progress on stderr
    const summary = JSON.parse(outA.stdout) as RunMetrics & { status: string; dir: string };
    expect(summary.status).toBe('complete');
    expect(summary.dir).toBe(runA);
    expect(summary.systems.map((s) => s.id)).toEqual(SYSTEMS);
    expect(outA.stderr).toMatch(/\[ 1\/18\] Ada Lovelace · baseline: \d+ tokens, \d+ tok\/s, ROUGE-L \d\.\d{4}/);
    expect(outA.stderr).toContain('difference from control (paired)');

    const config = json<RunConfig>(path.join(runA, 'config.json'));
    expect(config.schema).toBe('persona-gen/eval-config@1');
    expect(config.package).toEqual({ name: 'persona-gen', version: json<{ version: string }>(path.resolve('package.json')).version });
    expect(config.options).toMatchObject({ task: 'LongLaMP-2', space: 'native', betas: [0, 1], ragK: 1, maxTokens: 24, threads: 2, contextSize: 256, data: fixture });
    expect(config.task).toEqual({ id: 'LongLaMP-2', title: 'abstract generation', kind: 'abstract', config: 'abstract_generation_user', setting: 'user', split: 'test' });
    expect(config.data).toMatchObject({ source: 'file', path: fixture, bytes: readFileSync(fixture).length });
    expect(config.users).toEqual([...FIXTURE_USERS]);
    expect(config.model).toMatchObject({ ref: tinyModel, path: tinyModel, sha256: STORIES_SHA256, vocabSize: 512, embeddingSize: 64, hasChatTemplate: false });
    expect(config.embedder).toBeNull();
    expect(config.space).toMatchObject({ name: 'native', rows: 512, dims: 64 });
    expect(config.systems.map((s) => s.id)).toEqual(SYSTEMS);
    expect(config.generation).toMatchObject({ contextSize: 256, maxTokens: 24, greedy: true, seed: 0, chat: false });
    expect(config.prompt.truncation).toMatch(/^left: /);
    expect(config.scoring.punkt).toContain(path.join(nltkData, 'tokenizers', 'punkt_tab', 'english'));
    expect(config.llamaCpp.release).toMatch(/^(v\d+\.\d+\.\d+|b\d+)$/);
    expect(config.llamaCpp.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(config.machine).toMatchObject({ cpu: os.cpus()[0]!.model.trim(), cores: os.cpus().length, arch: process.arch });
    expect(config.threads).toBe(2);

    const preds = readPredictions(path.join(runA, 'predictions.jsonl'));
    expect(preds.tornBytes).toBe(0);
    expect(preds.records.map((r) => `${r.userId}|${r.system}`).sort()).toEqual(FIXTURE_USERS.flatMap((u) => SYSTEMS.map((s) => `${u}|${s}`)).sort());
    for (const r of preds.records) {
      expect(r.beta).toBe(r.system.includes('bias@') ? Number(r.system.split('bias@')[1]) : null);
      expect(r.prompt.length).toBeGreaterThan(0);
      expect(r.outputTokens).toBeGreaterThan(0);
      expect(r.outputTokens).toBeLessThanOrEqual(24);
      expect(r.promptTokens).toBeGreaterThan(0);
      expect(r.timing.tokensPerSecond).toBeGreaterThan(0);
      expect(Object.keys(r.metrics)).toEqual(['rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'meteor']);
      if (r.ragK !== null) expect(r.prompt).toContain('is the abstract for the title');
    }

    const metrics = json<RunMetrics>(path.join(runA, 'metrics.json'));
    expect(metrics).toMatchObject({ schema: 'persona-gen/eval-metrics@1', run: 'run-a', users: 3, space: 'native', rougeStemming: false });
    expect(metrics.statistics).toMatchObject({ confidence: 0.95, resamples: 10000, seed: 0 });
    for (const s of metrics.systems) {
      for (const m of ['rouge1', 'rougeL', 'meteor'] as const) {
        expect(s.metrics[m].low).toBeLessThanOrEqual(s.metrics[m].mean);
        expect(s.metrics[m].high).toBeGreaterThanOrEqual(s.metrics[m].mean);
      }
      expect(s.comparisons.length).toBe(s.id === 'baseline' ? 0 : s.kind === 'rag+bias' ? 2 : 1);
      for (const c of s.comparisons) expect(c.metrics.rougeL.pValue).toBeGreaterThan(0);
    }
  });

  it('beta 0 gives exactly the non-personalized outputs', () => {
    const recs = readPredictions(path.join(runA, 'predictions.jsonl')).records;
    const out = (u: string, s: string) => recs.find((r) => r.userId === u && r.system === s)!.output;
    for (const u of FIXTURE_USERS) {
      expect(out(u, 'bias@0')).toBe(out(u, 'baseline'));
      expect(out(u, 'rag@1+bias@0')).toBe(out(u, 'rag@1'));
    }
    const metrics = json<RunMetrics>(path.join(runA, 'metrics.json'));
    const zero = metrics.systems.find((s) => s.id === 'bias@0')!.comparisons[0]!;
    expect(zero.metrics.rougeL).toMatchObject({ meanDiff: 0, pValue: 1, ties: 3 });
  });

  it('metrics.json equals the metrics recomputed from predictions.jsonl', async () => {
    const config = json<RunConfig>(path.join(runA, 'config.json'));
    const metrics = json<RunMetrics>(path.join(runA, 'metrics.json'));
    const recs = readPredictions(path.join(runA, 'predictions.jsonl')).records;
    // each line's scores, recomputed from its prediction and reference
    const punkt = await resolvePunktParameters({ nltkData });
    const score = await createExampleScorer({ stem: false, meteor: await createMeteorScorer({ punktParameters: punkt.params }) });
    for (const r of recs) {
      const s = score({ id: '', prediction: r.output, reference: r.reference });
      expect(r.metrics).toEqual({ rouge1: s.rouge1, rouge2: s.rouge2, rougeL: s.rougeL, rougeLsum: s.rougeLsum, meteor: s.meteor });
    }
    // the means, by hand
    for (const s of metrics.systems) {
      const rows = recs.filter((r) => r.system === s.id);
      for (const m of ['rouge1', 'rougeL', 'meteor'] as const) {
        expect(s.metrics[m].mean).toBeCloseTo(rows.reduce((a, r) => a + r.metrics[m], 0) / rows.length, 12);
      }
    }
    // and everything else (CIs, paired differences, p-values), from the lines alone
    expect(summarizeRun(recs, config.systems, config.users).systems).toEqual(metrics.systems);
  });

  it('--resume after a SIGKILL mid-run loses and duplicates nothing', async () => {
    const dir = path.join(root, 'run-killed');
    const started = startCli(['eval', ...args, '--out', dir], {
      cwd: root,
      onStderr: (text, child) => {
        if (/\[ 2\/18\]/.test(text) && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      },
    });
    const killed = await started.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(path.join(dir, 'metrics.json'))).toBe(false);
    const partial = readPredictions(path.join(dir, 'predictions.jsonl')).records;
    expect(partial.length).toBeGreaterThanOrEqual(2);
    expect(partial.length).toBeLessThan(18);
    // as if the kill had landed in the middle of a write
    appendFileSync(path.join(dir, 'predictions.jsonl'), '{"userId":"Alan Turing","system":"bas');

    const resumed = await runCli(['eval', '--resume', dir], { cwd: root });
    expect(resumed.stderr).not.toMatch(/persona-gen: /);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('ignoring a half-written last line');
    expect(resumed.stderr).toContain(`resuming: ${partial.length} of 18 generations already done`);

    const a = readPredictions(path.join(runA, 'predictions.jsonl'));
    const b = readPredictions(path.join(dir, 'predictions.jsonl'));
    expect(b.tornBytes).toBe(0);
    expect(byPair(b.records).map(withoutTiming)).toEqual(byPair(a.records).map(withoutTiming));
    expect(metricsWithoutTiming(json<RunMetrics>(path.join(dir, 'metrics.json')))).toEqual(metricsWithoutTiming(json<RunMetrics>(path.join(runA, 'metrics.json'))));
    const ca = json<RunConfig>(path.join(runA, 'config.json'));
    const cb = json<RunConfig>(path.join(dir, 'config.json'));
    expect({ ...cb, createdAt: null }).toEqual({ ...ca, createdAt: null });
    expect(existsSync(path.join(dir, '.lock'))).toBe(false);
  });

  it('Ctrl-C (SIGINT) stops after the generations already written, and the run resumes', async () => {
    // The SIGINT is sent when the first progress line arrives; a run that finished all 18
    // generations before it landed (the tiny model is fast, and a loaded test machine may read
    // the child's stderr late) has tested nothing, so it is started again, up to 4 times. One
    // sequence at a time leaves the most work after the first line.
    let dir = '';
    let stopped: CliResult | undefined;
    for (let attempt = 0; attempt < 4 && (stopped === undefined || stopped.code === 0); attempt++) {
      dir = path.join(root, `run-sigint-${attempt}`);
      let sentSigint = false;
      const started = startCli(['eval', ...args, '--parallel', '1', '--out', dir], {
        cwd: root,
        onStderr: (text, child) => {
          // one Ctrl-C: a second one quits at once by design
          if (/\[ 1\/18\]/.test(text) && !sentSigint) {
            sentSigint = true;
            child.kill('SIGINT');
          }
        },
      });
      stopped = await started.done;
    }
    expect(stopped!.code).toBe(130);
    expect(stopped!.stderr).toContain('SIGINT: stopping after the generations already written');
    expect(stopped!.stderr).toMatch(/interrupted: \d+ of 18 generations are saved in .*predictions\.jsonl; continue with: persona-gen eval --resume /);
    const partial = readPredictions(path.join(dir, 'predictions.jsonl'));
    expect(partial.tornBytes).toBe(0);
    expect(partial.records.length).toBeLessThan(18);
    expect(existsSync(path.join(dir, 'metrics.json'))).toBe(false);
    const resumed = await runCli(['eval', '--resume', dir, '--threads', '1'], { cwd: root });
    expect(resumed.code).toBe(0);
    expect(byPair(readPredictions(path.join(dir, 'predictions.jsonl')).records).map(withoutTiming)).toEqual(
      byPair(readPredictions(path.join(runA, 'predictions.jsonl')).records).map(withoutTiming),
    );
  });

  it.each([
    [['--betas', '0,abc'], '--betas: "abc" is not a finite number'],
    [['--betas', '1', '--beta', '2'], '--betas: give either --beta B or --betas'],
    [['--space', 'bert'], '--space: expected sbert or native, got "bert"'],
    [['--max-tokens', '300'], '--max-tokens: 300 new tokens leave fewer than 8 tokens of --context-size 256'],
    [['--top-k', 'many'], '--top-k expects a number, got "many"'],
    [['--task', 'LongLaMP-9'], '--task: unknown LongLaMP task "LongLaMP-9"'],
    [['--users', 'Ada Lovelace,Nobody'], '--users: no user "Nobody" in'],
    [['--chat', 'on'], '--chat: stories260K.gguf has no chat template'],
  ])('bad options are clear errors: %j', async (extra, message) => {
    const r = await runCli(['eval', ...args, ...extra, '--out', path.join(root, 'bad')], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
  });

  it('a missing model, a missing data file and a missing run folder are clear errors', async () => {
    const missing = path.join(root, 'no-such-model.gguf');
    const m = await runCli(['eval', ...baseArgs(fixture).map((a) => (a === tinyModel ? missing : a)), '--out', path.join(root, 'bad')], { cwd: root });
    expect(m.code).toBe(1);
    expect(m.stderr).toContain(`persona-gen: --model: model file not found: ${missing}`);
    const d = await runCli(['eval', ...baseArgs(path.join(root, 'nope.jsonl')), '--out', path.join(root, 'bad')], { cwd: root });
    expect(d.code).toBe(1);
    expect(d.stderr).toContain(`--data: file not found: ${path.join(root, 'nope.jsonl')}`);
    const r = await runCli(['eval', '--resume', path.join(root, 'nowhere')], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--resume: ${path.join(root, 'nowhere')} is not a run folder`);
    const again = await runCli(['eval', ...args, '--out', runA], { cwd: root });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`--out: ${runA} already holds a run; continue it with --resume ${runA}`);
    const differs = await runCli(['eval', '--resume', runA, '--max-tokens', '8'], { cwd: root });
    expect(differs.code).toBe(1);
    expect(differs.stderr).toContain(`--max-tokens: is 8, but the run in ${runA} was started with 24`);
  });

  it('the default model offline with an empty cache names --model, the hf: reference and the download command', async () => {
    const cache = path.join(root, 'empty-hub-cache');
    const r = await runCli(['eval', '--space', 'native', '--data', fixture, '--out', path.join(root, 'bad')], {
      cwd: root,
      env: { HF_HUB_OFFLINE: '1', HF_HUB_CACHE: cache },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('persona-gen: --model: cannot get hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf');
    expect(r.stderr).toMatch(/offline/i);
    expect(r.stderr).toContain('qwen2.5-0.5b-instruct-q4_k_m.gguf');
  });

  describe('from a Hub (a local look-alike)', () => {
    let server: HubServer;
    beforeAll(async () => {
      const parquet = path.join(root, 'test-00000-of-00001.parquet');
      writeLongLampParquet(parquet, 'abstract', fixtureRows());
      server = await startHubServer([
        { type: 'model', id: 'tiny/stories', commit: 'c'.repeat(40), files: { 'stories260K.gguf': { content: readFileSync(tinyModel) } } },
        { type: 'dataset', id: 'LongLaMP/LongLaMP', commit: 'd'.repeat(40), files: { 'abstract_generation_user/test-00000-of-00001.parquet': { content: readFileSync(parquet) } } },
      ]);
    });
    afterAll(async () => server?.close());

    it('downloads an hf: model and the LongLaMP split through lib/hub into the Hub cache', async () => {
      const cache = path.join(root, 'hub-cache');
      const dir = path.join(root, 'run-hub');
      const model = 'hf:tiny/stories/stories260K.gguf';
      const hubArgs = ['--model', model, '--space', 'native', '--num-users', '2', '--beta', '1', '--max-tokens', '8', '--threads', '2', '--context-size', '256', '--nltk-data', nltkData];
      const r = await runCli(['eval', ...hubArgs, '--out', dir], { cwd: root, env: { HF_HUB_OFFLINE: '0', HF_ENDPOINT: server.url, HF_HUB_CACHE: cache } });
      expect(r.stderr).not.toMatch(/persona-gen: /);
      expect(r.code).toBe(0);
      const config = json<RunConfig>(path.join(dir, 'config.json'));
      expect(config.model.ref).toBe(model);
      expect(config.model.sha256).toBe(STORIES_SHA256);
      expect(config.model.path.startsWith(path.join(cache, 'models--tiny--stories', 'snapshots', 'c'.repeat(40)))).toBe(true);
      expect(config.data).toEqual({
        source: 'hub',
        repo: 'LongLaMP/LongLaMP',
        config: 'abstract_generation_user',
        split: 'test',
        commit: 'd'.repeat(40),
        files: ['abstract_generation_user/test-00000-of-00001.parquet'],
      });
      expect(config.users).toEqual(['Ada Lovelace', 'Grace Hopper']);
      // offline now: everything comes from the cache
      const again = await runCli(['eval', ...hubArgs, '--out', path.join(root, 'run-hub-offline')], { cwd: root, env: { HF_HUB_OFFLINE: '1', HF_HUB_CACHE: cache } });
      expect(again.code).toBe(0);
    });
  });

  it('sweep over 2 betas: one run folder per cell, summary.csv and the combined table; resumable', async () => {
    const file = path.join(root, 'sweep.yaml');
    writeFileSync(
      file,
      [
        `models: [${JSON.stringify(tinyModel)}]`,
        'betas: [0, 1]',
        'spaces: [native]',
        `data: ${JSON.stringify(fixture)}`,
        'max-tokens: 24',
        'threads: 2',
        'context-size: 256',
        `nltk-data: ${JSON.stringify(nltkData)}`,
        'out: sweep-out',
      ].join('\n'),
    );
    const r = await runCli(['sweep', file], { cwd: root });
    expect(r.stderr).not.toMatch(/persona-gen: /);
    expect(r.code).toBe(0);
    const out = path.join(root, 'sweep-out');
    const cell = '01-LongLaMP-2-stories260K-native-rag0';
    expect(readdirSync(out).sort()).toEqual([cell, 'summary.csv', 'sweep.json']);
    expect(readdirSync(path.join(out, cell)).sort()).toEqual(['config.json', 'metrics.json', 'predictions.jsonl']);
    const csv = readFileSync(path.join(out, 'summary.csv'), 'utf8').trimEnd().split('\n');
    expect(csv).toHaveLength(4);
    expect(csv.slice(1).map((l) => l.split(',').slice(6, 8).join(','))).toEqual(['baseline,', 'bias@0,0', 'bias@1,1']);
    expect(r.stdout).toMatch(/01-LongLaMP-2-stories260K-native-rag0\s+bias β=1\s+3\s+\d\.\d{4}/);
    expect(r.stdout).toContain(`summary: ${path.join(out, 'summary.csv')}`);
    // the same cell's outputs as the eval run with the same settings
    const sweepPreds = readPredictions(path.join(out, cell, 'predictions.jsonl')).records;
    const evalPreds = readPredictions(path.join(runA, 'predictions.jsonl')).records.filter((p) => p.ragK === null);
    expect(byPair(sweepPreds).map((p) => p.output)).toEqual(byPair(evalPreds).map((p) => p.output));

    const again = await runCli(['sweep', file], { cwd: root });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`--out: ${out} already holds a sweep; continue it with --resume`);
    const resumed = await runCli(['sweep', file, '--resume'], { cwd: root });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('already finished');
  });

  it('demo walks through one user', async () => {
    const r = await runCli(['demo', ...baseArgs(fixture), '--user', 'Grace Hopper', '--beta', '2'], { cwd: root });
    expect(r.stderr).not.toMatch(/persona-gen: /);
    expect(r.code).toBe(0);
    for (const step of ['1. the task and the user', '2. the profile', '3. the user vector', '4. the tokens the bias favours', '5. the prompt', '6. baseline output', '7. personalized output (β = 2', '8. the gold output', '9. scores against the gold output']) {
      expect(r.stdout).toContain(step);
    }
    expect(r.stdout).toContain('user: Grace Hopper (name), 3 profile items');
    expect(r.stdout).toContain('"The first bug" (1947)');
    expect(r.stdout).toMatch(/64 dims, norm 1\.0000, from 3 profile texts/);
    expect(r.stdout).toMatch(/personalized β=2\s+\d\.\d{4}\s+\d\.\d{4}\s+\d\.\d{4}/);
    const bad = await runCli(['demo', ...baseArgs(fixture), '--user', 'Nobody'], { cwd: root });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--user: no user "Nobody"');
  });

  describe.skipIf(!existsSync(CHROMIUM))('report', () => {
    it('renders in headless Chromium with every chart drawn', async () => {
      const r = await runCli(['report', runA], { cwd: root });
      expect(r.code).toBe(0);
      const file = r.stdout.trim();
      expect(file).toBe(path.join(runA, 'report.html'));
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const requests: string[] = [];
        page.on('request', (req) => requests.push(req.url()));
        await page.goto(pathToFileURL(file).href);
        expect(requests).toEqual([pathToFileURL(file).href]);
        const charts = await page.evaluate(() =>
          Array.from(document.querySelectorAll('figure.chart')).map((fig) => ({
            kind: fig.getAttribute('data-chart'),
            metric: fig.getAttribute('data-metric'),
            drawn: Array.from(fig.querySelectorAll('svg path, svg circle'))
              .map((el) => (el as SVGGraphicsElement).getBBox())
              .filter((b) => b.width > 0 && b.height > 0).length,
            lines: Array.from(fig.querySelectorAll('svg path.line')).map((el) => (el as SVGGraphicsElement).getBBox().width),
            bands: Array.from(fig.querySelectorAll('svg path.band, svg path.bar, svg path.ci')).map((el) => {
              const b = (el as SVGGraphicsElement).getBBox();
              return b.width * b.height;
            }),
          })),
        );
        expect(charts.map((c) => `${c.kind}:${c.metric}`)).toEqual([
          'metric-vs-beta:rouge1',
          'metric-vs-beta:rougeL',
          'metric-vs-beta:meteor',
          'differences:rougeL',
          'differences:meteor',
          'speed:null',
        ]);
        for (const c of charts) {
          expect(c.drawn).toBeGreaterThan(5);
          for (const w of c.lines) expect(w).toBeGreaterThan(100);
        }
        expect(charts[0]!.lines).toHaveLength(2); // bias and RAG + bias
        expect(charts[0]!.bands.filter((a) => a > 0)).toHaveLength(2);
        expect(charts[5]!.bands.filter((a) => a > 0)).toHaveLength(6); // one bar per system
        const text = await page.textContent('body');
        expect(text).toContain('bias β=1 against baseline');
        expect(text).toContain('Grace Hopper');
        const shot = path.join(os.tmpdir(), 'persona-gen-report-e2e.png');
        await page.screenshot({ path: shot, fullPage: true });
        expect(readFileSync(shot).length).toBeGreaterThan(10_000);
      } finally {
        await browser.close();
      }
    });

    it('a report of several runs and of an unfinished run', async () => {
      const out = path.join(root, 'both.html');
      const r = await runCli(['report', runA, path.join(root, 'sweep-out'), '--out', out], { cwd: root });
      expect(r.code).toBe(0);
      const html = readFileSync(out, 'utf8');
      expect(html).toContain('run-a · bias');
      expect(html).toContain('01-LongLaMP-2-stories260K-native-rag0 · bias');
      const unfinished = path.join(root, 'unfinished');
      mkdirSync(unfinished);
      writeFileSync(path.join(unfinished, 'config.json'), readFileSync(path.join(runA, 'config.json')));
      const u = await runCli(['report', unfinished], { cwd: root });
      expect(u.code).toBe(1);
      expect(u.stderr).toContain(`${unfinished} has no metrics.json: the run is not finished`);
    });
  });
});
