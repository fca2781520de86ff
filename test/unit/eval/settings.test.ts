import path from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  DEFAULT_EMBEDDER,
  DEFAULT_MODEL,
  EvalOptionError,
  effectiveContextSize,
  parseNumberList,
  resolveEvalSettings,
} from '../../../lib/eval/settings.js';

const opts = { threads: 3, cwd: '/work/x' };

describe('resolveEvalSettings', () => {
  it('fills the documented defaults', () => {
    const s = resolveEvalSettings({}, opts);
    expect(s).toEqual({
      task: 'LongLaMP-2',
      setting: 'user',
      split: 'test',
      data: null,
      model: DEFAULT_MODEL,
      embedder: DEFAULT_EMBEDDER,
      space: 'sbert',
      numUsers: 10,
      users: null,
      betas: [0.5],
      ragK: null,
      maxTokens: 256,
      temperature: 0,
      topK: 40,
      topP: 0.95,
      minP: 0.05,
      seed: 0,
      threads: 3,
      parallel: 16,
      contextSize: null,
      guardTopK: null,
      guardMinP: null,
      biasReference: 'neutral',
      chat: 'auto',
      nltkData: null,
    });
  });

  it('resolves paths against cwd, tasks by number, lists from strings', () => {
    const s = resolveEvalSettings(
      { task: '4', data: 'd.jsonl', model: 'm.gguf', betas: '0, 1,2.5', users: 'a,b', ragK: 2, split: 'validation' },
      opts,
    );
    expect(s.task).toBe('LongLaMP-4');
    expect(s.split).toBe('val');
    expect(s.data).toBe(path.resolve('/work/x', 'd.jsonl'));
    expect(s.model).toBe(path.resolve('/work/x', 'm.gguf'));
    expect(s.betas).toEqual([0, 1, 2.5]);
    expect(s.users).toEqual(['a', 'b']);
    expect(s.ragK).toBe(2);
    expect(resolveEvalSettings({ ragK: 0 }, opts).ragK).toBeNull();
    expect(resolveEvalSettings({ model: 'hf:o/r/f.gguf' }, opts).model).toBe('hf:o/r/f.gguf');
  });

  it.each([
    [{ betas: '0,abc' }, '--betas: "abc" is not a finite number'],
    [{ betas: '1,,2' }, '--betas: expected a comma-separated list'],
    [{ beta: 1, betas: [2] }, '--betas: give either --beta B or --betas'],
    [{ betas: [1, 1] }, '--betas: beta 1 is listed twice'],
    [{ space: 'bert' }, '--space: expected sbert or native, got "bert"'],
    [{ chat: 'yes' }, '--chat: expected auto, on or off'],
    [{ maxTokens: 0 }, '--max-tokens: expected a number between 1 and 1048576, got 0'],
    [{ maxTokens: 1.5 }, '--max-tokens: expected an integer, got 1.5'],
    [{ numUsers: -1 }, '--num-users: expected a number between 1'],
    [{ topP: 2 }, '--top-p: expected a number between 0 and 1, got 2'],
    [{ seed: -1 }, '--seed: expected a number between 0 and 4294967294, got -1'],
    [{ maxTokens: 250, contextSize: 256 }, '--max-tokens: 250 new tokens leave fewer than 8 tokens of --context-size 256'],
    [{ task: 'LongLaMP-1' }, '--task: LongLaMP-1 (personalized e-mail completion) is private'],
    [{ setting: 'time' }, '--setting: unknown setting "time"'],
    [{ users: 'a,a' }, '--users: user "a" is listed twice'],
    [{ model: '' }, '--model: expected a GGUF file'],
  ])('rejects %j naming the option', (input, message) => {
    expect(() => resolveEvalSettings(input as never, opts)).toThrow(EvalOptionError);
    expect(() => resolveEvalSettings(input as never, opts)).toThrow(message);
  });

  it('parses number lists', () => {
    expect(parseNumberList('-1,0.25,3e-1', '--x')).toEqual([-1, 0.25, 0.3]);
  });
});

describe('effectiveContextSize', () => {
  it("uses the model's training context, capped at 4096", () => {
    const s = resolveEvalSettings({ maxTokens: 64 }, opts);
    expect(effectiveContextSize(s, 128)).toBe(128);
    expect(effectiveContextSize(s, 32768)).toBe(4096);
    expect(effectiveContextSize({ ...s, contextSize: 512 }, 128)).toBe(512);
  });
  it('names --max-tokens when no room is left for a prompt', () => {
    const s = resolveEvalSettings({}, opts); // 256 new tokens
    expect(() => effectiveContextSize(s, 128)).toThrow("--max-tokens: 256 new tokens leave fewer than 8 tokens of the context size 128 (the model's training context 128");
  });
});
