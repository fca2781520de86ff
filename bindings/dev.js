// Loads the development addon (ESM): persona_gen_dev.node, the product addon plus the test hooks
// (`testing`) and bench tools (`tools`) of native/dev/. Built by `npm run build:dev` (which
// `npm test` and `npm run bench` run first); never shipped. Objects made by one .node file cannot
// be handed to another, so the development addon replaces the product addon in a process that
// uses it: the library's own loader loads it, through PERSONA_GEN_BINARY.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadNativeAddon, packageRoot } from './index.js';

/** Where `npm run build:dev` writes the development addon. */
export const devAddonPath = path.join(packageRoot, 'build', 'Release', 'persona_gen_dev.node');

/** Makes this process, and the ones it starts, load the development addon (see dev.d.ts). */
export function useDevAddon() {
  if (!process.env.PERSONA_GEN_BINARY) process.env.PERSONA_GEN_BINARY = devAddonPath;
}

/** Loads and returns the development addon (see dev.d.ts). */
export function loadDevAddon() {
  useDevAddon();
  const binary = path.resolve(process.env.PERSONA_GEN_BINARY);
  if (!existsSync(binary)) {
    throw new Error(`the development addon ${binary} is not built: run \`npm run build:dev\``);
  }
  const addon = loadNativeAddon();
  if (typeof addon.testing !== 'object' || typeof addon.tools !== 'object') {
    throw new Error(
      `this process loaded the product addon, which has no test hooks or bench tools: call useDevAddon() ` +
        `before the library's first use, and build the development addon with \`npm run build:dev\``,
    );
  }
  return addon;
}
