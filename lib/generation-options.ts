/**
 * Generation options and results, and the checks that turn user options into the native
 * call's options.
 * @module
 */
import type { NativeEventSocket, NativeGenerateOptions, NativeGenerateResult, NativeStopReason } from '../bindings/index.js';
import { checkNumber, expectType, toFiniteFloat32 } from './errors.js';
import { VocabMatrix, nativeMatrixOf } from './vocab-matrix.js';

/**
 * What a token's bias is measured against (see {@link PersonalizationOptions}):
 * - `neutral` (default): `score(v) = cos(v, u) - mean over the non-zero-row tokens w of cos(w, u)`,
 *   so a token as similar to the user as the average token gets no bias, and neither do tokens
 *   whose row is zero (end of generation, punctuation, control and byte tokens): the bias
 *   reorders words without pushing the end of text or punctuation up or down as a whole;
 * - `raw`: `score(v) = cos(v, u)` (zero rows 0), the original form. With embedding spaces whose
 *   cosines are mostly positive it lowers zero-row tokens (EOS, punctuation) against words.
 */
export type BiasReference = 'neutral' | 'raw';

/**
 * Personalization, one stage of the sampler chain after the repetition penalty and before the
 * truncation samplers and temperature, in two steps:
 *
 * 1. the guard (when `guardTopK` or `guardMinP` is set): candidates that fail it on the
 *    unbiased logits are dropped (as if their logit were -inf). It acts for every beta: with
 *    beta = 0 it is "guard only";
 * 2. the bias (when beta != 0): `logit(v) += beta * score(v)` for every candidate left, with
 *    `score` as {@link BiasReference} says, `cos(v, u) = dot(r_v, u')`, `r_v` the matrix's row
 *    and `u' = normalize(user - c)` (`c` the matrix's centre when it was built with `center`,
 *    else 0; see the `center` option of {@link VocabMatrix.fromArray}).
 *
 * Without a guard, beta = 0 gives exactly the unpersonalized tokens. The bias is added before
 * the temperature divides the logits, so under sampling its effect scales as beta / temperature.
 */
export interface PersonalizationOptions {
  /** V x d token vectors; V must equal the model's vocabulary size. */
  matrix: VocabMatrix;
  /** The user vector (d values, finite; centred like the rows and L2-normalized before use; all zeros means no bias). */
  user: Float32Array | ArrayLike<number>;
  /** Bias strength (finite; 0 without a guard gives exactly the unpersonalized tokens). */
  beta: number;
  /**
   * Guard: only candidates whose unbiased logit is >= the k-th largest unbiased logit stay; the
   * others are dropped before the bias (also at beta = 0). Ties at the k-th logit all stay, so
   * more than k candidates stay when several share it. 0 or absent: no top-k guard.
   */
  guardTopK?: number;
  /**
   * Guard: only candidates with p >= guardMinP * p_max under the unbiased logits stay; the others
   * are dropped before the bias (also at beta = 0). With guardTopK too, a candidate must pass both.
   */
  guardMinP?: number;
  /** What the bias is measured against. Default `neutral`. */
  reference?: BiasReference;
}

/** Options of `model.generate()` and `model.stream()`. */
export interface GenerateOptions {
  /** Most new tokens to generate. Default 256. */
  maxTokens?: number;
  /** Sampling temperature; 0 (the default) is greedy decoding. */
  temperature?: number;
  /** Top-k truncation when sampling (0 = off). Default 40. */
  topK?: number;
  /** Nucleus (top-p) truncation when sampling (1 = off). Default 0.95. */
  topP?: number;
  /** Min-p truncation when sampling (0 = off). Default 0.05. */
  minP?: number;
  /** Repetition penalty (1 = off, the default). */
  repeatPenalty?: number;
  /** How many recent tokens the repetition penalty looks at. Default 64. */
  repeatLastN?: number;
  /** Seed of the sampler (integer in [0, 2^32 - 2]); same seed and options give the same tokens. Random if absent. */
  seed?: number;
  /** Generation stops before the first occurrence of any of these strings (not included in the text). */
  stop?: string[];
  /** Aborts the generation: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** With `signal`: resolve with the text so far (stopReason 'abort') instead of rejecting. */
  stopOnAbortSignal?: boolean;
  /**
   * `generate()` only: called with each piece of text as it is produced, as `stream()` yields
   * it (whole UTF-8 characters; text that could be the start of a stop string is held back
   * until it is known not to be), without an async iterator in between. The pieces add up to
   * the result's text, all delivered before the promise settles. An exception it throws is
   * ignored (the generation goes on).
   */
  onText?: (text: string) => void;
  /**
   * `generate()` only, instead of `onText`: the engine writes the streamed text itself, from its
   * own thread, to an HTTP/1.1 connection as server-sent events (see {@link EventSocketTarget}).
   * `persona-gen serve` streams this way, so that its JavaScript thread does no work per token.
   */
  eventSocket?: EventSocketTarget;
  /** The personalization bias; absent means none. */
  personalization?: PersonalizationOptions;
  /** The prompt is a chat message: wrap it in the model's chat template when it has one. Default false. */
  chat?: boolean;
  /**
   * Parse special-token text in a string prompt (e.g. `<|im_start|>`, `</s>`) into control tokens.
   * Default false: the prompt is tokenized as text, and with `chat` only the template's own
   * markers become control tokens.
   */
  parseSpecial?: boolean;
}

