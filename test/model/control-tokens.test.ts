// User text never becomes control tokens: every special-token string of the test models'
// vocabularies (stories260K, and a synthetic model with Qwen2's chat-style vocabulary and chat
// template) is put into profile items and the input; the prompts eval builds (plain and RAG,
// with and without the chat template, through fitPrompt) and generate()'s string prompts hold no
// control token from them: only the template's own markers and BOS. Opting in (parseSpecial)
// does parse them, which shows the check can fail.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../bindings/index.js';
import { buildRagPrompt } from '../../lib/data/prompts.js';
import type { AbstractProfileItem } from '../../lib/data/records.js';
import { fitPrompt } from '../../lib/eval/prompt-fit.js';
import { loadModel, type Model } from '../../lib/index.js';
import { loadDevAddon, useDevAddon } from '../../bindings/dev.js';
import { hasStoriesModel, storiesModel } from '../helpers/shared.js';

useDevAddon();

const qwenVocab = path.join(packageRoot, 'deps', 'llama.cpp', 'models', 'ggml-vocab-qwen2.gguf');
if (!existsSync(qwenVocab)) console.warn(`[tests] ${qwenVocab} is absent (npm run fetch-llama): the chat-vocabulary control-token test is skipped`);

/** Ids of every special token with a text form: control, unknown and user-defined. */
function specialIds(model: Model): number[] {
  const kinds = model.tokenKinds();
  const pieces = model.tokenPieces();
  return kinds.flatMap((k, id) => (k !== 'normal' && k !== 'byte' && k !== 'unused' && pieces[id]!.length > 0 ? [id] : []));
}

/**
 * The control (and unknown) token ids of a prompt. User-defined tokens are not control tokens:
 * llama.cpp, like Hugging Face tokenizers, always matches them as ordinary vocabulary entries.
 */
function controlIdsIn(model: Model, tokens: Int32Array): number[] {
  const kinds = model.tokenKinds();
  return Array.from(tokens).filter((t) => kinds[t] === 'control' || kinds[t] === 'unknown');
}

function checkModel(model: Model): void {
  const pieces = model.tokenPieces();
  const specials = specialIds(model).map((id) => pieces[id]!);
  expect(specials.length).toBeGreaterThan(0);
  const hostile = specials.join(' and ');
  const profile: AbstractProfileItem[] = specials.map((s, i) => ({ abstract: `Item ${i} ${s} ends ${s}`, title: `A ${s} title`, id: `p${i}`, year: 2000 + i }));
  const input = `Generate an abstract for the title "${hostile}" using items: ${hostile}`;
  const prompts = [input, buildRagPrompt('abstract', input, profile)];
  for (const chat of [false, true]) {
    // The template's own markers and BOS: what an ordinary prompt holds.
    const own = controlIdsIn(model, model.promptTokens('hello', { chat }));
    for (const text of prompts) {
      const direct = model.promptTokens(text, { chat });
      expect(controlIdsIn(model, direct)).toEqual(own);
      const fitted = fitPrompt(model, text, { chat, maxTokens: 16, contextSize: 1 << 20 });
      expect(controlIdsIn(model, fitted.tokens)).toEqual(own);
      // Opting in parses them: the check above can fail.
      expect(controlIdsIn(model, model.promptTokens(text, { chat, parseSpecial: true })).length).toBeGreaterThan(own.length);
    }
  }
}

describe.skipIf(!hasStoriesModel)('control tokens in user text (stories260K)', () => {
  it('no special-token string from the profile or the input becomes a control token', async () => {
    const model = await loadModel(storiesModel, { contextSize: 128, threads: 1 });
    try {
      checkModel(model);
      // generate()'s string prompt: "</s>" in a plain prompt is text, not end of text.
      const r = await model.generate('Once upon a time </s>', { maxTokens: 2 });
      expect(r.promptTokens).toBe(model.promptTokens('Once upon a time </s>').length);
      expect(controlIdsIn(model, model.promptTokens('Once upon a time </s>'))).toEqual(controlIdsIn(model, model.promptTokens('x')));
    } finally {
      model.dispose();
    }
  });
});

describe.skipIf(!existsSync(qwenVocab))('control tokens in user text (Qwen2 chat vocabulary, synthetic weights)', () => {
  let dir: string;
  let model: Model;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'persona-gen-control-'));
    const file = path.join(dir, 'qwen-chat.gguf');
    await loadDevAddon().tools.writeSyntheticModel({
      arch: 'qwen2', vocabPath: qwenVocab, outPath: file, layers: 1, embd: 32, heads: 2, kvHeads: 1, ffn: 64, contextLength: 512, ropeFreqBase: 1e6,
    });
    model = await loadModel(file, { contextSize: 256, threads: 1 });
  });
  afterAll(() => {
    model?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has a chat template with control markers (what the check relies on)', () => {
    expect(model.info.chatTemplate).not.toBeNull();
    expect(controlIdsIn(model, model.promptTokens('hello', { chat: true })).length).toBeGreaterThan(0);
  });

  it('no special-token string from the profile or the input becomes a control token', () => {
    checkModel(model);
  });

  it('ordinary text gets the same tokens as tokenizing the whole templated prompt', () => {
    const text = 'Write a short abstract about solar panels.\nKeep it formal.';
    const whole = model.tokenize(model.applyChatTemplate([{ role: 'user', content: text }])!, { addSpecial: true, parseSpecial: true });
    expect(Array.from(model.promptTokens(text, { chat: true }))).toEqual(Array.from(whole));
  });
});
