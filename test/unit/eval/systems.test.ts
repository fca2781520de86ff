import { describe, expect, it } from 'vitest';

import { formatBeta, listSystems } from '../../../lib/eval/systems.js';

describe('listSystems', () => {
  it('baseline and one personalized system per beta', () => {
    expect(listSystems([0.5], null)).toEqual([
      { id: 'baseline', kind: 'baseline', beta: null, ragK: null, label: 'baseline', control: null },
      { id: 'bias@0.5', kind: 'personalized', beta: 0.5, ragK: null, label: 'bias β=0.5', control: 'baseline' },
    ]);
  });
  it('RAG without and with the bias; RAG + bias is compared with RAG', () => {
    const s = listSystems([0, 2], 3);
    expect(s.map((x) => x.id)).toEqual(['baseline', 'bias@0', 'bias@2', 'rag@3', 'rag@3+bias@0', 'rag@3+bias@2']);
    expect(s.map((x) => x.control)).toEqual([null, 'baseline', 'baseline', 'baseline', 'rag@3', 'rag@3']);
    expect(s[5]!.label).toBe('RAG k=3 + bias β=2');
  });
  it('formats betas without a negative zero', () => {
    expect(formatBeta(-0)).toBe('0');
    expect(formatBeta(-1.5)).toBe('-1.5');
  });
});