/**
 * A connection that the engine writes a generation's streamed text to, as the chunks of a
 * chunked HTTP/1.1 response holding server-sent events, each piece of text (as `onText` would
 * get it) one chunk: `<hex size>\r\ndata: <before><the text as a JSON string><after>\n\n\r\n`,
 * the same bytes as `JSON.stringify` of the text between `before` and `after`. Its writes never
 * block: from the first event the connection does not take whole, the rest of that event and
 * every later one go to `onFallback`, in order, for the caller to write. The caller writes
 * nothing to the connection from the call until the promise settles, and calls with nothing
 * left in the connection's own write queue. POSIX only (Linux, macOS).
 */
export interface EventSocketTarget {
  /**
   * The connection's file descriptor. The engine writes to a duplicate of it, closed when the
   * generation ends, so a descriptor the caller closes meanwhile cannot be reused under it.
   */
  fd: number;
  /** The event's JSON before the text, e.g. `{"choices":[{"text":`. */
  before: string;
  /** The event's JSON after the text, e.g. `}]}`. */
  after: string;
  /** Gets the bytes the connection did not take (all of them, once one event was not taken whole). */
  onFallback: (bytes: Uint8Array) => void;
}

/** Why a generation ended. */
export type StopReason = NativeStopReason;

/** Speed figures of one generation. */
export interface GenerationTimings {
  /** Milliseconds spent on the prompt. */
  promptMs: number;
  /** Milliseconds spent generating (sampling and decoding). */
  decodeMs: number;
  /** Prompt tokens per second. */
  promptTokensPerSecond: number;
  /** Generated tokens per second. */
  decodeTokensPerSecond: number;
  /** Milliseconds from the request's submission to the engine to its first streamed text (streamed generations with text only). */
  firstTextMs?: number;
}

/** The result of `model.generate()`. */
export interface GenerationResult {
  /** The generated text (stop strings cut off). */
  text: string;
  /** The generated token ids. */
  tokens: Int32Array;
  /** Why generation ended. */
  stopReason: StopReason;
  /** Number of prompt tokens. */
  promptTokens: number;
  /**
   * Prompt tokens whose KV cells were copied from another running sequence that had the same
   * prompt prefix (the batch engine's shared prompts) instead of being decoded; 0 when none.
   */
  promptTokensReused: number;
  /** Speed figures. */
  timings: GenerationTimings;
}

/** Loader-level settings of a model's batch engine, which every generation uses. @internal */
export interface ContextSettings {
  contextSize: number;
  batchSize: number;
  threads: number;
  parallel: number;
}

const MAX_SEED = 0xfffffffe;

