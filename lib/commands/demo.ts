/**
 * `persona-gen demo [--user <id>]`: a step-by-step walk through one user — the profile, the user
 * vector, the tokens the bias favours most, the baseline and personalized outputs, and their
 * scores against the gold output. The notebook of the Python original, as a terminal program.
 * @module
 */
import path from 'node:path';

import { Command, Option } from 'commander';

import type { ProfileItem } from '../data/records.js';
import { TASKS } from '../data/tasks.js';
import { selectUsers } from '../eval/data-source.js';
import { loadRunModel, resolveModelFile, warmUp } from '../eval/model-file.js';
import { fitPrompt } from '../eval/prompt-fit.js';
import { createRunScorer } from '../eval/scoring.js';
import { decodingOptions, personalizationOf, resolveEvalSettings, EvalOptionError, type EvalSettingsInput } from '../eval/settings.js';
import { nativeIdfOf } from '../eval/idf-corpus.js';
import { openSpace } from '../eval/space.js';
import { alignColumns, METRIC_LABELS, TABLE_METRICS } from '../eval/table.js';
import type { GenerateOptions } from '../generation-options.js';
import { defaultThreads } from '../model.js';
import { addRunOptions, numberArg } from './eval.js';

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

/** Registers `demo` on a commander program. */
export function registerDemoCommand(program: Command, io: DemoCommandIO = { stdout: process.stdout, stderr: process.stderr }): void {
  const cmd = program
    .command('demo')
    .description('walk through one user step by step: profile, user vector, the tokens the bias favours, baseline vs personalized output, scores');
  addRunOptions(cmd)
    .option('--user <id>', 'the user (default: the first user of the data)')
    .option('--beta <b>', 'bias strength (default 0.5)', numberArg('--beta'))
    .addOption(new Option('--top <n>', 'how many favoured tokens to list').argParser(numberArg('--top')).default(15))
    .action(async (opts: DemoCliOptions) => {
      const top = opts.top ?? 15;
      if (!Number.isInteger(top) || top < 1) throw new EvalOptionError('--top', `expected a positive integer, got ${top}`);
      const input: EvalSettingsInput = {};
      for (const k of ['task', 'setting', 'split', 'data', 'model', 'embedder', 'space', 'beta', 'maxTokens', 'temperature', 'topK', 'topP', 'minP', 'seed', 'threads', 'contextSize', 'guardTopK', 'guardMinP', 'biasReference', 'chat', 'nltkData'] as const) {
        if (opts[k] !== undefined) (input as Record<string, unknown>)[k] = opts[k];
      }
      if (opts.user !== undefined) input.users = [opts.user];
      const settings = resolveEvalSettings({ ...input, numUsers: 1 }, { threads: defaultThreads() });
      const out = (s = ''): void => {
        io.stdout.write(`${s}\n`);
      };
      const step = (n: number, title: string): void => out(`\n── ${n}. ${title} ${'─'.repeat(Math.max(3, 60 - title.length))}`);
      const hub = { progressStream: io.stderr as NodeJS.WritableStream & { isTTY?: boolean } };
      const task = TASKS[settings.task];

      const modelFile = await resolveModelFile(settings.model, hub);
      let selected;
      try {
        selected = await selectUsers(
          { task: settings.task, setting: settings.setting, split: settings.split, data: settings.data, numUsers: 1, users: settings.users },
          hub,
        );
      } catch (err) {
        if (err instanceof EvalOptionError && err.option === '--users') throw new EvalOptionError('--user', err.message.replace(/^--users: /, ''));
        throw err;
      }
      const { records, data } = selected;
      const record = records[0]!;
      step(1, 'the task and the user');
      out(`${task.id} (${task.title}) → config ${task.configs[settings.setting]}, split ${settings.split}`);
      out(`data: ${data.source === 'file' ? data.path : `${data.repo}@${data.commit.slice(0, 12)} ${data.config}/${data.split}`}`);
      out(`user: ${record.userId} (${task.userIdField}), ${record.profile.length} profile items`);

      step(2, 'the profile (the user\'s earlier writing)');
      (record.profile as ProfileItem[]).slice(0, 3).forEach((item, i) => {
        const it = item as unknown as Record<string, unknown>;
        const head = task.kind === 'abstract' ? `"${String(it.title)}" (${it.year ?? 'no year'})` : task.kind === 'review' ? `rating ${String(it.overall)}: ${String(it.summary)}` : String(it.summary);
        const body = task.kind === 'abstract' ? String(it.abstract) : task.kind === 'review' ? String(it.reviewText) : String(it.content);
        out(`  [${i + 1}] ${head}`);
        out(indent(words(body, 40), '      '));
      });
      if (record.profile.length > 3) out(`  … and ${record.profile.length - 3} more`);

      const { model, contextSize } = await loadRunModel(modelFile, settings);
      try {
        const space = await openSpace(model, settings.space, settings.embedder, hub, await nativeIdfOf(model, settings, hub, (l) => io.stderr.write(`${l}\n`)));
        try {
          const user = await space.userVector(record);
          step(3, 'the user vector');
          out(`space: ${space.description.name}${space.description.embedder ? ` (${space.description.embedder})` : ''}`);
          out(`how: ${space.description.userVector}`);
          const norm = Math.sqrt(user.reduce((a, x) => a + x * x, 0));
          out(`${user.length} dims, norm ${norm.toFixed(4)}, from ${space.profileTexts(record).length} profile texts`);
          out(`first values: [${Array.from(user.slice(0, 8), (x) => x.toFixed(4)).join(', ')}, …]`);

          const beta = settings.betas[0]!;
          const ref = settings.biasReference;
          step(4, `the tokens the bias favours (logit + β·${ref === 'neutral' ? '(cos − mean cos)' : 'cos'}, β = ${beta})`);
          const dots = space.matrix.dots(user);
          const { scores, reference } = space.matrix.biasScores(user, ref);
          if (ref === 'neutral') out(`reference: the mean cosine of the tokens with a vector, ${reference.toFixed(4)}, is subtracted`);
          const pieces = model.tokenPieces();
          const order = Array.from(dots.keys()).filter((i) => dots[i] !== 0).sort((a, b) => scores[b]! - scores[a]!);
          const shift = (id: number) => beta * scores[id]!;
          const rows = (ids: number[]) =>
            alignColumns([
              ['token', 'id', 'cos(token, user)', 'logit shift'],
              ...ids.map((id) => [JSON.stringify(pieces[id]), String(id), dots[id]!.toFixed(4), `${shift(id) >= 0 ? '+' : ''}${shift(id).toFixed(4)}`]),
            ]).map((l) => `  ${l}`);
          out(`${space.description.rows - space.description.zeroRows} of ${space.description.rows} tokens can get a bias; the ${Math.min(top, order.length)} it favours most:`);
          rows(order.slice(0, top)).forEach((l) => out(l));
          out('and the 5 it pushes down most:');
          rows(order.slice(-5).reverse()).forEach((l) => out(l));

          step(5, 'the prompt');
          const chat = settings.chat === 'on' || (settings.chat === 'auto' && model.info.chatTemplate !== null);
          const fitted = fitPrompt(model, record.input, { chat, maxTokens: settings.maxTokens, contextSize });
          out(indent(fitted.text));
          out(`(${fitted.tokens.length} tokens${chat ? ', in the chat template' : ''}${fitted.truncatedTokens ? `, ${fitted.truncatedTokens} cut from the front to fit` : ''})`);

          const gen: GenerateOptions = decodingOptions(settings);
          await warmUp(model);
          const base = await model.generate(fitted.tokens, gen);
          const pers = await model.generate(fitted.tokens, {
            ...gen,
            personalization: personalizationOf(settings, space.matrix, user, beta),
          });
          step(6, 'baseline output (no personalization)');
          out(indent(base.text.trim()));
          out(`(${base.tokens.length} tokens, ${base.timings.decodeTokensPerSecond.toFixed(0)} tokens/s, stop: ${base.stopReason})`);
          step(7, `personalized output (β = ${beta}, same seed)`);
          out(indent(pers.text.trim()));
          out(`(${pers.tokens.length} tokens, ${pers.timings.decodeTokensPerSecond.toFixed(0)} tokens/s, stop: ${pers.stopReason})`);
          step(8, 'the gold output (what the user wrote)');
          out(indent(words(record.output, 120)));

          step(9, 'scores against the gold output');
          const scorer = await createRunScorer(settings.nltkData);
          const sb = scorer.score(base.text, record.output);
          const sp = scorer.score(pers.text, record.output);
          alignColumns([
            ['', ...TABLE_METRICS.map((m) => METRIC_LABELS[m])],
            ['baseline', ...TABLE_METRICS.map((m) => sb[m].toFixed(4))],
            [`personalized β=${beta}`, ...TABLE_METRICS.map((m) => sp[m].toFixed(4))],
            ['difference', ...TABLE_METRICS.map((m) => `${sp[m] - sb[m] >= 0 ? '+' : '−'}${Math.abs(sp[m] - sb[m]).toFixed(4)}`)],
          ]).forEach((l) => out(`  ${l}`));
          out('\nOne user says little: run `persona-gen eval` for means, CIs and p-values over many users.');
          out(`model: ${path.basename(modelFile.path)} (sha256 ${modelFile.sha256.slice(0, 12)}…)`);
        } finally {
          await space.dispose();
        }
      } finally {
        model.dispose();
      }
    });
}
