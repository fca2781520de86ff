/**
 * A smaller inlining budget for V8's optimizing compiler (TurboFan), for a short CPU-bound
 * command. `persona-gen score` on a few thousand long pairs runs for about two seconds, and its
 * hot functions (tokenizers, ROUGE, METEOR's alignment and WordNet lookups) are optimized while
 * it runs: with V8's default budget (920 bytecodes inlined into one optimized function) those
 * compiles took about a quarter of the command's CPU on a 2-core machine, on background threads
 * competing with the two scoring threads, plus tens of MB of compiler memory. With a budget of
 * 150 the command used about 10% less CPU and 7,000 fewer page faults, and its wall time fell 7-13%
 * (4,000 State of the Union pairs, alternating runs); a 20,000-pair file was not slower.
 *
 * The setting is process-wide (worker threads share it) and is made only by the CLI command, not
 * by the library: `setFlagsFromString` after start-up is meant for flags read when code is
 * compiled, as this one is. Long-running commands (`eval`, `serve`) keep V8's default.
 * @module
 */
import { setFlagsFromString } from 'node:v8';

/** Bytecodes TurboFan may inline into one optimized function under {@link lowerInliningBudget} (V8's default: 920). */
export const SHORT_COMMAND_INLINING_BUDGET = 150;

let lowered = false;

/** Sets V8's cumulative inlining budget to {@link SHORT_COMMAND_INLINING_BUDGET} for this process (once). */
export function lowerInliningBudget(): void {
  if (lowered) return;
  lowered = true;
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${SHORT_COMMAND_INLINING_BUDGET}`);
}
