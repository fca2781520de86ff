/**
 * `persona-gen demo [--user <id>]`: a step-by-step walk through one user — the profile, the user
 * vector, the tokens the bias favours most, the baseline and personalized outputs, and their
 * scores against the gold output. The notebook of the Python original, as a terminal program.
 * @module
 */
import path from 'node:path';

import { Command, Option } from 'commander';

import type { LongLampRecord, ProfileItem } from '../data/records.js';
import { TASKS, type TaskSpec } from '../data/tasks.js';
import { norm } from '../embed/vector-math.js';
import { selectUsers } from '../eval/data-source.js';
import { loadRunModel, resolveModelFile, warmUp } from '../eval/model-file.js';
import { fitPrompt } from '../eval/prompt-fit.js';
import { createRunScorer } from '../eval/scoring.js';
import { decodingOptions, resolveEvalSettings, EvalOptionError, type EvalSettings, type EvalSettingsInput } from '../eval/settings.js';
import { nativeIdfOf } from '../eval/idf-corpus.js';
import { openSpace, type OpenSpace } from '../eval/space.js';
import { alignColumns, METRIC_LABELS, TABLE_METRICS } from '../eval/table.js';
import type { BiasReference, GenerateOptions, GenerationResult } from '../generation-options.js';
import { defaultThreads, type Model } from '../model.js';
import { addRunOptions } from './eval.js';
import { numberArg } from './number-arg.js';

/** Streams the command writes to. */
export interface DemoCommandIO {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
}

interface DemoCliOptions extends EvalSettingsInput {
  user?: string;
  top?: number;
}

const words = (text: string, n: number): string => {
  const w = text.split(/\s+/).filter(Boolean);
  return w.length > n ? `${w.slice(0, n).join(' ')} …` : w.join(' ');
};

const indent = (text: string, pad = '    '): string => text.split('\n').map((l) => pad + l).join('\n');

/** How the demo writes: a line, and a numbered step heading. */
interface DemoOut {
  line(s?: string): void;
  step(n: number, title: string): void;
}

/** The demo's settings from the command line (one user). */
function demoSettings(opts: DemoCliOptions): { settings: EvalSettings; top: number } {
  const top = opts.top ?? 15;
  if (!Number.isInteger(top) || top < 1) throw new EvalOptionError('--top', `expected a positive integer, got ${top}`);
  const input: EvalSettingsInput = {};
  for (const k of ['task', 'setting', 'split', 'data', 'model', 'embedder', 'space', 'beta', 'maxTokens', 'temperature', 'topK', 'topP', 'minP', 'seed', 'threads', 'contextSize', 'guardTopK', 'guardMinP', 'biasReference', 'chat', 'nltkData'] as const) {
    if (opts[k] !== undefined) (input as Record<string, unknown>)[k] = opts[k];
  }
  if (opts.user !== undefined) input.users = [opts.user];
  return { settings: resolveEvalSettings({ ...input, numUsers: 1 }, { threads: defaultThreads() }), top };
}

/** The one user's record (`--user`, else the data's first user) and where the data came from. */
async function demoRecord(settings: EvalSettings, hub: Parameters<typeof selectUsers>[1]): Promise<Awaited<ReturnType<typeof selectUsers>>> {
  try {
    return await selectUsers(
      { task: settings.task, setting: settings.setting, split: settings.split, data: settings.data, numUsers: 1, users: settings.users },
      hub,
    );
  } catch (err) {
    if (err instanceof EvalOptionError && err.option === '--users') throw new EvalOptionError('--user', err.message.replace(/^--users: /, ''));
    throw err;
  }
}

