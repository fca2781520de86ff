/**
 * Model: a GGUF language model loaded through llama.cpp, with its vocabulary, chat
 * template, input embeddings, and (personalized) generation.
 * @module
 */
import { availableParallelism } from 'node:os';
import type { NativeEngineStats, NativeModel, NativeModelInfo } from '../bindings/index.js';
import { DisposedError, checkNumber, expectType } from './errors.js';
import {
  type ContextSettings,
  type GenerateOptions,
  type GenerationResult,
  toNativeOptions,
  toResult,
} from './generation-options.js';
import type { TokenKind } from './embed/vocab-source.js';
import { vocabHash } from './embed/vocab-space.js';
import { type BatchRequest, type GenerateManyOptions, runMany } from './generate-many.js';
import { native } from './native.js';
import { VocabMatrix, type VocabMatrixOptions } from './vocab-matrix.js';

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** Context size (prompt + generated tokens) of each generation: KV cells per sequence. Default 2048. */
  contextSize?: number;
  /** CPU threads of the model's batch engine (all its sequences together). Default: the machine's available parallelism. */
  threads?: number;
  /**
   * Most tokens per decode step (generated tokens of all sequences plus prompt chunks), at most
   * contextSize x parallel. llama.cpp computes a step in passes of at most 512 tokens; a larger
   * batch lets one step read several waiting prompts, so requests that arrive together start
   * generating together. Default 512 (at most contextSize).
   */
  batchSize?: number;
  /**
   * Sequence slots of the model's batch engine: the most generations decoded together in one
   * step (1-256, at most batchSize). More calls than that wait for a slot. The engine's context
   * holds contextSize x parallel KV cells and one logits row per slot. Default 4.
   */
  parallel?: number;
  /**
   * Requests whose prompt starts with tokens a running sequence already holds copy those KV
   * cells instead of decoding them again (default true; false is for measuring what it saves).
   */
  sharePrompts?: boolean;
  /**
   * Use flash attention (default false). It can be a little faster, but llama.cpp's CPU kernels
   * then compute one query and a tile of queries differently, so a greedy output may depend on
   * which other requests share its decode steps. Off, every generation equals its
   * one-at-a-time result token for token. Default: false, or true when the environment
   * variable PERSONA_GEN_FLASH_ATTENTION is "1" (for the CLI's eval, worker and serve).
   */
  flashAttention?: boolean;
  /** Layers to offload to a GPU (needs a GPU build; -1 = all). Default 0. */
  gpuLayers?: number;
  /** Memory-map the file (default true). */
  useMmap?: boolean;
}

/** What a token is, from llama.cpp's token attributes (one type, defined with the vocabulary interface). */
export type { TokenKind };

/** A chat message for {@link Model.applyChatTemplate}. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | (string & {});
  content: string;
}

/** Options of {@link Model.tokenize}. */
export interface TokenizeOptions {
  /** Add the model's BOS/EOS tokens where it is configured to. Default false. */
  addSpecial?: boolean;
  /** Parse special-token text such as `<|im_start|>` into special tokens. Default false. */
  parseSpecial?: boolean;
}

/** Options of {@link Model.promptTokens}. */
export interface PromptTokensOptions {
  /** Wrap the text in the model's chat template (as a user message) when it has one. Default false. */
  chat?: boolean;
  /** Parse special-token text inside the prompt text itself into control tokens. Default false. */
  parseSpecial?: boolean;
}

/** Stands for the message in a chat template rendered once, to find the template's own text around it. */
const MESSAGE_SLOT = '\uE000persona-gen-message\uE001';

/** The model's input embedding rows, dequantized to f32. */
export interface EmbeddingRows {
  /** rows * dims values, row-major. */
  data: Float32Array;
  rows: number;
  dims: number;
  /** The GGUF tensor type they were stored as (e.g. `q8_0`, `f32`). */
  type: string;
}

/** Static facts about a loaded model. */
export type ModelInfo = NativeModelInfo;

