/**
 * The comparison side of the generation benchmark: the same GGUF file through
 * `node-llama-cpp` (a devDependency pinned to 3.21.1, which embeds the same llama.cpp
 * release), greedy, same threads, batch size, context size and prompt tokens; plain and with
 * a per-step `tokenBias` that holds the same full-vocabulary bias `beta * dot(E_v, u)`.
 *
 * node-llama-cpp is loaded with a dynamic import so that the library never depends on it;
 * only the few members used here are typed.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version in the package.json above a module file of the package, if found. */
function packageVersion(moduleUrl: string): string | undefined {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, 'package.json');
    if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version;
    dir = path.dirname(dir);
  }
  return undefined;
}

/** Token ids as node-llama-cpp types them (a branded number). */
type Token = number & { __token?: true };

interface NlcTokenBias {
  set(input: Token, bias: { logit: number }): NlcTokenBias;
}

interface NlcSequence {
  evaluate(
    tokens: Token[],
    options: { temperature: number; tokenBias?: () => NlcTokenBias },
  ): AsyncGenerator<Token, void, unknown>;
  clearHistory(): Promise<void>;
}

interface NlcContext {
  getSequence(): NlcSequence;
  dispose(): Promise<void>;
}

interface NlcModel {
  tokenizer: unknown;
  createContext(options: {
    contextSize: number;
    batchSize: number;
    threads: number;
    sequences: number;
    flashAttention: 'auto' | boolean;
  }): Promise<NlcContext>;
  dispose(): Promise<void>;
}

interface NlcLlama {
  loadModel(options: { modelPath: string; gpuLayers: number; useMmap: boolean }): Promise<NlcModel>;
  buildType: string;
  dispose(): Promise<void>;
}

interface NlcModule {
  getLlama(options: { gpu: false; build: 'never'; progressLogs: false; logLevel: string; maxThreads: number }): Promise<NlcLlama>;
  TokenBias: new (tokenizer: unknown) => NlcTokenBias;
}

/** The figures of one node-llama-cpp generation. */
export interface NlcRun {
  /** Generated tokens (exactly maxTokens unless the model ended earlier). */
  tokens: number[];
  /** ms from the call to the first generated token: the prompt plus one sampling step. */
  promptMs: number;
  /** ms from the first to the last generated token: (n - 1) decode + sample steps. */
  decodeMs: number;
  /** ms of the whole call, including clearing the previous history. */
  wallMs: number;
}

/** A loaded model and context of node-llama-cpp, ready to generate. */
export interface NlcRunner {
  /** The package version and binary kind (e.g. `3.21.1 prebuilt`). */
  describe: string;
  /** Sets the full-vocabulary bias (one logit offset per token id; end-of-generation tokens are skipped by node-llama-cpp). */
  setBias(bias: Float32Array): void;
  /** One greedy generation of `maxTokens` tokens from `prompt`, with the bias applied at every step when `biased`. */
  generate(prompt: Int32Array, maxTokens: number, biased: boolean): Promise<NlcRun>;
  dispose(): Promise<void>;
}

/** Why node-llama-cpp could not be used, or the runner. */
export type NlcLoad = { ok: true; runner: NlcRunner } | { ok: false; reason: string };

/** Loads node-llama-cpp (prebuilt CPU binary only, never a build or download) and the model file. */
export async function loadNodeLlamaCpp(
  modelPath: string,
  settings: { threads: number; contextSize: number; batchSize: number },
): Promise<NlcLoad> {
  let mod: NlcModule;
  let version = '?';
  const name = 'node-llama-cpp';
  try {
    mod = (await import(name)) as NlcModule;
    version = packageVersion(import.meta.resolve(name)) ?? '?';
  } catch (err) {
    return { ok: false, reason: `node-llama-cpp is not installed (${(err as Error).message.split('\n')[0]})` };
  }
  let llama: NlcLlama;
  try {
    llama = await mod.getLlama({ gpu: false, build: 'never', progressLogs: false, logLevel: 'error', maxThreads: settings.threads });
  } catch (err) {
    return { ok: false, reason: `node-llama-cpp has no usable prebuilt binary here: ${(err as Error).message.split('\n')[0]}` };
  }
  const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true });
  const context = await model.createContext({
    contextSize: settings.contextSize,
    batchSize: settings.batchSize,
    threads: settings.threads,
    sequences: 1,
    flashAttention: 'auto', // what llama.cpp's own default (and persona-gen) uses
  });
  const sequence = context.getSequence();
  let bias: NlcTokenBias | undefined;
  const runner: NlcRunner = {
    describe: `${version} ${llama.buildType}`,
    setBias(values: Float32Array): void {
      const tb = new mod.TokenBias(model.tokenizer);
      for (let v = 0; v < values.length; v++) tb.set(v as Token, { logit: values[v]! });
      bias = tb;
    },
    async generate(prompt: Int32Array, maxTokens: number, biased: boolean): Promise<NlcRun> {
      if (biased && !bias) throw new Error('setBias() must be called before a biased generation');
      const t0 = performance.now();
      await sequence.clearHistory();
      const tokens: number[] = [];
      let tFirst = 0;
      let tLast = 0;
      const it = sequence.evaluate(Array.from(prompt) as Token[], {
        temperature: 0,
        ...(biased ? { tokenBias: () => bias! } : {}),
      });
      for await (const tok of it) {
        if (tokens.length === 0) tFirst = performance.now();
        tokens.push(tok);
        tLast = performance.now();
        if (tokens.length >= maxTokens) break;
      }
      const tEnd = performance.now();
      return { tokens, promptMs: tFirst - t0, decodeMs: tLast - tFirst, wallMs: tEnd - t0 };
    },
    async dispose(): Promise<void> {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
  return { ok: true, runner };
}
