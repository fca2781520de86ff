/**
 * What the native binary was built with and what it uses at run time.
 * @module
 */
import type { NativeSystemInfo } from '../bindings/index.js';
import { native } from './native.js';

/** Build and run-time facts of the native binary (llama.cpp release, SIMD path, CPU features, N-API version). */
export type SystemInfo = NativeSystemInfo;

/** Build and run-time facts of the native binary. */
export function systemInfo(): SystemInfo {
  return native().systemInfo();
}