/** Sequence slots of a model's batch engine when loadModel is not told. */
const DEFAULT_PARALLEL = 4;

/** What a model's batch engine did so far: see {@link Model.engineStats}. */
export type EngineStats = NativeEngineStats;


const ATTR_UNKNOWN = 1 << 0;
const ATTR_UNUSED = 1 << 1;
const ATTR_CONTROL = 1 << 3;
const ATTR_USER_DEFINED = 1 << 4;
const ATTR_BYTE = 1 << 5;

/**
 * Loads a GGUF model. The file is read off the JavaScript thread; a missing, non-GGUF or
 * broken file rejects with an Error that names the file and the cause.
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Model> {
  expectType(typeof path === 'string' && path.length > 0, 'path must be a non-empty string');
  expectType(options !== null && typeof options === 'object', 'options must be an object');
  const contextSize = checkNumber(options.contextSize, 'options.contextSize', 16, 1 << 20, true) ?? 2048;
  const threads = checkNumber(options.threads, 'options.threads', 1, 1024, true) ?? defaultThreads();
  const slots = checkNumber(options.parallel, 'options.parallel', 1, 256, true);
  // A step may read several sequences' prompts at once: up to the context's cells in all.
  const batchSize = checkNumber(options.batchSize, 'options.batchSize', 1, contextSize * (slots ?? DEFAULT_PARALLEL), true) ?? Math.min(512, contextSize);
  const parallel = checkNumber(slots, 'options.parallel', 1, Math.min(256, batchSize), true) ?? Math.min(DEFAULT_PARALLEL, batchSize);
  const gpuLayers = checkNumber(options.gpuLayers, 'options.gpuLayers', -1, 100_000, true) ?? 0;
  if (options.sharePrompts !== undefined) expectType(typeof options.sharePrompts === 'boolean', 'options.sharePrompts must be a boolean');
  if (options.flashAttention !== undefined) expectType(typeof options.flashAttention === 'boolean', 'options.flashAttention must be a boolean');
  if (options.useMmap !== undefined) expectType(typeof options.useMmap === 'boolean', 'options.useMmap must be a boolean');
  const handle = await native().AddonModel.load(path, {
    gpuLayers,
    useMmap: options.useMmap ?? true,
    contextSize,
    batchSize,
    threads,
    parallel,
    sharePrompts: options.sharePrompts ?? true,
    flashAttention: options.flashAttention ?? process.env.PERSONA_GEN_FLASH_ATTENTION === '1',
  });
  return new Model(handle, path, { contextSize, threads, batchSize, parallel });
}

/** The default thread count: the machine's available parallelism. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

let nativeOfModel: (model: Model) => NativeModel;

/** The native handle behind a model (throws when disposed), for the library's own use and the tests. @internal */
export function nativeModelOf(model: Model): NativeModel {
  if (!(model instanceof Model)) throw new TypeError('model must be a Model');
  return nativeOfModel(model);
}

/**
 * A loaded model. Its generations run in one batch engine (one llama.cpp context of
 * `parallel` sequences, decoded together step by step), so several may run at once and
 * concurrent calls share the CPU instead of competing for it. Call {@link dispose} (or use
 * `using`) to free the weights; a generation still running then rejects with a clear error.
 */
export class Model implements Disposable {
  static {
    nativeOfModel = (model) => model.#native();
  }

  /** The file it was loaded from. */
  readonly path: string;
  /** Static facts (vocabulary size, embedding size, layers, chat template, ...). */
  readonly info: ModelInfo;
  /** Context size of each generation. */
  readonly contextSize: number;
  /** CPU threads of each generation. */
  readonly threads: number;
  /** Most tokens per decode step. */
  readonly batchSize: number;
  /** Sequence slots of the batch engine (most generations decoded at once). */
  readonly parallel: number;

  #handle: NativeModel | undefined;
  #pieces: string[] | undefined;
  #kinds: TokenKind[] | undefined;
  #around: [string, string] | null | undefined;

