// The queue's payload checks and URL parsing (lib/eval/queue/payload.ts, connection.ts): what a
// worker refuses, with which message, and that a password is never shown.
import { describe, expect, it } from 'vitest';

import { parseQueueUrl } from '../../../lib/eval/queue/connection.js';
import {
  ANSWER_SCHEMA,
  checkJobAnswer,
  checkJobData,
  checkJobForRun,
  checkRunSpec,
  decodeNativeIdf,
  encodeNativeIdf,
  JOB_SCHEMA,
  jobIdOf,
  MAX_JOB_BYTES,
  PayloadError,
  RUN_SPEC_SCHEMA,
  runIdOf,
  type QueueJobData,
} from '../../../lib/eval/queue/payload.js';
import { TokenDocumentFrequency } from '../../../lib/embed/native-space.js';

const runId = runIdOf('{"schema":"persona-gen/eval-config@1"}');
const spec = (over: Record<string, unknown> = {}, settings: Record<string, unknown> = {}) => ({
  schema: RUN_SPEC_SCHEMA,
  runId,
  settings: { task: 'LongLaMP-2', setting: 'user', split: 'test', space: 'native', embedder: 'x', betas: [0, 2], ragK: 1, maxTokens: 8, temperature: 0, topK: 40, topP: 0.95, minP: 0.05, seed: 0, contextSize: 64, guardTopK: null, guardMinP: null, chat: 'off', ...settings },
  model: { ref: '/models/m.gguf', fileName: 'm.gguf', sha256: 'a'.repeat(64) },
  contextSize: 64,
  chat: false,
  ...over,
});
const row = { name: 'Ada', input: 'Generate an abstract', output: 'gold', profile: [{ abstract: 'a', id: '1', title: 't', year: 1843 }] };

describe('run and job ids', () => {
  it('are deterministic, and differ by run and by user', () => {
    expect(runId).toMatch(/^[0-9a-f]{24}$/);
    expect(jobIdOf(runId, 'Ada')).toBe(jobIdOf(runId, 'Ada'));
    expect(jobIdOf(runId, 'Ada')).not.toBe(jobIdOf(runId, 'Grace'));
    expect(jobIdOf(runIdOf('other'), 'Ada')).not.toBe(jobIdOf(runId, 'Ada'));
    expect(jobIdOf(runId, 'Ada')).not.toContain(':');
  });
});

describe('checkRunSpec', () => {
  it('accepts a spec and drops the coordinator paths', () => {
    const s = checkRunSpec(spec(), runId);
    expect(s.settings.betas).toEqual([0, 2]);
    expect(s.settings.data).toBeNull();
    expect(s.settings.nltkData).toBeNull();
    expect(s.model.fileName).toBe('m.gguf');
  });
  it.each([
    ['traversal', { model: { ref: 'x', fileName: '../../etc/passwd', sha256: 'a'.repeat(64) } }, {}, /"model.fileName" "..\/..\/etc\/passwd" is not a bare file name/],
    ['dot-dot', { model: { ref: 'x', fileName: '..', sha256: 'a'.repeat(64) } }, {}, /is not a bare file name/],
    ['bad sha256', { model: { ref: 'x', fileName: 'm.gguf', sha256: 'zz' } }, {}, /a sha256 of 64 hex digits/],
    ['huge maxTokens', {}, { maxTokens: 1e12 }, /--max-tokens: expected a number between 1 and 1048576/],
    ['bad betas', {}, { betas: 'rm -rf' }, /--betas/],
    ['huge context', { contextSize: 1 << 30 }, {}, /"contextSize" must be an integer/],
    ['other run', { runId: 'e'.repeat(24) }, {}, /the run spec names run/],
    ['not a spec', { schema: 'x' }, {}, /not a persona-gen\/queue-run@1 object/],
    ['huge spec', { model: { ref: 'x'.repeat(9_000_000), fileName: 'm', sha256: 'a'.repeat(64) } }, {}, /larger than 8388608 bytes/],
    ['bad corpus idf', { nativeIdf: { docs: -1, counts: 'AAAA', description: 'x' } }, {}, /"nativeIdf" must hold docs/],
    ['corpus idf counts not base64', { nativeIdf: { docs: 3, counts: '../../etc', description: 'x' } }, {}, /"nativeIdf" must hold docs/],
  ])('refuses a spec: %s', (_name, over, settings, why) => {
    expect(() => checkRunSpec(spec(over, settings), runId)).toThrow(PayloadError);
    expect(() => checkRunSpec(spec(over, settings), runId)).toThrow(why);
  });
});

