/**
 * The unit of work of every runner (local, queue worker): all pending systems of ONE user. It
 * builds that user's requests (the baseline and each beta share one prompt; the RAG systems
 * share theirs) and runs them in one `model.generateMany` call, so that the engine decodes each
 * shared prompt once, and reports every generation as soon as it finishes.
 * @module
 */
import type { LongLampRecord } from '../data/records.js';
import { ragPrompt, type RagPrompt } from '../data/prompts.js';
import type { GenerationResult } from '../generation-options.js';
import type { BatchRequest } from '../generate-many.js';
import type { Model } from '../model.js';
import type { VocabMatrix } from '../vocab-matrix.js';
import { fitPrompt, type FittedPrompt } from './prompt-fit.js';
import { decodingOptions, personalizationOf, type EvalSettings } from './settings.js';
import type { SystemSpec } from './systems.js';
import type { UserGeneration } from './user-generation.js';

/** What running a user's systems needs: the loaded model and space, and the run's settings. */
export interface UserSystemsContext {
  model: Model;
  /** The personalization space's token matrix. */
  matrix: VocabMatrix;
  settings: EvalSettings;
  /** Whether prompts go through the chat template. */
  chat: boolean;
  contextSize: number;
}

/** One user's pending work. */
export interface UserWork {
  record: LongLampRecord;
  /** The systems still to generate, in run order. */
  systems: readonly SystemSpec[];
  /** The user vector (needed when a system has a beta). */
  userVector: Float32Array | null;
}

/** Options of {@link runUserSystems}. */
export interface RunUserSystemsOptions {
  /** Aborts the user's generations (those finished were already reported). */
  signal?: AbortSignal;
  /** A system finished (called once per system, in completion order). */
  onGeneration?: (system: SystemSpec, generation: UserGeneration) => void;
}

function toGeneration(system: SystemSpec, fitted: FittedPrompt, rag: RagPrompt | undefined, r: GenerationResult): UserGeneration {
  return {
    system: system.id,
    prompt: fitted.text,
    ragItems: system.ragK !== null ? rag!.selected : null,
    output: r.text,
    promptTokens: r.promptTokens,
    outputTokens: r.tokens.length,
    truncatedPromptTokens: fitted.truncatedTokens,
    stopReason: r.stopReason,
    timing: {
      tokensPerSecond: r.timings.decodeTokensPerSecond,
      promptTokensPerSecond: r.timings.promptTokensPerSecond,
      promptMs: r.timings.promptMs,
      decodeMs: r.timings.decodeMs,
    },
  };
}

/**
 * Generates every system of `work` for its user in one batch.
 *
 * @returns the generations in the order of `work.systems`.
 * @throws Error naming the user when a system needs the user vector and none was given; the
 * generation's error (an AggregateError for several) when one fails or the signal aborts.
 */
export async function runUserSystems(ctx: UserSystemsContext, work: UserWork, options: RunUserSystemsOptions = {}): Promise<UserGeneration[]> {
  const { record, systems } = work;
  const { settings } = ctx;
  if (systems.some((s) => s.beta !== null) && work.userVector === null) {
    throw new Error(`user "${record.userId}": a personalized system needs the user vector, and none was given`);
  }
  const rag = systems.some((s) => s.ragK !== null) ? await ragPrompt(record, { k: settings.ragK! }) : undefined;
  const fit = (text: string): FittedPrompt => fitPrompt(ctx.model, text, { chat: ctx.chat, maxTokens: settings.maxTokens, contextSize: ctx.contextSize });
  const plain = systems.some((s) => s.ragK === null) ? fit(record.input) : undefined;
  const withRag = rag !== undefined ? fit(rag.prompt) : undefined;
  const fitted = systems.map((s) => (s.ragK !== null ? withRag! : plain!));
  const requests: BatchRequest[] = systems.map((s, i) => ({
    prompt: fitted[i]!.tokens,
    ...decodingOptions(settings),
    ...(s.beta !== null
      ? {
          personalization: personalizationOf(settings, ctx.matrix, work.userVector!, s.beta),
        }
      : {}),
  }));
  // The model's batch engine decodes the shared prompt once and as many sequences at once as it has slots.
  const results = await ctx.model.generateMany(requests, {
    ...(options.signal ? { signal: options.signal } : {}),
    onResult: (i, r) => options.onGeneration?.(systems[i]!, toGeneration(systems[i]!, fitted[i]!, rag, r)),
  });
  return results.map((r, i) => toGeneration(systems[i]!, fitted[i]!, rag, r));
}