/** Steps 1 and 2: the task, the user and the first profile items. */
function showUser(o: DemoOut, task: TaskSpec, settings: EvalSettings, selected: Awaited<ReturnType<typeof selectUsers>>): void {
  const { data } = selected;
  const record = selected.records[0]!;
  o.step(1, 'the task and the user');
  o.line(`${task.id} (${task.title}) → config ${task.configs[settings.setting]}, split ${settings.split}`);
  o.line(`data: ${data.source === 'file' ? data.path : `${data.repo}@${data.commit.slice(0, 12)} ${data.config}/${data.split}`}`);
  o.line(`user: ${record.userId} (${task.userIdField}), ${record.profile.length} profile items`);

  o.step(2, 'the profile (the user\'s earlier writing)');
  (record.profile as ProfileItem[]).slice(0, 3).forEach((item, i) => {
    const it = item as unknown as Record<string, unknown>;
    const head = task.kind === 'abstract' ? `"${String(it.title)}" (${it.year ?? 'no year'})` : task.kind === 'review' ? `rating ${String(it.overall)}: ${String(it.summary)}` : String(it.summary);
    const body = task.kind === 'abstract' ? String(it.abstract) : task.kind === 'review' ? String(it.reviewText) : String(it.content);
    o.line(`  [${i + 1}] ${head}`);
    o.line(indent(words(body, 40), '      '));
  });
  if (record.profile.length > 3) o.line(`  … and ${record.profile.length - 3} more`);
}

/** Steps 3 and 4: the user vector, and the tokens the bias pushes up and down most. */
function showBias(o: DemoOut, model: Model, space: OpenSpace, user: Float32Array, texts: number, beta: number, top: number, ref: BiasReference): void {
  const d = space.description;
  o.step(3, 'the user vector');
  o.line(`space: ${d.name}${d.embedder ? ` (${d.embedder})` : ''}`);
  o.line(`how: ${d.userVector}`);
  o.line(`${user.length} dims, norm ${norm(user).toFixed(4)}, from ${texts} profile texts`);
  o.line(`first values: [${Array.from(user.slice(0, 8), (x) => x.toFixed(4)).join(', ')}, …]`);

  o.step(4, `the tokens the bias favours (logit + β·${ref === 'neutral' ? '(cos − mean cos)' : 'cos'}, β = ${beta})`);
  const dots = space.matrix.dots(user);
  const { scores, reference } = space.matrix.biasScores(user, ref);
  if (ref === 'neutral') o.line(`reference: the mean cosine of the tokens with a vector, ${reference.toFixed(4)}, is subtracted`);
  const pieces = model.tokenPieces();
  const order = Array.from(dots.keys()).filter((i) => dots[i] !== 0).sort((a, b) => scores[b]! - scores[a]!);
  const shift = (id: number) => beta * scores[id]!;
  const rows = (ids: number[]) =>
    alignColumns([
      ['token', 'id', 'cos(token, user)', 'logit shift'],
      ...ids.map((id) => [JSON.stringify(pieces[id]), String(id), dots[id]!.toFixed(4), `${shift(id) >= 0 ? '+' : ''}${shift(id).toFixed(4)}`]),
    ]).map((l) => `  ${l}`);
  o.line(`${d.rows - d.zeroRows} of ${d.rows} tokens can get a bias; the ${Math.min(top, order.length)} it favours most:`);
  rows(order.slice(0, top)).forEach((l) => o.line(l));
  o.line('and the 5 it pushes down most:');
  rows(order.slice(-5).reverse()).forEach((l) => o.line(l));
}

/** Steps 5 to 8: the prompt, the baseline and personalized outputs (same seed), and the gold output. */
async function showOutputs(
  o: DemoOut,
  model: Model,
  settings: EvalSettings,
  contextSize: number,
  record: LongLampRecord,
  personalization: NonNullable<GenerateOptions['personalization']>,
): Promise<{ base: GenerationResult; pers: GenerationResult }> {
  o.step(5, 'the prompt');
  const chat = settings.chat === 'on' || (settings.chat === 'auto' && model.info.chatTemplate !== null);
  const fitted = fitPrompt(model, record.input, { chat, maxTokens: settings.maxTokens, contextSize });
  o.line(indent(fitted.text));
  o.line(`(${fitted.tokens.length} tokens${chat ? ', in the chat template' : ''}${fitted.truncatedTokens ? `, ${fitted.truncatedTokens} cut from the front to fit` : ''})`);

  const gen: GenerateOptions = decodingOptions(settings);
  await warmUp(model);
  const base = await model.generate(fitted.tokens, gen);
  const pers = await model.generate(fitted.tokens, { ...gen, personalization });
  const stats = (r: GenerationResult) => `(${r.tokens.length} tokens, ${r.timings.decodeTokensPerSecond.toFixed(0)} tokens/s, stop: ${r.stopReason})`;
  o.step(6, 'baseline output (no personalization)');
  o.line(indent(base.text.trim()));
  o.line(stats(base));
  o.step(7, `personalized output (β = ${personalization.beta}, same seed)`);
  o.line(indent(pers.text.trim()));
  o.line(stats(pers));
  o.step(8, 'the gold output (what the user wrote)');
  o.line(indent(words(record.output, 120)));
  return { base, pers };
}

