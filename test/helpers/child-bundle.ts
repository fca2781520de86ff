/**
 * Bundles a TypeScript entry point (a script that tests run as a separate Node process) into
 * one .mjs with esbuild, in node_modules/.cache/persona-gen-tests/ (so packages resolve from the
 * repository's node_modules, and nothing piles up in the temporary folder). Packages stay
 * external, and so do the loaders of the native addons (bindings/index.js, bindings/dev.js), which finds build/
 * and prebuilds/ relative to itself and honours PERSONA_GEN_BINARY: the child loads exactly the
 * addon the tests load. Test files that bundle the same entry at once are safe: each writes its
 * own temporary file and renames it into place.
 */
import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';

import { build } from 'esbuild';

import { repoRoot } from './shared.js';

const cache = new Map<string, Promise<string>>();

/** Bundles `entry` (an absolute path) once per process; resolves to the bundle's path. */
export function bundleEntry(entry: string): Promise<string> {
  let p = cache.get(entry);
  if (!p) {
    p = (async () => {
      const outDir = path.join(repoRoot, 'node_modules', '.cache', 'persona-gen-tests');
      mkdirSync(outDir, { recursive: true });
      const outfile = path.join(outDir, `${path.basename(entry, '.ts')}.mjs`);
      const tmp = `${outfile}.${process.pid}.tmp.mjs`;
      await build({
        entryPoints: [entry],
        outfile: tmp,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        logLevel: 'error',
        plugins: [
          {
            name: 'keep-bindings',
            setup(b) {
              b.onResolve({ filter: /bindings\/(index|dev)\.js$/ }, (a) => ({ path: path.join(repoRoot, 'bindings', path.basename(a.path)), external: true }));
            },
          },
        ],
      });
      renameSync(tmp, outfile);
      return outfile;
    })();
    cache.set(entry, p);
  }
  return p;
}