describe('checkJobData and checkJobForRun', () => {
  const s = checkRunSpec(spec(), runId);
  const job = (over: Record<string, unknown> = {}): QueueJobData => ({ schema: JOB_SCHEMA, runId, row, systems: ['baseline', 'rag@1+bias@2'], ...over }) as QueueJobData;
  const id = jobIdOf(runId, 'Ada');

  it('accepts a job of the run', () => {
    const checked = checkJobForRun(id, checkJobData(id, job()).raw, s);
    expect(checked.record.userId).toBe('Ada');
    expect(checked.systems.map((x) => x.id)).toEqual(['baseline', 'rag@1+bias@2']);
  });
  it('refuses malformed and hostile jobs, naming the job', () => {
    expect(() => checkJobData(id, 'rm -rf /')).toThrow(`job ${id}: not a persona-gen/queue-job@1 job`);
    expect(() => checkJobData(id, job({ runId: '../x' }))).toThrow('"runId" must be 24 hex digits');
    expect(() => checkJobData(id, job({ systems: [] }))).toThrow('"systems" must be a non-empty list');
    expect(() => checkJobData(id, job({ row: { ...row, input: 'x'.repeat(MAX_JOB_BYTES) } }))).toThrow(`more than the ${MAX_JOB_BYTES} a worker accepts`);
    expect(() => checkJobForRun(id, job({ systems: ['bias@7'] }), s)).toThrow(`job ${id}: "bias@7" is not a system of run ${runId}`);
    expect(() => checkJobForRun(id, job({ systems: ['baseline', 'baseline'] }), s)).toThrow('listed twice');
    expect(() => checkJobForRun(id, job({ row: { ...row, profile: 'x' } }), s)).toThrow(`job ${id}: row 0, field "profile": expected a list of profile items, got the string "x"`);
    expect(() => checkJobForRun(jobIdOf(runId, 'Grace'), job(), s)).toThrow(/its id is not the id of run .* and user "Ada"/);
  });
});

describe('checkJobAnswer', () => {
  const gen = (system: string) => ({
    system,
    prompt: 'p',
    ragItems: null,
    output: 'o',
    promptTokens: 3,
    outputTokens: 1,
    truncatedPromptTokens: 0,
    stopReason: 'eos',
    timing: { tokensPerSecond: 1, promptTokensPerSecond: 1, promptMs: 1, decodeMs: 1 },
  });
  const answer = (gens: unknown[]) => ({ schema: ANSWER_SCHEMA, runId, userId: 'Ada', worker: 'h:1', ms: 5, generations: gens });
  it('accepts a full answer and names what is wrong with others', () => {
    expect(checkJobAnswer(answer([gen('baseline')]), runId, 'Ada', ['baseline'])).toBeNull();
    expect(checkJobAnswer(answer([]), runId, 'Ada', ['baseline'])).toBe('no generation for baseline');
    expect(checkJobAnswer(answer([gen('bias@9')]), runId, 'Ada', ['baseline'])).toMatch(/"system" "bias@9" is not a system of the run/);
    expect(checkJobAnswer(answer([gen('baseline')]), runId, 'Grace', ['baseline'])).toMatch(/it answers run/);
  });
});

describe('parseQueueUrl', () => {
  it('reads host, port, db; the password from the URL or REDIS_PASSWORD, never in the display', () => {
    const c = parseQueueUrl('redis://:s3cret@10.0.0.5:6380/2', {});
    expect(c.options).toMatchObject({ host: '10.0.0.5', port: 6380, db: 2, password: 's3cret', maxRetriesPerRequest: null });
    expect(c.display).toBe('redis://10.0.0.5:6380/2');
    const e = parseQueueUrl('rediss://queue.example:7000', { REDIS_PASSWORD: 'envpw' });
    expect(e.options).toMatchObject({ host: 'queue.example', port: 7000, db: 0, password: 'envpw', tls: { servername: 'queue.example' } });
    expect(e.display).toBe('rediss://queue.example:7000/0');
    expect(parseQueueUrl('redis://127.0.0.1', {}).options).not.toHaveProperty('password');
  });
  it('refuses other URLs naming --queue', () => {
    expect(() => parseQueueUrl('http://x:1', {})).toThrow('--queue: expected a redis:// or rediss:// URL, got a http:// URL');
    expect(() => parseQueueUrl('redis://x:1/abc', {})).toThrow('--queue: the database must be a number');
    expect(() => parseQueueUrl('not a url', {})).toThrow('--queue: expected redis://host:port[/db]');
  });
});

describe('the corpus idf in a run spec', () => {
  it('reaches a worker with the coordinator\'s counts, and only for a model of the same vocabulary size', () => {
    const df = TokenDocumentFrequency.fromCounts(7, new Uint32Array([0, 7, 3, 1, 0xffffffff]));
    const checked = checkRunSpec(spec({ nativeIdf: encodeNativeIdf({ df, description: 'all items' }) }), runId);
    const back = decodeNativeIdf(checked, 5)!;
    expect(back.description).toBe('all items');
    expect(back.df.docs).toBe(7);
    expect(Array.from(back.df.countsCopy())).toEqual([0, 7, 3, 1, 0xffffffff]);
    expect([0, 1, 2, 3].map((i) => back.df.idf(i))).toEqual([0, 1, 2, 3].map((i) => df.idf(i)));
    expect(() => decodeNativeIdf(checked, 6)).toThrow('"nativeIdf.counts" holds 5 counts, the model has 6 tokens');
    expect(decodeNativeIdf(checkRunSpec(spec(), runId), 5)).toBeUndefined();
  });
});
