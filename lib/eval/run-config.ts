/**
 * `config.json` of a run: every option, and everything needed to reproduce or audit the
 * numbers — package version, model file and its sha256, embedder, personalization space,
 * prompts and their truncation, decoding, scoring, llama.cpp release, machine and threads.
 * A resumed run reads its settings back from here.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { packageRoot } from '../../bindings/index.js';
import { TASKS } from '../data/tasks.js';
import type { SystemInfo } from '../system-info.js';
import type { DataDescription } from './data-source.js';
import type { ModelFile } from './model-file.js';
import { PROMPT_TRUNCATION_POLICY } from './prompt-fit.js';
import type { EvalSettings } from './settings.js';
import type { SpaceDescription } from './space.js';
import type { SystemSpec } from './systems.js';

/** The schema tag of `config.json`. */
export const RUN_CONFIG_SCHEMA = 'persona-gen/eval-config@1';

/** The content of `config.json`. */
export interface RunConfig {
  schema: typeof RUN_CONFIG_SCHEMA;
  /** When the run started (ISO 8601). */
  createdAt: string;
  package: { name: string; version: string };
  /** The resolved options (what `--resume` continues with). */
  options: EvalSettings;
  task: { id: string; title: string; kind: string; config: string; setting: string; split: string };
  data: DataDescription;
  /** The users, in run order. */
  users: string[];
  model: {
    ref: string;
    path: string;
    sha256: string;
    bytes: number;
    description: string;
    architecture: string | null;
    parameters: number;
    vocabSize: number;
    embeddingSize: number;
    trainContextSize: number;
    hasChatTemplate: boolean;
  };
  /** The Sentence-BERT embedder's full id (sbert space), or null. */
  embedder: string | null;
  space: SpaceDescription;
  systems: SystemSpec[];
  generation: {
    contextSize: number;
    maxTokens: number;
    temperature: number;
    /** Greedy decoding ignores topK/topP/minP. */
    greedy: boolean;
    topK: number;
    topP: number;
    minP: number;
    seed: number;
    repeatPenalty: number;
    guardTopK: number | null;
    guardMinP: number | null;
    /** What the bias is measured against (`neutral` or `raw`). */
    biasReference: string;
    /** The formula the sampler applies, in words. */
    bias: string;
    /** How beta and temperature interact. */
    betaAndTemperature: string;
    /** Whether prompts went through the model's chat template. */
    chat: boolean;
  };
  prompt: { baseline: string; rag: string | null; retriever: string | null; truncation: string };
  scoring: { rouge: string; meteor: string; punkt: string; emptyOutputs: string; bootstrap: string };
  llamaCpp: { release: string; commit: string; biasKernel: string; cpuBackend: string };
  machine: { cpu: string; cores: number; platform: string; arch: string; memoryBytes: number; node: string };
  threads: number;
}

/** The package's name and version. */
export function packageInfo(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

/** This machine, as recorded. */
export function machineInfo(): RunConfig['machine'] {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    platform: `${os.type()} ${os.release()}`,
    arch: process.arch,
    memoryBytes: os.totalmem(),
    node: process.versions.node,
  };
}

/** Everything {@link buildRunConfig} combines. */
export interface RunConfigParts {
  settings: EvalSettings;
  data: DataDescription;
  users: string[];
  modelFile: ModelFile;
  modelInfo: {
    description: string;
    architecture?: string;
    parameters: number;
    vocabSize: number;
    embeddingSize: number;
    trainContextSize: number;
    chatTemplate: string | null;
  };
  space: SpaceDescription;
  systems: SystemSpec[];
  contextSize: number;
  chat: boolean;
  punkt: string;
  system: SystemInfo;
  createdAt?: Date;
}

/** The bias the sampler applies, as recorded in `config.json`. */
export function biasFormula(s: Pick<EvalSettings, 'biasReference' | 'guardTopK' | 'guardMinP'>): string {
  const guard =
    s.guardTopK === null && s.guardMinP === null
      ? 'no guard'
      : `first the guard drops, for every beta, the candidates ${[s.guardTopK !== null ? `below the ${s.guardTopK}-th largest unbiased logit (ties stay)` : '', s.guardMinP !== null ? `with p < ${s.guardMinP} * p_max (unbiased)` : ''].filter(Boolean).join(' or ')}`;
  const score =
    s.biasReference === 'neutral'
      ? 'score(v) = cos(v, u) - mean of cos(w, u) over the tokens w with a non-zero row; tokens with a zero row get 0'
      : 'score(v) = cos(v, u); tokens with a zero row get 0';
  return `${guard}; then logit(v) += beta * score(v) for the remaining candidates, before the truncation samplers and temperature, where ${score}`;
}

