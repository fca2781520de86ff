/**
 * The loaded native addon, typed by `bindings/index.d.ts`. Internal to the library.
 * @internal
 * @module
 */
import { loadNativeAddon, type NativeAddon } from '../bindings/index.js';

let addon: NativeAddon | undefined;

/** The native addon, loaded on first use. @internal */
export function native(): NativeAddon {
  addon ??= loadNativeAddon();
  return addon;
}