/** Step 9: both outputs scored against the gold output. */
async function showScores(o: DemoOut, settings: EvalSettings, record: LongLampRecord, outputs: { base: GenerationResult; pers: GenerationResult }, beta: number): Promise<void> {
  o.step(9, 'scores against the gold output');
  const scorer = await createRunScorer(settings.nltkData);
  const sb = scorer.score(outputs.base.text, record.output);
  const sp = scorer.score(outputs.pers.text, record.output);
  alignColumns([
    ['', ...TABLE_METRICS.map((m) => METRIC_LABELS[m])],
    ['baseline', ...TABLE_METRICS.map((m) => sb[m].toFixed(4))],
    [`personalized β=${beta}`, ...TABLE_METRICS.map((m) => sp[m].toFixed(4))],
    ['difference', ...TABLE_METRICS.map((m) => `${sp[m] - sb[m] >= 0 ? '+' : '−'}${Math.abs(sp[m] - sb[m]).toFixed(4)}`)],
  ]).forEach((l) => o.line(`  ${l}`));
  o.line('\nOne user says little: run `persona-gen eval` for means, CIs and p-values over many users.');
}

/** The whole walk through, for parsed options. */
async function runDemo(opts: DemoCliOptions, io: DemoCommandIO): Promise<void> {
  const { settings, top } = demoSettings(opts);
  const o: DemoOut = {
    line: (s = '') => void io.stdout.write(`${s}\n`),
    step: (n, title) => o.line(`\n── ${n}. ${title} ${'─'.repeat(Math.max(3, 60 - title.length))}`),
  };
  const hub = { progressStream: io.stderr as NodeJS.WritableStream & { isTTY?: boolean } };
  const task = TASKS[settings.task];
  const modelFile = await resolveModelFile(settings.model, hub);
  const selected = await demoRecord(settings, hub);
  const record = selected.records[0]!;
  showUser(o, task, settings, selected);

  const { model, contextSize } = await loadRunModel(modelFile, settings);
  try {
    const space = await openSpace(model, settings.space, settings.embedder, hub, await nativeIdfOf(model, settings, hub, (l) => io.stderr.write(`${l}\n`)));
    try {
      const beta = settings.betas[0]!;
      const texts = space.profileTexts(record);
      // The library's personalizer, exactly as a user of the API calls it.
      const personalization = await space.personalizer.personalization(texts, {
        beta,
        emptyProfile: 'zero',
        ...(settings.guardTopK !== null ? { guardTopK: settings.guardTopK } : {}),
        ...(settings.guardMinP !== null ? { guardMinP: settings.guardMinP } : {}),
        reference: settings.biasReference,
      });
      const user = Float32Array.from(personalization.user);
      showBias(o, model, space, user, texts.length, beta, top, settings.biasReference);
      const outputs = await showOutputs(o, model, settings, contextSize, record, personalization);
      await showScores(o, settings, record, outputs, beta);
      o.line(`model: ${path.basename(modelFile.path)} (sha256 ${modelFile.sha256.slice(0, 12)}…)`);
    } finally {
      await space.dispose();
    }
  } finally {
    model.dispose();
  }
}

/** Registers `demo` on a commander program. */
export function registerDemoCommand(program: Command, io: DemoCommandIO = { stdout: process.stdout, stderr: process.stderr }): void {
  const cmd = program
    .command('demo')
    .description('walk through one user step by step: profile, user vector, the tokens the bias favours, baseline vs personalized output, scores');
  addRunOptions(cmd)
    .option('--user <id>', 'the user (default: the first user of the data)')
    .option('--beta <b>', 'bias strength (default 0.5)', numberArg('--beta'))
    .addOption(new Option('--top <n>', 'how many favoured tokens to list').argParser(numberArg('--top')).default(15))
    .action(async (opts: DemoCliOptions) => runDemo(opts, io));
}