/** Validates user options and builds the native call's options. @internal */
export function toNativeOptions(
  options: GenerateOptions,
  settings: Pick<ContextSettings, 'contextSize'>,
  vocabSize: number,
): NativeGenerateOptions {
  expectType(options !== null && typeof options === 'object', 'options must be an object');
  const out: NativeGenerateOptions = {};
  out.maxTokens = checkNumber(options.maxTokens, 'options.maxTokens', 1, settings.contextSize, true);
  out.temperature = checkNumber(options.temperature, 'options.temperature', 0, 100);
  out.topK = checkNumber(options.topK, 'options.topK', 0, vocabSize, true);
  out.topP = checkNumber(options.topP, 'options.topP', 0, 1);
  out.minP = checkNumber(options.minP, 'options.minP', 0, 1);
  out.repeatPenalty = checkNumber(options.repeatPenalty, 'options.repeatPenalty', 0.01, 100);
  out.repeatLastN = checkNumber(options.repeatLastN, 'options.repeatLastN', 0, settings.contextSize, true);
  out.seed = checkNumber(options.seed, 'options.seed', 0, MAX_SEED, true);
  if (options.stop !== undefined) {
    expectType(Array.isArray(options.stop), 'options.stop must be an array of strings');
    options.stop.forEach((s, i) => {
      expectType(typeof s === 'string', `options.stop[${i}] must be a string`);
      if (s.length === 0) throw new RangeError(`options.stop[${i}] must not be empty`);
    });
    out.stop = [...options.stop];
  }
  if (options.signal !== undefined) {
    expectType(options.signal instanceof AbortSignal, 'options.signal must be an AbortSignal');
  }
  if (options.eventSocket !== undefined) out.eventSocket = eventSocketOf(options.eventSocket);
  const p = options.personalization;
  if (p !== undefined) {
    expectType(p !== null && typeof p === 'object', 'options.personalization must be an object');
    const matrix = nativeMatrixOf(p.matrix, 'options.personalization.matrix');
    if (matrix.rows !== vocabSize) {
      throw new RangeError(
        `options.personalization.matrix has ${matrix.rows} rows, but the model's vocabulary has ${vocabSize} tokens`,
      );
    }
    expectType(p.user != null && typeof p.user.length === 'number', 'options.personalization.user must be a Float32Array');
    const user = toFiniteFloat32(p.user, 'options.personalization.user');
    if (user.length !== matrix.dims) {
      throw new RangeError(
        `options.personalization.user has ${user.length} values, but the matrix has ${matrix.dims} dims`,
      );
    }
    expectType(typeof p.beta === 'number', 'options.personalization.beta must be a number');
    const beta = checkNumber(p.beta, 'options.personalization.beta', -1e6, 1e6)!;
    out.personalization = {
      matrix,
      user,
      beta,
      guardTopK: checkNumber(p.guardTopK, 'options.personalization.guardTopK', 0, vocabSize, true),
      guardMinP: checkNumber(p.guardMinP, 'options.personalization.guardMinP', 0, 1),
    };
    if (p.reference !== undefined) {
      if (p.reference !== 'neutral' && p.reference !== 'raw') {
        throw new TypeError(`options.personalization.reference must be 'neutral' or 'raw', got ${String(p.reference)}`);
      }
      out.personalization.reference = p.reference;
    }
  }
  return out;
}

function eventSocketOf(e: EventSocketTarget): NativeEventSocket {
  expectType(e !== null && typeof e === 'object', 'options.eventSocket must be an object');
  expectType(typeof e.fd === 'number', 'options.eventSocket.fd must be a number');
  if (!Number.isInteger(e.fd) || e.fd < 0 || e.fd > 0x7fffffff) throw new RangeError(`options.eventSocket.fd must be a descriptor (an integer from 0), got ${e.fd}`);
  expectType(typeof e.before === 'string', 'options.eventSocket.before must be a string');
  expectType(typeof e.after === 'string', 'options.eventSocket.after must be a string');
  expectType(typeof e.onFallback === 'function', 'options.eventSocket.onFallback must be a function');
  return { fd: e.fd, before: e.before, after: e.after, onFallback: e.onFallback };
}

/** Turns the native result into the public one. @internal */
export function toResult(r: NativeGenerateResult): GenerationResult {
  const perSecond = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : 0);
  return {
    text: r.text,
    tokens: r.tokens,
    stopReason: r.stopReason,
    promptTokens: r.promptTokens,
    promptTokensReused: r.promptTokensReused,
    timings: {
      promptMs: r.promptMs,
      decodeMs: r.decodeMs,
      promptTokensPerSecond: perSecond(r.promptTokens, r.promptMs),
      decodeTokensPerSecond: perSecond(r.tokens.length, r.decodeMs),
      ...(r.firstTextMs >= 0 ? { firstTextMs: r.firstTextMs } : {}),
    },
  };
}
