/**
 * What travels through Redis between an eval coordinator and its workers, and the checks a
 * worker (and the coordinator, for answers) applies before trusting it:
 *
 * - the run spec (one Redis key per run): the settings that decide the outputs, the model's
 *   reference, file name and sha256, the context size and chat mode;
 * - a job (one per user, id derived from the run and the user): the run id, the user's record and
 *   the systems still to generate;
 * - a job's answer: the user's unscored generations (the coordinator scores and writes them).
 *
 * Nothing in a payload is used before it has passed these checks: sizes are bounded, paths are
 * never taken from a payload (a model file is looked up by its bare file name in the worker's own
 * folders), settings go through the same checks as the command line.
 * @module
 */
import { createHash } from 'node:crypto';

import { emptyStats, toRecord, type LongLampRecord } from '../../data/records.js';
import { TASKS, type TaskId } from '../../data/tasks.js';
import { EvalOptionError, resolveEvalSettings, type EvalSettings, type EvalSettingsInput } from '../settings.js';
import { listSystems, type SystemSpec } from '../systems.js';
import { checkUserGeneration, type UserGeneration } from '../user-generation.js';
import { TokenDocumentFrequency } from '../../embed/native-space.js';
import type { NativeIdf } from '../idf-corpus.js';

/** The BullMQ queue every coordinator and worker uses (workers take jobs of any run). */
export const EVAL_QUEUE_NAME = 'persona-gen-eval';
/** Schema tags. */
export const RUN_SPEC_SCHEMA = 'persona-gen/queue-run@1';
export const JOB_SCHEMA = 'persona-gen/queue-job@1';
export const ANSWER_SCHEMA = 'persona-gen/queue-answer@1';
/** Largest job payload a worker accepts (JSON bytes): a LongLaMP user is far below. */
export const MAX_JOB_BYTES = 16 * 1024 * 1024;
/** Largest run spec a worker accepts (JSON bytes). */
export const MAX_SPEC_BYTES = 8 * 1024 * 1024;
/** Most profile items of one user a worker accepts. */
export const MAX_PROFILE_ITEMS = 100_000;

/** The Redis key of a run's spec. */
export function runSpecKey(runId: string): string {
  return `persona-gen:eval-run:${runId}`;
}

/** A run's id: the sha256 of its `config.json` bytes (stable across coordinator restarts), 24 hex digits. */
export function runIdOf(configBytes: Uint8Array | string): string {
  return createHash('sha256').update(configBytes).digest('hex').slice(0, 24);
}

/** A user's job id in a run: deterministic, so that a job is never queued twice. */
export function jobIdOf(runId: string, userId: string): string {
  return `${runId}-${createHash('sha256').update(userId, 'utf8').digest('hex').slice(0, 24)}`;
}

/** What a worker needs to know about a run (stored once per run in Redis). */
export interface QueueRunSpec {
  schema: typeof RUN_SPEC_SCHEMA;
  runId: string;
  /** The run's settings (decoding, systems, space; paths in them are not used by workers). */
  settings: EvalSettings;
  model: {
    /** As given to the coordinator (`hf:` reference or a path). */
    ref: string;
    /** The file's name (a worker looks it up in its own model folders). */
    fileName: string;
    sha256: string;
  };
  contextSize: number;
  chat: boolean;
  /**
   * Native space: the coordinator's corpus document frequencies (all profile items of the data),
   * so that every worker builds the user vectors the local runner builds. `counts` is the
   * vocabulary's u32 counts, little-endian, base64.
   */
  nativeIdf?: { docs: number; counts: string; description: string };
}

/** One user's job. */
export interface QueueJobData {
  schema: typeof JOB_SCHEMA;
  runId: string;
  /** The user's record in the task's row form (user id field, input, output, profile). */
  row: Record<string, unknown>;
  /** Ids of the systems to generate. */
  systems: string[];
}

/** A worker's answer to a job. */
export interface QueueJobAnswer {
  schema: typeof ANSWER_SCHEMA;
  runId: string;
  userId: string;
  /** `host:pid` of the worker. */
  worker: string;
  /** Milliseconds the worker spent on the job (from taking it to answering). */
  ms: number;
  generations: UserGeneration[];
}

/** A payload that fails its checks: the job is failed for good (retrying cannot help). */
export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

/** The row form of a record of `task` (what a data file holds), for a job. */
export function recordRow(record: LongLampRecord, task: TaskId): Record<string, unknown> {
  return { [TASKS[task].userIdField]: record.userId, input: record.input, output: record.output, profile: record.profile };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isId = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{24}$/.test(v);

function jsonBytes(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  } catch {
    return Infinity;
  }
}

