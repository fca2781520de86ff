/**
 * Fitting a prompt into the context: prompt tokens + `maxTokens` must not exceed the context
 * size. A prompt that is too long loses its first tokens (left truncation, as
 * lm-evaluation-harness does), which keeps the instruction at the end of LongLaMP's RAG prompts
 * and drops the oldest retrieved text first. The cut happens on the prompt text before the chat
 * template, so the template's own tokens are never cut.
 * @module
 */
import type { PromptTokensOptions, TokenizeOptions } from '../model.js';

/** What prompt fitting needs from a model (the real `Model` has all of it). */
export interface PromptTokenizer {
  tokenize(text: string, options?: TokenizeOptions): Int32Array;
  detokenize(tokens: Int32Array | ArrayLike<number>): string;
  /** The prompt's tokens as generate() makes them (BOS, chat template; the text as plain text). */
  promptTokens(text: string, options?: PromptTokensOptions): Int32Array;
}

/** How truncation works, as recorded in `config.json`. */
export const PROMPT_TRUNCATION_POLICY =
  'left: when prompt tokens + max-tokens exceed the context size, the first tokens of the prompt text ' +
  '(before the chat template) are dropped, as lm-evaluation-harness does, so the task instruction at the end of ' +
  'a RAG prompt is kept; each prediction records the prompt as the model saw it and truncatedPromptTokens';

/** A prompt ready for generation. */
export interface FittedPrompt {
  /** The prompt text after truncation (before the chat template). */
  text: string;
  /** The tokens to generate from (BOS, chat template, prompt). */
  tokens: Int32Array;
  /** Prompt-text tokens dropped from the front (0 when it fitted). */
  truncatedTokens: number;
}

/**
 * Tokenizes `content` (wrapped in the chat template when `chat`) so that it leaves room for
 * `maxTokens` new tokens in a context of `contextSize`, cutting the front of `content` if needed.
 *
 * @throws RangeError when even an empty prompt does not fit (the template alone is too long).
 */
export function fitPrompt(
  model: PromptTokenizer,
  content: string,
  options: { chat: boolean; maxTokens: number; contextSize: number },
): FittedPrompt {
  const budget = options.contextSize - options.maxTokens;
  const render = (text: string): Int32Array => model.promptTokens(text, { chat: options.chat });
  let tokens = render(content);
  if (tokens.length <= budget) return { text: content, tokens, truncatedTokens: 0 };

  const contentTokens = model.tokenize(content, { addSpecial: false, parseSpecial: false });
  let keep = Math.min(contentTokens.length, budget - (tokens.length - contentTokens.length));
  for (let attempt = 0; attempt < 8 && keep > 0; attempt++) {
    const text = model.detokenize(contentTokens.subarray(contentTokens.length - keep)).replace(/^\s+/, '');
    tokens = render(text);
    if (tokens.length <= budget) return { text, tokens, truncatedTokens: contentTokens.length - keep };
    keep -= Math.max(1, tokens.length - budget);
  }
  throw new RangeError(
    `the prompt does not fit: the context size ${options.contextSize} minus --max-tokens ${options.maxTokens} leaves ` +
      `${budget} tokens, fewer than the chat template and BOS need; raise --context-size or lower --max-tokens`,
  );
}
