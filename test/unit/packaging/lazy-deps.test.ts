// Importing the library (and its eval entry point) loads neither transformers.js nor onnxruntime:
// only the sbert space needs them, and it imports them on first use. Checked in a child Node
// process whose module resolution fails on those packages.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/shared.js';

const dist = path.join(repoRoot, 'dist', 'index.js');
if (!existsSync(dist)) console.warn('[tests] dist/ is not built (npm run build:ts): the lazy-dependency test is skipped');

const HOOK = `export async function resolve(s, c, next) {
  if (/^(@huggingface\\/transformers|onnxruntime-(node|web|common))(\\/|$)/.test(s)) throw new Error('loaded ' + s);
  return next(s, c);
}`;

describe.skipIf(!existsSync(dist))('lazy heavy dependencies', () => {
  it('persona-gen and persona-gen/eval import without transformers.js or onnxruntime', () => {
    const script = [
      "import { register } from 'node:module';",
      `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}));`,
      "const lib = await import('./dist/index.js');",
      "await import('./dist/eval/index.js');",
      "console.log(typeof lib.Personalizer.create, typeof lib.loadModel);",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function');
  });

  it('the hook does catch an import of the package (the check above can fail)', () => {
    const script = [
      "import { register } from 'node:module';",
      `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}));`,
      "const { importEmbedder } = await import('./dist/embed/load-embedder.js');",
      'await importEmbedder();',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('loaded @huggingface/transformers');
  });
});