/** The settings fields that decide the outputs, re-checked as command-line input. */
const SPEC_SETTING_KEYS = [
  'task',
  'setting',
  'split',
  'embedder',
  'space',
  'betas',
  'ragK',
  'maxTokens',
  'temperature',
  'topK',
  'topP',
  'minP',
  'seed',
  'contextSize',
  'guardTopK',
  'guardMinP',
  'biasReference',
  'chat',
] as const;

/**
 * Checks a run spec read from Redis.
 *
 * @throws PayloadError naming the field at fault.
 */
export function checkRunSpec(value: unknown, runId: string): QueueRunSpec {
  if (jsonBytes(value) > MAX_SPEC_BYTES) throw new PayloadError(`run ${runId}: the run spec is larger than ${MAX_SPEC_BYTES} bytes`);
  if (!isObject(value) || value.schema !== RUN_SPEC_SCHEMA) throw new PayloadError(`run ${runId}: the run spec is not a ${RUN_SPEC_SCHEMA} object`);
  if (value.runId !== runId) throw new PayloadError(`run ${runId}: the run spec names run ${JSON.stringify(value.runId)}`);
  const m = value.model;
  if (!isObject(m) || typeof m.ref !== 'string' || typeof m.fileName !== 'string' || typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) {
    throw new PayloadError(`run ${runId}: "model" must hold ref, fileName and a sha256 of 64 hex digits`);
  }
  if (m.ref.length > 2048 || m.fileName.length > 255 || m.fileName === '' || /[/\\\0]/.test(m.fileName) || m.fileName === '.' || m.fileName === '..') {
    throw new PayloadError(`run ${runId}: "model.fileName" ${JSON.stringify(m.fileName.slice(0, 80))} is not a bare file name`);
  }
  if (typeof value.chat !== 'boolean') throw new PayloadError(`run ${runId}: "chat" must be a boolean`);
  if (!isObject(value.settings)) throw new PayloadError(`run ${runId}: "settings" must be an object`);
  const s = value.settings;
  const input: Record<string, unknown> = {};
  for (const k of SPEC_SETTING_KEYS) if (s[k] !== null && s[k] !== undefined) input[k] = s[k];
  let settings: EvalSettings;
  try {
    settings = resolveEvalSettings(input as EvalSettingsInput, { threads: 1, cwd: '/' });
  } catch (err) {
    throw new PayloadError(`run ${runId}: ${err instanceof EvalOptionError ? err.message : String(err)}`);
  }
  const ctx = value.contextSize;
  if (typeof ctx !== 'number' || !Number.isInteger(ctx) || ctx < 16 || ctx > 1 << 20 || settings.maxTokens > ctx - 8) {
    throw new PayloadError(`run ${runId}: "contextSize" must be an integer in [16, 2^20] that leaves room for maxTokens ${settings.maxTokens}`);
  }
  let nativeIdf: QueueRunSpec['nativeIdf'];
  if (value.nativeIdf !== undefined) {
    const n = value.nativeIdf;
    if (!isObject(n) || typeof n.docs !== 'number' || !Number.isSafeInteger(n.docs) || n.docs < 0 || typeof n.counts !== 'string' || typeof n.description !== 'string' || n.description.length > 1024 || !/^[A-Za-z0-9+/]*={0,2}$/.test(n.counts)) {
      throw new PayloadError(`run ${runId}: "nativeIdf" must hold docs (an integer >= 0), counts (base64) and a description`);
    }
    nativeIdf = { docs: n.docs, counts: n.counts, description: n.description };
  }
  return {
    schema: RUN_SPEC_SCHEMA,
    runId,
    ...(nativeIdf ? { nativeIdf } : {}),
    // Paths and machine-dependent values of the coordinator are not the worker's.
    settings: { ...settings, model: m.ref, data: null, users: null, nltkData: null },
    model: { ref: m.ref, fileName: m.fileName, sha256: m.sha256 },
    contextSize: ctx,
    chat: value.chat,
  };
}

/** A checked job: the run, the user's record and the systems to generate. */
export interface CheckedJob {
  runId: string;
  record: LongLampRecord;
  systems: SystemSpec[];
}

/**
 * Checks a job's data (the run spec is checked separately, see {@link checkRunSpec}).
 *
 * @throws PayloadError naming the job and the field at fault.
 */
