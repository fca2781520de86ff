// The optional Sentence-BERT stack: the version the error asks for is the one package.json pins,
// a missing package is told apart from other import failures, and the embedder module loads on demand.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importEmbedder, isMissingPackage, MissingPackageError, TRANSFORMERS_PACKAGE } from '../../../lib/embed/load-embedder.js';
import { repoRoot } from '../../helpers/shared.js';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

describe('the optional @huggingface/transformers', () => {
  it('is an optional peer at the pinned dev version, not a dependency', () => {
    const { name, version } = TRANSFORMERS_PACKAGE;
    expect(pkg.devDependencies[name]).toBe(version);
    expect(pkg.peerDependencies[name]).toBe(`^${version}`);
    expect(pkg.peerDependenciesMeta[name]).toEqual({ optional: true });
    expect(pkg.dependencies[name]).toBeUndefined();
  });

  it('tells a missing package apart from other import errors', async () => {
    const name = 'persona-gen-no-such-package';
    const err = await import(name).then(() => null, (e: unknown) => e);
    expect(isMissingPackage(err, name)).toBe(true);
    expect(isMissingPackage(err, '@huggingface/transformers')).toBe(false);
    expect(isMissingPackage(new Error(`Cannot find package '${name}'`), name)).toBe(false); // no code: not a resolution error
  });

  it('names the package and the command to install it', () => {
    const e = new MissingPackageError('@huggingface/transformers', 'the sbert space', '4.3.2', ' (or use the native space)');
    expect(e.packageName).toBe('@huggingface/transformers');
    expect(e.message).toBe(
      'the sbert space needs the optional package @huggingface/transformers, which is not installed: run `npm install @huggingface/transformers@4.3.2` (or use the native space)',
    );
  });

  it('imports the embedder module on demand when the package is installed', async () => {
    const mod = await importEmbedder();
    expect(typeof mod.Embedder.create).toBe('function');
  });
});
