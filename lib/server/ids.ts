/**
 * Ids of users and tenants: 1 to 128 characters of letters, digits and `._:@+-`, not starting
 * with a dot. They appear in URLs and in the database (always as bound parameters), never in
 * file names.
 * @module
 */

/** The pattern every user and tenant id matches. */
export const ID_PATTERN = '^[A-Za-z0-9_:@+\\-][A-Za-z0-9._:@+\\-]{0,127}$';

const ID_RE = new RegExp(ID_PATTERN);

/**
 * Checks an id.
 * @param value - the id
 * @param name - what to call it in the error
 * @throws RangeError naming `name` when it does not match {@link ID_PATTERN}
 */
export function checkId(value: string, name: string): string {
  if (!ID_RE.test(value)) {
    throw new RangeError(`${name} must be 1 to 128 characters of letters, digits and . _ : @ + - (not starting with a dot)`);
  }
  return value;
}

/** Whether a value is a valid id. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_RE.test(value);
}
