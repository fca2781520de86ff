/**
 * Embeddings: sentences/s of the embedder (`lib/embed`, transformers.js) for several batch
 * sizes, alternating the batch sizes.
 *
 * The real default model (all-MiniLM-L6-v2) cannot be downloaded everywhere, so this uses
 * the tiny BERT-like ONNX model that the embedder's tests also build (`bench/tiny-bert.ts`:
 * a token lookup and a masked sum, 384 dims here). Its figures measure the pipeline (tokenizer, ONNX session, pooling, batching), not a 6-layer
 * transformer: they are an upper bound for MiniLM.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { alternate, benchStat, seededRandom, type BenchStat } from './stats.js';
import { TINY_WORDS, writeTinyBert } from './tiny-bert.js';

/** The result (a failure throws: the section never skips). */
export interface EmbedBenchResult {
  model: string;
  dims: number;
  sentences: number;
  wordsPerSentence: number;
  /** sentences/s per batch size. */
  byBatchSize: { batchSize: number; sentencesPerSec: BenchStat }[];
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
    // Loaded here, not at the top: transformers.js is heavy and only this section needs it.
    const { Embedder } = await import('../dist/embed/embedder.js');
    const tiny = writeTinyBert(work, { dims: o.dims, name: 'tiny-bert-bench' });
    const words = TINY_WORDS.filter((w) => !w.startsWith('##'));
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
        model: `tiny BERT-like ONNX model from bench/tiny-bert.ts (${o.dims} dims; not MiniLM)`,
        dims: o.dims,
        sentences: o.sentences,
        wordsPerSentence: o.wordsPerSentence,
        byBatchSize: o.batchSizes.map((b) => ({ batchSize: b, sentencesPerSec: benchStat(runs[String(b)]!.sentencesPerSec) })),
      };
    } finally {
      for (const e of embedders) await e.dispose();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