  /** @internal Use {@link loadModel}. */
  constructor(handle: NativeModel, path: string, settings: ContextSettings) {
    this.#handle = handle;
    this.path = path;
    this.info = handle.info();
    this.contextSize = settings.contextSize;
    this.threads = settings.threads;
    this.batchSize = settings.batchSize;
    this.parallel = settings.parallel;
  }

  /** Number of tokens in the vocabulary (V). */
  get vocabSize(): number {
    return this.info.vocabSize;
  }

  /** Width of the model's input embeddings. */
  get embeddingSize(): number {
    return this.info.embeddingSize;
  }

  /** Whether {@link dispose} has been called. */
  get disposed(): boolean {
    return this.#handle === undefined;
  }

  /**
   * Tokenizes a prompt as generate() does: with the model's BOS where it adds one, and with
   * `chat` wrapped in the chat template (when the model has one). Only the template's own text
   * is parsed for special tokens; the prompt text is tokenized as plain text unless
   * `parseSpecial`, so text such as `<|im_start|>` or `</s>` in user input, profile items or
   * retrieved context never becomes a control token. With a template the parts before the
   * message, the message and the parts after it are tokenized separately and concatenated.
   */
  promptTokens(text: string, options: PromptTokensOptions = {}): Int32Array {
    expectType(typeof text === 'string', 'text must be a string');
    const nat = this.#native();
    const parse = options.parseSpecial ?? false;
    const around = options.chat ? this.#templateAround() : null;
    if (around === null) return nat.tokenize(text, true, parse);
    const parts = [nat.tokenize(around[0], true, true), nat.tokenize(text, false, parse), nat.tokenize(around[1], false, true)];
    const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** The chat template's text before and after a user message, or null without a template. */
  #templateAround(): [string, string] | null {
    if (this.#around === undefined) {
      const rendered = this.applyChatTemplate([{ role: 'user', content: MESSAGE_SLOT }]);
      if (rendered === null) {
        this.#around = null;
      } else {
        const pieces = rendered.split(MESSAGE_SLOT);
        if (pieces.length !== 2) throw new Error("the model's chat template does not keep a user message as one piece of text");
        this.#around = [pieces[0]!, pieces[1]!];
      }
    }
    return this.#around;
  }

  /** Text to token ids. */
  tokenize(text: string, options: TokenizeOptions = {}): Int32Array {
    expectType(typeof text === 'string', 'text must be a string');
    return this.#native().tokenize(text, options.addSpecial ?? false, options.parseSpecial ?? false);
  }

  /** Token ids to text. Ids outside the vocabulary throw a RangeError. */
  detokenize(tokens: Int32Array | ArrayLike<number>, options: { renderSpecial?: boolean } = {}): string {
    expectType(tokens != null && typeof tokens.length === 'number', 'tokens must be an Int32Array or an array of numbers');
    const arr = tokens instanceof Int32Array ? tokens : Int32Array.from(tokens);
    for (let i = 0; i < arr.length; i++) {
      if (arr[i] !== (tokens as ArrayLike<number>)[i]) throw new RangeError(`tokens[${i}] is not a 32-bit integer`);
    }
    return this.#native().detokenize(arr, false, options.renderSpecial ?? false);
  }

  /** The surface text of every token id (special tokens rendered as their text; byte tokens as the byte). */
  tokenPieces(): string[] {
    this.#pieces ??= this.#native().tokenPieces();
    return [...this.#pieces];
  }

  /** What each token id is: normal, control (special), byte, unknown, unused or user-defined. */
  tokenKinds(): TokenKind[] {
    if (!this.#kinds) {
      const attrs = this.#native().tokenAttributes();
      this.#kinds = Array.from(attrs, (a): TokenKind => {
        if (a & ATTR_CONTROL) return 'control';
        if (a & ATTR_BYTE) return 'byte';
        if (a & ATTR_UNKNOWN) return 'unknown';
        if (a & ATTR_UNUSED) return 'unused';
        if (a & ATTR_USER_DEFINED) return 'user-defined';
        return 'normal';
      });
    }
    return [...this.#kinds];
  }

