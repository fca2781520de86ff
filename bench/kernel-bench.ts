/**
 * The memory bandwidth (a plain large copy: the physical limit of a streaming kernel) and
 * the bias kernel: one full-vocabulary pass of dot(E_v, u) for every (V, d, row type), SIMD
 * vs scalar, as ms per pass and GB/s of matrix rows read.
 *
 * Bandwidth is counted the STREAM "Copy" way: bytes read plus bytes written per second.
 * The kernel runs on one thread, so it is compared with the one-thread copy.
 * @module
 */
import type { NativeKernelImpl } from '../bindings/index.js';
import { loadDevAddon, useDevAddon } from '../bindings/dev.js';
import { VocabMatrix, nativeMatrixOf, type VocabMatrixDtype } from '../dist/vocab-matrix.js';
import { alternate, benchStat, pairedRatio, randomVector, type BenchStat } from './stats.js';

// The bench tools live in the development addon, which the whole process must then use.
useDevAddon();

/** The copy bandwidth with a given number of threads. */
export interface BandwidthResult {
  threads: number;
  /** Bytes of the copied buffer (both buffers are this size). */
  bufferBytes: number;
  /** GB/s (1e9 bytes) of read plus written bytes. */
  gbps: BenchStat;
}

/** Copy bandwidth with each thread count, alternating the thread counts. */
export async function bandwidthBench(
  o: { bufferBytes: number; runs: number; threadCounts: readonly number[] },
): Promise<BandwidthResult[]> {
  const tools = loadDevAddon().tools;
  const runs = await alternate(
    o.threadCounts.map((threads) => ({
      name: String(threads),
      // Two copies per call: the first warms the freshly written buffers up.
      run: async () => {
        const ms = await tools.memoryCopy({ bytes: o.bufferBytes, reps: 2, threads });
        return { gbps: (2 * o.bufferBytes) / (ms[1]! * 1e6) };
      },
    })),
    o.runs,
  );
  return o.threadCounts.map((threads) => ({ threads, bufferBytes: o.bufferBytes, gbps: benchStat(runs[String(threads)]!.gbps) }));
}

/** One kernel configuration. */
export interface KernelResult {
  rows: number;
  dims: number;
  dtype: VocabMatrixDtype;
  matrixBytes: number;
  /** The SIMD path this CPU runs (`avx512`, `avx2`, `neon`). */
  simdPath: string;
  simdMs: BenchStat;
  scalarMs: BenchStat;
  /** Matrix bytes read per second (1e9), SIMD and scalar. */
  simdGBps: BenchStat;
  scalarGBps: BenchStat;
  /** scalar ms over SIMD ms, pair by pair. */
  speedup: BenchStat;
  /** SIMD GB/s over the one-thread copy bandwidth (medians); above 1 means the rows sat in cache. */
  fractionOfBandwidth: number | null;
}

/** Every (V, d, dtype) combination, SIMD and scalar alternating. */
export async function kernelBench(o: {
  rows: readonly number[];
  dims: readonly number[];
  dtypes: readonly VocabMatrixDtype[];
  runs: number;
  bandwidthGBps: number | null;
  log: (line: string) => void;
}): Promise<KernelResult[]> {
  const tools = loadDevAddon().tools;
  const info = loadDevAddon().systemInfo();
  const simd = info.simdPaths[0] ?? 'scalar';
  const out: KernelResult[] = [];
  for (const V of o.rows) {
    for (const d of o.dims) {
      const data = randomVector(V * d, V + d);
      const user = randomVector(d, 7);
      for (const dtype of o.dtypes) {
        const matrix = await VocabMatrix.fromArray(data, V, d, { dtype });
        try {
          const handle = nativeMatrixOf(matrix, 'matrix');
          const pass = (impl: NativeKernelImpl) => async () => ({ ms: (await tools.kernelPasses(handle, user, impl, 1))[0]! });
          const runs = await alternate(
            [
              { name: 'simd', run: pass('simd') },
              { name: 'scalar', run: pass('scalar') },
            ],
            o.runs,
          );
          const bytes = matrix.byteSize;
          const simdMs = runs.simd!.ms;
          const scalarMs = runs.scalar!.ms;
          const simdGBps = benchStat(simdMs.map((ms) => bytes / (ms * 1e6)));
          const r: KernelResult = {
            rows: V,
            dims: d,
            dtype,
            matrixBytes: bytes,
            simdPath: simd,
            simdMs: benchStat(simdMs),
            scalarMs: benchStat(scalarMs),
            simdGBps,
            scalarGBps: benchStat(scalarMs.map((ms) => bytes / (ms * 1e6))),
            speedup: pairedRatio(scalarMs, simdMs),
            fractionOfBandwidth: o.bandwidthGBps ? simdGBps.median / o.bandwidthGBps : null,
          };
          o.log(
            `  kernel V=${V} d=${d} ${dtype}: simd ${r.simdMs.median.toFixed(2)} ms (${simdGBps.median.toFixed(1)} GB/s), ` +
              `scalar ${r.scalarMs.median.toFixed(2)} ms`,
          );
          out.push(r);
        } finally {
          matrix.dispose();
        }
      }
    }
  }
  return out;
}
