/**
 * The generateMany runner (lib/generate-many.ts) on its own: at most `parallel` requests in
 * flight, results in request order, per-request callbacks, failures gathered into one
 * AggregateError indexed like the requests, signals combined, arguments checked. The model
 * behind it is exercised in test/model/engine.test.ts; here each request is a timer.
 */
import { describe, expect, it } from 'vitest';

import { type BatchRequest, runMany } from '../../../lib/generate-many.js';
import type { GenerationResult } from '../../../lib/generation-options.js';

const result = (text: string): GenerationResult => ({
  text,
  tokens: new Int32Array(0),
  stopReason: 'maxTokens',
  promptTokens: 1,
  promptTokensReused: 0,
  timings: { promptMs: 0, decodeMs: 0, promptTokensPerSecond: 0, decodeTokensPerSecond: 0 },
});

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

describe('runMany', () => {
  it('keeps at most `parallel` in flight and returns results in request order', async () => {
    let inFlight = 0;
    let most = 0;
    const requests: BatchRequest[] = [30, 5, 20, 1, 10, 2].map((ms) => ({ prompt: String(ms) }));
    const finished: number[] = [];
    const out = await runMany(requests, { parallel: 2, onResult: (i) => finished.push(i) }, 8, async (r, _signal, onText) => {
      inFlight++;
      most = Math.max(most, inFlight);
      onText?.(`<${r.prompt as string}>`);
      await sleep(Number(r.prompt));
      inFlight--;
      return result(r.prompt as string);
    });
    expect(out.map((r) => r.text)).toEqual(['30', '5', '20', '1', '10', '2']);
    expect(most).toBe(2);
    expect(finished.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a failure ends only its request; the call rejects after all settled with errors indexed like the requests', async () => {
    const seen: number[] = [];
    const errors: number[] = [];
    const failure = (await runMany(
      [{ prompt: 'a' }, { prompt: 'bad' }, { prompt: 'c' }],
      { onResult: (i) => seen.push(i), onError: (i) => errors.push(i) },
      4,
      async (r) => {
        await sleep(r.prompt === 'c' ? 20 : 1);
        if (r.prompt === 'bad') throw new RangeError('bad prompt');
        return result(r.prompt as string);
      },
    ).catch((e: unknown) => e)) as AggregateError;
    expect(failure).toBeInstanceOf(AggregateError);
    expect(failure.message).toBe('1 of 3 requests failed; the first: bad prompt');
    expect(failure.errors.map((e: unknown) => (e === undefined ? undefined : (e as Error).message))).toEqual([undefined, 'bad prompt', undefined]);
    expect(seen.sort()).toEqual([0, 2]);
    expect(errors).toEqual([1]);
  });

  it('the call signal and each request signal both abort a request', async () => {
    const all = new AbortController();
    const mine = new AbortController();
    const run = runMany(
      [{ prompt: 'x', signal: mine.signal }, { prompt: 'y' }],
      { signal: all.signal },
      4,
      async (r, signal) => {
        await sleep(1000, signal);
        return result(r.prompt as string);
      },
    );
    mine.abort(new Error('only the first'));
    await sleep(5);
    all.abort(new Error('everything'));
    const e = (await run.catch((x: unknown) => x)) as AggregateError;
    expect(e.errors.map((x) => (x as Error).message)).toEqual(['only the first', 'everything']);
  });

  it('checks its arguments', async () => {
    const never = async () => result('');
    await expect(runMany('x' as unknown as BatchRequest[], {}, 4, never)).rejects.toThrow(/requests must be an array/);
    await expect(runMany([], { parallel: 5 }, 4, never)).rejects.toThrow(/options\.parallel must be between 1 and 4/);
    await expect(runMany([], { onError: 1 as unknown as () => void }, 4, never)).rejects.toThrow(/options\.onError must be a function/);
    await expect(runMany([null as unknown as BatchRequest], {}, 4, never)).rejects.toThrow(/requests\[0\] must be an object/);
  });
});
