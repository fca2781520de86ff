// The small parts of the server: ids, the lone-surrogate finder, top-k selection, the
// generation queue (concurrency, order, abort while waiting) and the metrics text.
import { describe, expect, it } from 'vitest';

import { findIllFormedString } from '../../../lib/server/app.js';
import { GenerationQueue } from '../../../lib/server/generation-queue.js';
import { checkId, isId } from '../../../lib/server/ids.js';
import { ServerMetrics } from '../../../lib/server/metrics.js';
import { topIds } from '../../../lib/server/profile-space.js';

describe('server parts', () => {
  it('ids: letters, digits and ._:@+- up to 128 characters, not starting with a dot', () => {
    for (const ok of ['alice', 'user-1', 'a.b@example.com', 'org:team+x', 'x'.repeat(128)]) expect(isId(ok), ok).toBe(true);
    for (const bad of ['', '.hidden', '../etc', 'a/b', 'a b', 'x'.repeat(129), 'é', 'a\u0000b', 'a\nb']) expect(isId(bad), bad).toBe(false);
    expect(() => checkId('../x', 'user')).toThrow(/^user must be 1 to 128 characters/);
  });

  it('finds the first string or key holding a lone surrogate, by its path', () => {
    expect(findIllFormedString({ a: 'ok 🐶', b: ['x', { c: 'fine' }] })).toBeNull();
    expect(findIllFormedString({ a: 'ok', b: ['x', { c: 'bad \ud800' }] })).toBe('b[1].c');
    expect(findIllFormedString({ messages: [{ content: '\udc00 tail' }] })).toBe('messages[0].content');
    expect(findIllFormedString({ ['k\ud83d']: 1 })).toBe('body');
    expect(findIllFormedString('\ud83d\ude00')).toBeNull();
    let deep: unknown = 'leaf \udfff';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findIllFormedString(deep)).toMatch(/^(\[0\]){100000}$/);
  });

  it('topIds: the k largest values, largest first, zeros skipped', () => {
    const v = Float32Array.from([0.1, 0, 0.9, -0.5, 0.9, 0.3, 0, 0.2]);
    expect(topIds(v, 3)).toEqual([2, 4, 5]);
    expect(topIds(v, 10)).toEqual([2, 4, 5, 7, 0, 3]);
    expect(topIds(v, 0)).toEqual([]);
  });

  it('the queue runs at most `parallel` jobs, in arrival order, and drops a job aborted while waiting', async () => {
    const q = new GenerationQueue(2);
    const started: number[] = [];
    const gates: (() => void)[] = [];
    const job = (i: number) => () =>
      new Promise<number>((resolve) => {
        started.push(i);
        gates[i] = () => resolve(i);
      });
    const ac = new AbortController();
    const runs = [q.run(job(0)), q.run(job(1)), q.run(job(2), ac.signal), q.run(job(3))];
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toEqual([0, 1]);
    expect([q.running, q.waiting]).toEqual([2, 2]);
    ac.abort(new Error('client gone'));
    await expect(runs[2]).rejects.toThrow(/client gone/);
    gates[0]!();
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toEqual([0, 1, 3]);
    gates[1]!();
    gates[3]!();
    expect(await Promise.all([runs[0], runs[1], runs[3]])).toEqual([0, 1, 3]);
    await q.idle();
    expect([q.running, q.waiting]).toEqual([0, 0]);
    expect(() => new GenerationQueue(0)).toThrow(/parallel must be an integer >= 1/);
  });

  it('a running job aborted keeps its slot until it settles, and its own result comes back', async () => {
    const q = new GenerationQueue(1);
    const ac = new AbortController();
    let finish: (v: string) => void = () => {};
    const running = q.run(() => new Promise<string>((resolve) => (finish = resolve)), ac.signal);
    const next = q.run(async () => 'next');
    await new Promise((r) => setTimeout(r, 10));
    ac.abort(new Error('client gone'));
    await new Promise((r) => setTimeout(r, 10));
    expect([q.running, q.waiting]).toEqual([1, 1]); // the slot is held while the job still runs
    finish('partial text');
    expect(await running).toBe('partial text');
    expect(await next).toBe('next');
    const gone = new AbortController();
    gone.abort(new Error('gone before'));
    await expect(q.run(async () => 'never', gone.signal)).rejects.toThrow(/gone before/);
  });

  it('metrics: Prometheus text with requests, tokens, tokens/s, queue depth and running sequences', async () => {
    const m = new ServerMetrics({ waiting: 3, running: 2 });
    m.request('/v1/completions', 200);
    m.request('/v1/completions', 200);
    m.generation(10, 50, true);
    m.firstToken(0.02);
    const text = await m.text();
    expect(text).toMatch(/^persona_gen_requests_total\{route="\/v1\/completions",status="200"\} 2$/m);
    expect(text).toMatch(/^persona_gen_generated_tokens_total 50$/m);
    expect(text).toMatch(/^persona_gen_prompt_tokens_total 10$/m);
    expect(text).toMatch(/^persona_gen_personalized_requests_total 1$/m);
    expect(text).toMatch(/^persona_gen_queue_depth 3$/m);
    expect(text).toMatch(/^persona_gen_sequences_running 2$/m);
    expect(Number(/^persona_gen_generated_tokens_per_second (\S+)$/m.exec(text)![1])).toBeGreaterThan(0);
    expect(text).toMatch(/^persona_gen_time_to_first_token_seconds_count 1$/m);
    expect(m.contentType).toMatch(/^text\/plain/);
  });
});
