import { describe, expect, it } from 'vitest';

import { fitPrompt, type PromptTokenizer } from '../../../lib/eval/prompt-fit.js';

/** One token per character, BOS = -1; the chat template adds 4 marker characters. */
const chars: PromptTokenizer = {
  tokenize: (text, o) => Int32Array.from([...(o?.addSpecial ? [-1] : []), ...[...text].map((c) => c.charCodeAt(0))]),
  detokenize: (tokens) => String.fromCharCode(...Array.from(tokens).filter((t) => t >= 0)),
  promptTokens: (text, o) => chars.tokenize(o?.chat ? `<${text}>\n>` : text, { addSpecial: true }),
};

describe('fitPrompt', () => {
  it('leaves a prompt that fits alone', () => {
    const f = fitPrompt(chars, 'hello world', { chat: false, maxTokens: 10, contextSize: 30 });
    expect(f).toEqual({ text: 'hello world', tokens: chars.tokenize('hello world', { addSpecial: true }), truncatedTokens: 0 });
  });

  it('drops the first tokens of a prompt that is too long, keeping the end', () => {
    const f = fitPrompt(chars, 'abcdefghijklmnopqrstuvwxyz', { chat: false, maxTokens: 10, contextSize: 21 });
    expect(f.tokens.length).toBe(11);
    expect(f.text).toBe('qrstuvwxyz');
    expect(f.truncatedTokens).toBe(16);
  });

  it('never cuts the chat template', () => {
    const f = fitPrompt(chars, 'abcdefghij', { chat: true, maxTokens: 4, contextSize: 14 });
    expect(f.text).toBe('fghij');
    expect(chars.detokenize(f.tokens)).toBe('<fghij>\n>');
    expect(f.tokens.length).toBe(10);
  });

  it('says what to change when even the template does not fit', () => {
    expect(() => fitPrompt(chars, 'abc', { chat: true, maxTokens: 10, contextSize: 14 })).toThrow('raise --context-size or lower --max-tokens');
  });
});
