/**
 * The leak probe, run as its own process (`node --expose-gc`, bundled by the test): N cycles of
 * load, token-embedding matrix, personalized generation, dispose; prints one JSON line with the
 * RSS (after a full GC) at every sample point and the V8 external-memory changes around a load
 * and a matrix.
 *
 * Usage: node leak-child.mjs <model.gguf> <cycles> <warmup> <sample every> [gc every]
 *        node leak-child.mjs --pressure <matrices> <MB each>
 *        node leak-child.mjs --lsan <model.gguf> <cycles>
 *
 * `--pressure` builds matrices and drops them without dispose() and without a manual GC: only
 * V8's account of native memory (AdjustExternalMemory) makes it collect them; prints the peak
 * RSS growth. `--lsan` (sanitizer builds, ASAN_OPTIONS=detect_leaks=1) runs the cycles, collects
 * the garbage and asks LeakSanitizer for a check (`testing.leakCheck()`); its report goes to
 * stderr, and the test keeps the leaks whose stacks pass through the addon.
 */
import { loadDevAddon } from '../../bindings/dev.js';
import { loadModel, VocabMatrix } from '../../lib/index.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setImmediate(r));
  }
}

async function pressure(count: number, mb: number): Promise<void> {
  const dims = 64;
  const rows = (mb * 1024 * 1024) / (4 * dims);
  const data = new Float32Array(rows * dims).fill(0.5); // reused: the JS heap does not grow
  const rss0 = process.memoryUsage().rss;
  let peak = 0;
  for (let i = 0; i < count; i++) {
    let m: VocabMatrix | undefined = await VocabMatrix.fromArray(data, rows, dims);
    if (m.byteSize !== mb * 1024 * 1024) throw new Error(`matrix of ${m.byteSize} bytes`);
    m = undefined; // dropped, never disposed
    await new Promise((r) => setImmediate(r));
    peak = Math.max(peak, process.memoryUsage().rss - rss0);
  }
  process.stdout.write(`${JSON.stringify({ peakGrowth: peak, allocated: count * mb * 1024 * 1024 })}\n`);
}

async function cycle(model: string, c: number): Promise<void> {
  const m = await loadModel(model, { contextSize: 128, threads: 1 });
  const mat = await m.tokenEmbeddingMatrix({ center: c % 2 === 0, dtype: c % 3 === 0 ? 'f16' : 'f32' });
  const user = mat.toArray().slice((c % 500) * mat.dims, (c % 500) * mat.dims + mat.dims);
  const r = await m.generate('Once upon a time', { maxTokens: 8, temperature: 0.8, seed: c, personalization: { matrix: mat, user, beta: 2, guardTopK: 20 } });
  if (r.tokens.length === 0) throw new Error(`cycle ${c}: no tokens`);
  for await (const _ of m.stream('Once', { maxTokens: 4, stop: ['zzz'] })) void _;
  mat.dispose();
  m.dispose();
}

async function lsan(model: string, cycles: number): Promise<void> {
  for (let c = 1; c <= cycles; c++) await cycle(model, c);
  await settle();
  const testing = loadDevAddon().testing;
  process.stdout.write(`${JSON.stringify({ leaks: testing.leakCheck() })}\n`);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--pressure') return pressure(Number(process.argv[3]), Number(process.argv[4]));
  if (process.argv[2] === '--lsan') return lsan(process.argv[3]!, Number(process.argv[4]));
  const [model, cyclesArg, warmupArg, everyArg, gcEveryArg] = process.argv.slice(2);
  const gcEvery = Number(gcEveryArg ?? 1);
  const cycles = Number(cyclesArg);
  const warmup = Number(warmupArg);
  const every = Number(everyArg);
  if (!gc) throw new Error('run with --expose-gc');

  // External memory: what a model and a matrix report to V8.
  await settle();
  const ext0 = process.memoryUsage().external;
  const m = await loadModel(model, { contextSize: 128, threads: 1 });
  const extModel = process.memoryUsage().external - ext0;
  const rows = await m.tokenEmbeddingRows();
  await settle();
  const ext1 = process.memoryUsage().external;
  const matrix = await VocabMatrix.fromArray(rows.data, rows.rows, rows.dims);
  const extMatrix = process.memoryUsage().external - ext1;
  const matrixBytes = matrix.byteSize;
  const modelBytes = m.info.sizeBytes;
  matrix.dispose();
  m.dispose();
  await settle();
  const extAfter = process.memoryUsage().external - ext0;

  const samples: { cycle: number; rss: number; external: number; heapTotal: number; arrayBuffers: number }[] = [];
  const t0 = Date.now();
  for (let c = 1; c <= cycles; c++) {
    await cycle(model, c);
    if (gcEvery > 0 && c % gcEvery === 0) gc();
    if (c === warmup || (c > warmup && (c - warmup) % every === 0) || c === cycles) {
      await settle();
      const mu = process.memoryUsage();
      samples.push({ cycle: c, rss: mu.rss, external: mu.external, heapTotal: mu.heapTotal, arrayBuffers: mu.arrayBuffers });
    }
  }
  process.stdout.write(
    `${JSON.stringify({ extModel, modelBytes, extMatrix, matrixBytes, extAfter, samples, seconds: (Date.now() - t0) / 1000 })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`leak child failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(3);
});
