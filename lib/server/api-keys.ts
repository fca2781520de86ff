/**
 * API keys and tenants. A key maps to one tenant (whose users it alone sees) and may be an
 * admin key (allowed to read `/metrics`). Keys come from `--api-key` (tenant `default`, admin)
 * and/or a keys file:
 *
 * ```json
 * { "keys": [ { "key": "sk-acme-1", "tenant": "acme" }, { "key": "sk-ops", "tenant": "ops", "admin": true } ] }
 * ```
 *
 * Keys are held as sha256 digests and looked up by the digest of what a request sends
 * (`Authorization: Bearer <key>`). With no key configured the server is open: every request is
 * the admin of tenant `default`.
 * @module
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { ApiError } from './api-error.js';
import { checkId } from './ids.js';

/** Who a request is. */
export interface Principal {
  tenant: string;
  admin: boolean;
}

/** One entry of a keys file. */
export interface KeyEntry {
  key: string;
  tenant: string;
  admin?: boolean;
}

/** The tenant of `--api-key` and of an open server. */
export const DEFAULT_TENANT = 'default';

const digest = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** The configured keys; {@link KeyRing.authenticate} turns a request's header into a {@link Principal}. */
export class KeyRing {
  readonly #byDigest = new Map<string, Principal>();

  /**
   * @param entries - the keys (each at least 8 characters, no white space; tenants are ids)
   * @param where - what to name in errors (e.g. the keys file)
   * @throws Error naming the entry for a malformed or duplicate key
   */
  constructor(entries: readonly KeyEntry[], where = 'keys') {
    entries.forEach((e, i) => {
      const at = `${where}: entry ${i}`;
      if (typeof e.key !== 'string' || e.key.length < 8 || e.key.length > 512 || /\s/.test(e.key)) {
        throw new Error(`${at}: "key" must be a string of 8 to 512 characters without white space`);
      }
      if (typeof e.tenant !== 'string') throw new Error(`${at}: "tenant" must be a string`);
      try {
        checkId(e.tenant, 'tenant');
      } catch (err) {
        throw new Error(`${at}: ${(err as Error).message}`);
      }
      if (e.admin !== undefined && typeof e.admin !== 'boolean') throw new Error(`${at}: "admin" must be true or false`);
      const d = digest(e.key);
      if (this.#byDigest.has(d)) throw new Error(`${at}: the same key is listed twice`);
      this.#byDigest.set(d, { tenant: e.tenant, admin: e.admin ?? false });
    });
  }

  /**
   * The keys of `--api-key` (tenant `default`, admin) and of a keys file.
   * @throws Error naming the file and entry for a malformed file or key
   */
  static load(options: { apiKey?: string; keysFile?: string }): KeyRing {
    const entries: KeyEntry[] = options.apiKey === undefined ? [] : [{ key: options.apiKey, tenant: DEFAULT_TENANT, admin: true }];
    if (options.keysFile !== undefined) entries.push(...readKeysFile(options.keysFile));
    return new KeyRing(entries, options.keysFile === undefined ? '--api-key' : `keys (--api-key, ${options.keysFile})`);
  }

  /** Whether any key is configured (otherwise the server is open). */
  get enabled(): boolean {
    return this.#byDigest.size > 0;
  }

  /** Number of keys. */
  get size(): number {
    return this.#byDigest.size;
  }

  /**
   * The principal of an `Authorization` header value.
   * @throws ApiError 401 when keys are configured and the header is missing, malformed or unknown
   */
  authenticate(header: string | undefined): Principal {
    if (!this.enabled) return { tenant: DEFAULT_TENANT, admin: true };
    if (header === undefined || header === '') {
      throw new ApiError(401, 'authentication_error', 'no API key: send "Authorization: Bearer <key>"', null, 'missing_api_key');
    }
    const m = /^Bearer +(\S+) *$/i.exec(header);
    if (!m) throw new ApiError(401, 'authentication_error', 'the Authorization header must be "Bearer <key>"', null, 'invalid_api_key');
    const p = this.#byDigest.get(digest(m[1]!));
    if (!p) throw new ApiError(401, 'authentication_error', 'the API key is not valid', null, 'invalid_api_key');
    return p;
  }
}

/**
 * Reads a keys file (JSON, see the module doc); the entries are checked by {@link KeyRing}.
 * @throws Error naming the file for unreadable or malformed JSON
 */
export function readKeysFile(file: string): KeyEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`keys file ${file}: ${(err as Error).message}`);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error(`keys file ${file}: expected an object { "keys": [ { "key", "tenant", "admin"? } ] }`);
  keys.forEach((k, i) => {
    if (k === null || typeof k !== 'object' || Array.isArray(k)) throw new Error(`keys file ${file}: entry ${i} must be an object`);
  });
  return keys as KeyEntry[];
}
