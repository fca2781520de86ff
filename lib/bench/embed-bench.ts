/**
 * Embeddings: sentences/s of the embedder (`lib/embed`, transformers.js) for several batch
 * sizes, alternating the batch sizes.
 *
 * The real default model (all-MiniLM-L6-v2) cannot be downloaded everywhere, so this uses
 * the tiny BERT-like ONNX model that the embedder's tests build (`test/helpers/tiny-embedder.ts`:
 * a token lookup and a masked sum, 384 dims here), transpiled on the fly with TypeScript. Its
 * figures measure the pipeline (tokenizer, ONNX session, pooling, batching), not a 6-layer
 * transformer: they are an upper bound for MiniLM.
 * @module
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../bindings/index.js';
import { alternate, benchStat, seededRandom, type BenchStat } from './stats.js';

/** The result, or why it was skipped. */
export type EmbedBenchResult =
  | {
      skipped: false;
      model: string;
      dims: number;
      sentences: number;
      wordsPerSentence: number;
      /** sentences/s per batch size. */
      byBatchSize: { batchSize: number; sentencesPerSec: BenchStat }[];
    }
  | { skipped: true; reason: string };

interface TinyHelper {
  writeTinyBert(root: string, opts?: { dims?: number; seed?: number; name?: string }): { modelDir: string; dims: number };
  TINY_WORDS: readonly string[];
}

interface TypeScriptApi {
  transpileModule(src: string, o: { compilerOptions: Record<string, unknown> }): { outputText: string };
  ModuleKind: { ESNext: unknown };
  ScriptTarget: { ES2022: unknown };
}

/** Loads test/helpers/tiny-embedder.ts through a TypeScript transpile, or says why it cannot. */
async function tinyHelper(work: string): Promise<TinyHelper | string> {
  const src = path.join(packageRoot, 'test', 'helpers', 'tiny-embedder.ts');
  if (!existsSync(src)) return `${src} is absent (a source checkout is needed)`;
  let ts: TypeScriptApi;
  try {
    const name = 'typescript';
    const mod = (await import(name)) as { default?: TypeScriptApi } & TypeScriptApi;
    ts = mod.default ?? mod;
  } catch {
    return 'the typescript package (a devDependency) is not installed';
  }
  const out = ts.transpileModule(readFileSync(src, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const file = path.join(work, 'tiny-embedder.mjs');
  writeFileSync(file, out.outputText);
  return (await import(pathToFileURL(file).href)) as TinyHelper;
}

/** Measures sentences/s for each batch size. */
export async function embedBench(o: {
  batchSizes: readonly number[];
  sentences: number;
  wordsPerSentence: number;
  dims: number;
  runs: number;
}): Promise<EmbedBenchResult> {
  const work = mkdtempSync(path.join(tmpdir(), 'persona-gen-embed-bench-'));
  try {
    const helper = await tinyHelper(work);
    if (typeof helper === 'string') return { skipped: true, reason: helper };
    const { Embedder } = await import('../embed/embedder.js');
    const tiny = helper.writeTinyBert(work, { dims: o.dims, name: 'tiny-bert-bench' });
    const words = helper.TINY_WORDS.filter((w) => !w.startsWith('##'));
    const rand = seededRandom(5);
    const texts = Array.from({ length: o.sentences }, () =>
      Array.from({ length: o.wordsPerSentence }, () => words[Math.floor(((rand() + 1) / 2) * words.length)]!).join(' '),
    );
    const embedders = await Promise.all(
      o.batchSizes.map((batchSize) => Embedder.create({ model: tiny.modelDir, cacheDir: null, batchSize, progress: 'none' })),
    );
    try {
      const runs = await alternate(
        embedders.map((e, i) => ({
          name: String(o.batchSizes[i]),
          run: async () => {
            const t0 = performance.now();
            const v = await e.embed(texts);
            const ms = performance.now() - t0;
            if (v.length !== texts.length || v[0]!.length !== o.dims) throw new Error('the embedder returned the wrong shape');
            return { sentencesPerSec: (texts.length / ms) * 1000 };
          },
        })),
        o.runs,
      );
      return {
        skipped: false,
        model: `tiny BERT-like ONNX model from test/helpers/tiny-embedder.ts (${o.dims} dims; not MiniLM)`,
        dims: o.dims,
        sentences: o.sentences,
        wordsPerSentence: o.wordsPerSentence,
        byBatchSize: o.batchSizes.map((b) => ({ batchSize: b, sentencesPerSec: benchStat(runs[String(b)]!.sentencesPerSec) })),
      };
    } finally {
      for (const e of embedders) await e.dispose();
    }
  } catch (err) {
    return { skipped: true, reason: `the embedder could not run: ${(err as Error).message.split('\n')[0]}` };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