export function checkJobData(jobId: string, data: unknown): { runId: string; raw: QueueJobData } {
  const bytes = jsonBytes(data);
  if (bytes > MAX_JOB_BYTES) throw new PayloadError(`job ${jobId}: its data is ${bytes === Infinity ? 'not serializable' : `${bytes} bytes`}, more than the ${MAX_JOB_BYTES} a worker accepts`);
  if (!isObject(data) || data.schema !== JOB_SCHEMA) throw new PayloadError(`job ${jobId}: not a ${JOB_SCHEMA} job`);
  if (!isId(data.runId)) throw new PayloadError(`job ${jobId}: "runId" must be 24 hex digits`);
  if (!isObject(data.row)) throw new PayloadError(`job ${jobId}: "row" must be an object`);
  if (!Array.isArray(data.systems) || data.systems.length === 0 || data.systems.length > 1024 || !data.systems.every((s) => typeof s === 'string')) {
    throw new PayloadError(`job ${jobId}: "systems" must be a non-empty list of system ids`);
  }
  return { runId: data.runId, raw: data as unknown as QueueJobData };
}

/**
 * Checks a job against its run: the record has the task's schema, the job id is the one the
 * user's id gives, and the systems are systems of the run.
 *
 * @throws PayloadError naming the job and what is wrong.
 */
export function checkJobForRun(jobId: string, job: QueueJobData, spec: QueueRunSpec): CheckedJob {
  const task = TASKS[spec.settings.task];
  const profile = job.row.profile;
  if (Array.isArray(profile) && profile.length > MAX_PROFILE_ITEMS) throw new PayloadError(`job ${jobId}: more than ${MAX_PROFILE_ITEMS} profile items`);
  let record: LongLampRecord;
  try {
    record = toRecord(job.row, task, { file: `job ${jobId}`, row: 0 }, emptyStats(), { nullProfileText: 'error' });
  } catch (err) {
    throw new PayloadError((err as Error).message); // names the job (as the file), the row and the field
  }
  if (jobIdOf(spec.runId, record.userId) !== jobId) throw new PayloadError(`job ${jobId}: its id is not the id of run ${spec.runId} and user ${JSON.stringify(record.userId.slice(0, 80))}`);
  const all = listSystems(spec.settings.betas, spec.settings.ragK);
  const systems = job.systems.map((id) => {
    const s = all.find((x) => x.id === id);
    if (s === undefined) throw new PayloadError(`job ${jobId}: "${id.slice(0, 80)}" is not a system of run ${spec.runId}`);
    return s;
  });
  if (new Set(job.systems).size !== job.systems.length) throw new PayloadError(`job ${jobId}: a system is listed twice`);
  return { runId: spec.runId, record, systems };
}

/**
 * Checks a worker's answer to a job of `runId` for `userId` with `systems`.
 *
 * @returns the reason when it is not valid, else null.
 */
export function checkJobAnswer(value: unknown, runId: string, userId: string, systems: readonly string[]): string | null {
  if (!isObject(value) || value.schema !== ANSWER_SCHEMA) return `not a ${ANSWER_SCHEMA} answer`;
  if (value.runId !== runId || value.userId !== userId) return `it answers run ${JSON.stringify(value.runId)}, user ${JSON.stringify(value.userId)}`;
  if (typeof value.worker !== 'string' || typeof value.ms !== 'number') return '"worker" and "ms" are missing';
  if (!Array.isArray(value.generations)) return '"generations" must be a list';
  const ids = new Set(systems);
  for (const g of value.generations) {
    const problem = checkUserGeneration(g, ids);
    if (problem) return `a generation: ${problem}`;
  }
  const got = new Set((value.generations as UserGeneration[]).map((g) => g.system));
  const missing = systems.filter((s) => !got.has(s));
  if (missing.length > 0) return `no generation for ${missing.join(', ')}`;
  return null;
}

/** The native space's corpus idf as a run spec carries it (see {@link QueueRunSpec.nativeIdf}). */
export function encodeNativeIdf(idf: NativeIdf): NonNullable<QueueRunSpec['nativeIdf']> {
  const counts = idf.df.countsCopy();
  return { docs: idf.df.docs, counts: Buffer.from(counts.buffer, counts.byteOffset, counts.byteLength).toString('base64'), description: idf.description };
}

/**
 * The corpus idf of a checked run spec, for a model of `vocabSize` tokens.
 *
 * @throws PayloadError when the counts do not have one u32 per token of the model.
 */
export function decodeNativeIdf(spec: QueueRunSpec, vocabSize: number): NativeIdf | undefined {
  const n = spec.nativeIdf;
  if (n === undefined) return undefined;
  const bytes = Buffer.from(n.counts, 'base64');
  if (bytes.length !== vocabSize * 4) {
    throw new PayloadError(`run ${spec.runId}: "nativeIdf.counts" holds ${bytes.length / 4} counts, the model has ${vocabSize} tokens`);
  }
  const counts = new Uint32Array(vocabSize);
  for (let i = 0; i < vocabSize; i++) counts[i] = bytes.readUInt32LE(i * 4);
  return { df: TokenDocumentFrequency.fromCounts(n.docs, counts), description: n.description };
}
