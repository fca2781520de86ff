// native/Portability.h on this machine: the CPU features read through CPUID/XGETBV agree with
// what the kernel says (/proc/cpuinfo, Linux x86-64), and model files are opened by UTF-8 paths
// with spaces and non-ASCII characters, errors naming them. (Windows' wide-character branch runs
// in test/e2e/windows-wine.test.ts.)
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../lib/index.js';
import { native } from '../../../lib/native.js';
import { hasStoriesModel, storiesGreedyReference, storiesModel } from '../../helpers/shared.js';

const cpuinfo = process.platform === 'linux' && process.arch === 'x64' && existsSync('/proc/cpuinfo');

describe('portability layer', () => {
  it.skipIf(!cpuinfo)('CPU features from CPUID/XGETBV match the kernel\'s /proc/cpuinfo flags', () => {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'))!;
    const flags = new Set(line.split(':')[1]!.trim().split(/\s+/));
    const ours = new Set(native().systemInfo().cpuFeatures.split(','));
    const names: [string, string][] = [
      ['sse4.2', 'sse4_2'],
      ['avx', 'avx'],
      ['avx2', 'avx2'],
      ['fma', 'fma'],
      ['f16c', 'f16c'],
      ['avx512f', 'avx512f'],
      ['avx512bw', 'avx512bw'],
      ['avx512vnni', 'avx512_vnni'],
    ];
    for (const [ourName, kernelName] of names) expect([ourName, ours.has(ourName)]).toEqual([ourName, flags.has(kernelName)]);
  });

  it.skipIf(!hasStoriesModel)('loads a model by a path with spaces and non-ASCII characters; errors name the path', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'pg-paths-')), 'models dir', 'модель ü 名前');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'stories 260K ñ.gguf');
    copyFileSync(storiesModel, file);
    const model = await loadModel(file, { contextSize: 128, threads: 1 });
    try {
      const r = await model.generate('Once upon a time', { maxTokens: 20 });
      expect(storiesGreedyReference.startsWith(r.text)).toBe(true);
    } finally {
      model.dispose();
    }
    const bad = path.join(dir, 'bad ü.gguf');
    writeFileSync(bad, 'not a model');
    await expect(loadModel(bad)).rejects.toThrow(`not a GGUF file (the first bytes are not 'GGUF'): ${bad}`);
    await expect(loadModel(path.join(dir, 'missing ü.gguf'))).rejects.toThrow(`model file not found: ${path.join(dir, 'missing ü.gguf')}`);
  });
});
