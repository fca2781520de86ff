/**
 * Error helpers shared by the library: argument checks that name the argument and what was
 * expected.
 * @module
 */

/** Throws a TypeError unless `cond` holds. */
export function expectType(cond: boolean, message: string): asserts cond {
  if (!cond) throw new TypeError(message);
}

/** Throws a RangeError unless `cond` holds. */
export function expectRange(cond: boolean, message: string): asserts cond {
  if (!cond) throw new RangeError(message);
}

/** Checks an optional number option: finite, within [min, max], an integer if asked. */
export function checkNumber(
  value: unknown,
  name: string,
  min: number,
  max: number,
  integer = false,
): number | undefined {
  if (value === undefined) return undefined;
  expectType(typeof value === 'number', `${name} must be a number, got ${typeof value}`);
  expectRange(Number.isFinite(value), `${name} must be a finite number, got ${String(value)}`);
  if (integer) expectRange(Number.isInteger(value), `${name} must be an integer, got ${value}`);
  expectRange(value >= min && value <= max, `${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Converts numbers to a Float32Array (copying), checking that every value is finite. */
export function toFiniteFloat32(values: ArrayLike<number>, name: string): Float32Array {
  const out = values instanceof Float32Array ? values : Float32Array.from(values);
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`${name}[${i}] is ${v}: every value must be a finite number`);
  }
  return out;
}

/** The error thrown when a disposed object is used. */
export class DisposedError extends Error {
  constructor(what: string) {
    super(`this ${what} has been disposed`);
    this.name = 'DisposedError';
  }
}