  /** A sha256 of the vocabulary (pieces and kinds): a cache key for anything built per vocabulary. */
  vocabularyHash(): string {
    return vocabHash(this);
  }

  /**
   * Formats chat messages with the model's own chat template (llama.cpp's template API).
   * Returns null when the model has no template.
   */
  applyChatTemplate(messages: ChatMessage[], options: { addAssistant?: boolean } = {}): string | null {
    expectType(Array.isArray(messages), 'messages must be an array');
    return this.#native().applyChatTemplate(
      messages.map((m, i) => {
        expectType(m !== null && typeof m === 'object', `messages[${i}] must be an object`);
        expectType(typeof m.role === 'string' && typeof m.content === 'string', `messages[${i}] needs string role and content`);
        return { role: m.role, content: m.content };
      }),
      options.addAssistant ?? true,
    );
  }

  /** The model's input token-embedding rows (token_embd.weight), dequantized, read off the JS thread. */
  async tokenEmbeddingRows(): Promise<EmbeddingRows> {
    return this.#native().tokenEmbeddingRows();
  }

  /** The model's own input embeddings as a {@link VocabMatrix} (rows normalized; optionally centered). */
  async tokenEmbeddingMatrix(options: VocabMatrixOptions = {}): Promise<VocabMatrix> {
    const rows = await this.tokenEmbeddingRows();
    return VocabMatrix.fromArray(rows.data, rows.rows, rows.dims, options);
  }

  /**
   * Generates text. The token loop runs in C++ in the model's batch engine, beside any other
   * generation of this model. A string prompt is tokenized by {@link promptTokens}: the model's
   * BOS token, the chat template with `chat: true`, and the prompt text as plain text
   * (special-token text stays text unless `parseSpecial`).
   */
  async generate(prompt: string | Int32Array, options: GenerateOptions = {}): Promise<GenerationResult> {
    const onText = options?.onText;
    if (onText !== undefined) expectType(typeof onText === 'function', 'options.onText must be a function');
    return this.#run(prompt, options, onText, undefined);
  }

  /**
   * Generates for many requests (each with its own prompt, personalization, seed, stop strings,
   * ...) through the batch engine, at most `options.parallel` at once. Requests whose prompts
   * share a token prefix decode it once. Resolves with the results in request order; if any
   * request failed it rejects, only after all settled, with an AggregateError whose `errors`
   * are indexed like the requests (undefined where the request succeeded). A callback that
   * throws makes its request count as failed.
   */
  async generateMany(requests: readonly BatchRequest[], options: GenerateManyOptions = {}): Promise<GenerationResult[]> {
    const handle = this.#native();
    // The requests submitted first are admitted together, so their prompts are read in one step,
    // rather than the engine starting on the first while the others are still being submitted.
    const together = <T>(start: () => T): T => {
      handle.holdEngine();
      try {
        return start();
      } finally {
        handle.releaseEngine();
      }
    };
    return runMany(
      requests,
      options,
      this.parallel,
      (request, signal, onText) => {
        const { prompt, ...rest } = request;
        return this.#run(prompt, { ...rest, signal }, onText, undefined);
      },
      together,
    );
  }

  /** What this model's batch engine did so far: steps, tokens, prompt tokens reused, its context's KV cells. */
  engineStats(): EngineStats {
    return this.#native().engineStats();
  }

  /**
   * Streams generated text as it is produced (whole UTF-8 characters; text that could be
   * the start of a stop string is held back until it is known not to be). The iterable's
   * `result` resolves to the full {@link GenerationResult}. Leaving a `for await` loop early
   * (break, return, throw) aborts the generation: `result` then resolves with what was
   * generated so far and stopReason 'abort'.
   */
  stream(prompt: string | Int32Array, options: GenerateOptions = {}): AsyncIterable<string> & { result: Promise<GenerationResult> } {
    const queue: string[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    let emitted = '';
    const stop = new AbortController();
    const result = this.#run(
      prompt,
      options,
      (text) => {
        if (finished) return;
        emitted += text;
        queue.push(text);
        wake?.();
      },
      stop.signal,
    );
    const settled = result.then(
      (r) => {
        finished = true;
        // Text whose callback had not arrived yet when the generation ended.
        if (r.text.length > emitted.length && r.text.startsWith(emitted)) queue.push(r.text.slice(emitted.length));
        wake?.();
        return r;
      },
      (err: unknown) => {
        finished = true;
        wake?.();
        throw err;
      },
    );
    settled.catch(() => undefined);
    const iterator = async function* (): AsyncGenerator<string> {
      try {
        for (;;) {
          if (queue.length > 0) {
            yield queue.shift()!;
            continue;
          }
          if (finished) {
            await settled;
            if (queue.length === 0) return;
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        // The consumer left the loop early: nobody reads the rest, so stop generating it.
        if (!finished) stop.abort();
      }
    };
    return { [Symbol.asyncIterator]: iterator, result: settled };
  }

  /** Frees the model (idempotent). Running generations reject; later calls throw. */
  dispose(): void {
    const h = this.#handle;
    this.#handle = undefined;
    h?.dispose();
  }

  /** Same as {@link dispose}, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  #native(): NativeModel {
    if (!this.#handle) throw new DisposedError('Model');
    return this.#handle;
  }

  #promptTokens(prompt: string | Int32Array, chat: boolean, parseSpecial: boolean): Int32Array {
    if (prompt instanceof Int32Array) {
      if (prompt.length === 0) throw new RangeError('prompt must not be empty');
      for (let i = 0; i < prompt.length; i++) {
        if (prompt[i]! < 0 || prompt[i]! >= this.vocabSize) {
          throw new RangeError(`prompt token ${i} = ${prompt[i]} is not a token id of this model`);
        }
      }
      return prompt;
    }
    expectType(typeof prompt === 'string', 'prompt must be a string or an Int32Array of token ids');
    if (prompt.length === 0) throw new RangeError('prompt must not be empty');
    const tokens = this.promptTokens(prompt, { chat, parseSpecial });
    if (tokens.length === 0) throw new RangeError('prompt has no tokens');
    if (tokens.length >= this.contextSize) {
      throw new RangeError(
        `prompt has ${tokens.length} tokens, which does not fit the context size of ${this.contextSize} (loadModel's contextSize)`,
      );
    }
    return tokens;
  }

  /** One generation through the batch engine; `halt` aborts it quietly (stopReason 'abort', no rejection). */
  async #run(
    prompt: string | Int32Array,
    options: GenerateOptions,
    onText: ((text: string) => void) | undefined,
    halt: AbortSignal | undefined,
  ): Promise<GenerationResult> {
    const handle = this.#native();
    expectType(options !== null && typeof options === 'object', 'options must be an object');
    if (options.parseSpecial !== undefined) expectType(typeof options.parseSpecial === 'boolean', 'options.parseSpecial must be a boolean');
    const tokens = this.#promptTokens(prompt, options.chat ?? false, options.parseSpecial ?? false);
    const nativeOptions = toNativeOptions(options, this, this.vocabSize);
    if (nativeOptions.eventSocket && onText) throw new TypeError('options.eventSocket cannot be combined with onText (or with stream() and generateMany())');
    if (nativeOptions.maxTokens === undefined) nativeOptions.maxTokens = Math.min(256, this.contextSize - tokens.length);
    const signal = options.signal;
    signal?.throwIfAborted();
    const generation = handle.generate(tokens, nativeOptions, onText);
    const onAbort = () => generation.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    halt?.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await generation.promise;
      if (r.stopReason === 'abort' && signal?.aborted && !options.stopOnAbortSignal) {
        throw signal.reason;
      }
      return toResult(r);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      halt?.removeEventListener('abort', onAbort);
    }
  }
}
