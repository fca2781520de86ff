/**
 * Loads the Sentence-BERT embedder on demand. transformers.js (and onnxruntime under it) is
 * heavy and only the `sbert` space needs it, so it is an optional dependency: nothing imports it
 * until this runs, and when it is not installed the error names the package to install.
 * @module
 */
import type { Embedder, EmbedderOptions } from './embedder.js';

/** Default sentence embedding model (384 dims). */
export const DEFAULT_EMBEDDING_MODEL = 'Xenova/all-MiniLM-L6-v2';

/** The optional package the `sbert` space needs, at the version persona-gen is tested with. */
export const TRANSFORMERS_PACKAGE = { name: '@huggingface/transformers', version: '4.3.2' } as const;

/** Whether `err` says that `pkg` itself (not something inside it) could not be found. */
export function isMissingPackage(err: unknown, pkg: string): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || (e.code !== 'ERR_MODULE_NOT_FOUND' && e.code !== 'MODULE_NOT_FOUND')) return false;
  return typeof e.message === 'string' && (e.message.includes(`'${pkg}'`) || e.message.includes(`"${pkg}"`));
}

/** The error for a feature that needs an optional package that is not installed. */
export class MissingPackageError extends Error {
  constructor(
    /** The package to install. */
    readonly packageName: string,
    feature: string,
    version: string,
    alternative = '',
  ) {
    super(`${feature} needs the optional package ${packageName}, which is not installed: run \`npm install ${packageName}@${version}\`${alternative}`);
    this.name = 'MissingPackageError';
  }
}

/**
 * The embedder module, imported on first use.
 * @throws MissingPackageError naming `@huggingface/transformers` when it is not installed.
 */
export async function importEmbedder(): Promise<typeof import('./embedder.js')> {
  try {
    return await import('./embedder.js');
  } catch (err) {
    if (isMissingPackage(err, TRANSFORMERS_PACKAGE.name)) {
      throw new MissingPackageError(
        TRANSFORMERS_PACKAGE.name,
        'the sbert space (Sentence-BERT embeddings)',
        TRANSFORMERS_PACKAGE.version,
        ' (or use the native space, which needs no embedder)',
      );
    }
    throw err;
  }
}

/**
 * Loads a Sentence-BERT embedder ({@link Embedder.create}), importing transformers.js first.
 * @throws MissingPackageError naming `@huggingface/transformers` when it is not installed.
 */
export async function loadEmbedder(options: EmbedderOptions = {}): Promise<Embedder> {
  const { Embedder } = await importEmbedder();
  return Embedder.create(options);
}
