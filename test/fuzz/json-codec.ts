/**
 * JSON that keeps what the fuzz descriptions hold and plain JSON loses: bigints, NaN, ±Infinity,
 * -0 and undefined (as tagged objects).
 */

/** Serializes a value, tagging bigints and non-finite numbers. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    if (typeof raw === 'bigint') return { $bigint: raw.toString() };
    if (typeof raw === 'number' && (!Number.isFinite(raw) || Object.is(raw, -0))) return { $number: Object.is(raw, -0) ? '-0' : String(raw) };
    if (raw === undefined && key !== '' && Array.isArray(this)) return { $undefined: true };
    return v;
  });
}

/** Parses what {@link encodeJson} wrote. */
export function decodeJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
      if (typeof o.$number === 'string') return o.$number === '-0' ? -0 : Number(o.$number);
      if (o.$undefined === true) return undefined;
    }
    return v;
  }) as T;
}
