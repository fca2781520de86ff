// Every entry of package.json's "exports" resolves to built code with the names the README promises.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/shared.js';

const expected: Record<string, string[]> = {
  'persona-gen': ['loadModel', 'Model', 'VocabMatrix', 'systemInfo'],
  'persona-gen/metrics': ['createRougeScorer', 'createMeteorScorer', 'porterStem'],
  'persona-gen/data': ['resolveTask', 'openLongLamp', 'readRecords', 'ragPrompt', 'nonPersonalizedPrompt'],
  'persona-gen/embed': ['Embedder', 'buildVocabMatrix', 'NativeSpace', 'embedUserVector'],
  'persona-gen/hub': ['downloadHubFile', 'resolveHfRef', 'hubSettings'],
  'persona-gen/eval': ['runEval', 'summarizeRun', 'readPredictions'],
  'persona-gen/report': [],
};

describe('package exports', () => {
  for (const [spec, names] of Object.entries(expected)) {
    it(`${spec} loads`, () => {
      const r = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import('${spec}'); console.log(JSON.stringify(Object.keys(m)))`],
        { cwd: repoRoot, encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      const keys = JSON.parse(r.stdout) as string[];
      expect(keys.length).toBeGreaterThan(0);
      for (const n of names) expect(keys).toContain(n);
    });
  }
});
