/**
 * The vector helpers of the TypeScript side (one place): L2 norm, dot product and the unit-length
 * copy that user vectors, matrix rows and retrieval scores use. (The native side has its own one
 * place, native/VectorMath.h.)
 * @module
 */

/** L2 norm (accumulated in double precision). */
export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** Dot product. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A unit-length copy (a zero vector stays zero). */
export function normalized(v: ArrayLike<number>): Float32Array {
  const n = norm(v);
  const out = new Float32Array(v.length);
  if (n > 0) for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}