/** Builds the content of `config.json`. */
export function buildRunConfig(p: RunConfigParts): RunConfig {
  const s = p.settings;
  const task = TASKS[s.task];
  return {
    schema: RUN_CONFIG_SCHEMA,
    createdAt: (p.createdAt ?? new Date()).toISOString(),
    package: packageInfo(),
    options: s,
    task: { id: task.id, title: task.title, kind: task.kind, config: task.configs[s.setting], setting: s.setting, split: s.split },
    data: p.data,
    users: p.users,
    model: {
      ref: p.modelFile.ref,
      path: p.modelFile.path,
      sha256: p.modelFile.sha256,
      bytes: p.modelFile.bytes,
      description: p.modelInfo.description,
      architecture: p.modelInfo.architecture ?? null,
      parameters: p.modelInfo.parameters,
      vocabSize: p.modelInfo.vocabSize,
      embeddingSize: p.modelInfo.embeddingSize,
      trainContextSize: p.modelInfo.trainContextSize,
      hasChatTemplate: p.modelInfo.chatTemplate !== null,
    },
    embedder: p.space.embedder,
    space: p.space,
    systems: p.systems,
    generation: {
      contextSize: p.contextSize,
      maxTokens: s.maxTokens,
      temperature: s.temperature,
      greedy: s.temperature === 0,
      topK: s.topK,
      topP: s.topP,
      minP: s.minP,
      seed: s.seed,
      repeatPenalty: 1,
      guardTopK: s.guardTopK,
      guardMinP: s.guardMinP,
      biasReference: s.biasReference,
      bias: biasFormula(s),
      betaAndTemperature:
        s.temperature === 0
          ? 'greedy decoding: the bias only changes which candidate has the largest logit, so beta alone sets its strength'
          : `the bias is added to the logits before they are divided by the temperature ${s.temperature}, so its effect on the sampling probabilities is that of beta / ${s.temperature} at temperature 1 (betas ${s.betas.map((b) => `${b} -> ${b / s.temperature}`).join(', ')})`,
      chat: p.chat,
    },
    prompt: {
      baseline: "the record's input, as is (LongLaMP's non-personalized prompt)",
      rag:
        s.ragK === null
          ? null
          : `${s.ragK} profile item${s.ragK === 1 ? '' : 's'} retrieved for the input, rendered with LongLaMP's template, joined with ", and ", then the task's connector and the input`,
      retriever: s.ragK === null ? null : 'BM25 (Okapi, whitespace tokens) with the query and documents of the official scripts',
      truncation: PROMPT_TRUNCATION_POLICY,
    },
    scoring: {
      rouge: "ROUGE-1/2/L/Lsum F-measure as Google's rouge_score 0.1.2, no stemming (as the LongLaMP scripts)",
      meteor: "METEOR as NLTK 3.10.3 meteor_score over word_tokenize tokens (alpha 0.9, beta 3, gamma 0.5), WordNet 3.0",
      punkt: p.punkt,
      emptyOutputs: 'an empty generation scores 0 and is kept in every mean (and counted in metrics.json)',
      bootstrap: '95% percentile bootstrap over users, 10000 resamples, seed 0; paired sign-flip permutation p-values',
    },
    llamaCpp: {
      release: p.system.llamaRelease,
      commit: p.system.llamaCommit,
      biasKernel: p.system.simdPath,
      cpuBackend: p.system.llamaSystemInfo.trim(),
    },
    machine: machineInfo(),
    threads: s.threads,
  };
}

/**
 * Reads a run's `config.json`.
 *
 * @throws Error naming the folder when it has none or it is not a run config.
 */
export function readRunConfig(dir: string): RunConfig {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) throw new Error(`${dir} is not a run folder: it has no config.json`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: invalid JSON (${(err as Error).message})`);
  }
  const c = value as Partial<RunConfig> | null;
  if (c === null || typeof c !== 'object' || c.schema !== RUN_CONFIG_SCHEMA || typeof c.options !== 'object' || !Array.isArray(c.users)) {
    throw new Error(`${file} is not a persona-gen eval config (expected "schema": "${RUN_CONFIG_SCHEMA}")`);
  }
  return c as RunConfig;
}
