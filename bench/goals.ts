/**
 * Goals of the benchmark issues: a named target and whether a run met it.
 * @module
 */

/** A goal of the benchmark issue and whether this run met it. */
export interface Goal {
  name: string;
  target: string;
  value: number | null;
  met: boolean | null;
}
