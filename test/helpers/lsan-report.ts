/**
 * Reading LeakSanitizer reports: which leaked blocks belong to the addon or llama.cpp, and which
 * to Node and V8 (whose unreachable-at-exit blocks are not ours to fix).
 *
 * A block is ours when the code that asked for the memory is ours: walking the allocation stack
 * from the allocator outwards, the first frame that is either ours (the addon's sources,
 * llama.cpp, or persona_gen.node) or the engine's (V8 internals, Node's own runtime) decides.
 * Frames of Node's N-API layer (`napi_*`, `v8impl::`) are transparent: memory that N-API allocates
 * on the addon's behalf (a reference, a wrapped object) and never frees is still ours. A V8
 * allocation that merely happened below one of our calls (a GC run during `napi_create_function`)
 * is V8's.
 */

/** The blocks of a LeakSanitizer report ("Direct leak of ..." or "Indirect leak of ..." with its stack). */
export function leakBlocks(report: string): string[] {
  return report.split(/\n(?=(?:Direct|Indirect) leak of )/).filter((b) => /^(Direct|Indirect) leak of /.test(b));
}

const OURS = /\/native\/|deps\/llama\.cpp\/|persona_gen\.node/;
const NAPI_LAYER = /\bin (?:napi_|v8impl::|node_api_)/;
const ENGINE = /\bin (?:v8::|heap::|cppgc::|node::|uv_|Builtins_)|\([^)]*\/node\+0x/;

/** True when the block's allocation was requested by the addon or llama.cpp (see the module note). */
export function isOurLeak(block: string): boolean {
  const frames = block.split('\n').filter((l) => /^\s*#\d+ /.test(l));
  for (const frame of frames.slice(1)) {
    if (OURS.test(frame)) return true;
    if (NAPI_LAYER.test(frame)) continue;
    if (ENGINE.test(frame)) return false;
  }
  return false;
}
